"""Reads of 12345 work orders, through `HotlineOrder.objects.restrict(user, "matter.view")`: an
order is seen by the organisation that received it, the one that holds it and the one that
dispatched it (and whoever's scope covers them)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy

from xinfang.accounts.policies import organisation_scope
from xinfang.accounts.roles import Action
from xinfang.petitions.models import Matter
from xinfang.petitions.selectors import mask_name
from xinfang.petitions.services.personal_data import mask_phone
from xinfang.workcalendar.models import Clock

from .models import HotlineOrder
from .services import OBJECT_TYPE
from .states import CLOCK_LABELS, OPEN_STATUSES


def order_visible(user: Any) -> QuerySet[HotlineOrder]:
    return HotlineOrder.objects.restrict(user, Action.MATTER_VIEW)


def order_list(
    *, user: Any, status: str = "", held: bool = False, due_by: datetime.date | None = None
) -> QuerySet[HotlineOrder]:
    """The orders the user may see, newest first. `status` "open" or one status; `held`: only those
    held now by an organisation in the user's scope; `due_by`: only those with a running clock due on
    or before that date."""
    qs = order_visible(user).select_related("receiving_org", "current_org", "matter")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if held:
        scope = organisation_scope(user, Action.MATTER_VIEW)
        if not scope.everything:
            qs = qs.filter(current_org__in=scope.organisation_ids())
    if due_by is not None:
        due = Clock.objects.filter(object_type=OBJECT_TYPE, stopped_at__isnull=True, due_date__lte=due_by)
        # Clock ids are text (workcalendar names objects by type and id strings).
        qs = qs.annotate(pk_text=Cast("pk", CharField(max_length=64))).filter(pk_text__in=due.values("object_id"))
    return qs.order_by("-received_at", "-id")


def order_get(*, user: Any, pk: int) -> HotlineOrder:
    """One order the user may see; DoesNotExist otherwise (a 404)."""
    return (
        order_visible(user)
        .select_related("receiving_org", "current_org", "dispatched_from", "matter", "merged_into")
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


def _view(clock: Clock, today: datetime.date) -> ClockView:
    return ClockView(
        kind=clock.kind,
        label=str(CLOCK_LABELS.get(clock.kind, clock.kind)),
        due_date=clock.due_date,
        is_provisional=clock.is_provisional,
        days_left=(clock.due_date - today).days,
        stopped_at=clock.stopped_at,
    )


def order_clocks(orders: list[HotlineOrder], *, include_stopped: bool = False) -> dict[int, list[ClockView]]:
    """The clocks of the orders of a page, soonest due first, in one query."""
    if not orders:
        return {}
    qs = Clock.objects.filter(object_type=OBJECT_TYPE, object_id__in=[str(o.pk) for o in orders])
    if not include_stopped:
        qs = qs.filter(stopped_at__isnull=True)
    today = timezone.localdate()
    clocks: dict[int, list[ClockView]] = defaultdict(list)
    for clock in qs.order_by("due_date", "id"):
        clocks[int(clock.object_id)].append(_view(clock, today))
    return dict(clocks)


def order_for_matter(matter: Matter) -> HotlineOrder | None:
    """The order a petition matter came from (HOT-05): the one converted into it, or the one whose
    number the matter names as its 12345 reference."""
    q = Q(matter=matter)
    if matter.hotline_order_ref:
        q |= Q(external_id=matter.hotline_order_ref)
    return HotlineOrder.objects.filter(q).order_by("pk").first()


def caller_masked(order: HotlineOrder) -> tuple[str, str]:
    """The caller's name and phone as lists and the API show them."""
    return mask_name(order.caller_name), mask_phone(order.caller_phone)


# What each audit action of an order is called on the staff page.
HISTORY_LABELS = {
    "hotline_order.receive": gettext_lazy("接收工单"),
    "hotline_order.update": gettext_lazy("热线更新工单内容"),
    "hotline_order.dispatch": gettext_lazy("派单"),
    "hotline_order.accept": gettext_lazy("签收"),
    "hotline_order.return": gettext_lazy("退单"),
    "hotline_order.object": gettext_lazy("提出派单异议"),
    "hotline_order.extend": gettext_lazy("延期"),
    "hotline_order.reply": gettext_lazy("答复"),
    "hotline_order.close": gettext_lazy("回访办结"),
    "hotline_order.to_petition": gettext_lazy("转为信访事项"),
    "hotline_order.personal_data_view": gettext_lazy("查看来电人完整信息"),
}


@dataclass(frozen=True)
class HistoryEntry:
    created_at: Any
    actor_label: str
    action_label: str


def order_history(order: HotlineOrder) -> list[HistoryEntry]:
    """The order's audit events (who did what, when), in words."""
    from xinfang.audit.models import AuditEvent

    events = AuditEvent.objects.filter(
        object_type=OBJECT_TYPE, object_id=str(order.pk), action__startswith="hotline_order."
    ).order_by("id")
    return [
        HistoryEntry(
            created_at=event.created_at,
            actor_label=event.actor_label,
            action_label=str(HISTORY_LABELS.get(event.action, event.action)),
        )
        for event in events
    ]
