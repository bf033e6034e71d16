"""Forms of the grid pages. They only shape input; the services decide (and say why not)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Organisation

from .models import DisputeCategory
from .states import EventLevel, EventStatus, PartyRole

TEXT = {"class": "form-control"}
TEXTAREA = forms.Textarea(attrs={"class": "form-control", "rows": 3})


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos at once; on a phone the camera opens directly (capture="environment")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(
                attrs={"class": "form-control", "accept": "image/jpeg,image/png", "capture": "environment"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultiplePhotoField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ReportForm(forms.Form):
    """The phone-first report form of a grid worker."""

    grid = forms.ModelChoiceField(
        label=_("网格"), queryset=Organisation.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    place_text = forms.CharField(label=_("事发地点"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=DisputeCategory.objects.none(),
        required=False,
        empty_label=_("不清楚（由系统建议）"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    occurred_at = forms.DateTimeField(
        label=_("发生时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"class": "form-control", "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    description = forms.CharField(label=_("事件描述"), max_length=5000, widget=TEXTAREA)
    lon = forms.DecimalField(
        label=_("经度"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )
    lat = forms.DecimalField(
        label=_("纬度"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
        help_text=_("可不填；填写时须在网格范围内。"),
    )
    photos = MultiplePhotoField(label=_("照片"), required=False, help_text=_("JPEG 或 PNG，最多 9 张。"))

    def __init__(self, *args: Any, grids: Any, categories: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids  # type: ignore[attr-defined]
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        only = list(grids[:2])
        if len(only) == 1:
            self.fields["grid"].initial = only[0].pk


class PartyForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT))
    role = forms.ChoiceField(
        label=_("身份"),
        choices=PartyRole.choices,
        initial=PartyRole.APPLICANT,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    phone = forms.CharField(
        label=_("电话"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel", "autocomplete": "off"}),
    )


PartyFormSet = forms.formset_factory(PartyForm, extra=2, max_num=20, validate_max=True)


class ListFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("全部")), ("open", _("未办结")), *EventStatus.choices]

    status = forms.ChoiceField(
        label=_("状态"), choices=STATUS_CHOICES, required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    level = forms.ChoiceField(
        label=_("处置层级"),
        choices=[("", _("全部")), *EventLevel.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=DisputeCategory.objects.none(),
        required=False,
        empty_label=_("全部"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    q = forms.CharField(label=_("关键词"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT))
    overdue = forms.BooleanField(
        label=_("只看已到期"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args: Any, categories: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]


class ResultForm(forms.Form):
    result = forms.CharField(label=_("处置结果"), max_length=5000, widget=TEXTAREA)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("上报理由"), max_length=5000, widget=TEXTAREA)


class VerifyForm(forms.Form):
    note = forms.CharField(label=_("核查情况"), max_length=5000, widget=TEXTAREA)


class CategoryForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=DisputeCategory.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args: Any, categories: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if categories is None:
            categories = DisputeCategory.objects.filter(is_active=True)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]


class PetitionForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("登记机构"), queryset=Organisation.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class MediationForm(forms.Form):
    consent_recorded = forms.BooleanField(
        label=_("当事人已同意调解"),
        required=False,
        help_text=_("调解须当事人自愿（MED-01）。"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
