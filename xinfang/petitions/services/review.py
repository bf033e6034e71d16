"""Review (复查) and re-review (复核) of written opinions (XF-REV-01..08, D8-D12).

- Which body is "one level above" an organ (`review_bodies`): an office inside a town or street
  acts for the town government, so the organ is the town, and an area's government office and
  petition bureau act for its government; one level above a town (or street) government are the
  district government and the district's administrative departments; one level above a district
  department are the district government (the area itself, its government office and the petition
  bureau acting for it) and the departments of the same function one level up (the city).
  A request to any other body is refused, naming the right ones.
- The window (XF-REV-01/03): 30 days from the delivery of the contested opinion (D8/D10); the
  request is dated by its receipt at the body. A late request is recorded and then handled by
  settings.XINFANG_LATE_REVIEW_POLICY (XF-REV-07).
- The decision (XF-REV-02/04): 30 days from receipt (D9/D11); hearing days are excluded from the
  re-review clock (XF-REV-05, in `handling.handling_record_add`). The re-review opinion is final
  (XF-REV-06: Status.FINAL; intake then labels the same matter `after_re_review`)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.core.errors import ServiceError
from xinfang.notices.kinds import DocumentKind
from xinfang.notices.services import document_issue
from xinfang.orgs.models import Function, Kind, Level, Organisation
from xinfang.workcalendar.deadlines import compute_deadline
from xinfang.workcalendar.selectors import calendar_lookup

from ..models import HandlingRecord, Matter, Opinion, Review
from ..states import (
    CLOCK_REREVIEW,
    CLOCK_REREVIEW_WINDOW,
    CLOCK_REVIEW,
    CLOCK_REVIEW_ACCEPT,
    CLOCK_REVIEW_WINDOW,
    LateReviewPolicy,
    OpinionStage,
    RecordKind,
    ReviewStage,
    ReviewStatus,
    Status,
)
from .common import matter_clock_start, matter_transition, petition_period
from .handling import (
    _audit,
    _lock,
    _nonblank,
    _opinion_errors,
    _petitioner_name,
    _stop,
    terminate_now,
)

# Bodies that do not review petition opinions: legislatures, courts, procuratorates and service units.
NOT_REVIEWING = frozenset(
    {
        Function.CONGRESS,
        Function.CPPCC,
        Function.COURT,
        Function.PROCURATORATE,
        Function.MEDIATION,
        Function.HOTLINE,
        Function.GOVERNANCE_CENTRE,
        Function.PARTY_COMMITTEE,
        Function.ORGANISATION_DEPT,
        Function.POLITICAL_LEGAL,
        Function.DISCIPLINE,
    }
)
# Offices that act for the government of their area in review (复查复核).
ACTING_FOR_GOVERNMENT = frozenset({Function.GOVERNMENT, Function.PETITION_BUREAU})


def legal_organ(organisation: Organisation) -> Organisation:
    """The organ in whose name an organisation acts: an office inside a town, street or village,
    and the government office or petition bureau of any area, act for that area's government; a
    district (or higher) functional department is an organ of its own."""
    if organisation.kind == Kind.DEPARTMENT and organisation.parent is not None:
        area = organisation.parent
        if area.level >= Level.TOWNSHIP or organisation.function in ACTING_FOR_GOVERNMENT:
            return area
    return organisation


def review_bodies(organisation: Organisation) -> list[Organisation]:
    """The bodies one level above the organ of `organisation` (条例 Arts. 35, 36(1)); see the module
    docstring. Inactive bodies are left out."""
    organ = legal_organ(organisation)
    candidates: list[Organisation] = []
    if organ.kind != Kind.DEPARTMENT:
        parent = organ.parent
        if parent is None:
            return []
        candidates.append(parent)
        candidates.extend(
            Organisation.objects.filter(parent=parent, kind=Kind.DEPARTMENT, is_active=True)
            .exclude(function__in=NOT_REVIEWING)
            .order_by("sort_order", "path")
        )
    else:
        area = organ.parent
        if area is None:
            return []
        candidates.append(area)
        candidates.extend(
            Organisation.objects.filter(
                parent=area, kind=Kind.DEPARTMENT, is_active=True, function__in=ACTING_FOR_GOVERNMENT
            )
            .exclude(pk=organ.pk)
            .order_by("sort_order", "path")
        )
        if area.parent is not None and organ.function and organ.function not in NOT_REVIEWING:
            candidates.extend(
                Organisation.objects.filter(
                    parent=area.parent, kind=Kind.DEPARTMENT, is_active=True, function=organ.function
                ).order_by("sort_order", "path")
            )
    return [org for org in candidates if org.is_active]


def _contested(matter: Matter, stage: str) -> Opinion:
    """The opinion a request contests: the handling opinion for review, the review opinion for
    re-review (XF-REV-01/03)."""
    wanted = OpinionStage.HANDLING if stage == ReviewStage.REVIEW else OpinionStage.REVIEW
    opinion = matter.opinions.filter(stage=wanted).select_related("organisation").first()
    if opinion is None:
        message = (
            _("该事项还没有信访处理意见书，不能请求复查。")
            if stage == ReviewStage.REVIEW
            else _("该事项还没有复查意见书，不能请求复核（XF-REV-03）。")
        )
        raise ServiceError(message, code="no_opinion")
    return opinion


def window_due(opinion: Opinion, stage: str) -> datetime.date:
    """The last day of the petitioner's 30-day window from delivery (D8/D10)."""
    assert opinion.delivered_at is not None
    kind = CLOCK_REVIEW_WINDOW if stage == ReviewStage.REVIEW else CLOCK_REREVIEW_WINDOW
    period, unit = petition_period(kind)
    start = timezone.localdate(opinion.delivered_at)
    return compute_deadline(start=start, period=period, unit=unit, calendar=calendar_lookup()).due_date


ALLOWED_FROM = {
    ReviewStage.REVIEW: (Status.REPLIED, Status.CONCLUDED),
    ReviewStage.REREVIEW: (Status.REVIEWED, Status.CONCLUDED),
}


@transaction.atomic
def review_request(
    *,
    actor: Any,
    matter: Matter,
    stage: str,
    organisation: Organisation,
    received_at: datetime.datetime,
    request: str,
    late_reason: str = "",
    language: str = "zh-hans",
) -> Review:
    """Record a request for review or re-review received by `organisation` (XF-REV-01/03). The body
    must be one level above the organ that gave the contested opinion, and that opinion must have a
    delivery record (the window runs from delivery). In time: the body now holds the matter and its
    30-day clock starts (D9/D11). Late: recorded, then the configured policy (XF-REV-07) refuses it
    (unless a good reason is recorded), terminates the matter, or accepts it."""
    if not (
        user_can(actor, Action.MATTER_REGISTER, organisation) or user_can(actor, Action.MATTER_HANDLE, organisation)
    ):
        raise PermissionDenied(_("您没有权限为该机关登记复查复核请求。"))
    matter = _lock(matter)
    errors: dict[str, list[str]] = {}
    if stage not in ReviewStage.values:
        raise ValidationError({"stage": [_("请选择复查或复核。")]})
    request = _nonblank(errors, "request", request, _("请填写请求和理由。"))
    if errors:
        raise ValidationError(errors)
    if matter.status not in ALLOWED_FROM[ReviewStage(stage)]:
        raise ServiceError(
            _("事项当前状态为“%(status)s”，不能请求%(stage)s。")
            % {"status": Status(matter.status).label, "stage": ReviewStage(stage).label},
            code="status",
        )
    contested = _contested(matter, stage)
    if matter.reviews.filter(stage=stage).exclude(status=ReviewStatus.REFUSED).exists():
        raise ServiceError(_("该事项已经%(stage)s过。") % {"stage": ReviewStage(stage).label}, code="repeated")
    if stage == ReviewStage.REVIEW and matter.reviews.filter(stage=ReviewStage.REREVIEW).exists():
        raise ServiceError(_("该事项已经复核。"), code="repeated")
    if contested.delivered_at is None:
        raise ServiceError(_("意见书尚未登记送达，无法计算请求期限；请先登记送达（XF-REV-01）。"), code="not_delivered")
    bodies = review_bodies(contested.organisation)
    if organisation.pk not in {body.pk for body in bodies}:
        raise ValidationError(
            {
                "organisation": [
                    _("%(stage)s应当向原办理机关的上一级机关提出（第三十五条、第三十六条）：%(bodies)s。")
                    % {
                        "stage": ReviewStage(stage).label,
                        "bodies": _("、").join(body.name for body in bodies) or _("（本系统中没有上一级机关）"),
                    }
                ]
            }
        )
    if received_at > timezone.now():
        raise ValidationError({"received_at": [_("收到时间不能晚于现在。")]})
    # Forms give minutes: a request in the minute of delivery is not "before" it.
    if received_at < contested.delivered_at.replace(second=0, microsecond=0):
        raise ValidationError({"received_at": [_("收到时间不能早于意见书送达时间。")]})
    due = window_due(contested, stage)
    is_late = timezone.localdate(received_at) > due
    policy = settings.XINFANG_LATE_REVIEW_POLICY if is_late else ""
    if policy and policy not in LateReviewPolicy.values:
        raise ValueError(f"XINFANG_LATE_REVIEW_POLICY {policy!r} is not one of {LateReviewPolicy.values}")
    late_reason = (late_reason or "").strip()
    refused = is_late and (
        policy == LateReviewPolicy.TERMINATE
        or (policy == LateReviewPolicy.REFUSE_WITHOUT_GOOD_REASON and not late_reason)
    )
    review = Review.objects.create(
        matter=matter,
        stage=stage,
        organisation=organisation,
        contested=contested,
        received_at=received_at,
        request=request,
        window_due=due,
        is_late=is_late,
        late_reason=late_reason,
        policy=policy,
        status=ReviewStatus.REFUSED if refused else ReviewStatus.PENDING,
        recorded_by=actor,
    )
    summary = {
        "review": review.pk,
        "stage": stage,
        "organisation": organisation.pk,
        "window_due": due.isoformat(),
        "late": is_late,
        "policy": policy,
    }
    if refused:
        _audit(actor, f"matter.{stage}_refuse", matter, summary)
        if policy == LateReviewPolicy.TERMINATE and matter.status != Status.TERMINATED:
            # The body that received the late request applies the rule and ends the matter: it
            # holds the matter from now on and issues the termination record (DOC-11) in its own
            # name (its staff may not issue for the organ that handled it).
            matter.current_org = organisation
            matter.save(update_fields=["current_org", "updated_at"])
            terminate_now(
                actor=actor,
                matter=matter,
                ground=_("信访人逾期未请求%(stage)s，办理终结（XF-REV-07）。") % {"stage": ReviewStage(stage).label},
                language=language,
            )
        return review
    _stop(
        matter,
        CLOCK_REVIEW_WINDOW if stage == ReviewStage.REVIEW else CLOCK_REREVIEW_WINDOW,
        actor=actor,
        reason=f"{stage}.request",
    )
    if stage == ReviewStage.REVIEW:
        matter.review_org = organisation
    else:
        matter.rereview_org = organisation
    matter.current_org = organisation
    matter.closed_at = None
    matter.save(update_fields=["review_org", "rereview_org", "current_org", "closed_at", "updated_at"])
    clock = matter_clock_start(
        matter=matter,
        kind=CLOCK_REVIEW if stage == ReviewStage.REVIEW else CLOCK_REREVIEW,
        start=received_at,
        actor=actor,
    )
    summary["due"] = clock.due_date.isoformat()
    acceptance_days = settings.XINFANG_REVIEW_ACCEPTANCE_WORKING_DAYS
    if acceptance_days:
        # XF-REV-08 / D13 (provincial overlay, off by default): decide acceptance in N working days.
        accept_clock = matter_clock_start(
            matter=matter,
            kind=CLOCK_REVIEW_ACCEPT,
            start=received_at,
            actor=actor,
            period=int(acceptance_days),
            unit="working",
        )
        summary["accept_due"] = accept_clock.due_date.isoformat()
    matter_transition(
        matter=matter,
        to=Status.IN_REVIEW if stage == ReviewStage.REVIEW else Status.IN_REREVIEW,
        actor=actor,
        action=f"matter.{stage}_request",
        summary=summary,
    )
    return review


@transaction.atomic
def review_decide(
    *,
    actor: Any,
    review: Review,
    outcome: str,
    principle: str,
    findings: str,
    opinion: str,
    legal_basis: str,
    language: str = "zh-hans",
) -> Opinion:
    """The review or re-review body gives its opinion in writing (DOC-06 / DOC-07; XF-REV-02/04).
    A review opinion opens the 30-day re-review window once delivered; a re-review opinion is
    final (XF-REV-06)."""
    review = (
        Review.objects.select_for_update().select_related("organisation", "contested__organisation").get(pk=review.pk)
    )
    if not user_can(actor, Action.MATTER_HANDLE, review.organisation):
        raise PermissionDenied(_("您没有权限作出该%(stage)s意见。") % {"stage": review.get_stage_display()})
    matter = _lock(review.matter)
    if review.status != ReviewStatus.PENDING:
        raise ServiceError(_("该请求已经处理。"), code="decided")
    is_review = review.stage == ReviewStage.REVIEW
    if matter.status != (Status.IN_REVIEW if is_review else Status.IN_REREVIEW):
        raise ServiceError(
            _("事项当前状态为“%(status)s”，不能作出该意见。") % {"status": Status(matter.status).label}, code="status"
        )
    errors = _opinion_errors(
        outcome=outcome,
        principle=principle,
        request=review.request,
        facts_reasons=findings,
        opinion=opinion,
        legal_basis=legal_basis,
    )
    if errors:
        raise ValidationError(errors)
    hearing_held = HandlingRecord.objects.filter(review=review, kind=RecordKind.HEARING).exists()
    now = timezone.now()
    record = Opinion.objects.create(
        matter=matter,
        stage=OpinionStage.REVIEW if is_review else OpinionStage.REREVIEW,
        review=review,
        organisation=review.organisation,
        outcome=outcome,
        principle=principle,
        request=review.request,
        facts_reasons=findings.strip(),
        opinion=opinion.strip(),
        legal_basis=legal_basis.strip(),
        hearing_held=hearing_held,
        issued_by=actor,
        issued_at=now,
    )
    context: dict[str, Any] = {
        "applicant": _petitioner_name(matter),
        "respondent": review.contested.organisation.name,
        "request": review.request,
        "findings": record.facts_reasons,
        "opinion": record.opinion,
        "legal_basis": record.legal_basis,
    }
    if is_review:
        context["rereview_route"] = _("、").join(body.name for body in review_bodies(review.organisation))
    else:
        context["hearing_held"] = _("经听证") if hearing_held else _("未举行听证")
    record.document = document_issue(
        actor=actor,
        kind=DocumentKind.REVIEW_OPINION if is_review else DocumentKind.REREVIEW_OPINION,
        organisation=review.organisation,
        matter=matter,
        language=language,
        object_type="petitions.opinion",
        object_id=str(record.pk),
        context=context,
    )
    record.save(update_fields=["document"])
    review.status = ReviewStatus.DECIDED
    review.save(update_fields=["status"])
    _stop(matter, CLOCK_REVIEW_ACCEPT, actor=actor, reason=f"{review.stage}.decide")  # deciding accepts
    clock = _stop(matter, CLOCK_REVIEW if is_review else CLOCK_REREVIEW, actor=actor, reason=f"{review.stage}.decide")
    late = clock is not None and clock.due_date < timezone.localdate(now)
    if not is_review:
        matter.closed_at = now
        matter.save(update_fields=["closed_at", "updated_at"])
    matter_transition(
        matter=matter,
        to=Status.REVIEWED if is_review else Status.FINAL,
        actor=actor,
        action=f"matter.{review.stage}_decide",
        summary={
            "review": review.pk,
            "opinion": record.pk,
            "outcome": outcome,
            "document": record.document.pk,
            "hearing_held": hearing_held,
            "late": late,
        },
    )
    return record


@transaction.atomic
def review_accept(*, actor: Any, review: Review) -> Review:
    """XF-REV-08 (provincial overlay D13, on when settings.XINFANG_REVIEW_ACCEPTANCE_WORKING_DAYS is
    set): the body records that it has accepted the request, within the working days configured;
    the acceptance clock stops (late or not, as its due date shows)."""
    review = Review.objects.select_for_update().select_related("organisation").get(pk=review.pk)
    if not user_can(actor, Action.MATTER_HANDLE, review.organisation):
        raise PermissionDenied(_("您没有权限受理该请求。"))
    matter = _lock(review.matter)
    if review.status != ReviewStatus.PENDING:
        raise ServiceError(_("该请求已经处理。"), code="decided")
    clock = _stop(matter, CLOCK_REVIEW_ACCEPT, actor=actor, reason=f"{review.stage}.accept")
    if clock is None:
        raise ServiceError(_("该请求无需单独作出受理决定。"), code="no_acceptance_step")
    _audit(
        actor,
        f"matter.{review.stage}_accept",
        matter,
        {"review": review.pk, "accept_due": clock.due_date.isoformat(), "late": timezone.localdate() > clock.due_date},
    )
    return review


__all__ = ["legal_organ", "review_accept", "review_bodies", "review_decide", "review_request", "window_due"]
