"""What each user may do with supervision pages (docs/permissions.md). Views ask here what to
offer; the services check again."""

from __future__ import annotations

from typing import Any

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action

from .models import Referral, SupervisionOrder
from .states import OrderStatus, ReferralStatus


def may_view_orders(user: Any) -> bool:
    return user_can(user, Action.MATTER_SUPERVISE) or user_can(user, Action.MATTER_HANDLE)


def may_supervise(user: Any) -> bool:
    return user_can(user, Action.MATTER_SUPERVISE)


def may_manage_accountability(user: Any) -> bool:
    return user_can(user, Action.ACCOUNTABILITY_MANAGE)


def may_view_accountability(user: Any) -> bool:
    return user_can(user, Action.ACCOUNTABILITY_VIEW)


def may_manage_conference(user: Any) -> bool:
    return user_can(user, Action.CONFERENCE_MANAGE)


def order_actions(user: Any, order: SupervisionOrder) -> list[str]:
    actions: list[str] = []
    supervisor = user_can(user, Action.MATTER_SUPERVISE, order.issuing_org)
    if order.status == OrderStatus.OPEN:
        if user_can(user, Action.MATTER_HANDLE, order.target_org):
            actions.append("answer")
        if supervisor:
            actions.append("escalate")
    elif order.status == OrderStatus.ANSWERED and supervisor:
        actions += ["close", "reopen", "escalate"]
    return actions


def referral_actions(user: Any, referral: Referral) -> list[str]:
    actions = ["verify"]
    if referral.status == ReferralStatus.SENT:
        actions.append("receive")
    if referral.status != ReferralStatus.CONCLUDED:
        actions.append("feedback")
    if referral.is_real_name:  # DIS-04: what the real-name reporter is owed
        owes_acceptance = not referral.is_repeat_report and referral.acceptance_notified_at is None
        if referral.status != ReferralStatus.SENT and owes_acceptance:
            actions.append("notify_acceptance")
        if referral.status == ReferralStatus.CONCLUDED:
            if referral.result_notified_at is None:
                actions.append("notify_result")
            actions.append("objection")
    return actions
