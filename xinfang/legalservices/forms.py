"""Forms of the one-stop service pages: the public booking form and status lookup, the catalogue
and inbox filters, and the staff actions."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Level, Organisation

from .abuse import HONEYPOT_FIELD
from .models import STAFF_CHANNELS, RequestChannel, RequestStatus, ServiceKind, ServicePoint, TimeSlot
from .selectors import CATALOGUE_LEVELS
from .services import BOOKING_DAYS_AHEAD, MAX_DESCRIPTION, MAX_TEXT, PHONE_RE, RECEIVED_DAYS_BACK, current_time_slot


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


class KindAtPointsSelect(forms.Select):
    """A kind select whose options say at which points each kind is offered (`data-points`), so
    that a small script can offer only the chosen point's kinds; the form checks it either way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.points_of: dict[int, str] = {}

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        value = getattr(option["value"], "value", option["value"])
        if value in self.points_of:
            option["attrs"]["data-points"] = self.points_of[value]
        return option


class StaffRequestForm(forms.Form):
    """Staff register a request for a person at the counter or on the phone. The point is one of
    the user's (legalservice.handle), the kind one the point offers."""

    point = PointChoiceField(label=_("服务点"), queryset=ServicePoint.objects.none(), empty_label=None)
    channel = forms.ChoiceField(
        label=_("申请渠道"),
        choices=[(value, label) for value, label in RequestChannel.choices if value in STAFF_CHANNELS],
        widget=forms.RadioSelect,
        initial=RequestChannel.WALK_IN,
    )
    kind = KindChoiceField(
        label=_("服务项目"), queryset=ServiceKind.objects.none(), empty_label=_("请选择"), widget=KindAtPointsSelect
    )
    name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        validators=[RegexValidator(PHONE_RE, _("请填写正确的电话号码，例如 13800000000 或 020-00000000。"))],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    description = forms.CharField(
        label=_("简要说明"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("申请人的问题和希望得到的帮助（不超过 1000 字）。"),
    )
    preferred_date = forms.DateField(
        label=_("希望办理日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time_slot = forms.ChoiceField(label=_("时段"), choices=TimeSlot.choices, widget=forms.RadioSelect)
    received_on = forms.DateField(
        label=_("收到申请日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("当天来访、来电的保持今天；事后补录的填写实际收到的日期，法定时限从这一天起算。"),
    )
    language = forms.ChoiceField(
        label=_("回执语言"), choices=settings.LANGUAGES, help_text=_("打印给申请人的回执使用的语言。")
    )
    accept_now = forms.BooleanField(
        label=_("当场受理"), required=False, help_text=_("当场决定受理的，勾选后登记即受理。")
    )
    note = forms.CharField(
        label=_("给申请人的说明"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可选，随当场受理发出。例如约定的时间、地点和需要补充的材料；申请人在查询页面可以看到。"),
    )
    informed = forms.BooleanField(
        label=_("已告知申请人：登记的姓名、电话和说明只用于办理本次申请。"),
        error_messages={"required": _("请先告知申请人个人信息的使用说明，然后勾选此项。")},
    )

    def __init__(self, *args: Any, points: list[ServicePoint], language: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.points = points
        self.fields["point"].queryset = ServicePoint.objects.filter(pk__in=[p.pk for p in points]).order_by(  # type: ignore[attr-defined]
            "organisation__level", "sort_order", "organisation__path", "name"
        )
        offered: dict[int, list[str]] = {}
        for point in points:
            for kind in point.kinds.all():
                offered.setdefault(kind.pk, []).append(str(point.pk))
        self.fields["kind"].queryset = ServiceKind.objects.filter(pk__in=offered, is_active=True).order_by(  # type: ignore[attr-defined]
            "sort_order", "code"
        )
        self.fields["kind"].widget.points_of = {pk: " ".join(ids) for pk, ids in offered.items()}
        today = timezone.localdate()
        self.fields["preferred_date"].initial = today
        self.fields["preferred_date"].widget.attrs.update(
            min=today.isoformat(), max=(today + datetime.timedelta(days=BOOKING_DAYS_AHEAD)).isoformat()
        )
        self.fields["received_on"].initial = today
        self.fields["received_on"].widget.attrs.update(
            min=(today - datetime.timedelta(days=RECEIVED_DAYS_BACK)).isoformat(), max=today.isoformat()
        )
        self.fields["time_slot"].initial = current_time_slot()
        self.fields["language"].initial = language or settings.LANGUAGE_CODE
        for name in ("name", "phone", "description", "preferred_date", "received_on", "note"):
            _control(self.fields[name])
        for name in ("point", "kind", "language"):
            _control(self.fields[name], "form-select")
        for name in ("accept_now", "informed"):
            _control(self.fields[name], "form-check-input")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        point, kind = data.get("point"), data.get("kind")
        if point is not None and kind is not None:
            chosen = next((p for p in self.points if p.pk == point.pk), None)
            if chosen is None or kind.pk not in {k.pk for k in chosen.kinds.all()}:
                self.add_error("kind", _("该服务点不提供这项服务，请选择其他服务项目或服务点。"))
        return data


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
