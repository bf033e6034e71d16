"""Choices, status tables and configurable periods of supervision (督办, regulations.md §1.15),
referral to discipline inspection (§4.5), accountability records (§1.16) and the joint conference
(联席会议, XF-JUR-01, XF-SUP-02)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.workcalendar.choices import Unit

# Object types under which clocks, documents and audit events name our rows.
ORDER_OBJECT_TYPE = "supervision.supervisionorder"
REFERRAL_OBJECT_TYPE = "supervision.referral"
CLOCK_ORDER = "supervision_feedback"
CLOCK_REFERRAL = "discipline_transfer_5wd"
CLOCK_REALNAME_ACCEPT = "realname_accept_notice"
CLOCK_REALNAME_RESULT = "realname_result_notice"

# The clocks' names where people read them (alerts, notifications).
CLOCK_LABELS = {
    CLOCK_ORDER: _("督办反馈期限"),
    CLOCK_REFERRAL: _("移送纪检监察五个工作日时限"),
    CLOCK_REALNAME_ACCEPT: _("实名检举控告受理情况告知期限"),
    CLOCK_REALNAME_RESULT: _("实名检举控告处理结果告知期限"),
}

# CONFIGURATION, not law (settings.XINFANG_SUPERVISION_PERIODS overrides any key):
# - order: XF-SUP-05 / D48 — the 条例 sets no period; the legacy rule (2005 Art. 36, 上海 Art. 41,
#   山东 Art. 59) is 30 days for written feedback. The supervisor may set another period per order (D5).
# - listed: 挂牌督办 (XF-SUP-02) "rectification within a time limit"; no national figure, same default.
# - referral: DIS-03 / D42-D43 — 5 working days to forward or accept a transferred report [S].
# - realname_accept / realname_result: DIS-04 — a real-name reporter is told of the acceptance within
#   15 working days of receipt and of the result within 15 working days of the conclusion [S]; the
#   articles of the 检举控告规则 behind these two periods are UNCONFIRMED, hence configuration.
DEFAULT_PERIODS: dict[str, dict[str, Any]] = {
    "order": {"period": 30, "unit": Unit.CALENDAR},
    "listed": {"period": 30, "unit": Unit.CALENDAR},
    "referral": {"period": 5, "unit": Unit.WORKING},
    "realname_accept": {"period": 15, "unit": Unit.WORKING},
    "realname_result": {"period": 15, "unit": Unit.WORKING},
}


def period_for(key: str) -> tuple[int, str]:
    """(period, unit) of a configured period (settings first, then DEFAULT_PERIODS)."""
    configured = getattr(settings, "XINFANG_SUPERVISION_PERIODS", {}) or {}
    value = {**DEFAULT_PERIODS[key], **configured.get(key, {})}
    return int(value["period"]), str(value["unit"])


class Trigger(models.TextChoices):
    """Why an order is opened: the XF-SUP-03 triggers (条例 Art. 40(1)), the D5/D6 consequence of an
    overdue matter, and other inspection findings (XF-SUP-01)."""

    IRREGULAR = "irregular", _("违反规定受理、办理信访事项")
    SHIRKING = "shirking", _("推诿、敷衍、拖延、弄虚作假")
    REFUSE_OPINION = "refuse_opinion", _("拒不执行信访处理意见")
    OVERDUE = "overdue", _("未在规定期限内办结")
    OTHER = "other", _("其他督查发现的问题")


class OrderKind(models.TextChoices):
    ORDINARY = "ordinary", _("督办")
    LISTED = "listed", _("挂牌督办")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("督办中")
    ANSWERED = "answered", _("已反馈")
    CLOSED = "closed", _("已办结")
    ESCALATED = "escalated", _("已提级督办")


class CloseOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("反馈属实，予以认可")
    RECTIFIED = "rectified", _("整改到位，予以确认")


ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.OPEN: frozenset({OrderStatus.ANSWERED, OrderStatus.ESCALATED}),
    # A rejected answer sends the order back to open; the supervisor may also close or escalate.
    OrderStatus.ANSWERED: frozenset({OrderStatus.OPEN, OrderStatus.CLOSED, OrderStatus.ESCALATED}),
    OrderStatus.CLOSED: frozenset(),
    OrderStatus.ESCALATED: frozenset(),
}


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("已移送")
    RECEIVED = "received", _("已接收")
    CONCLUDED = "concluded", _("已反馈结果")


class HandlingMode(models.TextChoices):
    """DIS-03 (检举控告规则 Art. 17): how the discipline body dealt with the report."""

    INQUIRY = "inquiry", _("谈话函询")
    VERIFICATION = "verification", _("初步核实")
    HOLD = "hold", _("暂存待查")
    CLOSE = "close", _("予以了结")
    INVESTIGATION = "investigation", _("移送审查调查")
    NOT_ADMISSIBLE = "not_admissible", _("不属于受理范围（DIS-05）")


class NoticeStage(models.TextChoices):
    """DIS-04: what a real-name reporter is told."""

    ACCEPTANCE = "acceptance", _("受理情况")
    RESULT = "result", _("处理结果")


class FindingKind(models.TextChoices):
    """XF-ACC-01..03 (条例 Arts. 42-46): what the organ or official failed to do."""

    ABUSE_OF_POWER = "abuse_of_power", _("超越或者滥用职权（第四十二条）")
    FAILURE_TO_ACT = "failure_to_act", _("应当作为而不作为（第四十二条）")
    MISAPPLIED_LAW = "misapplied_law", _("适用法律、法规错误或者违反法定程序（第四十二条）")
    REFUSED_OPINION = "refused_opinion", _("拒不执行支持信访请求的意见（第四十二条）")
    NOT_REGISTERED = "not_registered", _("未登记、未受理或者未按期书面告知（第四十四条）")
    NOT_ACCEPTED = "not_accepted", _("应当受理而不受理（第四十四条）")
    SHIRKING = "shirking", _("推诿、敷衍、拖延或者未按期办结（第四十五条）")
    NOT_SUPPORTED = "not_supported", _("对事实清楚、符合规定的请求不予支持（第四十五条）")
    NEGLECTED_ADVICE = "neglected_advice", _("不采纳改进工作建议（第四十五条）")
    BUREAU_FAILURE = "bureau_failure", _("信访部门失职（第四十三条）")
    RUDE = "rude", _("作风粗暴，激化矛盾（第四十六条）")
    BRIBES = "bribes", _("索取、收受财物或者谋取私利（第四十六条）")
    MISHANDLED_GROUP = "mishandled_group", _("处置群体性事件或者舆情不当（第四十六条）")
    CONCEALED = "concealed", _("隐瞒、谎报、缓报重大紧急信访事项（第四十六条）")
    LEAKED = "leaked", _("将检举控告材料透露给被检举控告人（第四十六条）")
    RETALIATION = "retaliation", _("打击报复信访人（第四十六条）")
    OTHER = "other", _("其他违规违纪行为")


STAFF_FINDINGS = frozenset(
    {
        FindingKind.RUDE,
        FindingKind.BRIBES,
        FindingKind.MISHANDLED_GROUP,
        FindingKind.CONCEALED,
        FindingKind.LEAKED,
        FindingKind.RETALIATION,
    }
)


class Measure(models.TextChoices):
    """The measure taken (条例 Arts. 42-46: order to correct; discipline or criminal liability
    where serious; 约谈/通报 under Art. 39)."""

    CORRECTION = "correction", _("责令改正")
    TALK = "talk", _("约谈")
    CIRCULAR = "circular", _("通报批评")
    DISCIPLINE = "discipline", _("依规依纪依法给予处分")
    CRIMINAL = "criminal", _("移送司法机关追究刑事责任")
    OTHER = "other", _("其他处理")


class DecisionKind(models.TextChoices):
    JURISDICTION = "jurisdiction", _("管辖决定")
    COORDINATION = "coordination", _("协调处理意见")
    SUPERVISION = "supervision", _("督查督办要求")
    OTHER = "other", _("其他决定")


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", _("待落实")
    DONE = "done", _("已落实")
