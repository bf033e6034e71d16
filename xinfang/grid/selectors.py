"""Reads of the grid app. Every event list goes through
`GridEvent.objects.restrict(user, "grid_event.view")`: an event is seen by its grid's workers and
by whoever's scope covers its grid or the organisation handling it now (the village, town or
district staff of that subtree)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy

from xinfang.accounts.roles import Action
from xinfang.audit.models import AuditEvent
from xinfang.orgs.models import Organisation
from xinfang.workcalendar.models import Clock

from .models import DisputeCategory, GridEvent, GridProfile
from .states import CLOCK_DUE, CLOCK_OBJECT_TYPE, OPEN_STATUSES, EventLevel

CLOCK_LABEL = gettext_lazy("处置时限")


def event_visible(user: Any) -> QuerySet[GridEvent]:
    return GridEvent.objects.restrict(user, Action.GRID_EVENT_VIEW)


def event_list(
    *,
    user: Any,
    status: str = "",
    level: str = "",
    category: DisputeCategory | None = None,
    grid: Organisation | None = None,
    text: str = "",
    due_by: datetime.date | None = None,
) -> QuerySet[GridEvent]:
    """The events the user may see, newest first. `status` "open" or one status; `category` matches
    the chosen or (for uncategorised events) the suggested category; `due_by`: a running due clock
    due on or before that date."""
    qs = event_visible(user).select_related("grid", "current_org", "category", "suggested_category")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if level in EventLevel.values:
        qs = qs.filter(level=level)
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(category__isnull=True, suggested_category=category))
    if grid is not None:
        qs = qs.filter(grid=grid)
    if text:
        qs = qs.filter(Q(description__icontains=text) | Q(place_text__icontains=text) | Q(number=text))
    if due_by is not None:
        due = Clock.objects.filter(
            object_type=CLOCK_OBJECT_TYPE, kind=CLOCK_DUE, stopped_at__isnull=True, due_date__lte=due_by
        )
        qs = qs.annotate(pk_text=Cast("pk", CharField(max_length=64))).filter(pk_text__in=due.values("object_id"))
    return qs.order_by("-reported_at", "-id")


def event_get(*, user: Any, pk: int) -> GridEvent:
    """One event the user may see; DoesNotExist otherwise (a 404)."""
    return (
        event_visible(user)
        .select_related(
            "grid", "current_org", "category", "suggested_category", "reported_by", "matter", "mediation_case"
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class ClockView:
    kind: str
    label: str
    due_date: datetime.date
    is_provisional: bool
    days_left: int
    stopped_at: datetime.datetime | None

    @property
    def is_overdue(self) -> bool:
        return self.stopped_at is None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left


def event_clocks(events: list[GridEvent], *, include_stopped: bool = False) -> dict[int, list[ClockView]]:
    """The due clocks of a page of events, in one query."""
    if not events:
        return {}
    qs = Clock.objects.filter(object_type=CLOCK_OBJECT_TYPE, kind=CLOCK_DUE, object_id__in=[str(e.pk) for e in events])
    if not include_stopped:
        qs = qs.filter(stopped_at__isnull=True)
    today = timezone.localdate()
    result: dict[int, list[ClockView]] = defaultdict(list)
    for clock in qs.order_by("due_date", "id"):
        result[int(clock.object_id)].append(
            ClockView(
                kind=clock.kind,
                label=str(CLOCK_LABEL),
                due_date=clock.due_date,
                is_provisional=clock.is_provisional,
                days_left=(clock.due_date - today).days,
                stopped_at=clock.stopped_at,
            )
        )
    return dict(result)


HISTORY_LABELS = {
    "grid_event.report": gettext_lazy("上报事件"),
    "grid_event.accept": gettext_lazy("受理"),
    "grid_event.categorise": gettext_lazy("设置类别"),
    "grid_event.handle": gettext_lazy("处置"),
    "grid_event.close": gettext_lazy("办结"),
    "grid_event.verify": gettext_lazy("核查"),
    "grid_event.escalate": gettext_lazy("上报上级"),
    "grid_event.to_petition": gettext_lazy("转为信访事项"),
    "grid_event.to_mediation": gettext_lazy("转为调解案件"),
    "grid_event.mediation_agreed": gettext_lazy("调解达成协议"),
    "grid_event.mediation_failed": gettext_lazy("调解未成，退回处置"),
}


def event_history(event: GridEvent) -> list[tuple[datetime.datetime, str, str]]:
    """(when, what, who) of the event's steps, from the audit log."""
    rows = AuditEvent.objects.filter(object_type="grid.gridevent", object_id=str(event.pk)).order_by("id")
    return [(row.created_at, str(HISTORY_LABELS.get(row.action, row.action)), row.actor_label or "") for row in rows]


def grid_profiles(user: Any) -> QuerySet[GridProfile]:
    """Grids with a boundary in the user's view of the organisation tree."""
    return GridProfile.objects.restrict(user, Action.ORG_VIEW).select_related("organisation", "village__parent")


def category_choices() -> QuerySet[DisputeCategory]:
    return DisputeCategory.objects.filter(is_active=True).order_by("sort", "code")
