"""Choices of the notify app: alert stages, message channels and outbox states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """How far a running clock has got (S1). Each stage is alerted once per clock and due date."""

    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已逾期")
    ESCALATED = "escalated", _("逾期上报")


class Channel(models.TextChoices):
    """Where an outbox message goes; each has a sender (XINFANG_NOTIFY_SENDERS)."""

    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Audience(models.TextChoices):
    """Who an outbox message is for: staff (a clock alert) or a petitioner (a step of the matter)."""

    STAFF = "staff", _("工作人员")
    PETITIONER = "petitioner", _("信访人")
