"""Who may do what in the order app (docs/permissions.md, `order.manage`: reception clerks, bureau
heads and leaders over their area). Views ask here what to offer; the services check again."""

from __future__ import annotations

from typing import Any

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.petitions.models import Matter
from xinfang.petitions.states import Nature

from .models import ClusterWarning


def may_manage_order(user: Any) -> bool:
    return user_can(user, Action.ORDER_MANAGE)


def may_view_tracks(user: Any) -> bool:
    return user_can(user, Action.MATTER_VIEW) or may_manage_order(user)


def may_track(user: Any, matter: Matter) -> bool:
    """May put the matter on the four-level model or change its level (XF-HDL-03)."""
    return matter.nature == Nature.LITIGATION and any(
        user_can(user, Action.ORDER_MANAGE, org) for org in (matter.current_org, matter.registered_org)
    )


def warning_actions(user: Any, warning: ClusterWarning) -> list[str]:
    if not warning.is_live or not user_can(user, Action.ORDER_MANAGE, warning.organisation):
        return []
    return ["acknowledge", "close"] if warning.status == "open" else ["close"]
