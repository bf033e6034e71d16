"""Template context shared by every page: which navigation entries the user may open."""

from __future__ import annotations

from django.http import HttpRequest

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action


def navigation(request: HttpRequest) -> dict[str, object]:
    """Show only the links the user may follow (the views check again)."""
    user = request.user
    if not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "audit": user_can(user, Action.AUDIT_VIEW),
            "orgs": user_can(user, Action.ORG_VIEW),
            "matters": user_can(user, Action.MATTER_VIEW),
            "register": user_can(user, Action.MATTER_REGISTER),
            "triage": user_can(user, Action.MATTER_TRIAGE),
            "handle": user_can(user, Action.MATTER_HANDLE),
            "legalservices": user_can(user, Action.LEGALSERVICE_HANDLE),
            "hotline": user_can(user, Action.MATTER_VIEW),  # 12345 work orders (xinfang.hotline)
            "grid": user_can(user, Action.GRID_EVENT_VIEW),  # grid events and the grid map (xinfang.grid)
            "mediation": user_can(user, Action.MEDIATION_HANDLE),  # mediation cases (xinfang.mediation)
            "risk": user_can(user, Action.RISK_MANAGE),  # major decisions, risk assessment (xinfang.risk)
            "outreach": user_can(user, Action.OUTREACH_MANAGE),  # reception days, visits, 包联 (xinfang.outreach)
            # Bulk imports (xinfang.transfer): matters and petitioners, or the power list.
            "transfer": user_can(user, Action.MATTER_REGISTER) or user_can(user, Action.POWERLIST_MANAGE),
        }
    }
