"""Reads of the power list, through `restrict(user, action)` (the list is reference data: every
staff member with org.view reads all of it). Routing (`powerlist_propose`) and suggestion
(`matter_type_suggest`) live in `routing.py` and are re-exported here."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from xinfang.accounts.roles import Action
from xinfang.orgs.models import Kind, Organisation

from .models import JurisdictionDecision, MatterType, Power
from .policies import POWERLIST_VIEW
from .routing import Proposal, Suggestion, matter_type_suggest, powerlist_propose

__all__ = [
    "Proposal",
    "Suggestion",
    "jurisdiction_decisions_on",
    "matter_type_detail",
    "matter_type_list",
    "matter_type_suggest",
    "power_history",
    "power_list_on",
    "powerlist_propose",
    "routing_areas",
]


def _powers(user: Any) -> QuerySet[Power]:
    qs = Power.objects.all() if user is None else Power.objects.restrict(user, POWERLIST_VIEW)
    return qs.select_related("matter_type", "organisation")


def power_list_on(
    *,
    on_date: datetime.date,
    user: Any = None,
    matter_type: MatterType | None = None,
    level: int | None = None,
) -> QuerySet[Power]:
    """The power list as it stood (or will stand) on `on_date`: every entry in force that day, by
    matter type, level, lead first. `user` None is the system reading for routing; pages pass
    the reader."""
    qs = _powers(user).in_force(on_date)  # type: ignore[attr-defined]
    if matter_type is not None:
        qs = qs.filter(matter_type=matter_type)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.order_by("matter_type__sort_order", "matter_type__code", "level", "-is_lead", "pk")


def power_history(*, user: Any, matter_type: MatterType) -> QuerySet[Power]:
    """Every version ever recorded for one matter type, by level and date."""
    return _powers(user).filter(matter_type=matter_type).order_by("level", "-is_lead", "valid_from", "pk")


def matter_type_list(*, user: Any, active_only: bool = True) -> QuerySet[MatterType]:
    qs = MatterType.objects.restrict(user, POWERLIST_VIEW)
    return qs.filter(is_active=True) if active_only else qs


def matter_type_detail(*, user: Any, pk: int) -> MatterType:
    """One matter type; DoesNotExist if the reader may not see the power list."""
    return MatterType.objects.restrict(user, POWERLIST_VIEW).get(pk=pk)


def jurisdiction_decisions_on(
    *, user: Any, on_date: datetime.date | None = None, matter_type: MatterType | None = None
) -> QuerySet[JurisdictionDecision]:
    """Decisions on disputes the reader may see; in force on `on_date` when given (all otherwise)."""
    qs = JurisdictionDecision.objects.restrict(user, POWERLIST_VIEW).select_related(
        "matter_type", "area", "competent", "decided_by"
    )
    if on_date is not None:
        qs = qs.filter(decided_on__lte=on_date).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on_date))
    if matter_type is not None:
        qs = qs.filter(matter_type=matter_type)
    return qs.prefetch_related(Prefetch("disputing", queryset=Organisation.objects.order_by("path")))


def routing_areas(*, user: Any) -> QuerySet[Organisation]:
    """Places to try a routing proposal for on a matter type's page: the district(s) and their towns
    and streets (villages are many; the triage form passes the real place)."""
    return (
        Organisation.objects.restrict(user, Action.ORG_VIEW)
        .filter(kind__in=[Kind.DISTRICT, Kind.TOWN, Kind.STREET], is_active=True, is_external=False)
        .order_by("path")
    )
