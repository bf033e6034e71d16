"""Choices and the state table of 12345 work orders (regulations.md §6, HOT-01..HOT-05)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderKind(models.TextChoices):
    """HOT-02: what the hotline accepts — non-emergency consultations, requests for help,
    complaints, reports and suggestions."""

    CONSULTATION = "consultation", _("咨询")
    HELP_REQUEST = "help_request", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")


class OrderStatus(models.TextChoices):
    RECEIVED = "received", _("已接收待派单")
    DISPATCHED = "dispatched", _("已派单待签收")
    ACCEPTED = "accepted", _("已签收办理中")
    RETURNED = "returned", _("已退单待改派")
    OBJECTED = "objected", _("派单异议待审核")
    EXTENDED = "extended", _("已延期办理中")
    REPLIED = "replied", _("已答复待回访")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已并单")


class Exclusion(models.TextChoices):
    """HOT-02 (and 潍坊 Art. 19): what the hotline does not accept. An order carrying one is kept and
    flagged — the caller is told the reason and the lawful route — never dropped. HOT-01/HOT-03:
    emergencies go at once to 110/119/120/122."""

    STATUTORY_PROCEDURE = "statutory_procedure", _("应通过诉讼、仲裁、纪检监察、行政复议、政府信息公开等程序解决")
    PETITION_CHANNEL = "petition_channel", _("已进入信访渠道")
    SECRETS_PRIVACY = "secrets_privacy", _("涉及国家秘密、商业秘密、个人隐私或违背公序良俗")
    CONCLUDED = "concluded", _("已依法办结")
    EMERGENCY = "emergency", _("紧急事项，应即时转110、119、120、122")


class Evaluation(models.TextChoices):
    """The caller's evaluation at the return visit (HOT-01 满意度测评; HOT-04 济南 Art. 27)."""

    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    NOT_REACHED = "not_reached", _("未能回访")


# received -> dispatched -> accepted -> (returned | objected | extended) -> replied -> closed.
# A returned or objected order goes back to whoever dispatched it, to be dispatched again; an order
# may also be answered where it is (a consultation answered at once, an exclusion explained).
# A repeat of an open order is merged into it (并单, HOT-03) while it waits for dispatch; a reply the
# caller is dissatisfied with may be sent back for re-handling (replied -> dispatched, 济南 Art. 27).
TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.RECEIVED: frozenset({OrderStatus.DISPATCHED, OrderStatus.REPLIED, OrderStatus.MERGED}),
    OrderStatus.DISPATCHED: frozenset({OrderStatus.ACCEPTED, OrderStatus.RETURNED, OrderStatus.OBJECTED}),
    OrderStatus.ACCEPTED: frozenset(
        {OrderStatus.RETURNED, OrderStatus.OBJECTED, OrderStatus.EXTENDED, OrderStatus.REPLIED}
    ),
    OrderStatus.EXTENDED: frozenset({OrderStatus.REPLIED}),
    OrderStatus.RETURNED: frozenset({OrderStatus.DISPATCHED, OrderStatus.REPLIED, OrderStatus.MERGED}),
    OrderStatus.OBJECTED: frozenset({OrderStatus.DISPATCHED, OrderStatus.REPLIED, OrderStatus.MERGED}),
    # Re-handling goes back to the unit that answered (dispatched), or to the dispatcher (received)
    # when the dispatcher answered the order itself.
    OrderStatus.REPLIED: frozenset({OrderStatus.CLOSED, OrderStatus.DISPATCHED, OrderStatus.RECEIVED}),
    OrderStatus.CLOSED: frozenset(),
    OrderStatus.MERGED: frozenset(),
}
OPEN_STATUSES = frozenset(set(OrderStatus.values) - {OrderStatus.CLOSED, OrderStatus.MERGED})
# Statuses in which the order sits with the unit it was dispatched to.
WITH_HANDLER = frozenset({OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.EXTENDED})
# Statuses in which the order sits with the organisation that dispatches it.
WITH_DISPATCHER = frozenset({OrderStatus.RECEIVED, OrderStatus.RETURNED, OrderStatus.OBJECTED})

# Clock kinds: prefixed "hotline_" so they never meet a petition clock (HOT-05).
CLOCK_DISPATCH = "hotline_dispatch"
CLOCK_RETURN_WINDOW = "hotline_return_window"
CLOCK_REPLY = "hotline_reply"
CLOCK_VISIT = "hotline_visit"
CLOCK_KINDS = (CLOCK_DISPATCH, CLOCK_RETURN_WINDOW, CLOCK_REPLY, CLOCK_VISIT)
CLOCK_LABELS = {
    CLOCK_DISPATCH: _("派单时限"),
    CLOCK_RETURN_WINDOW: _("退单期限"),
    CLOCK_REPLY: _("办理答复时限"),
    CLOCK_VISIT: _("回访时限"),
}
