"""Who may do what with major decisions (docs/permissions.md, `risk.manage`): the decision body
(the list's government) keeps the list, concludes and decides; the owner unit (决策承办单位, RA-01)
may also start the assessment and record its steps and conclusion. Views ask here what to offer;
the services check again."""

from __future__ import annotations

from typing import Any

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action

from .models import MajorDecision
from .states import DecisionStatus


def may_view_risk(user: Any) -> bool:
    return user_can(user, Action.RISK_MANAGE)


def may_decide(user: Any, decision: MajorDecision) -> bool:
    return user_can(user, Action.RISK_MANAGE, decision.organisation)


def may_assess(user: Any, decision: MajorDecision) -> bool:
    return user_can(user, Action.RISK_MANAGE, decision.owner_org) or may_decide(user, decision)


def decision_actions(user: Any, decision: MajorDecision) -> list[str]:
    """The actions to offer on the decision page now."""
    actions: list[str] = []
    status = decision.status
    if may_assess(user, decision):
        if status in (DecisionStatus.LISTED, DecisionStatus.ASSESSING):
            actions.append("step")
        if status == DecisionStatus.ASSESSING:
            actions.append("conclude")
        if status == DecisionStatus.ASSESSED:
            actions.append("reassess")
    if may_decide(user, decision) and status == DecisionStatus.ASSESSED:
        actions.append("decide")
    return actions
