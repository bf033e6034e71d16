"""Forms of the handling actions (classification, procedure, records, extension, opinion and
delivery, mediation, review and re-review, closure, follow-up, evaluation). They check shapes only
(required, dates, choices); the rules live in `services/handling.py` and `services/review.py`,
whose errors the views put next to the fields named here.

Several of these forms sit on the matter page at once, so each has its own `auto_id` (the ids
of its fields) while the field names stay plain: the action page and the panel post the same data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import User
from xinfang.notices.kinds import Outcome
from xinfang.notices.models import DeliveryMethod
from xinfang.orgs.models import Organisation

from .forms_triage import _date_field, _datetime_field, _OrganisationChoiceField, _StyledForm
from .models import HandlingTrack
from .states import (
    AgreementKind,
    EvaluationMethod,
    EvaluationStage,
    FollowUpKind,
    Principle,
    Procedure,
    RecordKind,
    ReviewStage,
)


def _text(
    label: Any, *, required: bool = True, rows: int = 3, help_text: Any = "", message: Any = None
) -> forms.CharField:
    """A textarea; `message` replaces the generic "required" error with the service's own words."""
    field = forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), help_text=help_text
    )
    if message is not None:
        field.error_messages["required"] = message
    return field


def _yes_no(label: Any, yes: Any, no: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("1", yes), ("0", no)],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


class _HandlingForm(_StyledForm):
    """A handling form: its field ids start with its key (and the object's id for per-object forms)."""

    key = "handling"

    def __init__(self, *args: Any, object_id: int | None = None, **kwargs: Any) -> None:
        suffix = f"-{object_id}" if object_id is not None else ""
        kwargs.setdefault("auto_id", f"{self.key}{suffix}-%s")
        super().__init__(*args, **kwargs)


class _TrackChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.local_name)


class _UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


# --- Classification and procedure ---------------------------------------------------------------


class ClassifyForm(_HandlingForm):
    """依法分类处理 (XF-CLS-01..04): the track, and for a statutory procedure its receiving body and
    the petitioner's own time limit there."""

    key = "classify"

    track = _TrackChoiceField(
        label=_("处理途径"),
        queryset=HandlingTrack.objects.filter(is_active=True).order_by("sort_order", "code"),
        empty_label=None,
    )
    receiving_body = forms.CharField(
        label=_("接收机关或组织"),
        max_length=200,
        required=False,
        help_text=_("导入法定程序的必填，如：测试区人民法院、测试区劳动人事争议仲裁委员会。"),
    )
    petitioner_deadline = _date_field(
        _("信访人申请期限"), _("信访人通过该程序主张权利的最后一日，用于提醒。"), required=False
    )
    note = _text(_("分类处理说明"), required=False, rows=2)


class ProcedureForm(_HandlingForm):
    """Simplified or ordinary procedure (XF-SIMP-05/07/09)."""

    key = "procedure"

    procedure = forms.ChoiceField(label=_("办理程序"), choices=Procedure.choices, widget=forms.RadioSelect)
    reason = _text(_("理由"), rows=2, message=_("请写明理由。"))
    paper_requested = forms.BooleanField(
        label=_("信访人要求出具纸质告知书、意见书"),
        required=False,
        initial=True,
        help_text=_("未要求纸质文书的，可以通过互联网、电话、短信等方式告知和答复（XF-SIMP-07）。"),
    )


# --- Records and hearings -----------------------------------------------------------------------


class RecordForm(_HandlingForm):
    """A step of handling: investigation, interview, hearing (听证), consultation, recusal."""

    key = "record"

    kind = forms.ChoiceField(label=_("类型"), choices=RecordKind.choices)
    occurred_on = _date_field(_("日期"))
    end_date = _date_field(_("结束日期"), _("听证持续多日的填写；复核期间听证的天数不计入复核期限。"), required=False)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    participants = forms.CharField(label=_("参加人员"), max_length=300, required=False)
    summary = _text(_("内容"), rows=4, message=_("请填写内容。"))
    issue_notice = forms.BooleanField(label=_("向信访人发出听证通知书（仅限听证）"), required=False)


# --- Extension ------------------------------------------------------------------------------------


class ExtensionRequestForm(_HandlingForm):
    """Ask the head to extend the 60-day period (XF-DL-02): days and the reason told to the petitioner."""

    key = "extension"

    # No upper bound here: the service refuses more than the configured maximum, citing the rule.
    days = forms.IntegerField(
        label=_("延长天数"),
        min_value=1,
        help_text=_("最多30日，只能延长一次，须经本机关负责人批准（《信访工作条例》第三十四条）。"),
    )
    reason = _text(_("延期理由"), rows=3, message=_("请写明延期理由（须告知信访人，XF-DL-02）。"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].widget.attrs["max"] = settings.XINFANG_MAX_EXTENSION_DAYS


class ExtensionDecideForm(_HandlingForm):
    """The head approves or refuses an extension (XF-DL-02)."""

    key = "extension-decide"

    approve = _yes_no(_("审批意见"), _("批准延期"), _("不予批准"))
    note = _text(_("审批说明"), required=False, rows=2)


# --- Opinion and delivery -----------------------------------------------------------------------


class OpinionForm(_HandlingForm):
    """信访处理意见书 (XF-OPN-01/02, XF-HDL-01)."""

    key = "opinion"
    _required = _("意见书应当载明信访请求、事实和理由、处理意见及其法律依据（XF-OPN-01）。")

    outcome = forms.ChoiceField(label=_("处理结果"), choices=Outcome.choices, widget=forms.RadioSelect)
    principle = forms.ChoiceField(label=_("处理原则"), choices=Principle.choices)
    request = _text(_("信访请求"), rows=3, message=_required)
    facts_reasons = _text(_("查明的事实和理由"), rows=5, message=_required)
    opinion = _text(_("处理意见"), rows=4, message=_required)
    legal_basis = _text(_("法律依据"), rows=2, message=_required)


class DeliverForm(_HandlingForm):
    """送达: the date starts the petitioner's 30-day window (XF-REV-01/03)."""

    key = "deliver"

    method = forms.ChoiceField(label=_("送达方式"), choices=DeliveryMethod.choices)
    delivered_at = _datetime_field(_("送达时间"), _("请求复查（复核）的30日期限自送达之日起计算。"), required=True)
    recipient = forms.CharField(label=_("受送达人"), max_length=100)
    note = forms.CharField(label=_("送达凭证说明"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].error_messages["required"] = _("请填写受送达人。")


# --- Mediation ----------------------------------------------------------------------------------


class MediationReferForm(_HandlingForm):
    """访调对接 (XF-OPN-04): with the consent of both sides."""

    key = "mediation"

    mediation_org = _OrganisationChoiceField(label=_("调解组织"), queryset=Organisation.objects.none())
    consent_recorded = forms.BooleanField(label=_("双方当事人同意调解"), required=False)
    note = _text(_("移交说明"), required=False, rows=2)

    def __init__(self, *args: Any, organisations: Iterable[Organisation] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [org.pk for org in organisations]
        self.fields["mediation_org"].queryset = Organisation.objects.filter(pk__in=ids).order_by("path")  # type: ignore[attr-defined]


class MediationResultForm(_HandlingForm):
    """The mediation's result (XF-OPN-04): an agreement concludes the matter."""

    key = "mediation-result"

    agreed = _yes_no(_("调解结果"), _("达成协议"), _("未达成协议"))
    agreement_kind = forms.ChoiceField(
        label=_("协议类型"), choices=[("", "---------"), *AgreementKind.choices], required=False
    )
    result = _text(_("调解情况"), rows=3, message=_("请填写调解结果。"))


# --- Review and re-review -----------------------------------------------------------------------


class ReviewRequestForm(_HandlingForm):
    """A request for review or re-review, received by a body one level up (XF-REV-01/03)."""

    key = "review"

    stage = forms.ChoiceField(label=_("请求类型"), choices=ReviewStage.choices, widget=forms.RadioSelect)
    # Any organisation is accepted here, so that a wrong body gets the service's error naming the
    # right ones; the select offers the bodies the user may register for.
    organisation = _OrganisationChoiceField(label=_("复查复核机关"), queryset=Organisation.objects.all())
    received_at = _datetime_field(_("收到请求时间"), _("30日请求期限自意见书送达之日起计算。"), required=True)
    request = _text(_("请求和理由"), rows=3, message=_("请填写请求和理由。"))
    late_reason = _text(
        _("逾期的正当理由"),
        required=False,
        rows=2,
        help_text=_("超过30日请求期限的，记录信访人说明的正当理由（XF-REV-07）。"),
    )

    def __init__(self, *args: Any, bodies: Iterable[Organisation] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].widget.choices = [  # type: ignore[attr-defined]
            ("", "---------"),
            *[(org.pk, org.local_name) for org in bodies],
        ]


class ReviewDecideForm(_HandlingForm):
    """复查意见书 / 复核意见书 (XF-REV-02/04)."""

    key = "review-decide"
    _required = _("意见书应当载明信访请求、事实和理由、处理意见及其法律依据（XF-OPN-01）。")

    outcome = forms.ChoiceField(label=_("处理结果"), choices=Outcome.choices, widget=forms.RadioSelect)
    principle = forms.ChoiceField(label=_("处理原则"), choices=Principle.choices)
    findings = _text(_("查明的事实和理由"), rows=5, message=_required)
    opinion = _text(_("复查（复核）意见"), rows=4, message=_required)
    legal_basis = _text(_("法律依据"), rows=2, message=_required)


# --- Closure --------------------------------------------------------------------------------------


class ConcludeForm(_HandlingForm):
    key = "conclude"

    note = _text(_("办结情况"), rows=3, message=_("请填写办结情况（答复内容或处理结果）。"))


class TerminateForm(_HandlingForm):
    """终结 with the termination record (DOC-11)."""

    key = "terminate"

    ground = _text(_("终结理由"), rows=3, message=_("请写明终结理由。"))
    final_instruments = forms.CharField(
        label=_("最终文书"),
        max_length=300,
        required=False,
        help_text=_("留空则记载最后出具的意见书及其文号。"),
    )


class WithdrawForm(_HandlingForm):
    key = "withdraw"

    reason = _text(
        _("撤回情况"),
        rows=3,
        message=_("请写明撤回的情况（信访人书面或口头撤回的记录）。"),
        help_text=_("信访人书面或口头撤回的记录；撤回后所有期限停止计算。"),
    )


# --- Follow-up and evaluation ---------------------------------------------------------------------


class FollowUpCreateForm(_HandlingForm):
    """疏导教育、矛盾化解、帮扶救助 after closure (XF-END-01/02)."""

    key = "follow-up"

    kind = forms.ChoiceField(label=_("类型"), choices=FollowUpKind.choices)
    # Any organisation and user are accepted (the service checks them); the selects offer the
    # organisations of the matter's areas and their staff.
    organisation = _OrganisationChoiceField(label=_("责任单位"), queryset=Organisation.objects.all())
    assignee = _UserChoiceField(label=_("责任人"), queryset=User.objects.all(), required=False)
    description = _text(_("任务内容"), rows=3, message=_("请填写任务内容。"))
    due_date = _date_field(_("完成期限"))

    def __init__(
        self,
        *args: Any,
        organisations: Iterable[Organisation] = (),
        assignees: Iterable[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].widget.choices = [  # type: ignore[attr-defined]
            ("", "---------"),
            *[(org.pk, org.local_name) for org in organisations],
        ]
        self.fields["assignee"].widget.choices = [  # type: ignore[attr-defined]
            ("", _("（不指定）")),
            *[(user.pk, str(user)) for user in assignees],
        ]


class FollowUpCloseForm(_HandlingForm):
    key = "follow-up-close"

    result = _text(_("完成情况"), rows=2, message=_("请填写完成情况。"))


class EvaluationForm(_HandlingForm):
    """The petitioner's evaluation (XF-SAT-01/02), on the configured scale."""

    key = "evaluation"

    stage = forms.ChoiceField(label=_("评价环节"), choices=EvaluationStage.choices, widget=forms.RadioSelect)
    value = forms.ChoiceField(label=_("评价"), choices=(), widget=forms.RadioSelect)
    method = forms.ChoiceField(label=_("评价方式"), choices=EvaluationMethod.choices)
    comment = _text(_("意见"), required=False, rows=2)

    def __init__(self, *args: Any, scale: Iterable[tuple[str, str, bool]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].choices = [(value, label) for value, label, _bad in scale]  # type: ignore[attr-defined]
