"""Reads of the mediation network and cases. Cases go through
`MediationCase.objects.restrict(user, "mediation.handle")` (the body's organisation and whoever's
scope covers it); the directory of bodies and mediators is reference data every staff member may
read (`org.view`)."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import CharField, Count, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from xinfang.accounts.roles import Action
from xinfang.workcalendar.models import Clock

from .models import MediationBody, MediationCase, Mediator
from .services import OBJECT_TYPE
from .states import CLOCK_LABELS, OPEN_STATUSES


def case_visible(user: Any) -> QuerySet[MediationCase]:
    return MediationCase.objects.restrict(user, Action.MEDIATION_HANDLE)


def case_list(
    *, user: Any, status: str = "", source_kind: str = "", q: str = "", due_by: datetime.date | None = None
) -> QuerySet[MediationCase]:
    """The cases the user may see, newest first. `status` "open" or one status; `source_kind`;
    `q` searches the number, category and summary; `due_by`: only cases with a running clock due on
    or before that date."""
    qs = case_visible(user).select_related("body", "organisation")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if source_kind:
        qs = qs.filter(source_kind=source_kind)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(category__icontains=q) | Q(summary__icontains=q))
    if due_by is not None:
        due = Clock.objects.filter(object_type=OBJECT_TYPE, stopped_at__isnull=True, due_date__lte=due_by)
        qs = qs.annotate(pk_text=Cast("pk", CharField(max_length=64))).filter(pk_text__in=due.values("object_id"))
    return qs.order_by("-applied_at", "-id")


def case_get(*, user: Any, pk: int) -> MediationCase:
    """One case the user may see, with its parties, sessions and mediators; DoesNotExist otherwise."""
    return (
        case_visible(user)
        .select_related("body", "organisation", "matter", "referral", "agreement_document")
        .prefetch_related("parties", "mediators", "sessions__mediators")
        .get(pk=pk)
    )


@dataclass(frozen=True)
class ClockBadge:
    """A running (or stopped) clock as lists show it: running, due soon (the reminder, until the
    notifications of issue 8 land) or overdue."""

    kind: str
    label: str
    due_date: datetime.date
    is_provisional: bool
    days_left: int
    stopped: bool

    @property
    def state(self) -> str:
        if self.stopped:
            return "stopped"
        if self.days_left < 0:
            return "overdue"
        if self.days_left <= int(getattr(settings, "XINFANG_MEDIATION_DUE_SOON_DAYS", 5)):
            return "due_soon"
        return "running"


def case_clock_badges(
    cases: list[MediationCase], *, today: datetime.date | None = None, include_stopped: bool = False
) -> dict[int, list[ClockBadge]]:
    """The clocks of the cases of a page, soonest due first, in one query."""
    if not cases:
        return {}
    today = today or timezone.localdate()
    qs = Clock.objects.filter(object_type=OBJECT_TYPE, object_id__in=[str(c.pk) for c in cases])
    if not include_stopped:
        qs = qs.filter(stopped_at__isnull=True)
    badges: dict[int, list[ClockBadge]] = defaultdict(list)
    for clock in qs.order_by("due_date", "id"):
        badges[int(clock.object_id)].append(
            ClockBadge(
                kind=clock.kind,
                label=str(CLOCK_LABELS.get(clock.kind, clock.kind)),
                due_date=clock.due_date,
                is_provisional=clock.is_provisional,
                days_left=(clock.due_date - today).days,
                stopped=clock.stopped_at is not None,
            )
        )
    return dict(badges)


def body_list(*, user: Any, kind: str = "", q: str = "") -> QuerySet[MediationBody]:
    """The mediation network directory: active bodies with their active mediators."""
    qs = (
        MediationBody.objects.restrict(user, Action.ORG_VIEW)
        .filter(is_active=True)
        .select_related("organisation")
        .prefetch_related(Prefetch("mediators", queryset=Mediator.objects.filter(is_active=True).order_by("name")))
        .annotate(open_cases=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES)))
    )
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        # JSON text is ASCII-escaped on SQLite ("\\u90bb…") and plain on PostgreSQL: match both forms.
        escaped = json.dumps(q)[1:-1]
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(mediators__name__icontains=q)
            | Q(mediators__specialities__icontains=q)
            | Q(mediators__specialities__icontains=escaped)
        )
        qs = qs.distinct()
    return qs.order_by("organisation__path", "name")


def bodies_for(*, user: Any) -> QuerySet[MediationBody]:
    """The active bodies where the user may open cases (for the new-case form)."""
    from xinfang.accounts.policies import organisation_scope

    scope = organisation_scope(user, Action.MEDIATION_HANDLE)
    qs = MediationBody.objects.filter(is_active=True).select_related("organisation")
    if scope.is_empty:
        return qs.none()
    if not scope.everything:
        qs = qs.filter(organisation__in=scope.organisation_ids())
    return qs.order_by("organisation__path", "name")
