"""Choices and the state table of a petition matter (信访事项). Names follow docs/glossary.md."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """XF-CH-01: the five channels of 条例 Art. 17."""

    VISIT = "visit", _("走访")
    LETTER = "letter", _("来信")
    PHONE = "phone", _("电话")
    FAX = "fax", _("传真")
    ONLINE = "online", _("网上信访")


class Source(models.TextChoices):
    """Where an online or phone matter came from, within its channel."""

    COUNTER = "counter", _("接待窗口")
    PORTAL = "portal", _("网上信访平台")
    LEADER_MAILBOX = "leader_mailbox", _("领导信箱")
    HOTLINE_12345 = "hotline_12345", _("12345热线转来")
    OUTREACH = "outreach", _("领导下访")
    POST = "post", _("邮寄")
    OTHER = "other", _("其他")


class PetitionerKind(models.TextChoices):
    PERSON = "person", _("个人")
    ORGANISATION = "organisation", _("法人或其他组织")


class ParticipantRole(models.TextChoices):
    """A person's part in a matter; group visits elect at most five representatives (XF-VIS-03)."""

    PETITIONER = "petitioner", _("信访人")
    REPRESENTATIVE = "representative", _("代表")
    PARTICIPANT = "participant", _("参与人")


class Nature(models.TextChoices):
    """The nature of a matter (三个区分清楚 — nature; XF-CLS-01..04, XF-TRI-02)."""

    SUGGESTION = "suggestion", _("建议意见类")
    REPORT = "report", _("检举控告类")
    GRIEVANCE = "grievance", _("申诉求决类")
    LITIGATION = "litigation", _("涉法涉诉类")
    DISCIPLINE = "discipline", _("纪检监察类")


class LevelDecision(models.TextChoices):
    """The level of a matter (三个区分清楚 — level)."""

    THIS_LEVEL = "this", _("本级")
    LOWER = "lower", _("下级")
    HIGHER = "higher", _("上级")
    OUTSIDE = "outside", _("系统外")


class Status(models.TextChoices):
    """Where a matter stands. Transitions are in TRANSITIONS; services change status only through
    `xinfang.petitions.services.common.matter_transition`."""

    REGISTERED = "registered", _("已登记待分流")
    FORWARDED = "forwarded", _("已转送待受理")
    ASSIGNED = "assigned", _("已交办待受理")
    OBJECTED = "objected", _("承办单位提出异议")
    ACCEPTED = "accepted", _("已受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    MERGED = "merged", _("并入已有事项")
    GUIDED = "guided", _("已告知向有权机关提出")


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REGISTERED: frozenset(
        {Status.FORWARDED, Status.ASSIGNED, Status.ACCEPTED, Status.NOT_ACCEPTED, Status.MERGED, Status.GUIDED}
    ),
    Status.FORWARDED: frozenset({Status.ACCEPTED, Status.OBJECTED}),
    Status.ASSIGNED: frozenset({Status.ACCEPTED, Status.OBJECTED}),
    # The bureau decides an objection: upheld -> re-route (back to registered), rejected -> the
    # recipient must handle it (accepted).
    Status.OBJECTED: frozenset({Status.REGISTERED, Status.FORWARDED, Status.ASSIGNED, Status.ACCEPTED}),
    Status.ACCEPTED: frozenset(),
    Status.NOT_ACCEPTED: frozenset(),
    Status.MERGED: frozenset(),
    Status.GUIDED: frozenset(),
}


class RoutingKind(models.TextChoices):
    FORWARD = "forward", _("转送")
    ASSIGN = "assign", _("交办")


class RoutingOutcome(models.TextChoices):
    PENDING = "pending", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    OBJECTED = "objected", _("提出异议")
    OBJECTION_UPHELD = "objection_upheld", _("异议成立，已退回")
    OBJECTION_REJECTED = "objection_rejected", _("异议不成立，应予办理")


class NonAcceptanceGround(models.TextChoices):
    """Grounds for not accepting (XF-LEG-01; DOC-02), each with the channel to go to."""

    NOT_OUR_POWER = "not_our_power", _("不属于本机关职权范围，应向有权机关提出（第二十三条）")
    PENDING_HIGHER = "pending_higher", _("同一事项正在办理期间向上级机关提出（第十九条第三款）")
    LITIGATION = "litigation", _("涉法涉诉事项，应向政法部门提出（第二十条第二款、第二十二条第二款）")
    STATUTORY_PROCEDURE = "statutory_procedure", _("应当通过法定途径解决（第三十一条）")
    AFTER_RE_REVIEW = "after_re_review", _("复核后以同一事实和理由再次提出（第三十六条第三款）")


class LinkKind(models.TextChoices):
    """Why two matters are linked at registration (A2; XF-REG-04, XF-REV-06)."""

    SAME_PETITIONER = "same_petitioner", _("同一信访人的其他事项")
    SIMILAR_TEXT = "similar_text", _("内容相似")
    PENDING_HIGHER = "pending_higher", _("已由下级机关受理或办理、又向上级提出的同一事项（第十九条第三款）")
    IN_PROGRESS_HERE = "in_progress_here", _("本级正在办理的同一事项")
    AFTER_RE_REVIEW = "after_re_review", _("已复核终结的同一事项")
    HOTLINE_ORDER = "hotline_order", _("12345工单")


class NoticeKind(models.TextChoices):
    """Written notices to the petitioner (XF-NOT-01..03)."""

    RECEIPT_AND_ROUTE = "receipt", _("受理告知（接收情况、处理途径和程序）")
    FORWARDED_TO = "forwarded_to", _("转送、交办去向告知")
    GO_TO_COMPETENT = "go_to_competent", _("告知向有权机关提出")
    NOT_ACCEPTED = "not_accepted", _("不予受理告知")


class NoticeMethod(models.TextChoices):
    ON_THE_SPOT = "on_the_spot", _("当场书面告知")
    POST = "post", _("邮寄")
    SMS = "sms", _("短信")
    ONLINE = "online", _("网上告知")
    IN_PERSON = "in_person", _("当面送达")


# Clock kinds (xinfang.workcalendar Clock.kind) used by this app, with (period, unit): the
# deadline table of regulations.md §8. Periods are configuration: settings.XINFANG_PETITION_PERIODS.
CLOCK_TRIAGE = "triage_15d"  # D1: register and forward/assign within 15 days of receipt
CLOCK_NOTICE = "notice_15d"  # D2/D3: written notice within 15 days of receipt
CLOCK_OBJECTION = "objection_5wd"  # D4: recipient may object within 5 working days of receipt
CLOCK_ASSIGN_REPORT = "assign_report"  # D5: the assignee reports by the deadline the bureau sets
# D3 (XF-NOT-03): the recipient of a forwarded or assigned matter gives written notice within 15
# days of its receipt. A kind of its own, because the registering organisation's D2 notice clock
# (CLOCK_NOTICE) may still be running on the same matter; its period is CLOCK_NOTICE's.
CLOCK_RECIPIENT_NOTICE = "recipient_notice_15d"

# Functions of the bodies litigation-related matters go to (XF-TRI-02, XF-HDL-03: 诉访分离), and
# of the body reports on officials go to (XF-TRI-02, XF-CLS-02). Values of orgs.models.Function.
POLITICAL_LEGAL_FUNCTIONS = frozenset({"political_legal", "court", "procuratorate", "police"})
DISCIPLINE_FUNCTIONS = frozenset({"discipline"})
