"""Who may read the dashboards: statistics.view somewhere (the chooser then lists only the
organisations it reaches)."""

from __future__ import annotations

from typing import Any

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action


def may_view_statistics(user: Any) -> bool:
    return user_can(user, Action.STATISTICS_VIEW)
