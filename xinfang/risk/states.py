"""Choices and the status table of major decisions and their risk assessment (regulations.md §5).

A decision moves listed -> assessing -> assessed -> decided. A new assessment round (re-assessment
after the plan was adjusted, RA-03/RA-07, or after a review flag) takes an assessed decision back to
assessing. The permitted outcome for each risk level is configuration
(`settings.XINFANG_RISK_PERMITTED_OUTCOMES`), not code: see `permitted_outcomes`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionKind(models.TextChoices):
    """What kind of major decision it is (重大行政决策程序暂行条例 Art. 3, RA-01)."""

    PUBLIC_POLICY = "public_policy", _("重大公共政策")
    PLAN = "plan", _("重要规划")
    RESOURCE_POLICY = "resource_policy", _("资源环境政策")
    CONSTRUCTION = "construction", _("重大公共建设项目")
    OTHER = "other", _("其他重大公共利益事项")


class DecisionStatus(models.TextChoices):
    LISTED = "listed", _("已列入目录")
    ASSESSING = "assessing", _("评估中")
    ASSESSED = "assessed", _("已评估")
    DECIDED = "decided", _("已决策")


class Outcome(models.TextChoices):
    """What the decision body decided (RA-03, RA-06, RA-07)."""

    APPROVED = "approved", _("同意实施")
    APPROVED_WITH_MEASURES = "approved_with_measures", _("落实防范措施后实施")
    POSTPONED = "postponed", _("暂缓实施（调整方案后再决策）")
    REJECTED = "rejected", _("不予实施")


class RiskLevel(models.TextChoices):
    """The three standard levels (NDRC 2012 measures Art. 4, RA-04 [S])."""

    HIGH = "high", _("高风险")
    MEDIUM = "medium", _("中风险")
    LOW = "low", _("低风险")


# RA-04's definitions, shown wherever a level is chosen.
RISK_LEVEL_HELP = {
    RiskLevel.HIGH: _("大部分群众有意见、反应特别强烈，可能引发大规模群体性事件。"),
    RiskLevel.MEDIUM: _("部分群众有意见、反应强烈，可能引发矛盾冲突。"),
    RiskLevel.LOW: _("多数群众理解支持，但少部分人有意见，通过有效工作可防范和化解矛盾。"),
}


class StepKind(models.TextChoices):
    """The recorded steps of an assessment (RA-02, RA-05). The level, the measures and the
    conclusion are recorded when the assessment is concluded."""

    IDENTIFICATION = "identification", _("风险识别")
    CONSULTATION = "consultation", _("公众意见征询")
    DEPARTMENTS = "departments", _("听取有关部门意见")
    EXPERT = "expert", _("专家论证")
    OTHER = "other", _("其他评估工作")


class AssessmentStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CONCLUDED = "concluded", _("已作出结论")
    SUPERSEDED = "superseded", _("已被重新评估取代")


class ClusterRule(models.TextChoices):
    """Why an item was counted around a decision (the simple rule of docs/risk.md)."""

    PROJECT_CODE = "project_code", _("项目编号")
    PLACE = "place", _("同一地点")
    KEYWORD = "keyword", _("关键词")


# Which status may follow which.
TRANSITIONS: dict[str, frozenset[str]] = {
    DecisionStatus.LISTED: frozenset({DecisionStatus.ASSESSING}),
    DecisionStatus.ASSESSING: frozenset({DecisionStatus.ASSESSED}),
    DecisionStatus.ASSESSED: frozenset({DecisionStatus.DECIDED, DecisionStatus.ASSESSING}),
    DecisionStatus.DECIDED: frozenset(),
}

OPEN_STATUSES = frozenset({DecisionStatus.LISTED, DecisionStatus.ASSESSING, DecisionStatus.ASSESSED})
APPROVALS = frozenset({Outcome.APPROVED, Outcome.APPROVED_WITH_MEASURES})


def permitted_outcomes(level: str) -> list[str]:
    """The outcomes the decision body may choose after an assessment at `level`, in the order of
    `Outcome`, from settings.XINFANG_RISK_PERMITTED_OUTCOMES (defaults: RA-03, RA-06, RA-07)."""
    from django.conf import settings

    allowed = set(settings.XINFANG_RISK_PERMITTED_OUTCOMES.get(level, ()))
    return [value for value in Outcome.values if value in allowed]
