"""Choices and the state table of a petition matter (信访事项). Names follow docs/glossary.md."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    OPEN311 = "open311", _("第三方应用（Open311）")
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
    # Handling (issue 4): XF-CLS-*, XF-OPN-*, XF-DL-*, XF-REV-*, XF-END-*.
    IN_MEDIATION = "in_mediation", _("调解中")
    ROUTED = "routed", _("已导入法定程序")
    REPLIED = "replied", _("已出具处理意见")
    IN_REVIEW = "in_review", _("复查中")
    REVIEWED = "reviewed", _("已出具复查意见")
    IN_REREVIEW = "in_rereview", _("复核中")
    FINAL = "final", _("复核终结")
    CONCLUDED = "concluded", _("已办结")
    TERMINATED = "terminated", _("已终结")
    WITHDRAWN = "withdrawn", _("已撤回")


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REGISTERED: frozenset(
        {Status.FORWARDED, Status.ASSIGNED, Status.ACCEPTED, Status.NOT_ACCEPTED, Status.MERGED, Status.GUIDED}
    ),
    Status.FORWARDED: frozenset({Status.ACCEPTED, Status.OBJECTED}),
    Status.ASSIGNED: frozenset({Status.ACCEPTED, Status.OBJECTED}),
    # The bureau decides an objection: upheld -> re-route (back to registered), rejected -> the
    # recipient must handle it (accepted).
    Status.OBJECTED: frozenset({Status.REGISTERED, Status.FORWARDED, Status.ASSIGNED, Status.ACCEPTED}),
    # Handling: mediation inside handling, routing into a statutory procedure (XF-CLS-04), the
    # written opinion or reply (XF-OPN-01, XF-CLS-01/02), withdrawal.
    Status.ACCEPTED: frozenset(
        {Status.IN_MEDIATION, Status.ROUTED, Status.REPLIED, Status.CONCLUDED, Status.WITHDRAWN}
    ),
    # XF-OPN-04: an agreement concludes the matter; no agreement returns it to handling.
    Status.IN_MEDIATION: frozenset({Status.ACCEPTED, Status.CONCLUDED, Status.WITHDRAWN}),
    # A routed matter leaves the petition procedure; a litigation matter concluded by law is
    # terminated (XF-END-01).
    Status.ROUTED: frozenset({Status.CONCLUDED, Status.TERMINATED}),
    # The reply is delivered; within 30 days the petitioner may ask for review (XF-REV-01).
    Status.REPLIED: frozenset({Status.IN_REVIEW, Status.CONCLUDED, Status.TERMINATED}),
    Status.IN_REVIEW: frozenset({Status.REVIEWED, Status.WITHDRAWN}),
    Status.REVIEWED: frozenset({Status.IN_REREVIEW, Status.CONCLUDED, Status.TERMINATED}),
    Status.IN_REREVIEW: frozenset({Status.FINAL, Status.WITHDRAWN}),
    # Concluded while the review window was still open: a request in time reopens it; a late one
    # may terminate it where the configured policy says so (XF-REV-07).
    Status.CONCLUDED: frozenset({Status.IN_REVIEW, Status.IN_REREVIEW, Status.TERMINATED}),
    Status.NOT_ACCEPTED: frozenset(),
    Status.MERGED: frozenset(),
    Status.GUIDED: frozenset(),
    Status.FINAL: frozenset(),  # XF-REV-06: not accepted again on the same facts and reasons
    Status.TERMINATED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

# Statuses in which a matter is being handled by the organ that accepted it (the handling clock runs).
HANDLING_STATUSES = frozenset({Status.ACCEPTED, Status.IN_MEDIATION})
# Statuses after which follow-up tasks (疏导教育、矛盾化解、帮扶救助, XF-END-01/02) may be opened.
CLOSED_FOR_FOLLOW_UP = frozenset({Status.CONCLUDED, Status.TERMINATED, Status.FINAL})
# XF-SAT-01/02: handling may be evaluated once the matter has been answered or closed.
EVALUATE_HANDLING_STATUSES = frozenset(
    {Status.REPLIED, Status.REVIEWED, Status.FINAL, Status.CONCLUDED, Status.TERMINATED}
)


class Procedure(models.TextChoices):
    """Ordinary or simplified procedure (简易办理, XF-SIMP-*)."""

    ORDINARY = "ordinary", _("普通程序")
    SIMPLIFIED = "simplified", _("简易办理")


class TrackProcedure(models.TextChoices):
    """What a handling track leads to (依法分类处理, XF-CLS-01..04): the kind of answer and clock."""

    PETITION = "petition", _("按信访程序办理，出具处理意见书")  # Art. 31(6), 60 days (XF-DL-01)
    REPLY = "reply", _("研究后答复")  # suggestions, Art. 29
    DISCIPLINE = "discipline", _("按检举控告程序办理")  # Art. 30
    STATUTORY = "statutory", _("导入法定程序")  # Art. 31(1)-(5)


class OpinionStage(models.TextChoices):
    HANDLING = "handling", _("处理意见")
    REVIEW = "review", _("复查意见")
    REREVIEW = "rereview", _("复核意见")


class Principle(models.TextChoices):
    """条例 Art. 27 (XF-HDL-01): which of the four requirements the handling applied."""

    RESOLVED = "resolved", _("诉求合理的解决问题到位")
    EDUCATED = "educated", _("诉求无理的思想教育到位")
    HELPED = "helped", _("生活困难的帮扶救助到位")
    BY_LAW = "by_law", _("行为违法的依法处理")


class RecordKind(models.TextChoices):
    """Steps of petition handling (XF-CLS-04(6)): hear, investigate, verify, hear in public."""

    INVESTIGATION = "investigation", _("调查核实")
    INTERVIEW = "interview", _("约谈信访人")
    HEARING = "hearing", _("听证")
    CONSULTATION = "consultation", _("会商研判")
    RECUSAL = "recusal", _("回避声明")  # XF-HDL-04
    NOTE = "note", _("办理记录")


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("待批准")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class ReviewStage(models.TextChoices):
    REVIEW = "review", _("复查")
    REREVIEW = "rereview", _("复核")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("办理中")
    DECIDED = "decided", _("已出具意见")
    REFUSED = "refused", _("逾期不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")


class FollowUpKind(models.TextChoices):
    """XF-END-01/02, XF-OPN-03 and XF-SAT: what a follow-up task is for."""

    EXPLANATION = "explanation", _("疏导教育")
    CONFLICT_RESOLUTION = "conflict_resolution", _("矛盾化解")
    ASSISTANCE = "assistance", _("帮扶救助")
    EXECUTION = "execution", _("督促落实处理意见")
    DISSATISFACTION = "dissatisfaction", _("不满意回访")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已完成")


class EvaluationStage(models.TextChoices):
    # A context of their own: "受理" and "办理" are also verbs on buttons.
    ACCEPTANCE = "acceptance", pgettext_lazy("evaluation stage", "受理")
    HANDLING = "handling", pgettext_lazy("evaluation stage", "办理")


class EvaluationMethod(models.TextChoices):
    ONLINE = "online", _("网上评价")
    PHONE = "phone", _("电话回访记录")
    PAPER = "paper", _("纸质评价表")


class MediationStatus(models.TextChoices):
    REFERRED = "referred", _("调解中")
    AGREED = "agreed", _("达成协议")
    FAILED = "failed", _("未达成协议")


class AgreementKind(models.TextChoices):
    """XF-OPN-04: an agreement is recorded in a 调解协议书 or 和解协议书."""

    MEDIATION = "mediation", _("调解协议书")
    SETTLEMENT = "settlement", _("和解协议书")


class LateReviewPolicy(models.TextChoices):
    """XF-REV-07: what happens to a review or re-review request outside the 30-day window
    (settings.XINFANG_LATE_REVIEW_POLICY)."""

    REFUSE_WITHOUT_GOOD_REASON = "refuse_without_good_reason", _("无正当理由逾期的不予受理（北京第三十七条）")
    TERMINATE = "terminate", _("逾期未请求的办理终结（山东第四十六条）")
    ACCEPT = "accept", _("逾期请求仍予受理")


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
CLOCK_HANDLING = "handling_60d"  # D6 (+D7 extension): conclude within 60 days of acceptance
CLOCK_SIMPLE_ACCEPT = "simple_accept_3wd"  # D15: simplified procedure, decide acceptance
CLOCK_SIMPLE_HANDLING = "simple_handling_10wd"  # D16: simplified procedure, opinion after acceptance
CLOCK_REVIEW_WINDOW = "review_window_30d"  # D8: the petitioner may request review
CLOCK_REVIEW = "review_30d"  # D9: the review body decides
CLOCK_REVIEW_ACCEPT = "review_accept_wd"  # D13 overlay (XF-REV-08): decide acceptance of the request
CLOCK_REREVIEW_WINDOW = "rereview_window_30d"  # D10: the petitioner may request re-review
CLOCK_REREVIEW = "rereview_30d"  # D11: the re-review body decides; hearing time excluded
CLOCK_FOLLOW_UP = "follow_up"  # a follow-up task's due date (set by whoever assigns it)

# Functions of the bodies litigation-related matters go to (XF-TRI-02, XF-HDL-03: 诉访分离), and
# of the body reports on officials go to (XF-TRI-02, XF-CLS-02). Values of orgs.models.Function.
POLITICAL_LEGAL_FUNCTIONS = frozenset({"political_legal", "court", "procuratorate", "police"})
DISCIPLINE_FUNCTIONS = frozenset({"discipline"})
