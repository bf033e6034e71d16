"""The settings of the notify app, with their defaults (docs/notify.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # A running clock due within this many working days (0: due today) gets a "due soon" alert.
    "DUE_SOON_WORKING_DAYS": 2,
    # An overdue clock is escalated one level up once it has been overdue this many working days.
    "ESCALATE_AFTER_WORKING_DAYS": 2,
    # Clock kinds not watched at all: periods the petitioner holds, not the staff.
    "IGNORE_KINDS": ["review_window_30d", "rereview_window_30d", "hotline_return_window"],
    # Clock kinds that only get a "due soon" reminder, never overdue or escalation alerts: a window of
    # the parties' own (MED-05: the joint application for judicial confirmation within 30 days).
    "REMIND_ONLY_KINDS": ["mediation_jc_window"],
    # External channels staff alerts also go to (besides the in-app notification): "email", "sms".
    "STAFF_CHANNELS": ["email"],
    # Channel of the messages to petitioners about the steps of their matter (their phone).
    "PETITIONER_CHANNEL": "sms",
    # A matter registered more than this many days after it was received (a bulk import of history)
    # sends no "registered" message.
    "PETITIONER_REGISTER_RECENT_DAYS": 30,
    # Clocks handled per transaction by the sweep; outbox rows per delivery run.
    "BATCH_SIZE": 500,
    "DELIVER_LIMIT": 1000,
    # Outbox delivery: attempt n+1 waits RETRY_BASE_SECONDS * 2**(n-1) (capped); gives up after MAX_ATTEMPTS.
    "MAX_ATTEMPTS": 8,
    "RETRY_BASE_SECONDS": 60,
    "RETRY_MAX_SECONDS": 6 * 60 * 60,
}

DEFAULT_RESPONSIBLE = {
    "petitions.matter": "xinfang.notify.resolvers.matter_responsible",
    "mediation.mediationcase": "xinfang.notify.resolvers.mediation_responsible",
    "grid.gridevent": "xinfang.notify.resolvers.grid_responsible",
    "hotline.hotlineorder": "xinfang.notify.resolvers.hotline_responsible",
    "legalservices.servicerequest": "xinfang.notify.resolvers.legalservice_responsible",
}
FALLBACK_RESOLVER = "xinfang.notify.resolvers.org_managers"

DEFAULT_SENDERS = {
    "email": "xinfang.notify.senders.ConsoleSender",
    "sms": "xinfang.notify.senders.ConsoleSender",
}


def notify_setting(name: str) -> Any:
    """One value of settings.XINFANG_NOTIFY, or its default."""
    return getattr(settings, "XINFANG_NOTIFY", {}).get(name, DEFAULTS[name])


def responsible_paths() -> dict[str, str]:
    return {**DEFAULT_RESPONSIBLE, **getattr(settings, "XINFANG_NOTIFY_RESPONSIBLE", {})}


def sender_paths() -> dict[str, str]:
    return {**DEFAULT_SENDERS, **getattr(settings, "XINFANG_NOTIFY_SENDERS", {})}
