"""Reads of the one-stop service platform: the public catalogue (no login), the person's status
lookup (reference + access code) and the staff inbox (through `restrict`, legalservice.handle)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.roles import Action
from xinfang.orgs.models import Kind, Level, Organisation
from xinfang.workcalendar.models import Clock

from .codes import access_code_matches, normalise_reference
from .models import LimitFrom, RequestStatus, ServiceKind, ServicePoint, ServiceRequest

OBJECT_TYPE = ServiceRequest._meta.label_lower
CATALOGUE_LEVELS = (Level.DISTRICT, Level.TOWNSHIP, Level.VILLAGE)


# --- Public catalogue ---------------------------------------------------------------------------


def kind_list() -> list[ServiceKind]:
    return list(ServiceKind.objects.filter(is_active=True).order_by("sort_order", "code"))


def town_list() -> list[Organisation]:
    """The towns and streets of the district (for the catalogue filter)."""
    towns = Organisation.objects.filter(kind__in=[Kind.TOWN, Kind.STREET], is_active=True, is_external=False).order_by(
        "sort_order", "path"
    )
    return list(towns)


def _active_points() -> QuerySet[ServicePoint]:
    return (
        ServicePoint.objects.filter(is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .prefetch_related(Prefetch("kinds", queryset=ServiceKind.objects.filter(is_active=True).order_by("sort_order")))
    )


@dataclass
class LevelGroup:
    level: int
    label: str
    points: list[ServicePoint]


def catalogue(
    *, kind: ServiceKind | None = None, level: int | None = None, town: Organisation | None = None
) -> list[LevelGroup]:
    """Active points grouped by level (district, town/street, village/community), optionally only
    those offering `kind`, at `level`, or in `town`. Three queries whatever the number of points."""
    points = _active_points()
    if kind is not None:
        points = points.filter(kinds=kind)
    if level is not None:
        points = points.filter(organisation__level=level)
    if town is not None:
        points = points.filter(organisation__path__startswith=town.path)
    by_level: dict[int, list[ServicePoint]] = {int(lv): [] for lv in CATALOGUE_LEVELS}
    for point in points.order_by("organisation__level", "sort_order", "organisation__path", "name"):
        by_level.setdefault(point.organisation.level, []).append(point)
    return [
        LevelGroup(level=lv, label=str(Level(lv).label), points=items)
        for lv, items in sorted(by_level.items())
        if items or lv in CATALOGUE_LEVELS
    ]


def point_detail(pk: int) -> ServicePoint:
    """An active point with its kinds; DoesNotExist otherwise."""
    return _active_points().get(pk=pk)


def point_for_request(pk: Any) -> ServicePoint | None:
    try:
        return point_detail(int(pk))
    except (TypeError, ValueError, ServicePoint.DoesNotExist):
        return None


# --- The person's status page -------------------------------------------------------------------


def request_lookup(*, reference: str, code: str) -> ServiceRequest | None:
    """The request with this reference if the access code matches; None otherwise (wrong reference
    and wrong code are indistinguishable, in answer and in time)."""
    normalised = normalise_reference(reference)
    service_request = (
        ServiceRequest.objects.select_related("point__organisation", "kind").filter(reference=normalised).first()
        if normalised
        else None
    )
    stored = service_request.access_code_hash if service_request is not None else None
    if not access_code_matches(normalised, code, stored):
        return None
    return service_request


@dataclass(frozen=True)
class Due:
    """A running time limit in plain words."""

    date: datetime.date
    sentence: str
    is_provisional: bool


def running_due(service_request: ServiceRequest) -> Due | None:
    """The request's running clock, if any, as a date and a sentence for the person."""
    clock = (
        Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(service_request.pk), stopped_at__isnull=True)
        .order_by("due_date")
        .first()
    )
    if clock is None:
        return None
    return Due(date=clock.due_date, sentence=_due_sentence(service_request.kind), is_provisional=clock.is_provisional)


def _due_sentence(kind: ServiceKind) -> str:
    if kind.limit_from == LimitFrom.RECEIPT:
        return _("按规定，服务点应在这一天之前作出是否办理的决定：")
    return _("按规定，服务点应在这一天之前办结：")


def status_explanation(service_request: ServiceRequest) -> str:
    """What the status means for the person, in plain words."""
    texts = {
        RequestStatus.REQUESTED: _("服务点已收到您的申请，工作人员会尽快审核并通过电话与您联系。"),
        RequestStatus.ACCEPTED: _("服务点已受理您的申请。请按约定的时间前往，并带齐所需材料。"),
        RequestStatus.IN_PROGRESS: _("您的事项正在办理中。"),
        RequestStatus.COMPLETED: _("您的事项已办结，办理结果见下方。"),
        RequestStatus.DECLINED: _("服务点没有办理您的申请，理由见下方。您可以选择其他服务点或其他途径。"),
        RequestStatus.CANCELLED: _("您已取消这项申请。如仍需服务，可以重新申请。"),
    }
    return texts[RequestStatus(service_request.status)]


# --- Staff inbox --------------------------------------------------------------------------------


def handling_requests(user: Any) -> QuerySet[ServiceRequest]:
    """Every request the user may handle (legalservice.handle over the point's organisation)."""
    return ServiceRequest.objects.restrict(user, Action.LEGALSERVICE_HANDLE)


def handling_points(user: Any) -> list[ServicePoint]:
    """The service points whose requests the user may handle (for the inbox filter)."""
    return list(
        ServicePoint.objects.restrict(user, Action.LEGALSERVICE_HANDLE)
        .select_related("organisation")
        .order_by("organisation__level", "sort_order", "organisation__path", "name")
    )


def registering_points(user: Any) -> list[ServicePoint]:
    """The active points where the user may register a walk-in or phone request (legalservice.handle
    over the point's organisation), with the active kinds each offers: two queries."""
    return list(
        ServicePoint.objects.restrict(user, Action.LEGALSERVICE_HANDLE)
        .filter(is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .prefetch_related(Prefetch("kinds", queryset=ServiceKind.objects.filter(is_active=True).order_by("sort_order")))
        .order_by("organisation__level", "sort_order", "organisation__path", "name")
    )


def request_inbox(
    user: Any, *, status: str = "", kind: ServiceKind | None = None, point: ServicePoint | None = None
) -> QuerySet[ServiceRequest]:
    """The user's requests, open ones first and newest first, filtered."""
    qs = handling_requests(user).select_related("point__organisation", "kind", "handled_by")
    if status == "open":
        qs = qs.filter(status__in=[RequestStatus.REQUESTED, RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS])
    elif status:
        qs = qs.filter(status=status)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if point is not None:
        qs = qs.filter(point=point)
    return qs.order_by("-created_at", "-id")


def due_dates(requests: list[ServiceRequest]) -> dict[int, Clock]:
    """The running clock of each request on a page, in one query."""
    if not requests:
        return {}
    clocks = Clock.objects.filter(
        object_type=OBJECT_TYPE, object_id__in=[str(r.pk) for r in requests], stopped_at__isnull=True
    ).order_by("-due_date")
    return {int(c.object_id): c for c in clocks}  # the earliest wins (ordered last)


def request_for_staff(user: Any, pk: int) -> ServiceRequest:
    """One request the user may handle; DoesNotExist otherwise (a 404: it is not theirs to see)."""
    return handling_requests(user).select_related("point__organisation", "kind", "handled_by").get(pk=pk)


# What each audit action of a request is called on the staff page.
HISTORY_LABELS = {
    "legalservice.request": gettext_lazy("提出申请"),
    "legalservice.register": gettext_lazy("工作人员登记申请"),
    "legalservice.cancel": gettext_lazy("申请人撤回"),
    "legalservice.accept": gettext_lazy("受理"),
    "legalservice.start": gettext_lazy("开始办理"),
    "legalservice.complete": gettext_lazy("办结"),
    "legalservice.decline": gettext_lazy("不予办理"),
}


@dataclass(frozen=True)
class HistoryEntry:
    created_at: Any
    actor_label: str
    action_label: str


def request_history(service_request: ServiceRequest) -> list[HistoryEntry]:
    """The request's audit events (who did what, when) for the staff page, in words."""
    from xinfang.audit.models import AuditEvent

    events = AuditEvent.objects.filter(
        Q(object_type=OBJECT_TYPE) & Q(object_id=str(service_request.pk)) & Q(action__startswith="legalservice.")
    ).order_by("id")
    return [
        HistoryEntry(
            created_at=event.created_at,
            actor_label=str(gettext_lazy("公众")) if event.actor_label == "public" else event.actor_label,
            action_label=str(HISTORY_LABELS.get(event.action, event.action)),
        )
        for event in events
    ]
