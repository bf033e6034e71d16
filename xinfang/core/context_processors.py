"""Template context shared by every page: which navigation entries the user may open."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action


def navigation(request: HttpRequest) -> dict[str, object]:
    """Show only the links the user may follow (the views check again)."""
    user = request.user
    if not user.is_authenticated:
        return {"nav": {}}
    return {
        # The unread-notification badge loads with its own request after the page (notify:badge).
        "notify_badge": settings.XINFANG_NOTIFY_BADGE,
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
            # Supervision and accountability (xinfang.supervision), order (xinfang.publicorder),
            # the dashboards and hot spots (xinfang.dashboards, xinfang.textmining).
            # Supervisors open orders; the supervised units answer them.
            "supervision": user_can(user, Action.MATTER_SUPERVISE) or user_can(user, Action.MATTER_HANDLE),
            "accountability": user_can(user, Action.ACCOUNTABILITY_VIEW),
            "conference": user_can(user, Action.CONFERENCE_MANAGE),
            "order": user_can(user, Action.ORDER_MANAGE),
            "statistics": user_can(user, Action.STATISTICS_VIEW),
            "label_mappings": user_can(user, Action.POWERLIST_MANAGE),  # classifier labels (xinfang.textmining)
            # Bulk imports (xinfang.transfer): matters and petitioners, or the power list.
            "transfer": user_can(user, Action.MATTER_REGISTER) or user_can(user, Action.POWERLIST_MANAGE),
        },
    }
