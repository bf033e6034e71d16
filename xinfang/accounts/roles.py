"""Roles, actions and the role × action × scope matrix.

This table is the single source of truth; `docs/permissions.md` shows it and
`xinfang/accounts/tests/test_permissions_matrix.py` checks the two agree and tests every cell.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a member of an organisation does there."""

    RECEPTION_CLERK = "reception_clerk", _("接待登记员")
    BUREAU_HEAD = "bureau_head", _("信访部门负责人")
    HANDLING_OFFICER = "handling_officer", _("承办人")
    UNIT_HEAD = "unit_head", _("承办单位负责人")
    SUPERVISOR = "supervisor", _("督查专员")
    GRID_WORKER = "grid_worker", _("网格员")
    MEDIATOR = "mediator", _("调解员")
    LEADER = "leader", _("领导")
    CONGRESS_OVERSEER = "congress_overseer", _("人大监督员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


class Scope(models.TextChoices):
    """How far a permission reaches from the organisation of the membership that grants it."""

    OWN = "own", _("本机构")
    SUBTREE = "subtree", _("本机构及下级")
    AREA = "area", _("所在辖区")
    ALL = "all", _("全部")


class Action(models.TextChoices):
    """Actions checked by `restrict()` and the policies. Workflow apps add theirs here, so that
    every permission lives in one table."""

    ORG_VIEW = "org.view", _("查看组织机构")
    ORG_MANAGE = "org.manage", _("维护组织机构")
    USER_VIEW = "user.view", _("查看人员")
    USER_MANAGE = "user.manage", _("维护人员与角色")
    CALENDAR_MANAGE = "calendar.manage", _("维护工作日历")
    POWERLIST_MANAGE = "powerlist.manage", _("维护权责清单")
    AUDIT_VIEW = "audit.view", _("查看审计日志")
    MATTER_VIEW = "matter.view", _("查看信访事项")
    MATTER_REGISTER = "matter.register", _("登记信访事项")
    MATTER_TRIAGE = "matter.triage", _("分流信访事项")
    MATTER_HANDLE = "matter.handle", _("办理信访事项")
    MATTER_APPROVE = "matter.approve", _("审批信访事项")
    MATTER_SUPERVISE = "matter.supervise", _("督办信访事项")
    PERSONAL_DATA_VIEW = "personal_data.view", _("查看完整个人信息")
    GRID_EVENT_REPORT = "grid_event.report", _("上报网格事件")
    GRID_EVENT_VIEW = "grid_event.view", _("查看网格事件")
    GRID_EVENT_HANDLE = "grid_event.handle", _("处置网格事件")
    MEDIATION_HANDLE = "mediation.handle", _("办理调解案件")
    RISK_MANAGE = "risk.manage", _("管理重大决策社会稳定风险评估")
    STATISTICS_VIEW = "statistics.view", _("查看统计")
    LEGALSERVICE_HANDLE = "legalservice.handle", _("办理一站式服务申请")
    WEBHOOK_MANAGE = "webhook.manage", _("维护事件推送（Webhook）")
    OUTREACH_MANAGE = "outreach.manage", _("管理四下基层工作")
    ACCOUNTABILITY_VIEW = "accountability.view", _("查看追责问责记录")
    ACCOUNTABILITY_MANAGE = "accountability.manage", _("记录追责问责与移送纪检监察")
    CONFERENCE_MANAGE = "conference.manage", _("管理联席会议")
    ORDER_MANAGE = "order.manage", _("记录信访秩序与预警")


R, A, S = Role, Action, Scope

# Missing cells mean "not allowed". A user with several memberships gets the union.
ROLE_MATRIX: dict[Role, dict[Action, Scope]] = {
    R.RECEPTION_CLERK: {
        A.ORG_VIEW: S.ALL,
        A.MATTER_VIEW: S.AREA,
        A.MATTER_REGISTER: S.AREA,
        A.MATTER_TRIAGE: S.AREA,
        A.PERSONAL_DATA_VIEW: S.AREA,
        A.STATISTICS_VIEW: S.AREA,
        A.LEGALSERVICE_HANDLE: S.AREA,
        A.ORDER_MANAGE: S.AREA,
    },
    R.BUREAU_HEAD: {
        A.ORG_VIEW: S.ALL,
        A.USER_VIEW: S.AREA,
        A.AUDIT_VIEW: S.AREA,
        A.MATTER_VIEW: S.AREA,
        A.MATTER_REGISTER: S.AREA,
        A.MATTER_TRIAGE: S.AREA,
        A.MATTER_APPROVE: S.AREA,
        A.MATTER_SUPERVISE: S.AREA,
        A.PERSONAL_DATA_VIEW: S.AREA,
        A.STATISTICS_VIEW: S.AREA,
        A.LEGALSERVICE_HANDLE: S.AREA,
        A.RISK_MANAGE: S.AREA,
        A.GRID_EVENT_VIEW: S.AREA,
        A.GRID_EVENT_HANDLE: S.AREA,
        A.OUTREACH_MANAGE: S.AREA,
        A.ACCOUNTABILITY_VIEW: S.AREA,
        A.ACCOUNTABILITY_MANAGE: S.AREA,
        A.CONFERENCE_MANAGE: S.AREA,
        A.ORDER_MANAGE: S.AREA,
    },
    R.HANDLING_OFFICER: {
        A.ORG_VIEW: S.ALL,
        A.MATTER_VIEW: S.OWN,
        A.MATTER_HANDLE: S.OWN,
        A.PERSONAL_DATA_VIEW: S.OWN,
        A.LEGALSERVICE_HANDLE: S.OWN,
        A.GRID_EVENT_VIEW: S.OWN,
        A.GRID_EVENT_HANDLE: S.OWN,
    },
    R.UNIT_HEAD: {
        A.ORG_VIEW: S.ALL,
        A.USER_VIEW: S.OWN,
        A.MATTER_VIEW: S.SUBTREE,
        A.MATTER_HANDLE: S.SUBTREE,
        A.MATTER_APPROVE: S.SUBTREE,
        A.PERSONAL_DATA_VIEW: S.SUBTREE,
        A.STATISTICS_VIEW: S.SUBTREE,
        A.LEGALSERVICE_HANDLE: S.SUBTREE,
        A.RISK_MANAGE: S.SUBTREE,
        A.GRID_EVENT_VIEW: S.SUBTREE,
        A.GRID_EVENT_HANDLE: S.SUBTREE,
        A.OUTREACH_MANAGE: S.SUBTREE,
    },
    R.SUPERVISOR: {
        A.ORG_VIEW: S.ALL,
        A.AUDIT_VIEW: S.AREA,
        A.MATTER_VIEW: S.AREA,
        A.MATTER_SUPERVISE: S.AREA,
        A.STATISTICS_VIEW: S.AREA,
        A.GRID_EVENT_VIEW: S.AREA,
        A.ACCOUNTABILITY_VIEW: S.AREA,
        A.ACCOUNTABILITY_MANAGE: S.AREA,
    },
    R.GRID_WORKER: {
        A.ORG_VIEW: S.ALL,
        A.GRID_EVENT_REPORT: S.SUBTREE,
        A.GRID_EVENT_VIEW: S.SUBTREE,
    },
    R.MEDIATOR: {
        A.ORG_VIEW: S.ALL,
        A.MEDIATION_HANDLE: S.SUBTREE,
        A.LEGALSERVICE_HANDLE: S.SUBTREE,
        A.GRID_EVENT_VIEW: S.SUBTREE,
    },
    R.LEADER: {
        A.ORG_VIEW: S.ALL,
        A.AUDIT_VIEW: S.AREA,
        A.MATTER_VIEW: S.AREA,
        A.MATTER_SUPERVISE: S.AREA,
        A.STATISTICS_VIEW: S.AREA,
        A.RISK_MANAGE: S.AREA,
        A.GRID_EVENT_VIEW: S.AREA,
        A.OUTREACH_MANAGE: S.AREA,
        A.ACCOUNTABILITY_VIEW: S.AREA,
        A.CONFERENCE_MANAGE: S.AREA,
        A.ORDER_MANAGE: S.AREA,
    },
    R.CONGRESS_OVERSEER: {
        A.ORG_VIEW: S.ALL,
        A.AUDIT_VIEW: S.AREA,
        A.MATTER_VIEW: S.AREA,
        A.STATISTICS_VIEW: S.AREA,
        A.ACCOUNTABILITY_VIEW: S.AREA,
    },
    R.SYSTEM_ADMIN: {
        A.ORG_VIEW: S.ALL,
        A.ORG_MANAGE: S.ALL,
        A.USER_VIEW: S.ALL,
        A.USER_MANAGE: S.ALL,
        A.CALENDAR_MANAGE: S.ALL,
        A.POWERLIST_MANAGE: S.ALL,
        A.AUDIT_VIEW: S.ALL,
        A.WEBHOOK_MANAGE: S.ALL,
        A.RISK_MANAGE: S.ALL,
    },
}
