"""Forms of the triage and routing actions. They check shapes only (required, dates, choices);
the rules live in the services, whose errors the views put next to the fields named here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import User
from xinfang.orgs.models import Organisation
from xinfang.powerlist.models import MatterType

from .states import LevelDecision, Nature, NonAcceptanceGround, NoticeKind, NoticeMethod, RoutingKind

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
DEFAULT_BASIS = _("属地管理、分级负责，谁主管、谁负责（《信访工作条例》第二十二条第一款）")


class _StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def add_error(self, field: str | None, error: Any) -> None:
        """Mark the fields that got an error (Bootstrap `is-invalid`, `aria-invalid`) so the message
        shows next to them, whether it came from the form or from the service."""
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                field_id = self[name].auto_id or name
                described = [f"{field_id}-errors"]
                if self.fields[name].help_text:
                    described.append(f"{field_id}_helptext")
                attrs["aria-describedby"] = " ".join(described)


def _datetime_field(label: Any, help_text: Any = "", required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=help_text,
    )


def _date_field(label: Any, help_text: Any = "", required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=help_text,
    )


def _late_reason() -> forms.CharField:
    return forms.CharField(
        label=_("逾期原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("超过期限办理的，必须说明原因；逾期记录将一直显示。"),
    )


class _OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.local_name)


def _target_field(label: Any, required: bool = True) -> _OrganisationChoiceField:
    # Any organisation id is accepted here, so that a target outside the list gets the service's
    # error with the rule cited; the select offers only the restricted list (set per matter).
    return _OrganisationChoiceField(queryset=Organisation.objects.all(), label=label, required=required)


def _offer(field: forms.Field, targets: QuerySet[Organisation] | list[Organisation]) -> None:
    field.widget.choices = [("", "---------"), *[(o.pk, o.local_name) for o in targets]]  # type: ignore[attr-defined]


class TriageForm(_StyledForm):
    """Level and nature (两个区分), the matter type, and who is reported (XF-CLS-03)."""

    level = forms.ChoiceField(label=_("层级"), choices=LevelDecision.choices, widget=forms.RadioSelect)
    nature = forms.ChoiceField(label=_("性质"), choices=Nature.choices, widget=forms.RadioSelect)
    matter_type = forms.ModelChoiceField(
        label=_("事项类型（权责清单）"), queryset=MatterType.objects.filter(is_active=True), required=False
    )
    reported_orgs = forms.ModelMultipleChoiceField(
        label=_("被检举控告单位"), queryset=Organisation.objects.none(), required=False
    )
    reported_users = forms.ModelMultipleChoiceField(
        label=_("被检举控告人（本系统用户）"), queryset=User.objects.none(), required=False
    )
    reported_names = forms.CharField(
        label=_("被检举控告人（姓名、职务）"),
        max_length=200,
        required=False,
        help_text=_("被检举控告人和单位永远看不到该事项（《信访工作条例》第三十条第三款）。"),
    )
    note = forms.CharField(label=_("分流意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, area: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if area is not None:
            orgs = Organisation.objects.filter(path__startswith=area.path, is_active=True).order_by("path")
            self.fields["reported_orgs"].queryset = orgs  # type: ignore[attr-defined]
            self.fields["reported_users"].queryset = (  # type: ignore[attr-defined]
                User.objects.filter(
                    is_active=True, memberships__is_active=True, memberships__organisation__path__startswith=area.path
                )
                .distinct()
                .order_by("username")
            )


class ForwardForm(_StyledForm):
    """转送 (DOC-03)."""

    to_org = _target_field(_("接收机关"))
    basis = forms.CharField(label=_("依据"), initial=DEFAULT_BASIS, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("转送意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    sent_at = _datetime_field(_("转出时间"), _("默认为现在。"))
    electronic = forms.BooleanField(
        label=_("通过本系统送达（转出即视为收到）"),
        required=False,
        initial=True,
        help_text=_("纸质送达的，由接收机关登记收到时间，期限自收到之日起算。"),
    )
    late_reason = _late_reason()

    def __init__(
        self, *args: Any, targets: QuerySet[Organisation] | list[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if targets is not None:
            _offer(self.fields["to_org"], targets)


class AssignForm(ForwardForm):
    """交办: with the report deadline and the completion report (XF-TRI-01(c), D5)."""

    report_due = _date_field(_("报送办结报告期限"), _("承办机关应当在此日期前报送办理结果和办结报告。"))
    field_order = ["to_org", "report_due", "basis", "note", "sent_at", "electronic", "late_reason"]


class AcceptHereForm(_StyledForm):
    note = forms.CharField(label=_("受理意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    late_reason = _late_reason()


class NotAcceptForm(_StyledForm):
    """不予受理 (XF-LEG-01, DOC-02)."""

    ground = forms.ChoiceField(label=_("理由"), choices=NonAcceptanceGround.choices)
    proper_channel = forms.CharField(
        label=_("应当提出的途径"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("有权机关、法定程序及相关期限，例如：向区劳动人事争议仲裁委员会申请仲裁（一年内）。"),
    )
    legal_basis = forms.CharField(label=_("法律依据"), widget=forms.Textarea(attrs={"rows": 2}))
    late_reason = _late_reason()


class GuideForm(_StyledForm):
    """告知向有权机关提出 (XF-NOT-01, XF-TRI-02)."""

    proper_channel = forms.CharField(
        label=_("有权机关及途径"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("涉法涉诉的，释法明理并引导向政法部门提出。"),
    )
    legal_basis = forms.CharField(label=_("依据"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    late_reason = _late_reason()


class UrgentForm(_StyledForm):
    """重大紧急 (XF-URG-01/02)."""

    reason = forms.CharField(
        label=_("重大、紧急情形"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将向本级党委政府和上一级信访部门报告，同时报国家信访局（第二十五条）。"),
    )


class NoticeForm(_StyledForm):
    """书面告知 (XF-NOT-01..03)."""

    kind = forms.ChoiceField(label=_("告知类型"), choices=NoticeKind.choices)
    method = forms.ChoiceField(label=_("告知方式"), choices=NoticeMethod.choices)
    given_at = _datetime_field(_("告知时间"), _("默认为现在。"))
    content = forms.CharField(
        label=_("告知内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("留空则按规定格式自动生成。"),
    )
    late_reason = _late_reason()

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, NoticeKind(k).label) for k in kinds]  # type: ignore[attr-defined]


class RoutingAcceptForm(_StyledForm):
    """The recipient accepts (no fields: the button is the decision)."""


class RoutingObjectForm(_StyledForm):
    reason = forms.CharField(
        label=_("异议理由"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("自收到之日起5个工作日内提出，详细说明不属于本机关职权范围的理由（第二十三条第三款）。"),
    )


class RoutingReceivedForm(_StyledForm):
    received_at = _datetime_field(_("收到时间"), _("异议期限和告知期限自收到之日起计算。"), required=True)


class ObjectionDecideForm(_StyledForm):
    """The bureau's decision on an objection (DOC-12), with an optional immediate re-routing."""

    upheld = forms.TypedChoiceField(
        label=_("核实意见"),
        choices=[("1", _("异议成立，退回并改送")), ("0", _("异议不成立，由原接收机关办理"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))
    reroute_to = _target_field(_("改送机关（可选）"), required=False)
    reroute_kind = forms.ChoiceField(label=_("方式"), choices=RoutingKind.choices, initial=RoutingKind.FORWARD)
    reroute_report_due = _date_field(_("报送办结报告期限（交办时）"), required=False)
    reroute_basis = forms.CharField(
        label=_("依据"), required=False, initial=DEFAULT_BASIS, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, targets: QuerySet[Organisation] | list[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if targets is not None:
            _offer(self.fields["reroute_to"], targets)


class CorrectReceivedForm(_StyledForm):
    """Correct a wrongly recorded receipt time; the clocks follow (CNT-08)."""

    received_at = _datetime_field(_("正确的收到时间"), _("期限自收到之日起重新计算。"), required=True)
    reason = forms.CharField(label=_("更正原因"), widget=forms.Textarea(attrs={"rows": 2}))
