"""Reads of the audit log, always through `restrict()`."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.db.models import Q, QuerySet
from django.utils import timezone

from xinfang.accounts.roles import Action
from xinfang.core.ids import id_from_text
from xinfang.orgs.models import Organisation

from .models import AuditEvent


class AuditEventFilters(TypedDict, total=False):
    """What the list can be narrowed by (all optional; dates are local calendar days, inclusive)."""

    action: str
    object_type: str
    object_id: str
    actor: str
    date_from: dt.date
    date_to: dt.date


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_event_list(*, user: Any, filters: AuditEventFilters | None = None) -> QuerySet[AuditEvent]:
    """Events the user may read (audit.view), newest first. `action` matches a prefix ("org."
    finds every organisation event); `actor` a part of the actor's name, or the actor's id."""
    filters = filters or {}
    qs = AuditEvent.objects.restrict(user, Action.AUDIT_VIEW)
    if filters.get("action"):
        qs = qs.filter(action__startswith=filters["action"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        qs = qs.filter(object_id=filters["object_id"])
    if actor := filters.get("actor"):
        condition = Q(actor_label__icontains=actor)
        if (actor_id := id_from_text(actor)) is not None:
            condition |= Q(actor_id=actor_id)
        qs = qs.filter(condition)
    # Bounds as instants (not created_at__date), so the index on created_at is used.
    if date_from := filters.get("date_from"):
        qs = qs.filter(created_at__gte=_start_of(date_from))
    if date_to := filters.get("date_to"):
        qs = qs.filter(created_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return qs.order_by("-id")


def audit_events_for(
    *, user: Any, object_type: str, object_id: str | int, action: str = Action.AUDIT_VIEW
) -> QuerySet[AuditEvent]:
    """The timeline of one object (oldest first): its events that `user` may read. `object_type` is
    the model's label ("orgs.organisation"). Workflow apps showing a case's history to the people
    handling it may pass their own view action (e.g. matter.view) instead of audit.view."""
    return (
        AuditEvent.objects.restrict(user, action)
        .filter(object_type=object_type, object_id=str(object_id))
        .order_by("id")
    )


def audit_history_of_visible(*, objects: list[tuple[str, str]]) -> QuerySet[AuditEvent]:
    """The whole history (oldest first) of objects the caller has ALREADY shown the user may see
    (e.g. a matter fetched through restrict(user, "matter.view")): once a case is visible, all of
    its steps are, whichever organisation recorded them. Audit rows hold no personal data."""
    condition = Q(pk__in=[])
    for object_type, object_id in objects:
        condition |= Q(object_type=object_type, object_id=str(object_id))
    return AuditEvent.objects.filter(condition).order_by("id")


def organisation_names(*, user: Any, ids: set[int]) -> dict[int, str]:
    """Names of the organisations events refer to by id (one query; audit rows hold ids, not keys)."""
    if not ids:
        return {}
    return dict(Organisation.objects.restrict(user, Action.ORG_VIEW).filter(pk__in=ids).values_list("pk", "name"))
