"""Forms of the supervision pages (the services validate again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Organisation

from .states import (
    CloseOutcome,
    DecisionKind,
    FindingKind,
    FollowUpStatus,
    HandlingMode,
    Measure,
    OrderKind,
    OrderStatus,
    ReferralStatus,
    Trigger,
)

TEXTAREA = forms.Textarea(attrs={"rows": 4, "class": "form-control"})
TEXT = forms.TextInput(attrs={"class": "form-control"})
SELECT = forms.Select(attrs={"class": "form-select"})
DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
CHECK = forms.CheckboxInput(attrs={"class": "form-check-input"})


def _all(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("全部")), *choices]


class OrgChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


def _own_org(form: forms.Form, name: str, queryset: QuerySet[Organisation]) -> None:
    """The user's own organisation for the field; preselected when there is only one."""
    field = form.fields[name]
    field.queryset = queryset  # type: ignore[attr-defined]
    only = list(queryset[:2])
    if len(only) == 1:
        field.initial = only[0].pk


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_all(OrderStatus.choices), widget=SELECT)
    kind = forms.ChoiceField(label=_("督办方式"), required=False, choices=_all(OrderKind.choices), widget=SELECT)
    trigger = forms.ChoiceField(label=_("督办事由"), required=False, choices=_all(Trigger.choices), widget=SELECT)
    overdue = forms.BooleanField(label=_("仅逾期未反馈"), required=False, widget=CHECK)


class OrderForm(forms.Form):
    issuing_org = OrgChoice(label=_("督办机关"), queryset=Organisation.objects.none(), widget=SELECT)
    target_org = OrgChoice(label=_("被督办单位"), queryset=Organisation.objects.none(), widget=SELECT)
    trigger = forms.ChoiceField(label=_("督办事由"), choices=Trigger.choices, widget=SELECT)
    kind = forms.ChoiceField(label=_("督办方式"), choices=OrderKind.choices, widget=SELECT)
    demands = forms.CharField(label=_("督办要求"), widget=TEXTAREA)
    period = forms.IntegerField(
        label=_("反馈期限（日）"),
        required=False,
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
        help_text=_("留空按配置的默认期限（书面反馈 30 日，XF-SUP-05）。"),
    )

    def __init__(self, *args: Any, issuers: QuerySet[Organisation], targets: QuerySet[Organisation], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _own_org(self, "issuing_org", issuers)
        self.fields["target_org"].queryset = targets  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("书面反馈"), widget=TEXTAREA)
    adopted = forms.TypedChoiceField(
        label=_("是否采纳督办意见"),
        choices=[("1", _("采纳")), ("0", _("不采纳（请在反馈中说明理由）"))],
        coerce=lambda v: v == "1",
        widget=SELECT,
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("办结结论"), choices=CloseOutcome.choices, widget=SELECT)
    note = forms.CharField(label=_("办结意见"), required=False, widget=TEXTAREA)


class ReopenForm(forms.Form):
    note = forms.CharField(label=_("不予认可的理由"), widget=TEXTAREA)


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("提级督办理由"), widget=TEXTAREA)


class ReferralForm(forms.Form):
    sending_org = OrgChoice(label=_("移送机关"), queryset=Organisation.objects.none(), widget=SELECT)
    discipline_org = OrgChoice(label=_("纪检监察机关"), queryset=Organisation.objects.none(), widget=SELECT)
    reason = forms.CharField(label=_("移送理由"), widget=TEXTAREA)
    is_real_name = forms.BooleanField(label=_("实名检举控告"), required=False, widget=CHECK)

    def __init__(self, *args: Any, senders: QuerySet[Organisation], bodies: QuerySet[Organisation], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _own_org(self, "sending_org", senders)
        self.fields["discipline_org"].queryset = bodies  # type: ignore[attr-defined]


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_all(ReferralStatus.choices), widget=SELECT)


class FeedbackForm(forms.Form):
    handling_mode = forms.ChoiceField(label=_("处置方式"), choices=HandlingMode.choices, widget=SELECT)
    feedback = forms.CharField(label=_("反馈结果"), widget=TEXTAREA)


class NoticeForm(forms.Form):
    """DIS-04: what the real-name reporter was told (and how: in writing, by telephone …)."""

    notice = forms.CharField(label=_("告知内容及方式"), widget=TEXTAREA)


class ObjectionForm(forms.Form):
    """DIS-04: the reporter's objection to the result, the explanation, the new evidence verified."""

    objection = forms.CharField(label=_("异议内容"), widget=TEXTAREA)
    explanation = forms.CharField(label=_("解释说明"), widget=TEXTAREA)
    has_new_evidence = forms.BooleanField(label=_("提供新证据"), required=False, widget=CHECK)
    verification = forms.CharField(
        label=_("新证据核实情况"), required=False, widget=TEXTAREA, help_text=_("提供了新证据的必填。")
    )


class RecordFilterForm(forms.Form):
    finding = forms.ChoiceField(label=_("问题类型"), required=False, choices=_all(FindingKind.choices), widget=SELECT)
    measure = forms.ChoiceField(label=_("处理措施"), required=False, choices=_all(Measure.choices), widget=SELECT)


class RecordForm(forms.Form):
    organisation = OrgChoice(label=_("记录机关"), queryset=Organisation.objects.none(), widget=SELECT)
    subject_org = OrgChoice(label=_("被追责单位"), queryset=Organisation.objects.none(), widget=SELECT)
    subject_name = forms.CharField(label=_("被追责人员姓名"), required=False, max_length=60, widget=TEXT)
    finding = forms.ChoiceField(label=_("问题类型"), choices=FindingKind.choices, widget=SELECT)
    facts = forms.CharField(label=_("认定事实"), widget=TEXTAREA)
    measure = forms.ChoiceField(label=_("处理措施"), choices=Measure.choices, widget=SELECT)
    measure_note = forms.CharField(label=_("处理情况"), required=False, widget=TEXTAREA)
    decided_on = forms.DateField(label=_("处理日期"), widget=DATE)

    def __init__(
        self, *args: Any, recorders: QuerySet[Organisation], subjects: QuerySet[Organisation], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        _own_org(self, "organisation", recorders)
        self.fields["subject_org"].queryset = subjects  # type: ignore[attr-defined]


class MeetingForm(forms.Form):
    organisation = OrgChoice(label=_("召集机关"), queryset=Organisation.objects.none(), widget=SELECT)
    title = forms.CharField(label=_("会议名称"), max_length=120, widget=TEXT)
    held_on = forms.DateField(label=_("会议日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), required=False, max_length=120, widget=TEXT)
    attendee_orgs = forms.ModelMultipleChoiceField(
        label=_("参会单位"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
    )
    attendees = forms.CharField(label=_("参会人员"), required=False, widget=TEXTAREA)
    matter_numbers = forms.CharField(
        label=_("研究的信访事项编号"), required=False, widget=TEXT, help_text=_("多个编号用逗号或空格分隔。")
    )
    minutes = forms.CharField(label=_("会议纪要"), required=False, widget=TEXTAREA)

    def __init__(self, *args: Any, conveners: QuerySet[Organisation], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _own_org(self, "organisation", conveners)
        self.fields["attendee_orgs"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True, is_external=False, kind="department"
        ).order_by("path")


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("决定类型"), choices=DecisionKind.choices, widget=SELECT)
    text = forms.CharField(label=_("决定内容"), widget=TEXTAREA)
    competent_org = OrgChoice(
        label=_("负责单位"),
        required=False,
        queryset=Organisation.objects.filter(is_active=True, is_external=False).order_by("path"),
        widget=SELECT,
    )
    matter_type: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[type-arg]
        label=_("事项类型"), required=False, queryset=Organisation.objects.none(), widget=SELECT
    )
    matter_number = forms.CharField(label=_("信访事项编号"), required=False, widget=TEXT)
    follow_up_due = forms.DateField(label=_("落实期限"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kw: Any) -> None:
        from xinfang.powerlist.models import MatterType

        super().__init__(*args, **kw)
        self.fields["matter_type"].queryset = MatterType.objects.order_by("code")  # type: ignore[attr-defined]


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("落实情况"), choices=FollowUpStatus.choices, widget=SELECT)
    note = forms.CharField(label=_("落实说明"), widget=TEXTAREA)
    revoke = forms.BooleanField(label=_("撤销该决定（管辖决定不再约束分流）"), required=False, widget=CHECK)


class AppointmentForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, widget=TEXT)
    organisation = OrgChoice(
        label=_("任职机构"),
        queryset=Organisation.objects.filter(is_active=True, is_external=False, kind="department").order_by("path"),
        widget=SELECT,
    )
    starts_on = forms.DateField(label=_("任职起始日"), widget=DATE)
    ends_on = forms.DateField(label=_("任职截止日"), widget=DATE)
    note = forms.CharField(label=_("任命依据"), required=False, max_length=200, widget=TEXT)
