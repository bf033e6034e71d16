"""Reads for triage and routing: matters waiting for the bureau's decision, routings waiting for
the recipient's answer or for the bureau's decision on an objection, the organisations a matter
may be routed to, and the power list's proposal.

Every read goes through `restrict()` (registered or current organisation in scope, minus reports
on the reader, XF-CLS-03). Clock due dates are joined from the stored clocks in the database (the
clock names its object by strings), so a list costs a constant number of queries."""

from __future__ import annotations

import datetime
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.policies import organisation_scope
from xinfang.accounts.roles import Action
from xinfang.orgs.models import Organisation
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import clock_list_for_object

from .models import Matter, Routing
from .services.common import OBJECT_TYPE
from .services.routing import ProposalCandidate, proposal_candidates, routing_targets
from .services.triage import organisation_area
from .states import (
    CLOCK_ASSIGN_REPORT,
    CLOCK_NOTICE,
    CLOCK_OBJECTION,
    CLOCK_RECIPIENT_NOTICE,
    CLOCK_TRIAGE,
    RoutingOutcome,
    Status,
)

logger = logging.getLogger(__name__)


def _clock_due(kind: str, matter_ref: str) -> Subquery:
    """The due date of the matter's running clock of `kind` (NULL when none runs)."""
    clocks = Clock.objects.filter(
        object_type=OBJECT_TYPE,
        kind=kind,
        stopped_at__isnull=True,
        object_id=Cast(OuterRef(matter_ref), CharField(max_length=64)),
    )
    return Subquery(clocks.values("due_date")[:1])


def matter_for_action(*, user: Any, pk: int) -> Matter:
    """A matter the user may view, for an action page (Matter.DoesNotExist otherwise: 404 —
    a report on the reader is not even acknowledged to exist, XF-CLS-03)."""
    return (
        Matter.objects.restrict(user, Action.MATTER_VIEW)
        .select_related("current_org", "registered_org", "matter_type", "place_org")
        .get(pk=pk)
    )


def routing_for_action(*, user: Any, pk: int) -> Routing:
    """A routing the user may view (sender's or recipient's side), with its matter."""
    return (
        Routing.objects.restrict(user, Action.MATTER_VIEW)
        .select_related("matter", "matter__current_org", "matter__registered_org", "from_org", "to_org")
        .get(pk=pk)
    )


def matters_to_triage(*, user: Any) -> QuerySet[Matter]:
    """Registered matters held by organisations where the user triages, soonest triage due date
    first (XF-TRI-01: 15 days from receipt), annotated with `triage_due`."""
    scope = organisation_scope(user, Action.MATTER_TRIAGE)
    if scope.is_empty:
        return Matter.objects.none()
    qs = Matter.objects.restrict(user, Action.MATTER_TRIAGE).filter(status=Status.REGISTERED)
    if not scope.everything:
        qs = qs.filter(current_org__in=scope.organisation_ids())
    return (
        qs.select_related("current_org")
        .annotate(triage_due=_clock_due(CLOCK_TRIAGE, "pk"))
        .order_by(F("triage_due").asc(nulls_last=True), "received_at", "pk")
    )


def routing_inbox(*, user: Any) -> QuerySet[Routing]:
    """Routings to the user's organisations (where they handle matters) waiting for acceptance or
    objection, soonest objection due date first (XF-NOT-03: 5 working days from receipt),
    annotated with `objection_due`, `notice_due` and `report_clock_due`."""
    scope = organisation_scope(user, Action.MATTER_HANDLE)
    if scope.is_empty:
        return Routing.objects.none()
    qs = Routing.objects.restrict(user, Action.MATTER_HANDLE).filter(
        outcome=RoutingOutcome.PENDING, matter__status__in=[Status.FORWARDED, Status.ASSIGNED]
    )
    if not scope.everything:
        qs = qs.filter(to_org__in=scope.organisation_ids())
    return (
        qs.select_related("matter", "from_org", "to_org")
        .annotate(
            objection_due=_clock_due(CLOCK_OBJECTION, "matter_id"),
            notice_due=_clock_due(CLOCK_RECIPIENT_NOTICE, "matter_id"),
            report_clock_due=_clock_due(CLOCK_ASSIGN_REPORT, "matter_id"),
        )
        .order_by(F("objection_due").asc(nulls_last=True), "sent_at", "pk")
    )


def routing_objections(*, user: Any) -> QuerySet[Routing]:
    """Objections waiting for the decision of a bureau where the user triages (XF-NOT-03)."""
    scope = organisation_scope(user, Action.MATTER_TRIAGE)
    if scope.is_empty:
        return Routing.objects.none()
    qs = Routing.objects.restrict(user, Action.MATTER_TRIAGE).filter(
        outcome=RoutingOutcome.OBJECTED, matter__status=Status.OBJECTED
    )
    if not scope.everything:
        qs = qs.filter(from_org__in=scope.organisation_ids())
    return qs.select_related("matter", "from_org", "to_org").order_by("objected_at", "pk")


def routing_target_choices(*, matter: Matter) -> QuerySet[Organisation]:
    """The organisations the matter's holder may forward or assign it to (the restricted list)."""
    return routing_targets(from_org=matter.current_org)


def routing_reroute_choices(*, routing: Routing) -> QuerySet[Organisation]:
    """Where the bureau may send a matter whose recipient's objection it upholds: its own list,
    without the organisation that objected."""
    return routing_targets(from_org=routing.from_org).exclude(pk=routing.to_org_id)


CLOCK_LABELS: dict[str, Promise] = {
    CLOCK_TRIAGE: _("转送、交办期限（15日，D1）"),
    CLOCK_NOTICE: _("书面告知期限（15日，D2）"),
    CLOCK_RECIPIENT_NOTICE: _("承办机关书面告知期限（15日，D3）"),
    CLOCK_OBJECTION: _("异议期限（5个工作日，D4）"),
    CLOCK_ASSIGN_REPORT: _("交办办结报告期限（D5）"),
}


@dataclass(frozen=True)
class ClockRow:
    """A running clock as the triage and routing pages show it."""

    kind: str
    label: str
    start_date: datetime.date
    due_date: datetime.date
    days_left: int  # calendar days to the due date (display only; negative: overdue)
    is_provisional: bool

    @property
    def is_overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left


def matter_clock_rows(*, matter: Matter) -> list[ClockRow]:
    """The matter's running clocks, soonest due first, with days left."""
    today = timezone.localdate()
    return [
        ClockRow(
            kind=clock.kind,
            label=str(CLOCK_LABELS.get(clock.kind, clock.kind)),
            start_date=clock.start_date,
            due_date=clock.due_date,
            days_left=(clock.due_date - today).days,
            is_provisional=clock.is_provisional,
        )
        for clock in clock_list_for_object(object_type=OBJECT_TYPE, object_id=str(matter.pk))
    ]


# --- The power list's proposal -----------------------------------------------------------------

_PROPOSE_MODULES = (
    "xinfang.powerlist.routing",
    "xinfang.powerlist.selectors",
    "xinfang.powerlist.services",
    "xinfang.powerlist",
)


def _powerlist_propose() -> Callable[..., Any] | None:
    """`powerlist_propose(*, matter_type, area, on_date)` if the power list app provides it (imported
    lazily: triage works without it, the clerk then chooses from the restricted list)."""
    for name in _PROPOSE_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        propose = getattr(module, "powerlist_propose", None)
        if callable(propose):
            return propose  # type: ignore[no-any-return]
    return None


@dataclass(frozen=True)
class TriageProposal:
    """The power list's proposal for a matter, as the triage page shows it."""

    available: bool  # the power list can propose (function present and a matter type chosen)
    candidates: list[ProposalCandidate]
    allowed_ids: frozenset[int]  # candidates the matter's holder may route to


def triage_proposal(*, matter: Matter) -> TriageProposal:
    """Competent organisations proposed by the power list for the matter's type, in the area where
    it arose (or the holder's area), on the day it was received. A binding decision from
    settings.XINFANG_ROUTING_OVERRIDES (dotted paths of `f(matter) -> candidate | None`, e.g. a
    joint conference's jurisdiction decision, XF-JUR-01) comes first and alone."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    for path in getattr(settings, "XINFANG_ROUTING_OVERRIDES", []):
        overrides = proposal_candidates([c for c in [import_string(path)(matter)] if c is not None])
        if overrides:
            ids = {c.organisation.pk for c in overrides}
            reachable = routing_targets(from_org=matter.current_org).filter(pk__in=ids).values_list("pk", flat=True)
            return TriageProposal(available=True, candidates=overrides, allowed_ids=frozenset(reachable))
    propose = _powerlist_propose()
    if propose is None or matter.matter_type_id is None:
        return TriageProposal(available=False, candidates=[], allowed_ids=frozenset())
    area = matter.place_org or organisation_area(matter.current_org)
    try:
        result = propose(matter_type=matter.matter_type, area=area, on_date=timezone.localdate(matter.received_at))
    except Exception:  # the proposal is advice: a failure must not stop triage
        logger.exception("powerlist_propose failed for matter %s", matter.pk)
        return TriageProposal(available=False, candidates=[], allowed_ids=frozenset())
    candidates = proposal_candidates(result)
    ids = {c.organisation.pk for c in candidates}
    allowed = frozenset(routing_targets(from_org=matter.current_org).filter(pk__in=ids).values_list("pk", flat=True))
    return TriageProposal(available=True, candidates=candidates, allowed_ids=allowed)
