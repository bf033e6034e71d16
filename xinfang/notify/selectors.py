"""Reads of the notify app. Notifications are personal: a user reads only their own (the recipient
filter is the restriction; no role reaches another user's). Alerts and outbox rows belong to the
clock's organisation and are read through `restrict()`."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from xinfang.accounts.roles import Action

from .models import ClockAlert, Notification, OutboxMessage
from .services import alert_text


def notification_list(*, user: Any) -> QuerySet[Notification]:
    """The user's notifications: unread first, newest first."""
    if not user.is_authenticated or user.pk is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-id"
    )


def notification_unread_count(*, user: Any) -> int:
    """One indexed count (the nav badge)."""
    if not user.is_authenticated or user.pk is None:
        return 0
    return int(Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count())


def notification_text(note: Notification) -> str:
    """A notification's text in the active language (rendered when read)."""
    return alert_text(note.kind, note.params)


def alert_list(*, user: Any) -> QuerySet[ClockAlert]:
    """Alerts of the clocks of organisations the user supervises."""
    return ClockAlert.objects.restrict(user, Action.MATTER_SUPERVISE).order_by("-created_at", "-id")


def outbox_list(*, user: Any) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.restrict(user, Action.MATTER_SUPERVISE).order_by("-id")
