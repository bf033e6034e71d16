"""Clock alerts, in-app notifications and the outbox of external messages (S1, docs/notify.md).

Exactly once: an alert is unique per (clock, stage, due date); notifications and outbox messages
carry unique keys derived from what caused them (the alert and the recipient, or the audit event
and the petitioner) and are written in the same transaction as their cause. A sweep or a writer that
dies mid-way leaves either all of a batch or none of it; running again fills in what is missing and
the unique keys refuse repeats. Rows are written only by `services.py` and `listeners.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.workcalendar.models import Clock

from .states import Audience, Channel, OutboxStatus, Stage


class ClockAlert(models.Model):
    """One stage reached by one clock for one due date: a clock extended to a later date can be due
    soon (and overdue) again."""

    restrict_org_field = "org_id"

    clock = models.ForeignKey(Clock, verbose_name=_("时限"), on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices)
    due_date = models.DateField(_("到期日"))
    org_id = models.BigIntegerField(_("所属机构编号"), null=True, blank=True, db_index=True)
    escalated_to_id = models.BigIntegerField(_("上报机构编号"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("通知人数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager["ClockAlert"]()

    class Meta:
        verbose_name = _("时限提醒")
        verbose_name_plural = _("时限提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "stage", "due_date"], name="notify_alert_once_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.stage} {self.due_date:%Y-%m-%d}"


class Notification(models.Model):
    """A message to one signed-in user, shown on /notifications/. The text is rendered when read,
    in the reader's language, from `kind` and `params`. Read only by its recipient."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(_("唯一标识"), max_length=120, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Stage.choices)
    alert = models.ForeignKey(ClockAlert, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notify_recipient_unread")]

    def __str__(self) -> str:
        return self.key


class OutboxMessage(models.Model):
    """An e-mail or SMS waiting for, or past, delivery. Delivered at least once by `outbox_deliver`;
    `key` goes to the sender as the idempotency key, so a receiver can drop a repeat."""

    restrict_org_field = "org_id"

    key = models.CharField(_("唯一标识"), max_length=120, unique=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    audience = models.CharField(_("对象"), max_length=12, choices=Audience.choices)
    address = models.CharField(_("地址"), max_length=254)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    petitioner_id = models.BigIntegerField(_("信访人编号"), null=True, blank=True)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    org_id = models.BigIntegerField(_("所属机构编号"), null=True, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    objects = RestrictedManager["OutboxMessage"]()

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_outbox_due")]

    def __str__(self) -> str:
        return self.key
