"""Choices of the outreach app: booking status and its transitions, visit kinds, item outcomes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BookingStatus(models.TextChoices):
    """booked → attended | no_show (marked by staff on or after the day) | cancelled (by the person,
    before the day)."""

    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    ATTENDED = "attended", _("已接待")
    NO_SHOW = "no_show", _("未到场")


# Which statuses each booking action starts from.
BOOKING_TRANSITIONS: dict[str, frozenset[str]] = {
    BookingStatus.CANCELLED: frozenset({BookingStatus.BOOKED}),
    BookingStatus.ATTENDED: frozenset({BookingStatus.BOOKED, BookingStatus.NO_SHOW}),
    BookingStatus.NO_SHOW: frozenset({BookingStatus.BOOKED, BookingStatus.ATTENDED}),
}
MARKS = frozenset({BookingStatus.ATTENDED, BookingStatus.NO_SHOW})


class VisitKind(models.TextChoices):
    """下访 (a leader goes down to meet petitioners), 现场办公 (an on-site office), 包联走访 (the
    assigned cadre visits the village or grid)."""

    OUTREACH = "outreach", _("领导下访")
    ONSITE_OFFICE = "onsite_office", _("现场办公")
    BAOLIAN = "baolian", _("包联走访")


class ItemOutcome(models.TextChoices):
    """What became of a matter raised on a visit."""

    OPEN = "open", _("待处理")
    RESOLVED = "resolved", _("当场化解")
    PETITION = "petition", _("登记为信访事项")
    GRID_EVENT = "grid_event", _("转为网格事件")
    MEDIATION = "mediation", _("转为调解案件")


ITEM_DONE = frozenset({ItemOutcome.RESOLVED, ItemOutcome.PETITION, ItemOutcome.GRID_EVENT, ItemOutcome.MEDIATION})
