"""Views: handling of an accepted matter — the "办理" panel of the matter page and one page per
action (classify, procedure, records, extension, opinion and delivery, mediation, review and
re-review, closure, follow-up, evaluation).

Each action is a GET form that posts back to itself. The view answers 404 unless the matter is
visible, 403 unless the user holds the action the service requires where the service requires it,
then calls one service; its errors (ServiceError, ValidationError, PermissionDenied) are put next to
the fields, and the user's input is kept. The service stays the real check. The panel shows a
form only when the user may take the action and the matter's state allows it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors

from ..forms_handling import (
    ClassifyForm,
    ConcludeForm,
    DeliverForm,
    EvaluationForm,
    ExtensionDecideForm,
    ExtensionRequestForm,
    FollowUpCloseForm,
    FollowUpCreateForm,
    MediationReferForm,
    MediationResultForm,
    OpinionForm,
    ProcedureForm,
    RecordForm,
    ReviewDecideForm,
    ReviewRequestForm,
    TerminateForm,
    WithdrawForm,
)
from ..models import FollowUpTask, Matter, MediationReferral, Opinion
from ..selectors import ClockState
from ..selectors_handling import (
    HandlingData,
    active_tracks,
    contested_opinion,
    evaluation_stages_open,
    extension_of,
    follow_up_assignees,
    follow_up_of,
    follow_up_organisations,
    handling_data,
    mediation_of,
    mediation_organisations,
    opinion_of,
    review_bodies_for,
    review_of,
    review_stage_next,
)
from ..selectors_routing import matter_for_action
from ..services.handling import (
    RECORD_STATUSES,
    WITHDRAWABLE,
    evaluation_record,
    extension_decide,
    extension_request,
    follow_up_close,
    follow_up_create,
    handling_record_add,
    matter_classify,
    matter_conclude,
    matter_procedure_set,
    matter_terminate,
    matter_withdraw,
    mediation_refer,
    mediation_result_record,
    opinion_deliver,
    opinion_issue,
    satisfaction_scale,
    simplified_obstacles,
    track_limit_state,
)
from ..services.review import ALLOWED_FROM, review_decide, review_request, window_due
from ..states import (
    CLOCK_HANDLING,
    CLOCK_REREVIEW,
    CLOCK_REREVIEW_WINDOW,
    CLOCK_REVIEW,
    CLOCK_REVIEW_WINDOW,
    CLOCK_SIMPLE_HANDLING,
    CLOSED_FOR_FOLLOW_UP,
    ExtensionStatus,
    FollowUpStatus,
    LateReviewPolicy,
    MediationStatus,
    Nature,
    OpinionStage,
    Procedure,
    ReviewStage,
    ReviewStatus,
    Status,
    TrackProcedure,
)
from .triage import matter_page_url

TEMPLATE = "petitions/handling/action.html"

# The matter's states from acceptance on: the panel is shown in these.
PANEL_STATUSES = frozenset(
    {
        Status.ACCEPTED,
        Status.IN_MEDIATION,
        Status.ROUTED,
        Status.REPLIED,
        Status.IN_REVIEW,
        Status.REVIEWED,
        Status.IN_REREVIEW,
        Status.FINAL,
        Status.CONCLUDED,
        Status.TERMINATED,
        Status.WITHDRAWN,
    }
)
# The states each action applies to (the services' `_expect`; the services check again).
EXTENSION_STATUSES = frozenset({Status.ACCEPTED, Status.IN_MEDIATION})
CONCLUDE_STATUSES = frozenset({Status.ACCEPTED, Status.ROUTED, Status.REPLIED, Status.REVIEWED})
TERMINATE_STATUSES = frozenset({Status.ROUTED, Status.REPLIED, Status.REVIEWED})
REVIEW_REQUEST_STATUSES = frozenset(status for statuses in ALLOWED_FROM.values() for status in statuses)
# Clocks the panel shows (the sidebar shows every clock of the matter).
HANDLING_CLOCKS = frozenset(
    {CLOCK_HANDLING, CLOCK_SIMPLE_HANDLING, CLOCK_REVIEW_WINDOW, CLOCK_REVIEW, CLOCK_REREVIEW_WINDOW, CLOCK_REREVIEW}
)


# --- Who may act (the services' own checks, so the page offers only what will be allowed) -----------


def may_handle(user: Any, matter: Matter) -> bool:
    """The organ holding the matter handles it (services.handling._require_handler)."""
    return user_can(user, Action.MATTER_HANDLE, matter.current_org)


def may_direct_follow_up(user: Any, matter: Matter) -> bool:
    """Handle, approve or supervise where the matter is held or was handled (follow_up_create)."""
    orgs = [org for org in (matter.current_org, matter.handling_org) if org is not None]
    return any(
        user_can(user, action, org)
        for action in (Action.MATTER_HANDLE, Action.MATTER_APPROVE, Action.MATTER_SUPERVISE)
        for org in orgs
    )


def may_evaluate(user: Any, matter: Matter) -> bool:
    """Handle, register or triage at an organisation of the matter (evaluation_record)."""
    orgs = [org for org in (matter.current_org, matter.handling_org, matter.registered_org) if org is not None]
    return any(
        user_can(user, action, org)
        for action in (Action.MATTER_HANDLE, Action.MATTER_REGISTER, Action.MATTER_TRIAGE)
        for org in orgs
    )


def may_close_follow_up(user: Any, task: FollowUpTask) -> bool:
    return task.assignee_id == getattr(user, "pk", None) or user_can(user, Action.MATTER_HANDLE, task.organisation)


def may_record_mediation(user: Any, matter: Matter, referral: MediationReferral) -> bool:
    return may_handle(user, matter) or user_can(user, Action.MEDIATION_HANDLE, referral.mediation_org)


# --- Form plumbing ---------------------------------------------------------------------------------


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _matter(request: HttpRequest, pk: int) -> Matter:
    try:
        return matter_for_action(user=request.user, pk=pk)
    except Matter.DoesNotExist as exc:
        raise Http404(_("没有找到该信访事项，或您无权查看。")) from exc


def _row(getter: Callable[..., Any], matter: Matter, pk: int) -> Any:
    """A handling row of this (visible) matter, or 404 (a row of another matter is not found)."""
    try:
        return getter(matter=matter, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _deny_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有权限办理该事项的此项操作。"))


def _run(form: forms.Form, call: Callable[[], Any]) -> bool:
    """Call the service; True on success, False with its errors put on the form (nothing was
    written: the service's transaction rolled back)."""
    try:
        call()
    except ValidationError as exc:  # ServiceError included: e.g. the matter has moved on
        put_errors(form, exc)
        return False
    except PermissionDenied as exc:  # e.g. a review request to a body the user does not serve
        form.add_error(None, str(exc) or _("您没有权限执行此操作。"))
        return False
    return True


@dataclass(frozen=True)
class Detail:
    label: str
    value: Any


def _action(
    request: HttpRequest,
    *,
    matter: Matter,
    form: forms.Form,
    call: Callable[[dict[str, Any]], Any],
    title: Any,
    submit: Any,
    success: Any,
    action_url: str,
    details: list[Detail] | None = None,
    notes: list[str] | None = None,
) -> HttpResponse:
    """GET: the form. POST: the service; back to the matter page, or the form with its errors."""
    if request.method == "POST" and form.is_valid() and _run(form, lambda: call(form.cleaned_data)):
        messages.success(request, str(success))
        return redirect(f"{matter_page_url(matter)}#h-handling")
    context = {
        "matter": matter,
        "form": form,
        "title": str(title),
        "submit": str(submit),
        "action_url": action_url,
        "matter_url": matter_page_url(matter),
        "details": details or [],
        "notes": notes or [],
    }
    return render(request, TEMPLATE, context)


def _url(name: str, *args: int) -> str:
    return reverse(f"petitions:handling_{name}", args=list(args))


def _now_minute() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


# --- Initial values of the forms ------------------------------------------------------------------


def _classify_initial(matter: Matter) -> dict[str, Any]:
    return {
        "track": matter.track_id,
        "receiving_body": matter.track_receiving_body,
        "petitioner_deadline": matter.track_petitioner_deadline,
        "note": matter.track_note,
    }


def _procedure_initial(matter: Matter) -> dict[str, Any]:
    other = Procedure.ORDINARY if matter.procedure == Procedure.SIMPLIFIED else Procedure.SIMPLIFIED
    return {"procedure": other, "paper_requested": matter.paper_requested}


def _deliver_initial() -> dict[str, Any]:
    return {"method": "hand", "delivered_at": _now_minute()}


def _opinion_detail(opinion: Opinion) -> list[Detail]:
    number = opinion.document.number if opinion.document else "—"
    return [
        Detail(_("意见"), f"{opinion.get_stage_display()} {number}"),
        Detail(_("出具机关"), opinion.organisation.local_name),
        Detail(_("出具时间"), timezone.localtime(opinion.issued_at).strftime("%Y-%m-%d %H:%M")),
    ]


# --- Classification and procedure ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def classify_view(request: HttpRequest, pk: int) -> HttpResponse:
    """依法分类处理 (XF-CLS-01..04)."""
    matter = _matter(request, pk)
    require(request.user, Action.MATTER_HANDLE, matter.current_org)
    form = ClassifyForm(_posted(request), initial=_classify_initial(matter))
    tracks = list(active_tracks())
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: matter_classify(
            actor=request.user,
            matter=matter,
            track=d["track"],
            receiving_body=d["receiving_body"],
            petitioner_deadline=d["petitioner_deadline"],
            note=d["note"],
        ),
        title=gettext_lazy("依法分类处理"),
        submit=gettext_lazy("保存"),
        success=gettext_lazy("已确定处理途径。"),
        action_url=_url("classify", matter.pk),
        details=[
            Detail(t.local_name, " ".join(part for part in (t.legal_basis, t.receiving_body_hint) if part))
            for t in tracks
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def procedure_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Simplified or ordinary procedure (XF-SIMP-03..09)."""
    matter = _matter(request, pk)
    require(request.user, Action.MATTER_HANDLE, matter.current_org)
    form = ProcedureForm(_posted(request), initial=_procedure_initial(matter))
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: matter_procedure_set(
            actor=request.user,
            matter=matter,
            procedure=d["procedure"],
            reason=d["reason"],
            paper_requested=d["paper_requested"],
        ),
        title=gettext_lazy("办理程序"),
        submit=gettext_lazy("保存"),
        success=gettext_lazy("已设置办理程序，办理期限已重新计算。"),
        action_url=_url("procedure", matter.pk),
        details=[Detail(_("当前程序"), matter.get_procedure_display())],
        notes=simplified_obstacles(matter) if matter.procedure == Procedure.ORDINARY else [],
    )


# --- Records -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def record_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A handling record or hearing (XF-CLS-04(6), XF-HDL-04, XF-REV-05; DOC-08)."""
    matter = _matter(request, pk)
    require(request.user, Action.MATTER_HANDLE, matter.current_org)
    form = RecordForm(_posted(request), initial={"occurred_on": timezone.localdate()})
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: handling_record_add(
            actor=request.user,
            matter=matter,
            kind=d["kind"],
            occurred_on=d["occurred_on"],
            end_date=d["end_date"],
            place=d["place"],
            participants=d["participants"],
            summary=d["summary"],
            issue_notice=d["issue_notice"],
        ),
        title=gettext_lazy("添加办理记录"),
        submit=gettext_lazy("保存"),
        success=gettext_lazy("已添加办理记录。"),
        action_url=_url("record", matter.pk),
    )


# --- Extension -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def extension_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the extension (XF-DL-02)."""
    matter = _matter(request, pk)
    require(request.user, Action.MATTER_HANDLE, matter.current_org)
    form = ExtensionRequestForm(_posted(request))
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: extension_request(actor=request.user, matter=matter, days=d["days"], reason=d["reason"]),
        title=gettext_lazy("申请延期办理"),
        submit=gettext_lazy("提交审批"),
        success=gettext_lazy("已提交延期申请，等待本机关负责人批准。"),
        action_url=_url("extension_request", matter.pk),
    )


class _Lazy:
    """A success message computed after the service ran."""

    def __init__(self, make: Callable[[], str]) -> None:
        self.make = make

    def __str__(self) -> str:
        return self.make()


@login_required
@require_http_methods(["GET", "POST"])
def extension_decide_view(request: HttpRequest, pk: int, extension_pk: int) -> HttpResponse:
    """The head approves (DOC-04 issued, clock extended) or refuses (XF-DL-02)."""
    matter = _matter(request, pk)
    extension = _row(extension_of, matter, extension_pk)
    require(request.user, Action.MATTER_APPROVE, extension.organisation)
    form = ExtensionDecideForm(_posted(request), object_id=extension.pk)

    def success() -> str:
        extension.refresh_from_db(fields=["status"])
        if extension.status == ExtensionStatus.APPROVED:
            return _("已批准延期，延期办理告知书已生成，请送达信访人。")
        return _("已不予批准延期。")

    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: extension_decide(actor=request.user, extension=extension, approve=d["approve"], note=d["note"]),
        title=gettext_lazy("审批延期申请"),
        submit=gettext_lazy("确定"),
        success=_Lazy(success),
        action_url=_url("extension_decide", matter.pk, extension.pk),
        details=[
            Detail(_("延长天数"), extension.days),
            Detail(_("延期理由"), extension.reason),
            Detail(_("申请人"), str(extension.requested_by)),
            Detail(_("原办理期限"), extension.original_due.isoformat()),
        ],
    )


# --- Opinion and delivery ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def opinion_view(request: HttpRequest, pk: int) -> HttpResponse:
    """信访处理意见书 (XF-OPN-01..03; DOC-05)."""
    matter = _matter(request, pk)
    require(request.user, Action.MATTER_HANDLE, matter.current_org)
    form = OpinionForm(_posted(request), initial={"request": matter.request})
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: opinion_issue(
            actor=request.user,
            matter=matter,
            outcome=d["outcome"],
            principle=d["principle"],
            request=d["request"],
            facts_reasons=d["facts_reasons"],
            opinion=d["opinion"],
            legal_basis=d["legal_basis"],
        ),
        title=gettext_lazy("出具信访处理意见书"),
        submit=gettext_lazy("出具意见书"),
        success=gettext_lazy("已出具信访处理意见书。请送达信访人并登记送达时间。"),
        action_url=_url("opinion", matter.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def deliver_view(request: HttpRequest, pk: int, opinion_pk: int) -> HttpResponse:
    """送达 of an opinion: starts the 30-day window (XF-REV-01/03)."""
    matter = _matter(request, pk)
    opinion = _row(opinion_of, matter, opinion_pk)
    require(request.user, Action.MATTER_HANDLE, opinion.organisation)
    form = DeliverForm(_posted(request), initial=_deliver_initial(), object_id=opinion.pk)
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: opinion_deliver(
            actor=request.user,
            opinion=opinion,
            method=d["method"],
            delivered_at=d["delivered_at"],
            recipient=d["recipient"],
            note=d["note"],
        ),
        title=gettext_lazy("登记送达"),
        submit=gettext_lazy("登记送达"),
        success=gettext_lazy("已登记送达。"),
        action_url=_url("deliver", matter.pk, opinion.pk),
        details=_opinion_detail(opinion),
    )


# --- Mediation -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mediation_refer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """访调对接 (XF-OPN-04)."""
    matter = _matter(request, pk)
    require(request.user, Action.MATTER_HANDLE, matter.current_org)
    form = MediationReferForm(_posted(request), organisations=mediation_organisations(matter=matter))
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: mediation_refer(
            actor=request.user,
            matter=matter,
            mediation_org=d["mediation_org"],
            consent_recorded=d["consent_recorded"],
            note=d["note"],
        ),
        title=gettext_lazy("移交调解"),
        submit=gettext_lazy("移交调解"),
        success=gettext_lazy("已移交调解组织。"),
        action_url=_url("mediation_refer", matter.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def mediation_result_view(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    """The mediation's result (XF-OPN-04)."""
    matter = _matter(request, pk)
    referral = _row(mediation_of, matter, referral_pk)
    _deny_unless(may_record_mediation(request.user, matter, referral))
    form = MediationResultForm(_posted(request), object_id=referral.pk)
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: mediation_result_record(
            actor=request.user,
            referral=referral,
            agreed=d["agreed"],
            result=d["result"],
            agreement_kind=d["agreement_kind"],
        ),
        title=gettext_lazy("登记调解结果"),
        submit=gettext_lazy("保存"),
        success=gettext_lazy("已登记调解结果。"),
        action_url=_url("mediation_result", matter.pk, referral.pk),
        details=[Detail(_("调解组织"), referral.mediation_org.local_name)],
    )


# --- Review and re-review --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a request for review or re-review at a body one level up (XF-REV-01/03, XF-REV-07)."""
    matter = _matter(request, pk)
    user = request.user
    stage = review_stage_next(matter=matter)
    contested = contested_opinion(matter=matter, stage=stage)
    bodies = review_bodies_for(user=user, opinion=contested)
    if contested is None:
        # Nothing to contest yet: the service will say so; only who may never register one is refused.
        _deny_unless(user_can(user, Action.MATTER_REGISTER) or user_can(user, Action.MATTER_HANDLE))
    else:
        _deny_unless(bool(bodies))
    form = ReviewRequestForm(_posted(request), initial={"stage": stage, "received_at": _now_minute()}, bodies=bodies)
    details = _opinion_detail(contested) if contested is not None else []
    if contested is not None:
        delivered = (
            timezone.localtime(contested.delivered_at).strftime("%Y-%m-%d %H:%M")
            if contested.delivered_at
            else _("未送达")
        )
        details.append(Detail(_("送达时间"), delivered))
        if contested.delivered_at:
            details.append(Detail(_("请求期限"), window_due(contested, stage).isoformat()))
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: review_request(
            actor=user,
            matter=matter,
            stage=d["stage"],
            organisation=d["organisation"],
            received_at=d["received_at"],
            request=d["request"],
            late_reason=d["late_reason"],
        ),
        title=gettext_lazy("登记复查（复核）请求"),
        submit=gettext_lazy("登记请求"),
        success=gettext_lazy("已登记请求。"),
        action_url=_url("review_request", matter.pk),
        details=details,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_decide_view(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    """复查意见书 / 复核意见书 (XF-REV-02/04/06; DOC-06/07)."""
    matter = _matter(request, pk)
    review = _row(review_of, matter, review_pk)
    require(request.user, Action.MATTER_HANDLE, review.organisation)
    form = ReviewDecideForm(_posted(request), object_id=review.pk)
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: review_decide(
            actor=request.user,
            review=review,
            outcome=d["outcome"],
            principle=d["principle"],
            findings=d["findings"],
            opinion=d["opinion"],
            legal_basis=d["legal_basis"],
        ),
        title=gettext_lazy("出具复查（复核）意见书"),
        submit=gettext_lazy("出具意见书"),
        success=gettext_lazy("已出具意见书。请送达信访人并登记送达时间。"),
        action_url=_url("review_decide", matter.pk, review.pk),
        details=[
            Detail(_("阶段"), review.get_stage_display()),
            Detail(_("请求和理由"), review.request),
            Detail(_("收到请求时间"), timezone.localtime(review.received_at).strftime("%Y-%m-%d %H:%M")),
        ],
    )


# --- Closure ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def conclude_view(request: HttpRequest, pk: int) -> HttpResponse:
    """办结."""
    matter = _matter(request, pk)
    require(request.user, Action.MATTER_HANDLE, matter.current_org)
    return _action(
        request,
        matter=matter,
        form=ConcludeForm(_posted(request)),
        call=lambda d: matter_conclude(actor=request.user, matter=matter, note=d["note"]),
        title=gettext_lazy("办结"),
        submit=gettext_lazy("办结"),
        success=gettext_lazy("事项已办结。"),
        action_url=_url("conclude", matter.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def terminate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """终结 with the termination record (XF-END-01, XF-REV-07; DOC-11)."""
    matter = _matter(request, pk)
    require(request.user, Action.MATTER_HANDLE, matter.current_org)
    return _action(
        request,
        matter=matter,
        form=TerminateForm(_posted(request)),
        call=lambda d: matter_terminate(
            actor=request.user, matter=matter, ground=d["ground"], final_instruments=d["final_instruments"]
        ),
        title=gettext_lazy("终结"),
        submit=gettext_lazy("终结"),
        success=gettext_lazy("事项已终结，终结记录已生成。"),
        action_url=_url("terminate", matter.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The petitioner withdraws: every clock stops."""
    matter = _matter(request, pk)
    require(request.user, Action.MATTER_HANDLE, matter.current_org)
    return _action(
        request,
        matter=matter,
        form=WithdrawForm(_posted(request)),
        call=lambda d: matter_withdraw(actor=request.user, matter=matter, reason=d["reason"]),
        title=gettext_lazy("信访人撤回"),
        submit=gettext_lazy("登记撤回"),
        success=gettext_lazy("已登记撤回，期限已停止计算。"),
        action_url=_url("withdraw", matter.pk),
    )


# --- Follow-up and evaluation ------------------------------------------------------------------------------


def _follow_up_form(matter: Matter, data: Any = None) -> FollowUpCreateForm:
    organisations = follow_up_organisations(matter=matter)
    return FollowUpCreateForm(
        data,
        organisations=organisations,
        assignees=follow_up_assignees(organisations=organisations),
        initial={"organisation": matter.handling_org_id or matter.current_org_id},
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A follow-up task after closure (XF-END-01/02)."""
    matter = _matter(request, pk)
    _deny_unless(may_direct_follow_up(request.user, matter))
    return _action(
        request,
        matter=matter,
        form=_follow_up_form(matter, _posted(request)),
        call=lambda d: follow_up_create(
            actor=request.user,
            matter=matter,
            kind=d["kind"],
            organisation=d["organisation"],
            assignee=d["assignee"],
            description=d["description"],
            due_date=d["due_date"],
        ),
        title=gettext_lazy("安排后续工作"),
        submit=gettext_lazy("保存"),
        success=gettext_lazy("已安排后续工作。"),
        action_url=_url("follow_up_create", matter.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_close_view(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """Close a follow-up task with its result."""
    matter = _matter(request, pk)
    task = _row(follow_up_of, matter, task_pk)
    _deny_unless(may_close_follow_up(request.user, task))
    return _action(
        request,
        matter=matter,
        form=FollowUpCloseForm(_posted(request), object_id=task.pk),
        call=lambda d: follow_up_close(actor=request.user, task=task, result=d["result"]),
        title=gettext_lazy("完成后续工作"),
        submit=gettext_lazy("完成"),
        success=gettext_lazy("后续工作已完成。"),
        action_url=_url("follow_up_close", matter.pk, task.pk),
        details=[
            Detail(_("类型"), task.get_kind_display()),
            Detail(_("任务内容"), task.description),
            Detail(_("完成期限"), task.due_date.isoformat()),
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The petitioner's evaluation, recorded by staff (XF-SAT-01/02)."""
    matter = _matter(request, pk)
    _deny_unless(may_evaluate(request.user, matter))
    stages = evaluation_stages_open(matter, list(matter.evaluations.all()))
    form = EvaluationForm(
        _posted(request), scale=satisfaction_scale(), initial={"stage": stages[0] if stages else None}
    )
    return _action(
        request,
        matter=matter,
        form=form,
        call=lambda d: evaluation_record(
            actor=request.user,
            matter=matter,
            stage=d["stage"],
            value=d["value"],
            method=d["method"],
            comment=d["comment"],
        ),
        title=gettext_lazy("记录满意度评价"),
        submit=gettext_lazy("保存"),
        success=gettext_lazy("已记录评价。"),
        action_url=_url("evaluation", matter.pk),
    )


# --- The panel on the matter page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelForm:
    """A form of the panel: where it posts and what its button says."""

    key: str
    title: str
    form: forms.Form
    url: str
    submit: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """A row of the panel with the form the user may use on it (or None)."""

    row: Any
    form: PanelForm | None = None


def _panel_form(key: str, title: str, form: forms.Form, url: str, submit: str, notes: Any = ()) -> PanelForm:
    return PanelForm(key=key, title=str(title), form=form, url=url, submit=str(submit), notes=tuple(notes))


def _matter_forms(user: Any, matter: Matter, data: HandlingData, clocks: list[ClockState]) -> list[PanelForm]:
    """The matter-level forms the user may use now, in the order of the procedure."""
    pk, status, track = matter.pk, matter.status, data.track
    handles = may_handle(user, matter)
    found: list[PanelForm] = []
    if handles and status == Status.ACCEPTED and not data.opinions:
        found.append(
            _panel_form(
                "classify",
                _("依法分类处理"),
                ClassifyForm(initial=_classify_initial(matter)),
                _url("classify", pk),
                _("保存"),
            )
        )
    if handles and status == Status.ACCEPTED and (track is None or track.procedure == TrackProcedure.PETITION):
        obstacles = simplified_obstacles(matter) if matter.procedure == Procedure.ORDINARY else []
        found.append(
            _panel_form(
                "procedure",
                _("办理程序"),
                ProcedureForm(initial=_procedure_initial(matter)),
                _url("procedure", pk),
                _("保存"),
                obstacles,
            )
        )
    if handles and status in RECORD_STATUSES:
        found.append(
            _panel_form(
                "record",
                _("添加办理记录"),
                RecordForm(initial={"occurred_on": timezone.localdate()}),
                _url("record", pk),
                _("保存"),
            )
        )
    handling_running = any(c.kind == CLOCK_HANDLING and c.is_running for c in clocks)
    pending = any(e.status == ExtensionStatus.REQUESTED for e in data.extensions)
    approved = sum(e.status == ExtensionStatus.APPROVED for e in data.extensions)
    if (
        handles
        and status in EXTENSION_STATUSES
        and matter.procedure == Procedure.ORDINARY
        and handling_running
        and not pending
        and approved < settings.XINFANG_MAX_EXTENSIONS
    ):
        found.append(
            _panel_form(
                "extension",
                _("申请延期办理"),
                ExtensionRequestForm(),
                _url("extension_request", pk),
                _("提交审批"),
            )
        )
    if handles and status == Status.ACCEPTED and track is not None and track.procedure == TrackProcedure.PETITION:
        found.append(
            _panel_form(
                "opinion",
                _("出具信访处理意见书"),
                OpinionForm(initial={"request": matter.request}),
                _url("opinion", pk),
                _("出具意见书"),
            )
        )
    open_mediation = any(m.status == MediationStatus.REFERRED for m in data.mediations)
    if handles and status == Status.ACCEPTED and matter.nature in ("", Nature.GRIEVANCE) and not open_mediation:
        found.append(
            _panel_form(
                "mediation",
                _("移交调解"),
                MediationReferForm(organisations=mediation_organisations(matter=matter)),
                _url("mediation_refer", pk),
                _("移交调解"),
            )
        )
    if status in REVIEW_REQUEST_STATUSES:
        has_review_opinion = any(o.opinion.stage == OpinionStage.REVIEW for o in data.opinions)
        stage = ReviewStage.REREVIEW if has_review_opinion else ReviewStage.REVIEW
        wanted = OpinionStage.REVIEW if has_review_opinion else OpinionStage.HANDLING
        contested = next((o.opinion for o in data.opinions if o.opinion.stage == wanted), None)
        bodies = review_bodies_for(user=user, opinion=contested)
        if bodies:
            found.append(
                _panel_form(
                    "review",
                    _("登记复查（复核）请求"),
                    ReviewRequestForm(initial={"stage": stage, "received_at": _now_minute()}, bodies=bodies),
                    _url("review_request", pk),
                    _("登记请求"),
                )
            )
    concludable = status in CONCLUDE_STATUSES and (
        status != Status.ACCEPTED or (track is not None and track.procedure != TrackProcedure.PETITION)
    )
    if handles and concludable:
        found.append(_panel_form("conclude", _("办结"), ConcludeForm(), _url("conclude", pk), _("办结")))
    if handles and status in TERMINATE_STATUSES:
        found.append(_panel_form("terminate", _("终结"), TerminateForm(), _url("terminate", pk), _("终结")))
    if handles and status in WITHDRAWABLE:
        found.append(_panel_form("withdraw", _("信访人撤回"), WithdrawForm(), _url("withdraw", pk), _("登记撤回")))
    if status in CLOSED_FOR_FOLLOW_UP and may_direct_follow_up(user, matter):
        found.append(
            _panel_form(
                "follow-up", _("安排后续工作"), _follow_up_form(matter), _url("follow_up_create", pk), _("保存")
            )
        )
    stages = evaluation_stages_open(matter, data.evaluations)
    if stages and may_evaluate(user, matter):
        found.append(
            _panel_form(
                "evaluation",
                _("记录满意度评价"),
                EvaluationForm(scale=satisfaction_scale(), initial={"stage": stages[0]}),
                _url("evaluation", pk),
                _("保存"),
            )
        )
    return found


def _extension_items(user: Any, matter: Matter, data: HandlingData) -> list[Item]:
    items = []
    for extension in data.extensions:
        form = None
        # A request left pending when handling ended may still be refused (extension_decide).
        if extension.status == ExtensionStatus.REQUESTED and user_can(
            user, Action.MATTER_APPROVE, extension.organisation
        ):
            form = _panel_form(
                f"extension-decide-{extension.pk}",
                _("审批延期申请"),
                ExtensionDecideForm(object_id=extension.pk),
                _url("extension_decide", matter.pk, extension.pk),
                _("确定"),
            )
        items.append(Item(extension, form))
    return items


def _opinion_items(user: Any, matter: Matter, data: HandlingData) -> list[Item]:
    items = []
    for row in data.opinions:
        opinion = row.opinion
        form = None
        if (
            opinion.delivered_at is None
            and opinion.document_id is not None
            and user_can(user, Action.MATTER_HANDLE, opinion.organisation)
        ):
            form = _panel_form(
                f"deliver-{opinion.pk}",
                _("登记送达"),
                DeliverForm(initial=_deliver_initial(), object_id=opinion.pk),
                _url("deliver", matter.pk, opinion.pk),
                _("登记送达"),
            )
        items.append(Item(row, form))
    return items


def _review_items(user: Any, matter: Matter, data: HandlingData) -> list[Item]:
    items = []
    for review in data.reviews:
        expected = Status.IN_REVIEW if review.stage == ReviewStage.REVIEW else Status.IN_REREVIEW
        form = None
        if (
            review.status == ReviewStatus.PENDING
            and matter.status == expected
            and user_can(user, Action.MATTER_HANDLE, review.organisation)
        ):
            form = _panel_form(
                f"review-decide-{review.pk}",
                _("出具复查（复核）意见书"),
                ReviewDecideForm(object_id=review.pk),
                _url("review_decide", matter.pk, review.pk),
                _("出具意见书"),
            )
        items.append(Item(review, form))
    return items


def _mediation_items(user: Any, matter: Matter, data: HandlingData) -> list[Item]:
    items = []
    for referral in data.mediations:
        form = None
        if (
            referral.status == MediationStatus.REFERRED
            and matter.status == Status.IN_MEDIATION
            and may_record_mediation(user, matter, referral)
        ):
            form = _panel_form(
                f"mediation-result-{referral.pk}",
                _("登记调解结果"),
                MediationResultForm(object_id=referral.pk),
                _url("mediation_result", matter.pk, referral.pk),
                _("保存"),
            )
        items.append(Item(referral, form))
    return items


def _follow_up_items(user: Any, matter: Matter, data: HandlingData) -> list[Item]:
    items = []
    for task in data.follow_ups:
        form = None
        if task.status == FollowUpStatus.OPEN and may_close_follow_up(user, task):
            form = _panel_form(
                f"follow-up-close-{task.pk}",
                _("完成"),
                FollowUpCloseForm(object_id=task.pk),
                _url("follow_up_close", matter.pk, task.pk),
                _("完成"),
            )
        items.append(Item(task, form))
    return items


def handling_panel(*, user: Any, matter: Matter, clocks: list[ClockState]) -> dict[str, Any] | None:
    """The "办理" panel of the matter page: what has been done in handling, with its instruments,
    and the forms the user may use now. None before acceptance. `matter` comes from the restricted
    read of the matter page; `clocks` are the page's clocks (no second read)."""
    if matter.status not in PANEL_STATUSES:
        return None
    data = handling_data(matter=matter)
    scale = {value: label for value, label, _bad in satisfaction_scale()}
    return {
        "data": data,
        "track": data.track,
        "limit_state": track_limit_state(matter),
        "clocks": [c for c in clocks if c.kind in HANDLING_CLOCKS],
        "records": data.records,
        "extensions": _extension_items(user, matter, data),
        "opinions": _opinion_items(user, matter, data),
        "reviews": _review_items(user, matter, data),
        "mediations": _mediation_items(user, matter, data),
        "follow_ups": _follow_up_items(user, matter, data),
        "evaluations": [(e, scale.get(e.value, e.value)) for e in data.evaluations],
        "documents": data.documents,
        "forms": _matter_forms(user, matter, data, clocks),
        "needs_track": matter.status == Status.ACCEPTED and data.track is None,
        "policies": dict(LateReviewPolicy.choices),
        "today": timezone.localdate(),
    }


urlpatterns: list[URLPattern] = [
    path("<int:pk>/handling/classify/", classify_view, name="handling_classify"),
    path("<int:pk>/handling/procedure/", procedure_view, name="handling_procedure"),
    path("<int:pk>/handling/records/new/", record_view, name="handling_record"),
    path("<int:pk>/handling/extensions/new/", extension_request_view, name="handling_extension_request"),
    path(
        "<int:pk>/handling/extensions/<int:extension_pk>/decide/",
        extension_decide_view,
        name="handling_extension_decide",
    ),
    path("<int:pk>/handling/opinion/", opinion_view, name="handling_opinion"),
    path("<int:pk>/handling/opinions/<int:opinion_pk>/deliver/", deliver_view, name="handling_deliver"),
    path("<int:pk>/handling/mediation/", mediation_refer_view, name="handling_mediation_refer"),
    path(
        "<int:pk>/handling/mediations/<int:referral_pk>/result/",
        mediation_result_view,
        name="handling_mediation_result",
    ),
    path("<int:pk>/handling/review/", review_request_view, name="handling_review_request"),
    path("<int:pk>/handling/reviews/<int:review_pk>/decide/", review_decide_view, name="handling_review_decide"),
    path("<int:pk>/handling/conclude/", conclude_view, name="handling_conclude"),
    path("<int:pk>/handling/terminate/", terminate_view, name="handling_terminate"),
    path("<int:pk>/handling/withdraw/", withdraw_view, name="handling_withdraw"),
    path("<int:pk>/handling/follow-ups/new/", follow_up_create_view, name="handling_follow_up_create"),
    path(
        "<int:pk>/handling/follow-ups/<int:task_pk>/close/",
        follow_up_close_view,
        name="handling_follow_up_close",
    ),
    path("<int:pk>/handling/evaluations/new/", evaluation_view, name="handling_evaluation"),
]
