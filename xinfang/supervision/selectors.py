"""Reads of supervision and accountability, each through `Model.objects.restrict(user, action)`:

- orders: `matter.supervise` (the supervisors) or `matter.handle` (the supervised organisation);
- referrals: `accountability.manage`; accountability records: `accountability.view` (never shown
  to the official or unit concerned, XF-CLS-03, in the models' `restrict_further`);
- meetings and decisions: `conference.manage`.

`jurisdiction_decision_for(matter)` is the joint conference's binding routing decision
(XF-JUR-01); petitions reads it through settings.XINFANG_ROUTING_OVERRIDES (`routing_override`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.roles import Action

from .models import AccountabilityRecord, Meeting, MeetingDecision, Referral, SupervisionOrder, SupervisorAppointment
from .states import DecisionKind, OrderStatus

OPEN_STATUSES = (OrderStatus.OPEN, OrderStatus.ANSWERED)


def order_visible(user: Any) -> QuerySet[SupervisionOrder]:
    supervised = SupervisionOrder.objects.restrict(user, Action.MATTER_SUPERVISE).values("pk")
    answering = SupervisionOrder.objects.restrict(user, Action.MATTER_HANDLE).values("pk")
    return SupervisionOrder.objects.filter(Q(pk__in=supervised) | Q(pk__in=answering))


def order_list(
    *, user: Any, status: str = "", kind: str = "", trigger: str = "", overdue: bool = False
) -> QuerySet[SupervisionOrder]:
    qs = order_visible(user).select_related("issuing_org", "target_org", "matter")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if trigger:
        qs = qs.filter(trigger=trigger)
    if overdue:
        qs = qs.filter(status=OrderStatus.OPEN, due_date__lt=timezone.localdate())
    return qs.order_by("-created_at", "-id")


def order_get(*, user: Any, pk: int) -> SupervisionOrder:
    return (
        order_visible(user)
        .select_related("issuing_org", "target_org", "matter", "parent", "document", "created_by", "answered_by")
        .prefetch_related("escalations")
        .get(pk=pk)
    )


def orders_for_matter(*, user: Any, matter: Any) -> list[SupervisionOrder]:
    """The orders on a matter the user may see (the matter page), one query."""
    return list(order_list(user=user).filter(matter=matter))


def referral_list(*, user: Any, status: str = "") -> QuerySet[Referral]:
    qs = Referral.objects.restrict(user, Action.ACCOUNTABILITY_MANAGE).select_related(
        "matter", "sending_org", "discipline_org"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def referral_get(*, user: Any, pk: int) -> Referral:
    return referral_list(user=user).select_related("created_by").get(pk=pk)


def record_list(
    *, user: Any, finding: str = "", measure: str = "", subject_org: Any = None
) -> QuerySet[AccountabilityRecord]:
    qs = AccountabilityRecord.objects.restrict(user, Action.ACCOUNTABILITY_VIEW).select_related(
        "organisation", "subject_org", "matter", "order"
    )
    if finding:
        qs = qs.filter(finding=finding)
    if measure:
        qs = qs.filter(measure=measure)
    if subject_org is not None:
        qs = qs.filter(subject_org=subject_org)
    return qs.order_by("-decided_on", "-id")


def record_get(*, user: Any, pk: int) -> AccountabilityRecord:
    return record_list(user=user).select_related("created_by", "subject_user").get(pk=pk)


def meeting_list(*, user: Any, year: int | None = None) -> QuerySet[Meeting]:
    qs = Meeting.objects.restrict(user, Action.CONFERENCE_MANAGE).select_related("organisation")
    if year:
        qs = qs.filter(held_on__year=year)
    return qs.prefetch_related("decisions").order_by("-held_on", "-id")


def meeting_get(*, user: Any, pk: int) -> Meeting:
    decisions = MeetingDecision.objects.select_related("competent_org", "matter_type", "matter", "area").order_by(
        "number"
    )
    return (
        Meeting.objects.restrict(user, Action.CONFERENCE_MANAGE)
        .select_related("organisation", "created_by")
        .prefetch_related("attendee_orgs", "matters", Prefetch("decisions", queryset=decisions))
        .get(pk=pk)
    )


def decision_get(*, user: Any, pk: int) -> MeetingDecision:
    return (
        MeetingDecision.objects.restrict(user, Action.CONFERENCE_MANAGE)
        .select_related("meeting", "meeting__organisation")
        .get(pk=pk)
    )


def jurisdiction_decision_for(matter: Any) -> MeetingDecision | None:
    """The joint conference's jurisdiction decision in force for the matter (XF-JUR-01): one about
    this matter first, else the newest about its matter type whose area (if any) contains the place
    the matter arose or the organisation holding it."""
    active = MeetingDecision.objects.filter(kind=DecisionKind.JURISDICTION, is_active=True).select_related(
        "competent_org", "meeting"
    )
    named = active.filter(matter_id=matter.pk).order_by("-meeting__held_on", "-id").first()
    if named is not None:
        return named
    if not getattr(matter, "matter_type_id", None):
        return None
    place = matter.place_org or matter.current_org
    for decision in (
        active.filter(matter_type_id=matter.matter_type_id, matter__isnull=True)
        .select_related("area")
        .order_by("-meeting__held_on", "-id")
    ):
        if decision.area is None or place.path.startswith(decision.area.path):
            return decision
    return None


def routing_override(matter: Any) -> dict[str, Any] | None:
    """settings.XINFANG_ROUTING_OVERRIDES entry: the decision as a binding routing candidate."""
    decision = jurisdiction_decision_for(matter)
    if decision is None or decision.competent_org is None:
        return None
    return {
        "organisation": decision.competent_org,
        "reason": _("联席会议管辖决定：%(title)s") % {"title": decision.meeting.title},
        "binding": True,
        "decision_ref": decision.reference,
        "legal_basis": _("《信访工作条例》第二十四条第一款"),
    }


def appointment_list(*, user: Any) -> QuerySet[SupervisorAppointment]:
    return (
        SupervisorAppointment.objects.restrict(user, Action.USER_MANAGE)
        .select_related("user", "organisation", "membership")
        .order_by("-starts_on", "-id")
    )
