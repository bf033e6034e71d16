"""Forms of the outreach pages. They check the shape of the input; the services check the rules."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.roles import Action
from xinfang.orgs.models import Function, Kind, Organisation, ReceptionPoint

from .models import ReceptionDay
from .services import ASSIGNABLE_KINDS, VISITABLE_KINDS, reception_slots
from .states import VisitKind

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M")
TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def _orgs(user: Any, action: str, kinds: frozenset[str] | set[str] | None = None) -> Any:
    organisations = Organisation.objects.restrict(user, action).filter(is_active=True, is_external=False)
    if kinds is not None:
        organisations = organisations.filter(kind__in=kinds)
    return organisations.order_by("path")


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.local_name)


# --- Public -------------------------------------------------------------------------------------


class BookingForm(forms.Form):
    name = forms.CharField(
        label=_("姓名"), max_length=60, widget=forms.TextInput(attrs={**TEXT, "autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("每个电话号码每天只能预约一次。"),
    )
    preferred_time = forms.ChoiceField(label=_("希望时段"), required=False, widget=forms.Select(attrs=SELECT))
    subject = forms.CharField(
        label=_("反映事项"),
        max_length=1000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4}),
        help_text=_("简要说明您要当面反映的问题（不超过 1000 字）。"),
    )
    consent = forms.BooleanField(
        label=_("我同意接访单位为安排接访使用我填写的信息。"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        error_messages={"required": _("请勾选同意后再提交。")},
    )

    def __init__(self, *args: Any, day: ReceptionDay, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("不限"))] + [(t.strftime("%H:%M"), t.strftime("%H:%M")) for t in reception_slots(day)]
        self.fields["preferred_time"].choices = choices  # type: ignore[attr-defined]

    def clean_preferred_time(self) -> datetime.time | None:
        value = self.cleaned_data.get("preferred_time") or ""
        return datetime.time.fromisoformat(value) if value else None


class LookupForm(forms.Form):
    reference = forms.CharField(
        label=_("预约编号"), max_length=20, widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off"})
    )
    code = forms.CharField(
        label=_("查询码"), max_length=20, widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off"})
    )


# --- Staff ---------------------------------------------------------------------------------------


class ReceptionDayForm(forms.Form):
    organisation = OrgChoiceField(
        label=_("所属机构"), queryset=Organisation.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    leader_name = forms.CharField(label=_("接访领导"), max_length=60, widget=forms.TextInput(attrs=TEXT))
    leader_title = forms.CharField(label=_("职务"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    reception_point = forms.ModelChoiceField(
        label=_("接待场所"), queryset=ReceptionPoint.objects.none(), required=False, widget=forms.Select(attrs=SELECT)
    )
    place = forms.CharField(
        label=_("接访地点"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
        help_text=_("选择了接待场所时可不填，默认为场所地址。"),
    )
    date = forms.DateField(label=_("接访日期"), widget=DATE)
    start_time = forms.TimeField(label=_("开始时间"), widget=TIME)
    end_time = forms.TimeField(label=_("结束时间"), widget=TIME)
    capacity = forms.IntegerField(
        label=_("可预约人数"), min_value=1, max_value=500, widget=forms.NumberInput(attrs=TEXT)
    )
    topic = forms.CharField(label=_("接访主题"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = _orgs(
            user, Action.OUTREACH_MANAGE, {Kind.DISTRICT, Kind.TOWN, Kind.STREET, Kind.VILLAGE, Kind.COMMUNITY}
        )
        self.fields["organisation"].queryset = areas  # type: ignore[attr-defined]
        self.fields["reception_point"].queryset = (  # type: ignore[attr-defined]
            ReceptionPoint.objects.restrict(user, Action.OUTREACH_MANAGE).filter(is_active=True).order_by("name")
        )


class VisitForm(forms.Form):
    """A visit with up to three matters raised (a phone-sized form; more are added on the visit page)."""

    ITEM_SLOTS = 3

    kind = forms.ChoiceField(label=_("类型"), choices=VisitKind.choices, widget=forms.Select(attrs=SELECT))
    organisation = OrgChoiceField(
        label=_("走访地"), queryset=Organisation.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    place_text = forms.CharField(
        label=_("具体地点（企业、农户等）"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    date = forms.DateField(label=_("走访日期"), widget=DATE)
    people_met = forms.IntegerField(
        label=_("接触群众人数"), min_value=0, max_value=100000, initial=0,
        widget=forms.NumberInput(attrs={**TEXT, "inputmode": "numeric"}),
    )  # fmt: skip
    notes = forms.CharField(
        label=_("走访情况"), max_length=2000, required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _orgs(user, Action.OUTREACH_MANAGE, set(VISITABLE_KINDS))  # type: ignore[attr-defined]
        for n in range(1, self.ITEM_SLOTS + 1):
            self.fields[f"item{n}_description"] = forms.CharField(
                label=_("反映事项 %(n)s") % {"n": n}, max_length=2000, required=False,
                widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
            )  # fmt: skip
            self.fields[f"item{n}_raised_by"] = forms.CharField(
                label=_("反映人"), max_length=60, required=False, widget=forms.TextInput(attrs=TEXT)
            )
            self.fields[f"item{n}_phone"] = forms.CharField(
                label=_("反映人电话"), max_length=20, required=False,
                widget=forms.TextInput(attrs={**TEXT, "inputmode": "tel"}),
            )  # fmt: skip
            self.fields[f"item{n}_resolution"] = forms.CharField(
                label=_("当场化解情况（未化解不填）"), max_length=2000, required=False,
                widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
            )  # fmt: skip

    def item_rows(self) -> list[list[Any]]:
        return [
            [self[f"item{n}_{part}"] for part in ("description", "raised_by", "phone", "resolution")]
            for n in range(1, self.ITEM_SLOTS + 1)
        ]

    def items(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        rows = []
        for n in range(1, self.ITEM_SLOTS + 1):
            values = {
                part: (data.get(f"item{n}_{part}") or "").strip()
                for part in ("description", "raised_by", "phone", "resolution")
            }
            if any(values.values()):
                rows.append(values)
        return rows


class ItemForm(forms.Form):
    description = forms.CharField(
        label=_("反映事项"), max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )
    raised_by = forms.CharField(label=_("反映人"), max_length=60, required=False, widget=forms.TextInput(attrs=TEXT))
    raised_by_phone = forms.CharField(
        label=_("反映人电话"), max_length=20, required=False, widget=forms.TextInput(attrs=TEXT)
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("当场化解情况"), max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )


class ToPetitionForm(forms.Form):
    organisation = OrgChoiceField(
        label=_("登记机关"), queryset=Organisation.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    title = forms.CharField(
        label=_("标题（可不填）"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offices = _orgs(user, Action.MATTER_REGISTER).filter(function=Function.PETITION_BUREAU)
        self.fields["organisation"].queryset = offices  # type: ignore[attr-defined]


class ToGridEventForm(forms.Form):
    grid = OrgChoiceField(label=_("网格"), queryset=Organisation.objects.none(), widget=forms.Select(attrs=SELECT))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = _orgs(user, Action.GRID_EVENT_REPORT, {Kind.GRID})  # type: ignore[attr-defined]


class ToMediationForm(forms.Form):
    organisation = OrgChoiceField(
        label=_("调解组织所在机构"), queryset=Organisation.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    applicant = forms.CharField(label=_("申请人"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    applicant_phone = forms.CharField(
        label=_("申请人电话"), max_length=20, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    respondent = forms.CharField(
        label=_("被申请人"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    category = forms.CharField(label=_("纠纷类型"), max_length=60, required=False, widget=forms.TextInput(attrs=TEXT))
    consent_recorded = forms.BooleanField(
        label=_("已记录当事人同意调解"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _orgs(user, Action.MEDIATION_HANDLE)  # type: ignore[attr-defined]


class AssignmentForm(forms.Form):
    cadre = forms.CharField(label=_("包联干部（用户名）"), max_length=150, widget=forms.TextInput(attrs=TEXT))
    organisation = OrgChoiceField(
        label=_("包联村（社区、网格）"), queryset=Organisation.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    start = forms.DateField(label=_("开始日期"), widget=DATE)
    end = forms.DateField(label=_("结束日期"), required=False, widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _orgs(user, Action.OUTREACH_MANAGE, set(ASSIGNABLE_KINDS))  # type: ignore[attr-defined]

    def clean_cadre(self) -> Any:
        username = self.cleaned_data["cadre"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("没有这个在用的用户名。"))
        return user


class PlanForm(forms.Form):
    visits_per_month = forms.IntegerField(
        label=_("每月走访次数"), min_value=0, max_value=31, initial=0, widget=forms.NumberInput(attrs=TEXT)
    )
    dates = forms.CharField(
        label=_("计划走访日期"),
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
        help_text=_("每个日期写成 2026-03-05，用逗号、空格或换行分开。"),
    )

    def clean_dates(self) -> list[datetime.date]:
        parts = [p for p in re.split(r"[\s,，、;；]+", self.cleaned_data.get("dates") or "") if p]
        dates, bad = [], []
        for part in parts:
            try:
                dates.append(datetime.date.fromisoformat(part))
            except ValueError:
                bad.append(part)
        if bad:
            raise forms.ValidationError(_("无法识别的日期：%(dates)s") % {"dates": "、".join(bad)})
        return dates


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DATE)

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to.replace(day=1)
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        return date_from, date_to
