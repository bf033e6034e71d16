"""Handling of an accepted matter (办理法治化): classification into its track, handling records and
hearings, the simplified procedure, the extension, the written opinion and its delivery, mediation
inside handling, closure (concluded, terminated, withdrawn), follow-up tasks and the petitioner's
evaluation. Review and re-review are in `review.py`.

Rules: XF-CLS-01..04 (tracks), XF-HDL-01 (Art. 27 principle), XF-HDL-04 (recusal records),
XF-OPN-01..04 (opinion, outcomes, mediation), XF-DL-01/02 (60 days, one extension of at most 30
with the head's approval and a notice), XF-REV-01 (delivery date starts the review window),
XF-END-01/02 (follow-up), XF-SAT-01/02 (evaluation), XF-SIMP-03..09 (simplified procedure).

Every service checks its policy, validates, writes, and records its audit event in one transaction;
instruments are issued through `xinfang.notices.services.document_issue` in the same transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.actors import SYSTEM
from xinfang.core.errors import ServiceError
from xinfang.notices.kinds import DocumentKind, Outcome
from xinfang.notices.models import DeliveryMethod, Document
from xinfang.notices.services import delivery_record, document_issue
from xinfang.orgs.models import Function, Organisation
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import calendar_lookup, clock_get
from xinfang.workcalendar.services import clock_extend, clock_pause, clock_stop

from ..models import (
    Evaluation,
    Extension,
    FollowUpTask,
    HandlingRecord,
    HandlingTrack,
    Matter,
    MatterLink,
    MediationReferral,
    Opinion,
    Routing,
)
from ..states import (
    CLOCK_HANDLING,
    CLOCK_REREVIEW,
    CLOCK_REREVIEW_WINDOW,
    CLOCK_REVIEW_WINDOW,
    CLOCK_SIMPLE_ACCEPT,
    CLOCK_SIMPLE_HANDLING,
    CLOSED_FOR_FOLLOW_UP,
    EVALUATE_HANDLING_STATUSES,
    AgreementKind,
    EvaluationMethod,
    EvaluationStage,
    ExtensionStatus,
    FollowUpKind,
    FollowUpStatus,
    LinkKind,
    MediationStatus,
    Nature,
    OpinionStage,
    Principle,
    Procedure,
    RecordKind,
    ReviewStatus,
    RoutingKind,
    Status,
    TrackProcedure,
)
from .common import OBJECT_TYPE, matter_clock_start, matter_transition, petition_period
from .personal_data import petitioner_display_name

# The satisfaction scale's default labels, marked for the catalogs (the scale is configuration).
_SCALE_LABELS = (gettext_noop("满意"), gettext_noop("基本满意"), gettext_noop("不满意"))


# --- Shared pieces ------------------------------------------------------------------------------


def _lock(matter: Matter) -> Matter:
    # PostgreSQL cannot lock the nullable side of an outer join (handling_org, track): lock the
    # matter's row only.
    return (
        Matter.objects.select_for_update(of=("self",))
        .select_related("current_org", "handling_org", "track")
        .get(pk=matter.pk)
    )


def _expect(matter: Matter, *allowed: str) -> None:
    if matter.status not in allowed:
        raise ServiceError(
            _("事项当前状态为“%(status)s”，不能进行此操作。") % {"status": Status(matter.status).label},
            code="status",
        )


def _require_handler(actor: Any, matter: Matter) -> None:
    """The organ holding the matter handles it (handling officer, unit head)."""
    require(actor, Action.MATTER_HANDLE, matter.current_org)


def _audit(actor: Any, action: str, matter: Matter, summary: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=matter,
        object_label=matter.number,
        org_id=matter.current_org_id,
        summary=summary,
    )


def running_clock(matter: Matter, kind: str) -> Clock | None:
    return clock_get(object_type=OBJECT_TYPE, object_id=str(matter.pk), kind=kind)


def _stop(matter: Matter, kind: str, *, actor: Any, reason: str) -> Clock | None:
    clock = running_clock(matter, kind)
    if clock is not None:
        clock_stop(clock=clock, actor=actor, reason=reason)
    return clock


def _stop_handling_clocks(matter: Matter, *, actor: Any, reason: str) -> None:
    for kind in (CLOCK_HANDLING, CLOCK_SIMPLE_HANDLING):
        _stop(matter, kind, actor=actor, reason=reason)


def working_days_after(start: datetime.date, days: int) -> datetime.date:
    """The due date `days` working days after `start`, on the working calendar."""
    from xinfang.workcalendar.deadlines import compute_deadline

    return compute_deadline(start=start, period=days, unit="working", calendar=calendar_lookup()).due_date


def _petitioner_name(matter: Matter) -> str:
    return petitioner_display_name(matter) or _("信访人")


def _nonblank(errors: dict[str, list[str]], field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors.setdefault(field, []).append(message)
    return value


# Natures whose matters do not follow the petition track's 60-day clock (XF-CLS-01/02, XF-HDL-03).
NO_HANDLING_CLOCK_NATURES = frozenset({Nature.SUGGESTION, Nature.REPORT, Nature.DISCIPLINE, Nature.LITIGATION})


def handling_clock_start(*, matter: Matter, actor: Any) -> Clock | None:
    """Start the 60-day handling clock (D6, XF-DL-01) from the acceptance date, unless the matter's
    nature or track has a clock of its own procedure. Called wherever a matter becomes accepted."""
    if matter.accepted_at is None or running_clock(matter, CLOCK_HANDLING) is not None:
        return None
    if matter.track is not None:
        if not matter.track.runs_handling_clock:
            return None
    elif matter.nature in NO_HANDLING_CLOCK_NATURES:
        return None
    return matter_clock_start(matter=matter, kind=CLOCK_HANDLING, start=matter.accepted_at, actor=actor)


def _accepting_org(matter: Matter) -> None:
    """The organ that accepted the matter keeps sight of it through review (MATTER_ORG_FIELDS)."""
    if matter.handling_org_id is None:
        matter.handling_org = matter.current_org
        matter.save(update_fields=["handling_org", "updated_at"])


def on_accepted(*, matter: Matter, actor: Any) -> None:
    """What every acceptance does (here, by a recipient, or after a rejected objection)."""
    _accepting_org(matter)
    handling_clock_start(matter=matter, actor=actor)


# --- Classification (依法分类处理, XF-CLS-01..04) ----------------------------------------------------


def track_limit_state(matter: Matter, today: datetime.date | None = None) -> str:
    """ "past", "close" or "" for the petitioner's own time limit of a statutory procedure."""
    deadline = matter.track_petitioner_deadline
    if deadline is None:
        return ""
    today = today or timezone.localdate()
    if deadline < today:
        return "past"
    if (deadline - today).days <= settings.XINFANG_TRACK_LIMIT_WARNING_DAYS:
        return "close"
    return ""


@transaction.atomic
def matter_classify(
    *,
    actor: Any,
    matter: Matter,
    track: HandlingTrack,
    receiving_body: str = "",
    petitioner_deadline: datetime.date | None = None,
    note: str = "",
) -> Matter:
    """Put an accepted matter on its track (XF-CLS-01..04). The petition track runs the 60-day clock
    (XF-DL-01); suggestions are answered (Art. 29) and reports go to discipline inspection (Art. 30)
    on their own procedures; a statutory track routes the matter into that procedure (status
    "routed"), recording the receiving body and the petitioner's own time limit there."""
    _require_handler(actor, matter)
    matter = _lock(matter)
    _expect(matter, Status.ACCEPTED)
    errors: dict[str, list[str]] = {}
    if not track.is_active:
        errors.setdefault("track", []).append(_("该处理途径已停用。"))
    if matter.opinions.exists():
        errors.setdefault("track", []).append(_("已出具处理意见，不能再改变处理途径。"))
    receiving_body = (receiving_body or "").strip()
    if track.procedure == TrackProcedure.STATUTORY and not receiving_body:
        errors.setdefault("receiving_body", []).append(_("导入法定程序的，请写明受理该程序的机关或组织。"))
    if track.procedure != TrackProcedure.PETITION and matter.procedure == Procedure.SIMPLIFIED:
        errors.setdefault("track", []).append(_("简易办理只适用于按信访程序办理的事项，请先转为普通程序。"))
    if errors:
        raise ValidationError(errors)
    before = {"track": matter.track_id}
    matter.track = track
    matter.track_receiving_body = receiving_body[:200]
    matter.track_petitioner_deadline = petitioner_deadline if track.procedure == TrackProcedure.STATUTORY else None
    matter.track_note = (note or "").strip()
    matter.save(
        update_fields=[
            "track",
            "track_receiving_body",
            "track_petitioner_deadline",
            "track_note",
            "updated_at",
        ]
    )
    if track.runs_handling_clock:
        if matter.procedure == Procedure.ORDINARY:
            handling_clock_start(matter=matter, actor=actor)
    else:
        _stop_handling_clocks(matter, actor=actor, reason="matter.classify")
    deadline = matter.track_petitioner_deadline
    summary: dict[str, Any] = {
        "before": before,
        "after": {"track": track.pk, "code": track.code, "procedure": track.procedure},
        "petitioner_deadline": deadline.isoformat() if deadline else None,
        "limit_state": track_limit_state(matter),
    }
    if track.procedure == TrackProcedure.STATUTORY:
        # matter_transition records before/after status; keep them beside the track's values.
        summary["before"] = {"status": matter.status, **before}
        summary["after"] = {"status": Status.ROUTED, **summary["after"]}
        matter_transition(matter=matter, to=Status.ROUTED, actor=actor, action="matter.classify", summary=summary)
    else:
        _audit(actor, "matter.classify", matter, summary)
    return matter


# --- Simplified procedure (简易办理, XF-SIMP-*) --------------------------------------------------


def simplified_obstacles(matter: Matter) -> list[str]:
    """Why a matter cannot be handled by the simplified procedure (XF-SIMP-03/04), in words."""
    reasons = []
    if Routing.objects.filter(matter=matter, kind=RoutingKind.ASSIGN).exists():
        reasons.append(_("上级交办的事项不适用简易办理。"))
    if matter.is_group:
        reasons.append(_("集体访或联名信访事项不适用简易办理。"))
    repeat_kinds = (
        LinkKind.SAME_PETITIONER,
        LinkKind.IN_PROGRESS_HERE,
        LinkKind.PENDING_HIGHER,
        LinkKind.AFTER_RE_REVIEW,
    )
    if MatterLink.objects.filter(matter=matter, kind__in=repeat_kinds).exists():
        reasons.append(_("简易办理只适用于初次信访事项。"))
    if matter.track is not None and matter.track.procedure != TrackProcedure.PETITION:
        reasons.append(_("已导入其他程序的事项不适用简易办理。"))
    if matter.extensions.filter(status=ExtensionStatus.APPROVED).exists():
        reasons.append(_("已延期办理的事项不适用简易办理。"))
    return reasons


@transaction.atomic
def matter_procedure_set(
    *, actor: Any, matter: Matter, procedure: str, reason: str, paper_requested: bool = True
) -> Matter:
    """Choose the simplified procedure (XF-SIMP-05: the empowered organ decides) or convert back
    to the ordinary one (XF-SIMP-09). Simplified: the opinion is due 10 working days after
    acceptance (D16, configuration); converting restarts the 60-day clock from acceptance. Records
    whether the petitioner asked for paper instruments (XF-SIMP-07)."""
    _require_handler(actor, matter)
    matter = _lock(matter)
    _expect(matter, Status.ACCEPTED)
    errors: dict[str, list[str]] = {}
    if procedure not in Procedure.values:
        errors.setdefault("procedure", []).append(_("请选择办理程序。"))
    reason = _nonblank(errors, "reason", reason, _("请写明理由。"))
    if procedure == Procedure.SIMPLIFIED and procedure in Procedure.values:
        for obstacle in simplified_obstacles(matter):
            errors.setdefault("procedure", []).append(obstacle)
    if procedure == matter.procedure:
        errors.setdefault("procedure", []).append(_("事项已经按此程序办理。"))
    if errors:
        raise ValidationError(errors)
    before = {"procedure": matter.procedure, "paper_requested": matter.paper_requested}
    matter.procedure = procedure
    matter.paper_requested = bool(paper_requested)
    matter.save(update_fields=["procedure", "paper_requested", "updated_at"])
    assert matter.accepted_at is not None  # status ACCEPTED
    _stop_handling_clocks(matter, actor=actor, reason=f"matter.procedure:{procedure}")
    summary: dict[str, Any] = {
        "before": before,
        "after": {"procedure": procedure, "paper_requested": matter.paper_requested},
    }
    if procedure == Procedure.SIMPLIFIED:
        matter_clock_start(matter=matter, kind=CLOCK_SIMPLE_HANDLING, start=matter.accepted_at, actor=actor)
        # D15: the empowered organ decides acceptance within 3 working days of its receipt; the
        # record shows whether it did (the accountability of XF-SIMP-08 rests on it).
        due = simplified_acceptance_due(matter)
        summary["accept_due"] = due.isoformat()
        summary["accepted_in_time"] = timezone.localdate(matter.accepted_at) <= due
    else:
        # The 60 days from acceptance again, where the matter's track or nature has them (XF-DL-01).
        handling_clock_start(matter=matter, actor=actor)
    _audit(actor, "matter.procedure", matter, summary)
    return matter


def simplified_acceptance_due(matter: Matter) -> datetime.date:
    """D15 (XF-SIMP-06, configuration `simple_accept_3wd`): the last day to decide acceptance of a
    simplified matter, counted from the day the accepting organ received it (the routing's receipt
    for a forwarded or assigned matter, the matter's receipt otherwise)."""
    from xinfang.workcalendar.deadlines import compute_deadline

    routing = (
        Routing.objects.filter(matter=matter, to_org=matter.handling_org or matter.current_org)
        .exclude(received_at__isnull=True)
        .order_by("-received_at")
        .first()
    )
    received = routing.received_at if routing is not None and routing.received_at else matter.received_at
    period, unit = petition_period(CLOCK_SIMPLE_ACCEPT)
    start = timezone.localdate(received)
    return compute_deadline(start=start, period=period, unit=unit, calendar=calendar_lookup()).due_date


# --- Handling records and hearings -------------------------------------------------------------

RECORD_STATUSES = frozenset({Status.ACCEPTED, Status.IN_MEDIATION, Status.IN_REVIEW, Status.IN_REREVIEW})


@transaction.atomic
def handling_record_add(
    *,
    actor: Any,
    matter: Matter,
    kind: str,
    occurred_on: datetime.date,
    summary: str,
    place: str = "",
    participants: str = "",
    end_date: datetime.date | None = None,
    issue_notice: bool = False,
    language: str = "zh-hans",
) -> HandlingRecord:
    """Record a step of handling: investigation, interview, consultation, recusal (XF-HDL-04) or a
    hearing (听证, Art. 31(6)). A hearing held during re-review pauses the re-review clock for its
    days (XF-REV-05); `issue_notice` issues the hearing notice (DOC-08) to the petitioner."""
    _require_handler(actor, matter)
    matter = _lock(matter)
    _expect(matter, *RECORD_STATUSES)
    errors: dict[str, list[str]] = {}
    if kind not in RecordKind.values:
        errors.setdefault("kind", []).append(_("请选择记录类型。"))
    summary = _nonblank(errors, "summary", summary, _("请填写内容。"))
    is_hearing = kind == RecordKind.HEARING
    end_date = end_date or (occurred_on if is_hearing else None)
    if end_date is not None and end_date < occurred_on:
        errors.setdefault("end_date", []).append(_("结束日期不能早于开始日期。"))
    if is_hearing and not (place or "").strip():
        errors.setdefault("place", []).append(_("请填写听证地点。"))
    if not is_hearing and occurred_on > timezone.localdate():
        errors.setdefault("occurred_on", []).append(_("日期不能晚于今天。"))
    if errors:
        raise ValidationError(errors)
    review = matter.reviews.filter(status=ReviewStatus.PENDING).first()
    record = HandlingRecord.objects.create(
        matter=matter,
        review=review,
        organisation=matter.current_org,
        kind=kind,
        occurred_on=occurred_on,
        end_date=end_date,
        place=(place or "").strip()[:200],
        participants=(participants or "").strip()[:300],
        summary=summary,
        recorded_by=actor,
    )
    paused = False
    if is_hearing and matter.status == Status.IN_REREVIEW:
        clock = running_clock(matter, CLOCK_REREVIEW)
        if clock is not None:
            assert end_date is not None
            clock_pause(clock=clock, start_date=occurred_on, end_date=end_date, actor=actor, reason="hearing")
            paused = True
    document = None
    if is_hearing and issue_notice:
        document = document_issue(
            actor=actor,
            kind=DocumentKind.HEARING_NOTICE,
            organisation=matter.current_org,
            matter=matter,
            language=language,
            object_type="petitions.handlingrecord",
            object_id=str(record.pk),
            context={
                "petitioner_name": _petitioner_name(matter),
                "matter_summary": matter.title,
                "hearing_date": occurred_on
                if end_date == occurred_on
                else f"{occurred_on.isoformat()} — {end_date.isoformat() if end_date else ''}",
                "hearing_place": record.place,
            },
        )
    _audit(
        actor,
        "matter.record",
        matter,
        {
            "record": record.pk,
            "kind": kind,
            "occurred_on": occurred_on.isoformat(),
            "end_date": end_date.isoformat() if end_date else None,
            "clock_paused": paused,
            "document": document.pk if document else None,
        },
    )
    return record


# --- Extension (XF-DL-02) ---------------------------------------------------------------------


def _handling_clock_for_extension(matter: Matter) -> Clock:
    if matter.procedure == Procedure.SIMPLIFIED:
        raise ServiceError(_("简易办理的事项不能延期；确需延长的，请先转为普通程序（XF-SIMP-09）。"), code="simplified")
    clock = running_clock(matter, CLOCK_HANDLING)
    if clock is None:
        raise ServiceError(_("该事项没有运行中的60日办理期限，无需延期（XF-DL-01）。"), code="no_clock")
    return clock


@transaction.atomic
def extension_request(*, actor: Any, matter: Matter, days: int, reason: str) -> Extension:
    """Ask the organ's head to extend the handling period (XF-DL-02): a reason, at most 30 days
    (configuration), once, and before the 60 days run out."""
    _require_handler(actor, matter)
    matter = _lock(matter)
    _expect(matter, Status.ACCEPTED, Status.IN_MEDIATION)
    errors: dict[str, list[str]] = {}
    reason = _nonblank(errors, "reason", reason, _("请写明延期理由（须告知信访人，XF-DL-02）。"))
    limit = settings.XINFANG_MAX_EXTENSION_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= limit:
        errors.setdefault("days", []).append(
            _("延长期限最多%(limit)s日（《信访工作条例》第三十四条，XF-DL-02）。") % {"limit": limit}
        )
    approved = matter.extensions.filter(status=ExtensionStatus.APPROVED).count()
    if approved >= settings.XINFANG_MAX_EXTENSIONS:
        errors.setdefault("days", []).append(_("办理期限只能延长一次，不能再次延期（XF-DL-02）。"))
    if matter.extensions.filter(status=ExtensionStatus.REQUESTED).exists():
        errors.setdefault("days", []).append(_("已有待批准的延期申请。"))
    if errors:
        raise ValidationError(errors)
    clock = _handling_clock_for_extension(matter)
    if clock.due_date < timezone.localdate():
        raise ServiceError(_("60日办理期限已届满，不能再申请延期（XF-DL-02）。"), code="overdue")
    extension = Extension.objects.create(
        matter=matter,
        organisation=matter.current_org,
        days=days,
        reason=reason,
        requested_by=actor,
        requested_at=timezone.now(),
        original_due=clock.due_date,
    )
    _audit(actor, "matter.extension_request", matter, {"extension": extension.pk, "days": days})
    return extension


@transaction.atomic
def extension_decide(
    *, actor: Any, extension: Extension, approve: bool, note: str = "", language: str = "zh-hans"
) -> Extension:
    """The organ's head approves or refuses an extension (XF-DL-02). On approval the handling clock
    moves by the days asked and the extension notice (DOC-04) is issued to the petitioner."""
    extension = Extension.objects.select_for_update().select_related("organisation").get(pk=extension.pk)
    require(actor, Action.MATTER_APPROVE, extension.organisation)
    matter = _lock(extension.matter)
    if extension.status != ExtensionStatus.REQUESTED:
        raise ServiceError(_("该延期申请已经处理。"), code="decided")
    if approve:
        _expect(matter, Status.ACCEPTED, Status.IN_MEDIATION)
    # A request left pending when handling ended (opinion, closure, withdrawal) may still be
    # refused, so that none stays pending for ever.
    now = timezone.now()
    extension.decided_by = actor
    extension.decided_at = now
    extension.decision_note = (note or "").strip()
    if not approve:
        extension.status = ExtensionStatus.REFUSED
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        _audit(actor, "matter.extension_refuse", matter, {"extension": extension.pk})
        return extension
    clock = _handling_clock_for_extension(matter)
    if clock.due_date < timezone.localdate(now):
        raise ServiceError(_("60日办理期限已届满，不能再批准延期（XF-DL-02）。"), code="overdue")
    if matter.extensions.filter(status=ExtensionStatus.APPROVED).count() >= settings.XINFANG_MAX_EXTENSIONS:
        raise ServiceError(_("办理期限只能延长一次，不能再次延期（XF-DL-02）。"), code="second")
    original_due = clock.due_date
    clock_extend(clock=clock, days=extension.days, actor=actor, reason="extension")
    clock.refresh_from_db()
    extension.status = ExtensionStatus.APPROVED
    extension.original_due = original_due
    extension.new_due = clock.due_date
    assert matter.accepted_at is not None
    extension.document = document_issue(
        actor=actor,
        kind=DocumentKind.EXTENSION,
        organisation=matter.current_org,
        matter=matter,
        language=language,
        object_type="petitions.extension",
        object_id=str(extension.pk),
        context={
            "petitioner_name": _petitioner_name(matter),
            "matter_summary": matter.title,
            "accepted_date": timezone.localdate(matter.accepted_at),
            "original_deadline": original_due,
            "extension_days": extension.days,
            "new_deadline": clock.due_date,
            "reason": extension.reason,
            "approver": actor.get_full_name() or actor.get_username(),
            "approved_date": timezone.localdate(now),
        },
    )
    extension.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "original_due", "new_due", "document"]
    )
    _audit(
        actor,
        "matter.extension_approve",
        matter,
        {
            "extension": extension.pk,
            "days": extension.days,
            "before": {"due": original_due.isoformat()},
            "after": {"due": clock.due_date.isoformat()},
            "document": extension.document.pk,
        },
    )
    return extension


# --- The written opinion (XF-OPN-01..03) and its delivery --------------------------------------


def _opinion_errors(
    *, outcome: str, principle: str, request: str, facts_reasons: str, opinion: str, legal_basis: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors.setdefault("outcome", []).append(_("请选择处理结果：予以支持、解释说明或不予支持（XF-OPN-02）。"))
    if principle not in Principle.values:
        errors.setdefault("principle", []).append(_("请选择适用的处理原则（第二十七条，XF-HDL-01）。"))
    for field, value in (
        ("request", request),
        ("facts_reasons", facts_reasons),
        ("opinion", opinion),
        ("legal_basis", legal_basis),
    ):
        if not (value or "").strip():
            errors.setdefault(field, []).append(
                _("意见书应当载明信访请求、事实和理由、处理意见及其法律依据（XF-OPN-01）。")
            )
    return errors


def _follow_up_after_opinion(*, actor: Any, matter: Matter, opinion: Opinion) -> FollowUpTask | None:
    """XF-OPN-03: on support, the deciding organ supervises execution; on not support, it counsels
    and educates the petitioner. Each becomes a follow-up task of the deciding organ."""
    if opinion.outcome == Outcome.SUPPORT:
        kind, text = FollowUpKind.EXECUTION, _("督促有关机关、单位执行处理意见（第三十二条第二款）。")
    elif opinion.outcome == Outcome.NOT_SUPPORT:
        kind, text = FollowUpKind.EXPLANATION, _("做好信访人的疏导教育工作（第三十二条第二款）。")
    else:
        return None
    due = working_days_after(
        timezone.localdate(opinion.issued_at), settings.XINFANG_DISSATISFACTION_FOLLOW_UP_WORKING_DAYS
    )
    return _follow_up_insert(
        actor=actor, matter=matter, kind=kind, organisation=opinion.organisation, description=text, due_date=due
    )


def review_route_text(organisation: Organisation) -> str:
    """Where the petitioner may ask for review of `organisation`'s opinion (the bodies one level
    up), for the opinion's text."""
    from .review import review_bodies

    return _("、").join(org.name for org in review_bodies(organisation))


@transaction.atomic
def opinion_issue(
    *,
    actor: Any,
    matter: Matter,
    outcome: str,
    principle: str,
    request: str,
    facts_reasons: str,
    opinion: str,
    legal_basis: str,
    language: str = "zh-hans",
) -> Opinion:
    """Issue the handling opinion (信访处理意见书, DOC-05) on a petition-track matter: request, facts
    and reasons, opinion and legal basis (XF-OPN-01), one of the three outcomes (XF-OPN-02) and the
    Art. 27 principle applied (XF-HDL-01). The handling clock stops; the review window starts on
    delivery (`opinion_deliver`)."""
    _require_handler(actor, matter)
    matter = _lock(matter)
    _expect(matter, Status.ACCEPTED)
    errors = _opinion_errors(
        outcome=outcome,
        principle=principle,
        request=request,
        facts_reasons=facts_reasons,
        opinion=opinion,
        legal_basis=legal_basis,
    )
    if matter.track is None:
        errors.setdefault("__all__", []).append(_("请先确定处理途径（依法分类处理）。"))
    elif matter.track.procedure != TrackProcedure.PETITION:
        errors.setdefault("__all__", []).append(
            _("只有按信访程序办理的事项出具信访处理意见书；其他途径请直接办结并记录答复。")
        )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    record = Opinion.objects.create(
        matter=matter,
        stage=OpinionStage.HANDLING,
        organisation=matter.current_org,
        outcome=outcome,
        principle=principle,
        request=request.strip(),
        facts_reasons=facts_reasons.strip(),
        opinion=opinion.strip(),
        legal_basis=legal_basis.strip(),
        issued_by=actor,
        issued_at=now,
    )
    record.document = document_issue(
        actor=actor,
        kind=DocumentKind.HANDLING_OPINION,
        organisation=matter.current_org,
        matter=matter,
        language=language,
        object_type="petitions.opinion",
        object_id=str(record.pk),
        context={
            "petitioner_name": _petitioner_name(matter),
            "request": record.request,
            "facts_reasons": record.facts_reasons,
            "outcome": outcome,
            "opinion": record.opinion,
            "legal_basis": record.legal_basis,
            "review_route": review_route_text(matter.current_org),
        },
    )
    record.save(update_fields=["document"])
    clock = running_clock(matter, CLOCK_HANDLING) or running_clock(matter, CLOCK_SIMPLE_HANDLING)
    late = clock is not None and clock.due_date < timezone.localdate(now)
    _stop_handling_clocks(matter, actor=actor, reason="opinion.issue")
    follow_up = _follow_up_after_opinion(actor=actor, matter=matter, opinion=record)
    matter_transition(
        matter=matter,
        to=Status.REPLIED,
        actor=actor,
        action="matter.opinion",
        summary={
            "opinion": record.pk,
            "outcome": outcome,
            "principle": principle,
            "document": record.document.pk,
            "late": late,
            "follow_up": follow_up.pk if follow_up else None,
        },
    )
    return record


WINDOW_CLOCK = {OpinionStage.HANDLING: CLOCK_REVIEW_WINDOW, OpinionStage.REVIEW: CLOCK_REREVIEW_WINDOW}


@transaction.atomic
def opinion_deliver(
    *,
    actor: Any,
    opinion: Opinion,
    method: str,
    delivered_at: datetime.datetime,
    recipient: str,
    note: str = "",
    language: str = "zh-hans",
) -> Opinion:
    """Record the delivery (送达) of an opinion: the date starts the petitioner's 30-day window for
    review (after a handling opinion, XF-REV-01) or re-review (after a review opinion, XF-REV-03).
    Delivery by hand or post also issues the delivery receipt (送达回证) for signature."""
    opinion = (
        Opinion.objects.select_for_update(of=("self",)).select_related("document", "organisation").get(pk=opinion.pk)
    )
    require(actor, Action.MATTER_HANDLE, opinion.organisation)
    matter = _lock(opinion.matter)
    if opinion.delivered_at is not None:
        raise ServiceError(
            _("该意见书已经送达，送达时间为%(date)s。") % {"date": opinion.delivered_at.date()}, code="delivered"
        )
    if opinion.document is None:
        raise ServiceError(_("该意见没有书面文书，不能登记送达。"), code="no_document")
    delivery = delivery_record(
        actor=actor, document=opinion.document, method=method, delivered_at=delivered_at, recipient=recipient, note=note
    )
    opinion.delivered_at = delivered_at
    opinion.delivery = delivery
    opinion.save(update_fields=["delivered_at", "delivery"])
    receipt: Document | None = None
    if method in (DeliveryMethod.HAND, DeliveryMethod.POST):
        receipt = document_issue(
            actor=actor,
            kind=DocumentKind.DELIVERY_RECEIPT,
            organisation=opinion.organisation,
            matter=matter,
            language=language,
            object_type="petitions.opinion",
            object_id=str(opinion.pk),
            context={
                "served_document": f"{opinion.document.get_kind_display()}（{opinion.document.number}）",
                "recipient": recipient.strip(),
                "delivery_method": DeliveryMethod(method).label,
            },
        )
    window_kind = WINDOW_CLOCK.get(OpinionStage(opinion.stage))
    window = None
    # The window opens only while the matter stands on this opinion: a delivery recorded after the
    # matter was closed otherwise (withdrawn, terminated) records the delivery and nothing more.
    stands_on = CURRENT_OPINION_STAGE.get(Status(matter.status)) == opinion.stage
    if window_kind is not None and stands_on:
        _stop(matter, window_kind, actor=actor, reason="redelivered")
        window = matter_clock_start(matter=matter, kind=window_kind, start=delivered_at, actor=actor)
    _audit(
        actor,
        "matter.opinion_deliver",
        matter,
        {
            "opinion": opinion.pk,
            "stage": opinion.stage,
            "method": method,
            "delivered_at": delivered_at.isoformat(),
            "window_due": window.due_date.isoformat() if window else None,
            "receipt": receipt.pk if receipt else None,
        },
    )
    return opinion


# --- Mediation inside handling (访调对接, XF-OPN-04) ---------------------------------------------


@transaction.atomic
def mediation_refer(
    *, actor: Any, matter: Matter, mediation_org: Organisation, consent_recorded: bool, note: str = ""
) -> MediationReferral:
    """A grievance becomes a mediation case, with the consent of both sides (XF-OPN-04). The
    mediation module (later) handles the case; here the link and the state ("in mediation")."""
    _require_handler(actor, matter)
    matter = _lock(matter)
    _expect(matter, Status.ACCEPTED)
    errors: dict[str, list[str]] = {}
    if matter.nature and matter.nature != Nature.GRIEVANCE:
        errors.setdefault("__all__", []).append(_("只有申诉求决类事项可以调解（第三十三条，XF-OPN-04）。"))
    if not consent_recorded:
        errors.setdefault("consent_recorded", []).append(_("调解须经双方当事人同意（第三十三条）。"))
    if mediation_org.function != Function.MEDIATION or not mediation_org.is_active:
        errors.setdefault("mediation_org", []).append(_("请选择调解组织。"))
    if errors:
        raise ValidationError(errors)
    referral = MediationReferral.objects.create(
        matter=matter,
        mediation_org=mediation_org,
        consent_recorded=True,
        note=(note or "").strip(),
        referred_by=actor,
        referred_at=timezone.now(),
    )
    matter_transition(
        matter=matter,
        to=Status.IN_MEDIATION,
        actor=actor,
        action="matter.mediation_refer",
        summary={"referral": referral.pk, "mediation_org": mediation_org.pk},
    )
    return referral


@transaction.atomic
def mediation_result_record(
    *, actor: Any, referral: MediationReferral, agreed: bool, result: str, agreement_kind: str = ""
) -> MediationReferral:
    """The mediation's result returns to the matter: an agreement (调解协议书 or 和解协议书,
    XF-OPN-04) concludes it; no agreement returns it to handling, its clock still running."""
    referral = MediationReferral.objects.select_for_update().select_related("mediation_org").get(pk=referral.pk)
    matter = _lock(referral.matter)
    if not (
        user_can(actor, Action.MATTER_HANDLE, matter.current_org)
        or user_can(actor, Action.MEDIATION_HANDLE, referral.mediation_org)
    ):
        raise PermissionDenied(_("您没有权限记录该调解结果。"))
    if referral.status != MediationStatus.REFERRED:
        raise ServiceError(_("该调解已有结果。"), code="decided")
    _expect(matter, Status.IN_MEDIATION)
    errors: dict[str, list[str]] = {}
    result = _nonblank(errors, "result", result, _("请填写调解结果。"))
    if agreed and agreement_kind not in AgreementKind.values:
        errors.setdefault("agreement_kind", []).append(_("达成协议的，请选择调解协议书或和解协议书（XF-OPN-04）。"))
    if errors:
        raise ValidationError(errors)
    referral.status = MediationStatus.AGREED if agreed else MediationStatus.FAILED
    referral.agreement_kind = agreement_kind if agreed else ""
    referral.result = result
    referral.returned_at = timezone.now()
    referral.save(update_fields=["status", "agreement_kind", "result", "returned_at"])
    summary = {"referral": referral.pk, "agreed": agreed, "agreement_kind": referral.agreement_kind}
    if agreed:
        _stop_handling_clocks(matter, actor=actor, reason="mediation.agreed")
        matter.closed_at = referral.returned_at
        matter.closure_note = result
        matter.save(update_fields=["closed_at", "closure_note", "updated_at"])
        matter_transition(
            matter=matter, to=Status.CONCLUDED, actor=actor, action="matter.mediation_result", summary=summary
        )
    else:
        matter_transition(
            matter=matter, to=Status.ACCEPTED, actor=actor, action="matter.mediation_result", summary=summary
        )
    return referral


# --- Closure: concluded, terminated, withdrawn (XF-END-01) --------------------------------------


# The opinion a matter in each status stands on (its delivery starts the petitioner's window).
CURRENT_OPINION_STAGE = {
    Status.REPLIED: OpinionStage.HANDLING,
    Status.REVIEWED: OpinionStage.REVIEW,
    Status.FINAL: OpinionStage.REREVIEW,
}


def _delivered_last_opinion(matter: Matter) -> Opinion | None:
    """The opinion of the matter's current stage (the review opinion of a reviewed matter, …), or
    the latest one. By stage, not only by time: two opinions may carry the same time."""
    stage = CURRENT_OPINION_STAGE.get(Status(matter.status))
    opinions = matter.opinions.all()
    if stage is not None:
        opinions = opinions.filter(stage=stage)
    return opinions.order_by("-issued_at", "-pk").first()


def window_clock(matter: Matter) -> Clock | None:
    """The petitioner's running review or re-review window, if any."""
    return running_clock(matter, CLOCK_REVIEW_WINDOW) or running_clock(matter, CLOCK_REREVIEW_WINDOW)


@transaction.atomic
def matter_conclude(*, actor: Any, matter: Matter, note: str) -> Matter:
    """Conclude (办结) a matter: a suggestion answered or a report handed over on its own track, a
    matter routed into a statutory procedure, or a written opinion delivered (a reply without a
    delivery record cannot conclude: the review window must have a start, XF-REV-01). The
    petitioner's review window keeps running: a request in time reopens the matter."""
    _require_handler(actor, matter)
    matter = _lock(matter)
    _expect(matter, Status.ACCEPTED, Status.ROUTED, Status.REPLIED, Status.REVIEWED)
    errors: dict[str, list[str]] = {}
    note = _nonblank(errors, "note", note, _("请填写办结情况（答复内容或处理结果）。"))
    if matter.status == Status.ACCEPTED:
        if matter.track is None:
            errors.setdefault("__all__", []).append(_("请先确定处理途径（依法分类处理）。"))
        elif matter.track.procedure == TrackProcedure.PETITION:
            errors.setdefault("__all__", []).append(
                _("按信访程序办理的事项应当出具信访处理意见书并送达后办结（XF-OPN-01）。")
            )
    if matter.status in (Status.REPLIED, Status.REVIEWED):
        last = _delivered_last_opinion(matter)
        if last is None or last.delivered_at is None:
            errors.setdefault("__all__", []).append(_("意见书尚未登记送达，不能办结（XF-REV-01）。"))
    if errors:
        raise ValidationError(errors)
    _stop_handling_clocks(matter, actor=actor, reason="matter.conclude")
    matter.closed_at = timezone.now()
    matter.closure_note = note
    matter.save(update_fields=["closed_at", "closure_note", "updated_at"])
    matter_transition(matter=matter, to=Status.CONCLUDED, actor=actor, action="matter.conclude", summary={})
    return matter


@transaction.atomic
def matter_terminate(
    *, actor: Any, matter: Matter, ground: str, final_instruments: str = "", language: str = "zh-hans"
) -> Matter:
    """Terminate (终结) a matter, with the termination record (DOC-11): a litigation-related
    matter concluded by law (XF-END-01), or an opinion whose review window passed without a
    request (XF-REV-07 where the configured policy terminates). Follow-up care may still be logged."""
    _require_handler(actor, matter)
    matter = _lock(matter)
    _expect(matter, Status.ROUTED, Status.REPLIED, Status.REVIEWED)
    errors: dict[str, list[str]] = {}
    ground = _nonblank(errors, "ground", ground, _("请写明终结理由。"))
    last = _delivered_last_opinion(matter)
    if matter.status in (Status.REPLIED, Status.REVIEWED):
        window = window_clock(matter)
        if last is None or last.delivered_at is None:
            errors.setdefault("__all__", []).append(_("意见书尚未登记送达，不能终结（XF-REV-01）。"))
        elif window is not None and window.due_date >= timezone.localdate():
            errors.setdefault("__all__", []).append(
                _("信访人请求复查（复核）的期限至%(date)s尚未届满，不能终结。") % {"date": window.due_date.isoformat()}
            )
    if errors:
        raise ValidationError(errors)
    return terminate_now(
        actor=actor, matter=matter, ground=ground, final_instruments=final_instruments, language=language
    )


def terminate_now(
    *, actor: Any, matter: Matter, ground: str, final_instruments: str = "", language: str = "zh-hans"
) -> Matter:
    """The termination itself, once the caller has checked it may happen (inside its transaction).
    The termination record (DOC-11) is issued in the name of the organ holding the matter."""
    last = _delivered_last_opinion(matter)
    if not final_instruments.strip() and last is not None and last.document is not None:
        final_instruments = f"{last.document.get_kind_display()}（{last.document.number}）"
    now = timezone.now()
    document = document_issue(
        actor=actor,
        kind=DocumentKind.TERMINATION,
        organisation=matter.current_org,
        matter=matter,
        language=language,
        object_type="petitions.matter",
        object_id=str(matter.pk),
        context={
            "ground": ground,
            "termination_date": timezone.localdate(now),
            "final_instruments": final_instruments.strip() or _("无"),
        },
    )
    for kind in (CLOCK_REVIEW_WINDOW, CLOCK_REREVIEW_WINDOW):
        _stop(matter, kind, actor=actor, reason="matter.terminate")
    matter.closed_at = now
    matter.closure_note = ground
    matter.save(update_fields=["closed_at", "closure_note", "updated_at"])
    matter_transition(
        matter=matter, to=Status.TERMINATED, actor=actor, action="matter.terminate", summary={"document": document.pk}
    )
    return matter


WITHDRAWABLE = frozenset({Status.ACCEPTED, Status.IN_MEDIATION, Status.IN_REVIEW, Status.IN_REREVIEW})


@transaction.atomic
def matter_withdraw(*, actor: Any, matter: Matter, reason: str) -> Matter:
    """The petitioner withdraws the matter (or the review request): every clock of the matter stops
    and a pending review is marked withdrawn; the opinions already given stand."""
    _require_handler(actor, matter)
    matter = _lock(matter)
    _expect(matter, *WITHDRAWABLE)
    errors: dict[str, list[str]] = {}
    reason = _nonblank(errors, "reason", reason, _("请写明撤回的情况（信访人书面或口头撤回的记录）。"))
    if errors:
        raise ValidationError(errors)
    for clock in Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(matter.pk), stopped_at__isnull=True):
        clock_stop(clock=clock, actor=actor, reason="matter.withdraw")
    matter.reviews.filter(status=ReviewStatus.PENDING).update(status=ReviewStatus.WITHDRAWN)
    matter.mediations.filter(status=MediationStatus.REFERRED).update(status=MediationStatus.FAILED, result=reason)
    matter.closed_at = timezone.now()
    matter.closure_note = reason
    matter.save(update_fields=["closed_at", "closure_note", "updated_at"])
    matter_transition(matter=matter, to=Status.WITHDRAWN, actor=actor, action="matter.withdraw", summary={})
    return matter


# --- Follow-up tasks (XF-END-01/02) ---------------------------------------------------------------


def _follow_up_insert(
    *,
    actor: Any,
    matter: Matter,
    kind: str,
    organisation: Organisation,
    description: str,
    due_date: datetime.date,
    assignee: Any = None,
) -> FollowUpTask:
    task = FollowUpTask.objects.create(
        matter=matter,
        kind=kind,
        organisation=organisation,
        assignee=assignee,
        description=description,
        due_date=due_date,
        created_by=None if actor is SYSTEM else actor,
    )
    _audit(
        actor,
        "matter.follow_up_create",
        matter,
        {"task": task.pk, "kind": kind, "organisation": organisation.pk, "due_date": due_date.isoformat()},
    )
    return task


def _may_direct(actor: Any, matter: Matter) -> bool:
    orgs = [org for org in (matter.current_org, matter.handling_org) if org is not None]
    return any(
        user_can(actor, action, org)
        for action in (Action.MATTER_HANDLE, Action.MATTER_APPROVE, Action.MATTER_SUPERVISE)
        for org in orgs
    )


@transaction.atomic
def follow_up_create(
    *,
    actor: Any,
    matter: Matter,
    kind: str,
    organisation: Organisation,
    description: str,
    due_date: datetime.date,
    assignee: Any = None,
) -> FollowUpTask:
    """Open a follow-up task on a concluded, terminated or final matter (疏导教育、矛盾化解、帮扶
    救助, XF-END-01/02): assigned to an organisation (and optionally one of its members), due on a
    date, closed with its result."""
    if not _may_direct(actor, matter):
        raise PermissionDenied(_("您没有权限安排该事项的后续工作。"))
    matter = _lock(matter)
    errors: dict[str, list[str]] = {}
    if matter.status not in CLOSED_FOR_FOLLOW_UP:
        errors.setdefault("__all__", []).append(_("事项办结、终结或复核终结后才能安排后续工作（XF-END-01）。"))
    if kind not in FollowUpKind.values:
        errors.setdefault("kind", []).append(_("请选择后续工作类型。"))
    description = _nonblank(errors, "description", description, _("请填写任务内容。"))
    if due_date < timezone.localdate():
        errors.setdefault("due_date", []).append(_("完成期限不能早于今天。"))
    if assignee is not None and not organisation.memberships.filter(user=assignee, is_active=True).exists():
        errors.setdefault("assignee", []).append(_("责任人须是责任单位的工作人员。"))
    if errors:
        raise ValidationError(errors)
    return _follow_up_insert(
        actor=actor,
        matter=matter,
        kind=kind,
        organisation=organisation,
        description=description,
        due_date=due_date,
        assignee=assignee,
    )


@transaction.atomic
def follow_up_close(*, actor: Any, task: FollowUpTask, result: str) -> FollowUpTask:
    """Close a follow-up task with what was done."""
    task = FollowUpTask.objects.select_for_update().select_related("organisation", "matter").get(pk=task.pk)
    if not (task.assignee_id == getattr(actor, "pk", None) or user_can(actor, Action.MATTER_HANDLE, task.organisation)):
        raise PermissionDenied(_("您没有权限办理该后续工作。"))
    if task.status != FollowUpStatus.OPEN:
        raise ServiceError(_("该后续工作已经完成。"), code="closed")
    errors: dict[str, list[str]] = {}
    result = _nonblank(errors, "result", result, _("请填写完成情况。"))
    if errors:
        raise ValidationError(errors)
    task.status = FollowUpStatus.DONE
    task.result = result
    task.closed_by = actor
    task.closed_at = timezone.now()
    task.save(update_fields=["status", "result", "closed_by", "closed_at"])
    _audit(actor, "matter.follow_up_close", task.matter, {"task": task.pk, "kind": task.kind})
    return task


# --- Satisfaction (XF-SAT-01/02) ----------------------------------------------------------------


def satisfaction_scale() -> list[tuple[str, str, bool]]:
    """(value, translated label, counts as dissatisfied) of the configured scale."""
    return [(value, _(label), bool(bad)) for value, label, bad in settings.XINFANG_SATISFACTION_SCALE]


@transaction.atomic
def evaluation_record(
    *, actor: Any, matter: Matter, stage: str, value: str, method: str, comment: str = ""
) -> Evaluation:
    """The petitioner's evaluation of acceptance or handling (XF-SAT-01/02), given online (actor
    SYSTEM for the public portal), recorded from a phone call or from a paper form by staff.
    Dissatisfaction opens a visible follow-up task (回访) for the handling organ."""

    if actor is not SYSTEM and not any(
        user_can(actor, action, org)
        for action in (Action.MATTER_HANDLE, Action.MATTER_REGISTER, Action.MATTER_TRIAGE)
        for org in (matter.current_org, matter.handling_org, matter.registered_org)
        if org is not None
    ):
        raise PermissionDenied(_("您没有权限记录该事项的评价。"))
    matter = _lock(matter)
    errors: dict[str, list[str]] = {}
    scale = {v: (label, bad) for v, label, bad in satisfaction_scale()}
    if value not in scale:
        errors.setdefault("value", []).append(_("请选择评价等级。"))
    if stage not in EvaluationStage.values:
        errors.setdefault("stage", []).append(_("请选择评价环节。"))
    if method not in EvaluationMethod.values:
        errors.setdefault("method", []).append(_("请选择评价方式。"))
    if stage == EvaluationStage.ACCEPTANCE and matter.accepted_at is None:
        errors.setdefault("stage", []).append(_("事项尚未受理，不能评价受理情况。"))
    if stage == EvaluationStage.HANDLING and matter.status not in EVALUATE_HANDLING_STATUSES:
        errors.setdefault("stage", []).append(_("事项尚未答复或办结，不能评价办理情况。"))
    if stage in EvaluationStage.values and matter.evaluations.filter(stage=stage).exists():
        errors.setdefault("stage", []).append(_("该环节已经评价过。"))
    if errors:
        raise ValidationError(errors)
    is_bad = scale[value][1]
    follow_up = None
    if is_bad:
        org = matter.handling_org or matter.current_org
        due = working_days_after(timezone.localdate(), settings.XINFANG_DISSATISFACTION_FOLLOW_UP_WORKING_DAYS)
        follow_up = _follow_up_insert(
            actor=actor,
            matter=matter,
            kind=FollowUpKind.DISSATISFACTION,
            organisation=org,
            description=_("信访人对%(stage)s不满意：回访，了解原因并做好解释、化解工作。")
            % {"stage": EvaluationStage(stage).label},
            due_date=due,
        )
    evaluation = Evaluation.objects.create(
        matter=matter,
        stage=stage,
        value=value,
        is_dissatisfied=is_bad,
        method=method,
        comment=(comment or "").strip(),
        recorded_by=None if actor is SYSTEM else actor,
        recorded_at=timezone.now(),
        follow_up=follow_up,
    )
    _audit(
        actor,
        "matter.evaluate",
        matter,
        {
            "evaluation": evaluation.pk,
            "stage": stage,
            "value": value,
            "method": method,
            "follow_up": follow_up.pk if follow_up else None,
        },
    )
    return evaluation


__all__ = [
    "evaluation_record",
    "extension_decide",
    "extension_request",
    "follow_up_close",
    "follow_up_create",
    "handling_clock_start",
    "handling_record_add",
    "matter_classify",
    "matter_conclude",
    "matter_procedure_set",
    "matter_terminate",
    "matter_withdraw",
    "mediation_refer",
    "mediation_result_record",
    "on_accepted",
    "opinion_deliver",
    "opinion_issue",
    "satisfaction_scale",
    "track_limit_state",
]
