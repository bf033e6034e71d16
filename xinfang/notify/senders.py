"""Senders of outbox messages (XINFANG_NOTIFY_SENDERS = {"email": path, "sms": path}).

A sender is a class with `send(message, *, idempotency_key)`; it raises on failure (the message is
retried with backoff) and returns when the message has been handed over. The key is the same on
every attempt of one message: a gateway that supports it drops repeats (delivery is at least once).
The console sender is the default for both channels: it only writes the message to the log."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage

from .models import OutboxMessage

logger = logging.getLogger("xinfang.notify.outbox")


class Sender(Protocol):
    def send(self, message: OutboxMessage, *, idempotency_key: str) -> None: ...


class ConsoleSender:
    """Writes each message to the "xinfang.notify.outbox" log (stdout in development)."""

    def send(self, message: OutboxMessage, *, idempotency_key: str) -> None:
        logger.info(
            "outbox %s %s -> %s [%s] %s",
            message.channel,
            idempotency_key,
            message.address,
            message.subject,
            message.body,
        )


class EmailSender:
    """Django's e-mail backend (EMAIL_* settings). The idempotency key is sent as a header and in a
    stable Message-ID, so a mail system can recognise a repeat."""

    def send(self, message: OutboxMessage, *, idempotency_key: str) -> None:
        domain = getattr(settings, "XINFANG_NOTIFY_MAIL_DOMAIN", "xinfang.local")
        EmailMessage(
            subject=message.subject or message.body[:60],
            body=message.body,
            to=[message.address],
            headers={
                "X-Idempotency-Key": idempotency_key,
                "Message-ID": f"<{idempotency_key.replace(':', '.')}@{domain}>",
            },
        ).send(fail_silently=False)
