"""Forms of the one-stop service pages: the public booking form and status lookup, the catalogue
and inbox filters, and the staff actions."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Level, Organisation

from .abuse import HONEYPOT_FIELD
from .models import RequestStatus, ServiceKind, ServicePoint, TimeSlot
from .selectors import CATALOGUE_LEVELS
from .services import BOOKING_DAYS_AHEAD, MAX_DESCRIPTION, MAX_TEXT, PHONE_RE


class KindChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.local_name)


class PointChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.local_name)


class OrganisationChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.local_name)


def _control(field: forms.Field, css: str = "form-control") -> None:
    field.widget.attrs.setdefault("class", css)


class RequestForm(forms.Form):
    """Book or request a service at one point. The honeypot and the signed form token are checked
    by the view before this form is validated."""

    kind = KindChoiceField(label=_("服务项目"), queryset=ServiceKind.objects.none(), empty_label=None)
    preferred_date = forms.DateField(
        label=_("希望办理日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("可以预约今天起 60 天以内的日期；工作人员会电话与您确认具体时间。"),
    )
    time_slot = forms.ChoiceField(
        label=_("时段"), choices=TimeSlot.choices, widget=forms.RadioSelect, initial=TimeSlot.MORNING
    )
    name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        validators=[RegexValidator(PHONE_RE, _("请填写正确的电话号码，例如 13800000000 或 020-00000000。"))],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("工作人员通过这个电话与您联系。"),
    )
    description = forms.CharField(
        label=_("简要说明"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("用几句话说明您遇到的问题和希望得到的帮助（不超过 1000 字）。"),
    )
    consent = forms.BooleanField(
        label=_("我同意服务点为办理本次申请使用我填写的信息。"),
        error_messages={"required": _("请阅读并同意个人信息的使用说明。")},
    )

    def __init__(self, *args: Any, point: ServicePoint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.point = point
        self.fields["kind"].queryset = point.kinds.filter(is_active=True).order_by("sort_order")  # type: ignore[attr-defined]
        today = timezone.localdate()
        date_widget = self.fields["preferred_date"].widget
        date_widget.attrs["min"] = today.isoformat()
        date_widget.attrs["max"] = (today + datetime.timedelta(days=BOOKING_DAYS_AHEAD)).isoformat()
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        for name in ("preferred_date", "name", "phone", "description"):
            _control(self.fields[name])
        _control(self.fields["kind"], "form-select")
        _control(self.fields["consent"], "form-check-input")


class StatusForm(forms.Form):
    reference = forms.CharField(
        label=_("申请编号"),
        max_length=32,
        help_text=_("提交申请后显示的编号，例如 LS-7KQ2-M9XD。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("查询码"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _control(field)


class CatalogueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("服务项目"), required=False)
    level = forms.TypedChoiceField(label=_("层级"), required=False, coerce=int, empty_value=None)
    town = OrganisationChoiceField(
        label=_("镇（街道）"), required=False, queryset=Organisation.objects.none(), empty_label=_("全部")
    )

    def __init__(self, *args: Any, kinds: list[ServiceKind], towns: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = {k.code: k for k in kinds}
        self.fields["kind"].choices = [("", _("全部")), *[(k.code, k.local_name) for k in kinds]]  # type: ignore[attr-defined]
        self.fields["level"].choices = [("", _("全部")), *[(int(lv), Level(lv).label) for lv in CATALOGUE_LEVELS]]  # type: ignore[attr-defined]
        self.fields["town"].queryset = Organisation.objects.filter(pk__in=[t.pk for t in towns]).order_by(  # type: ignore[attr-defined]
            "sort_order", "path"
        )
        for name in ("kind", "level", "town"):
            _control(self.fields[name], "form-select form-select-sm")

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "kind": self.kinds.get(data.get("kind") or ""),
            "level": data.get("level"),
            "town": data.get("town"),
        }


STATUS_FILTER_CHOICES = [("", _("全部")), ("open", _("未办结")), *RequestStatus.choices]


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_FILTER_CHOICES)
    kind = KindChoiceField(
        label=_("服务项目"), required=False, queryset=ServiceKind.objects.none(), empty_label=_("全部")
    )
    point = PointChoiceField(
        label=_("服务点"), required=False, queryset=ServicePoint.objects.none(), empty_label=_("全部")
    )

    def __init__(self, *args: Any, points: list[ServicePoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = ServiceKind.objects.order_by("sort_order")  # type: ignore[attr-defined]
        self.fields["point"].queryset = ServicePoint.objects.filter(pk__in=[p.pk for p in points]).order_by(  # type: ignore[attr-defined]
            "organisation__level", "sort_order", "organisation__path", "name"
        )
        for field in self.fields.values():
            _control(field, "form-select form-select-sm")

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class AcceptForm(forms.Form):
    note = forms.CharField(
        label=_("给申请人的说明"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("可选。例如确认的时间、地点和需要补充的材料；申请人在查询页面可以看到。"),
    )


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=_("办理结果"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=_("用申请人看得懂的话写明结果；申请人在查询页面可以看到。"),
        error_messages={"required": _("请填写办理结果，申请人将在查询页面看到。")},
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("不予办理的理由"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=_("写明理由，并告诉申请人可以到哪里办理；申请人在查询页面可以看到。"),
        error_messages={"required": _("请填写不予办理的理由，申请人将在查询页面看到。")},
    )


HONEYPOT = HONEYPOT_FIELD
