"""Who may do what with grids and grid events. Every check goes through `user_can` and the role
matrix (docs/permissions.md): `grid_event.report` (grid workers, at their grid),
`grid_event.view`, `grid_event.handle` (village, town and district staff, at the organisation now
handling the event), `mediation.handle` (mediators may take an event into mediation)."""

from __future__ import annotations

from typing import Any

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.orgs.models import Organisation

from .models import GridEvent
from .states import EventLevel


def can_report(user: Any, grid: Organisation) -> bool:
    return user_can(user, Action.GRID_EVENT_REPORT, grid)


def can_handle(user: Any, event: GridEvent) -> bool:
    """Accept, handle, close, categorise, escalate, convert: the organisation handling it now."""
    return user_can(user, Action.GRID_EVENT_HANDLE, event.current_org)


def can_escalate(user: Any, event: GridEvent) -> bool:
    """Handlers, and the grid worker while the event is still at the village (上报 from the grid)."""
    if can_handle(user, event):
        return True
    return event.level == EventLevel.VILLAGE and user_can(user, Action.GRID_EVENT_REPORT, event.grid)


def can_verify(user: Any, event: GridEvent) -> bool:
    """The grid worker checks the result on site (核查); handlers may record it too."""
    return user_can(user, Action.GRID_EVENT_REPORT, event.grid) or can_handle(user, event)


def can_refer_to_mediation(user: Any, event: GridEvent) -> bool:
    """Handlers, and mediators working where the event is handled now."""
    return can_handle(user, event) or user_can(user, Action.MEDIATION_HANDLE, event.current_org)


def can_refer_to_petition(user: Any, event: GridEvent) -> bool:
    """Handlers who may also register petitions (matter_register checks the registering office)."""
    return can_handle(user, event) and user_can(user, Action.MATTER_REGISTER)


def can_edit_grid(user: Any, grid: Organisation) -> bool:
    """Boundaries and layers are reference data of the organisation tree."""
    return user_can(user, Action.ORG_MANAGE, grid)
