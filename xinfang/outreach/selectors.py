"""Reads of the outreach app. Staff reads go through `restrict(user, "outreach.manage")`; the public
reads only published reception days. The figures are aggregated in the database: a fixed number of
queries whatever the number of visits."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.orgs.models import Organisation

from .models import Assignment, Booking, OutreachVisit, PlanDate, ReceptionDay, VisitItem
from .states import BookingStatus, ItemOutcome

MANAGE = Action.OUTREACH_MANAGE
ACTIVE = ~Q(bookings__status=BookingStatus.CANCELLED)


# --- Public -------------------------------------------------------------------------------------


def public_day_list() -> QuerySet[ReceptionDay]:
    """Published reception days from today on, with the number of places taken."""
    return (
        ReceptionDay.objects.filter(is_published=True, date__gte=timezone.localdate())
        .select_related("organisation", "reception_point")
        .annotate(taken=Count("bookings", filter=ACTIVE))
        .order_by("date", "start_time", "id")
    )


def public_day(pk: Any) -> ReceptionDay | None:
    try:
        return public_day_list().filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


# --- Staff ---------------------------------------------------------------------------------------


def day_list(*, user: Any, upcoming: bool | None = None) -> QuerySet[ReceptionDay]:
    days = (
        ReceptionDay.objects.restrict(user, MANAGE)
        .select_related("organisation", "reception_point")
        .annotate(
            taken=Count("bookings", filter=ACTIVE),
            attended=Count("bookings", filter=Q(bookings__status=BookingStatus.ATTENDED)),
        )
    )
    today = timezone.localdate()
    if upcoming is True:
        days = days.filter(date__gte=today)
    elif upcoming is False:
        days = days.filter(date__lt=today)
    return days.order_by("-date", "-start_time", "-id") if upcoming is False else days.order_by("date", "start_time")


def day_detail(*, user: Any, pk: int) -> ReceptionDay | None:
    return day_list(user=user).filter(pk=pk).first()


def day_bookings(day: ReceptionDay) -> QuerySet[Booking]:
    return Booking.objects.filter(reception_day=day).order_by("status", "preferred_time", "created_at", "id")


def visit_list(
    *, user: Any, cadre: Any = None, village: Organisation | None = None, date_from: Any = None, date_to: Any = None
) -> QuerySet[OutreachVisit]:
    visits = (
        OutreachVisit.objects.restrict(user, MANAGE)
        .select_related("cadre", "organisation", "village")
        .annotate(
            raised=Count("items"),
            resolved=Count("items", filter=Q(items__outcome=ItemOutcome.RESOLVED)),
            passed_on=Count(
                "items",
                filter=Q(items__outcome__in=[ItemOutcome.PETITION, ItemOutcome.GRID_EVENT, ItemOutcome.MEDIATION]),
            ),
        )
        .order_by("-date", "-id")
    )
    if cadre is not None:
        visits = visits.filter(cadre=cadre)
    if village is not None:
        visits = visits.filter(village=village)
    if date_from:
        visits = visits.filter(date__gte=date_from)
    if date_to:
        visits = visits.filter(date__lte=date_to)
    return visits


ITEM_ACTIONS = (Action.OUTREACH_MANAGE, Action.MATTER_REGISTER, Action.GRID_EVENT_REPORT, Action.MEDIATION_HANDLE)


def visit_detail(*, user: Any, pk: int) -> OutreachVisit | None:
    """A visit the user may see: with outreach.manage over the place, or with one of the actions that
    take its items on (petition registration, grid event report, mediation) there."""
    visit = OutreachVisit.objects.select_related("cadre", "organisation", "village", "assignment").filter(pk=pk).first()
    if visit is None or not any(user_can(user, action, visit.organisation) for action in ITEM_ACTIONS):
        return None
    return visit


def visit_items(visit: OutreachVisit) -> QuerySet[VisitItem]:
    return VisitItem.objects.filter(visit=visit).select_related("matter", "grid_event", "mediation_case")


def assignment_list(*, user: Any) -> QuerySet[Assignment]:
    return (
        Assignment.objects.restrict(user, MANAGE)
        .select_related("cadre", "organisation", "plan")
        .annotate(planned_dates=Count("plan__dates", distinct=True), visits_made=Count("visits", distinct=True))
        .order_by("organisation__path", "start", "id")
    )


# --- Figures --------------------------------------------------------------------------------------


def months_overlapping(start: datetime.date, end: datetime.date) -> float:
    """The number of months of [start, end], counting a part month by its share of days."""
    total = 0.0
    day = start.replace(day=1)
    while day <= end:
        following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        month_end = following - datetime.timedelta(days=1)
        first, last = max(day, start), min(month_end, end)
        if first <= last:
            total += ((last - first).days + 1) / ((month_end - day).days + 1)
        day = following
    return total


@dataclass
class FigureRow:
    """One cadre's or one village's figures over the period."""

    key: int
    label: str
    planned: float = 0.0
    visits: int = 0
    people_met: int = 0
    raised: int = 0
    resolved: int = 0
    petitions: int = 0
    grid_events: int = 0
    mediation_cases: int = 0
    open: int = 0

    @property
    def planned_display(self) -> str:
        return f"{self.planned:.0f}" if float(self.planned).is_integer() else f"{self.planned:.1f}"


@dataclass
class Figures:
    date_from: datetime.date
    date_to: datetime.date
    by_cadre: list[FigureRow] = field(default_factory=list)
    by_village: list[FigureRow] = field(default_factory=list)
    total: FigureRow = field(default_factory=lambda: FigureRow(0, ""))


_ITEM_COUNTS = {
    "raised": Count("id"),
    "resolved": Count("id", filter=Q(outcome=ItemOutcome.RESOLVED)),
    "petitions": Count("id", filter=Q(outcome=ItemOutcome.PETITION)),
    "grid_events": Count("id", filter=Q(outcome=ItemOutcome.GRID_EVENT)),
    "mediation_cases": Count("id", filter=Q(outcome=ItemOutcome.MEDIATION)),
    "open": Count("id", filter=Q(outcome=ItemOutcome.OPEN)),
}


def _user_label(user: Any) -> str:
    return str(getattr(user, "display_name", "") or user.get_username())


def figures(*, user: Any, date_from: datetime.date, date_to: datetime.date) -> Figures:
    """Per cadre and per village over [date_from, date_to]: visits planned (the plans of the
    assignments: dates planned in the period, plus visits per month times the months of the period
    the assignment covers) vs made, people met, matters raised, resolved on the spot, registered as
    petitions, grid events or mediation cases, and still open. Only rows the user may see
    (outreach.manage). Five queries."""
    from django.contrib.auth import get_user_model

    result = Figures(date_from, date_to)
    visits = OutreachVisit.objects.restrict(user, MANAGE).filter(date__gte=date_from, date__lte=date_to)
    items = VisitItem.objects.filter(visit__in=visits.values("pk"))
    cadres: dict[int, FigureRow] = {}
    villages: dict[int, FigureRow] = {}

    def row(table: dict[int, FigureRow], key: int | None) -> FigureRow | None:
        if key is None:
            return None
        return table.setdefault(key, FigureRow(key, ""))

    for values in visits.values("cadre_id").annotate(n=Count("id"), people=Sum("people_met")):
        target = row(cadres, values["cadre_id"])
        assert target is not None
        target.visits, target.people_met = values["n"], values["people"] or 0
    for values in visits.values("village_id").annotate(n=Count("id"), people=Sum("people_met")):
        village_row = row(villages, values["village_id"])
        if village_row is not None:
            village_row.visits, village_row.people_met = values["n"], values["people"] or 0
    for group, table in (("visit__cadre_id", cadres), ("visit__village_id", villages)):
        for values in items.values(group).annotate(**_ITEM_COUNTS):
            counted = row(table, values[group])
            if counted is not None:
                for name in _ITEM_COUNTS:
                    setattr(counted, name, values[name])

    # Plans: the assignments overlapping the period (few rows), their planned dates counted in the database.
    assignments = list(
        Assignment.objects.restrict(user, MANAGE)
        .filter(start__lte=date_to)
        .exclude(end__lt=date_from)
        .select_related("organisation", "plan")
        .annotate(
            dates_in_period=Count(
                "plan__dates", filter=Q(plan__dates__date__gte=date_from, plan__dates__date__lte=date_to)
            )
        )
    )
    org_labels: dict[int, str] = {}
    for assignment in assignments:
        plan = getattr(assignment, "plan", None)
        planned = float(assignment.dates_in_period)  # type: ignore[attr-defined]
        if plan is not None and plan.visits_per_month:
            start = max(assignment.start, date_from)
            end = min(assignment.end or date_to, date_to)
            planned += plan.visits_per_month * months_overlapping(start, end)
        planned = round(planned, 1)
        cadre_row = row(cadres, assignment.cadre_id)
        assert cadre_row is not None
        cadre_row.planned += planned
        organisation = assignment.organisation
        village_id = organisation.parent_id if organisation.kind == "grid" else organisation.pk
        village_row = row(villages, village_id)
        if village_row is not None:
            village_row.planned += planned

    users = get_user_model().objects.in_bulk(list(cadres))
    for key, cadre_row in cadres.items():
        cadre_row.label = _user_label(users[key]) if key in users else str(key)
    org_labels = {o.pk: o.local_name for o in Organisation.objects.filter(pk__in=list(villages))}
    for key, village_row in villages.items():
        village_row.label = org_labels.get(key, str(key))

    result.by_cadre = sorted(cadres.values(), key=lambda r: r.label)
    result.by_village = sorted(villages.values(), key=lambda r: r.label)
    total = FigureRow(0, "")
    for cadre_row in result.by_cadre:
        for name in ("planned", "visits", "people_met", *_ITEM_COUNTS):
            setattr(total, name, getattr(total, name) + getattr(cadre_row, name))
    total.planned = round(total.planned, 1)
    result.total = total
    return result


def plan_dates(assignment: Assignment) -> list[datetime.date]:
    return list(PlanDate.objects.filter(plan__assignment=assignment).values_list("date", flat=True))
