"""Choices and the state table of grid events (网格事件, mission P2/P3; regulations.md MED-*)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Layer(models.TextChoices):
    """The three networks merged into one grid (三网融合)."""

    PARTY_BUILDING = "party_building", _("党建网格")
    GOVERNANCE = "governance", _("综治网格")
    SERVICE = "service", _("服务网格")


class EventStatus(models.TextChoices):
    REPORTED = "reported", _("已上报")
    ACCEPTED = "accepted", _("已受理")
    HANDLED = "handled", _("已处置")
    CLOSED = "closed", _("已办结")
    VERIFIED = "verified", _("已核查")
    ESCALATED = "escalated", _("已上报上级")
    CONVERTED = "converted", _("已转办")


class EventLevel(models.TextChoices):
    """Where an event is being handled: the village (community), the town (street), the district."""

    VILLAGE = "village", _("村（社区）级")
    TOWN = "town", _("镇（街道）级")
    DISTRICT = "district", _("区级")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    OTHER = "other", _("其他当事人")


class ConversionKind(models.TextChoices):
    PETITION = "petition", _("转为信访事项")
    MEDIATION = "mediation", _("转为调解案件")


# reported -> accepted -> handled -> closed -> verified. An open event may be escalated one level up
# (village -> town/street -> district): it becomes "escalated" and waits to be accepted there.
# An open event may be converted into a petition or a mediation case ("converted"); a mediation
# that ends in agreement brings it to "handled" (then closed), a failed one back to "accepted".
TRANSITIONS: dict[str, frozenset[str]] = {
    EventStatus.REPORTED: frozenset({EventStatus.ACCEPTED, EventStatus.ESCALATED, EventStatus.CONVERTED}),
    EventStatus.ACCEPTED: frozenset({EventStatus.HANDLED, EventStatus.ESCALATED, EventStatus.CONVERTED}),
    EventStatus.ESCALATED: frozenset({EventStatus.ACCEPTED, EventStatus.ESCALATED, EventStatus.CONVERTED}),
    EventStatus.HANDLED: frozenset({EventStatus.CLOSED}),
    EventStatus.CLOSED: frozenset({EventStatus.VERIFIED}),
    EventStatus.VERIFIED: frozenset(),
    # A converted event follows its mediation case: agreement -> handled, failure -> accepted.
    EventStatus.CONVERTED: frozenset({EventStatus.HANDLED, EventStatus.ACCEPTED}),
}
OPEN_STATUSES = frozenset({EventStatus.REPORTED, EventStatus.ACCEPTED, EventStatus.ESCALATED})
NEXT_LEVEL: dict[str, str] = {EventLevel.VILLAGE: EventLevel.TOWN, EventLevel.TOWN: EventLevel.DISTRICT}

# The event's due clock on the working calendar (object type "grid.gridevent").
CLOCK_DUE = "grid_due"
CLOCK_OBJECT_TYPE = "grid.gridevent"
