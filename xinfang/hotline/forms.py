"""Forms of the staff pages of 12345 work orders (the services validate again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Organisation

from .models import HotlineOrder
from .states import Evaluation, OrderStatus

TEXTAREA = forms.Textarea(attrs={"rows": 3, "class": "form-control"})


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("open", _("未办结")), ("", _("全部")), *OrderStatus.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    due = forms.ChoiceField(
        label=_("期限"),
        required=False,
        choices=[("", _("不限")), ("overdue", _("已逾期")), ("soon", _("即将到期"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    held = forms.BooleanField(
        label=_("只看本机构承办的"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_bound:
            return {"status": "open", "due": "", "held": False}
        if not self.is_valid():
            return {"status": "open", "due": "", "held": False}
        return dict(self.cleaned_data)


class DispatchForm(forms.Form):
    to_org = forms.ModelChoiceField(
        label=_("派往机构"), queryset=Organisation.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    note = forms.CharField(label=_("派单说明"), required=False, max_length=5000, widget=TEXTAREA)

    def __init__(self, *args: Any, targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = targets  # type: ignore[attr-defined]  # set per order


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=5000, widget=TEXTAREA)


class ExtendForm(forms.Form):
    days = forms.IntegerField(
        label=_("延期工作日"), min_value=1, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    reason = forms.CharField(label=_("延期理由"), max_length=5000, widget=TEXTAREA)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = int(settings.XINFANG_HOTLINE_MAX_EXTENSION_DAYS)
        self.fields["days"] = forms.IntegerField(
            label=_("延期工作日"),
            min_value=1,
            max_value=limit,
            help_text=_("最多 %(max)s 个工作日，只能延期一次（HOT-04）。") % {"max": limit},
            widget=forms.NumberInput(attrs={"class": "form-control"}),
        )


class ReplyForm(forms.Form):
    result = forms.CharField(label=_("办理结果"), max_length=5000, widget=TEXTAREA)


class CloseForm(forms.Form):
    evaluation = forms.ChoiceField(label=_("回访评价"), choices=Evaluation.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("回访情况"), required=False, max_length=5000, widget=TEXTAREA)


class MergeForm(forms.Form):
    """并单: the open order this one repeats, chosen from the candidates the service offers."""

    into: forms.ModelChoiceField[HotlineOrder] = forms.ModelChoiceField(
        label=_("并入工单"), queryset=HotlineOrder.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    reason = forms.CharField(label=_("并单理由"), max_length=5000, widget=TEXTAREA)

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "merge")
        super().__init__(*args, **kwargs)
        field = self.fields["into"]
        field.queryset = HotlineOrder.objects.filter(pk__in=[c.pk for c in candidates])  # type: ignore[attr-defined]
        field.label_from_instance = lambda o: f"{o.reference} · {o.get_status_display()} · {o.content[:30]}"  # type: ignore[attr-defined]


class RehandleForm(forms.Form):
    """退回重办 at the return visit: what the caller is dissatisfied with."""

    reason = forms.CharField(label=_("重办理由"), max_length=5000, widget=TEXTAREA)
    note = forms.CharField(label=_("回访情况"), required=False, max_length=5000, widget=TEXTAREA)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "rehandle")
        super().__init__(*args, **kwargs)
