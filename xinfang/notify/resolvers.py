"""Who answers for a clock (XINFANG_NOTIFY_RESPONSIBLE: object type -> one of these).

A resolver takes a batch of running clocks of one object type and returns, per clock id, the users
to alert, the organisation they answer for (escalation goes one level above it), a short label and a
link. Queries are per batch, never per clock. Unknown object types (the supervision app's orders …)
fall back to `org_managers`: the managing users of the clock's organisation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from xinfang.accounts.models import Membership
from xinfang.accounts.roles import ROLE_MATRIX, Action, Role
from xinfang.workcalendar.models import Clock

# Roles that run an organisation: alerted for clocks nobody more specific answers for.
MANAGING_ROLES = (Role.UNIT_HEAD, Role.BUREAU_HEAD, Role.LEADER)
# Roles alerted when a clock is escalated to an organisation one level up (its heads and the
# supervisors of its petition department: 督办, XF-SUP-03).
ESCALATION_ROLES = (Role.LEADER, Role.UNIT_HEAD, Role.BUREAU_HEAD, Role.SUPERVISOR)
# Petition clocks the 信访部门 answers for (triage and written notice); the others belong to whoever
# holds matter.handle where the matter is now.
TRIAGE_KINDS = frozenset({"triage_15d", "notice_15d"})


@dataclass
class Responsible:
    user_ids: set[int] = field(default_factory=set)
    org_id: int | None = None
    label: str = ""
    url: str = ""
    # XF-CLS-03: people never alerted about this object (the reported, on a report about officials).
    excluded_user_ids: frozenset[int] = frozenset()


Resolved = dict[int, Responsible]


def roles_with(action: str) -> list[str]:
    """The roles the matrix grants `action` to (at any scope)."""
    return [str(role) for role, cells in ROLE_MATRIX.items() if Action(action) in cells]


def members(org_ids: Iterable[int | None], roles: Sequence[str]) -> dict[int, set[int]]:
    """Active users holding one of `roles` in each organisation (one query)."""
    wanted = {i for i in org_ids if i is not None}
    found: dict[int, set[int]] = defaultdict(set)
    if not wanted:
        return found
    rows = Membership.objects.filter(
        organisation_id__in=wanted,
        role__in=list(roles),
        is_active=True,
        organisation__is_active=True,
        user__is_active=True,
    ).values_list("organisation_id", "user_id")
    for org_id, user_id in rows:
        found[org_id].add(user_id)
    return found


def _url(name: str, pk: str) -> str:
    try:
        return reverse(name, args=[int(pk)])
    except (NoReverseMatch, ValueError):
        return ""


def _fallback(clock: Clock, label: str = "") -> Responsible:
    return Responsible(org_id=clock.org_id, label=label or f"{clock.object_type} {clock.object_id}")


def org_managers(clocks: Sequence[Clock]) -> Resolved:
    """Any object type: the managing users of the clock's organisation."""
    by_org = members((c.org_id for c in clocks), MANAGING_ROLES)
    result: Resolved = {}
    for clock in clocks:
        responsible = _fallback(clock, _object_label(clock))
        responsible.user_ids = set(by_org.get(clock.org_id or 0, ()))
        result[clock.pk] = responsible
    return result


def _object_label(clock: Clock) -> str:
    try:
        model = apps.get_model(clock.object_type)
    except (LookupError, ValueError):
        return f"{clock.object_type} {clock.object_id}"
    return f"{model._meta.verbose_name} {clock.object_id}"


def _ids(clocks: Sequence[Clock]) -> list[int]:
    return [int(c.object_id) for c in clocks if c.object_id.isdigit()]


def _fill_from_orgs(clocks: Sequence[Clock], result: Resolved, roles: Sequence[str]) -> Resolved:
    """Each responsible's users: holders of `roles` in its organisation; else its managers."""
    orgs = {r.org_id for r in result.values()}
    by_org = members(orgs, roles)
    managers = members(orgs, MANAGING_ROLES)
    for clock in clocks:
        responsible = result.setdefault(clock.pk, _fallback(clock))
        users = by_org.get(responsible.org_id or 0) or managers.get(responsible.org_id or 0) or set()
        responsible.user_ids = set(users) - responsible.excluded_user_ids
    return result


def matter_responsible(clocks: Sequence[Clock]) -> Resolved:
    """A petition matter: the users of the organisation holding it now with matter.triage (triage and
    notice clocks) or matter.handle (the others), never those it reports on (XF-CLS-03)."""
    from xinfang.petitions.models import Matter

    matters = {
        m.pk: m
        for m in Matter.objects.filter(pk__in=_ids(clocks)).only("pk", "number", "current_org_id", "handling_org_id")
    }
    through = Matter.reported_users.through
    reported: dict[int, set[int]] = defaultdict(set)
    for matter_id, user_id in through.objects.filter(matter_id__in=list(matters)).values_list("matter_id", "user_id"):
        reported[matter_id].add(user_id)
    org_through = Matter.reported_orgs.through
    reported_orgs: dict[int, set[int]] = defaultdict(set)
    for matter_id, org_id in org_through.objects.filter(matter_id__in=list(matters)).values_list(
        "matter_id", "organisation_id"
    ):
        reported_orgs[matter_id].add(org_id)
    if reported_orgs:
        all_orgs = {o for orgs in reported_orgs.values() for o in orgs}
        staff_of = members(all_orgs, [str(r) for r in Role])
        for matter_id, orgs in reported_orgs.items():
            for org_id in orgs:
                reported[matter_id] |= staff_of.get(org_id, set())
    result: Resolved = {}
    triage: list[Clock] = []
    handle: list[Clock] = []
    for clock in clocks:
        matter = matters.get(int(clock.object_id)) if clock.object_id.isdigit() else None
        if matter is None:
            result[clock.pk] = _fallback(clock)
            handle.append(clock)
            continue
        result[clock.pk] = Responsible(
            org_id=matter.current_org_id or clock.org_id,
            label=matter.number,
            url=_url("petitions:matter_detail", clock.object_id),
            excluded_user_ids=frozenset(reported.get(matter.pk, ())),
        )
        (triage if clock.kind in TRIAGE_KINDS else handle).append(clock)
    _fill_from_orgs(triage, result, roles_with(Action.MATTER_TRIAGE))
    _fill_from_orgs(handle, result, roles_with(Action.MATTER_HANDLE))
    return result


def mediation_responsible(clocks: Sequence[Clock]) -> Resolved:
    """A mediation case (incl. the judicial-confirmation window, MED-05): its mediators who have an
    account; else the mediators of its organisation."""
    from xinfang.mediation.models import MediationCase

    cases = {c.pk: c for c in MediationCase.objects.filter(pk__in=_ids(clocks)).only("pk", "number", "organisation_id")}
    assigned: dict[int, set[int]] = defaultdict(set)
    rows = MediationCase.mediators.through.objects.filter(
        mediationcase_id__in=list(cases), mediator__is_active=True, mediator__user__isnull=False
    ).values_list("mediationcase_id", "mediator__user_id")
    for case_id, user_id in rows:
        assigned[case_id].add(user_id)
    result: Resolved = {}
    unassigned: list[Clock] = []
    for clock in clocks:
        case = cases.get(int(clock.object_id)) if clock.object_id.isdigit() else None
        if case is None:
            result[clock.pk] = _fallback(clock)
            unassigned.append(clock)
            continue
        result[clock.pk] = Responsible(
            org_id=case.organisation_id,
            label=case.number,
            url=_url("mediation:detail", clock.object_id),
            user_ids=set(assigned.get(case.pk, ())),
        )
        if not result[clock.pk].user_ids:
            unassigned.append(clock)
    return _fill_from_orgs(unassigned, result, roles_with(Action.MEDIATION_HANDLE))


def grid_responsible(clocks: Sequence[Clock]) -> Resolved:
    """A grid event: the users holding grid_event.handle where it is handled now, and the grid's
    own workers."""
    from xinfang.grid.models import GridEvent

    events = {
        e.pk: e for e in GridEvent.objects.filter(pk__in=_ids(clocks)).only("pk", "number", "grid_id", "current_org_id")
    }
    workers = members((e.grid_id for e in events.values()), [Role.GRID_WORKER])
    result: Resolved = {}
    for clock in clocks:
        event = events.get(int(clock.object_id)) if clock.object_id.isdigit() else None
        if event is None:
            result[clock.pk] = _fallback(clock)
            continue
        result[clock.pk] = Responsible(
            org_id=event.current_org_id, label=event.number, url=_url("grid:detail", clock.object_id)
        )
    _fill_from_orgs(clocks, result, roles_with(Action.GRID_EVENT_HANDLE))
    for clock in clocks:
        event = events.get(int(clock.object_id)) if clock.object_id.isdigit() else None
        if event is not None:
            result[clock.pk].user_ids |= workers.get(event.grid_id, set())
    return result


def _at_clock_org(clocks: Sequence[Clock], model: Any, label_field: str, url_name: str, action: str) -> Resolved:
    """Objects answered for where their clock runs: holders of `action` in the clock's organisation,
    labelled by `label_field` of the object."""
    labels = dict(model.objects.filter(pk__in=_ids(clocks)).values_list("pk", label_field))
    result: Resolved = {}
    for clock in clocks:
        label = labels.get(int(clock.object_id)) if clock.object_id.isdigit() else None
        result[clock.pk] = Responsible(
            org_id=clock.org_id,
            label=str(label) if label else f"{clock.object_type} {clock.object_id}",
            url=_url(url_name, clock.object_id),
        )
    return _fill_from_orgs(clocks, result, roles_with(action))


def hotline_responsible(clocks: Sequence[Clock]) -> Resolved:
    """A 12345 work order: the users of the organisation holding the clock with matter.handle (the
    handling unit); else that organisation's managers."""
    from xinfang.hotline.models import HotlineOrder

    return _at_clock_org(clocks, HotlineOrder, "external_id", "hotline:detail", Action.MATTER_HANDLE)


def legalservice_responsible(clocks: Sequence[Clock]) -> Resolved:
    """A one-stop service request: the users of its service point's organisation who handle requests."""
    from xinfang.legalservices.models import ServiceRequest

    return _at_clock_org(clocks, ServiceRequest, "reference", "legalservices:staff_detail", Action.LEGALSERVICE_HANDLE)
