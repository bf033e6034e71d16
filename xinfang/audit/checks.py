"""System checks: the settings the audit chain relies on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

ENGINES = {"xinfang.core.db.sqlite3", "xinfang.core.db.postgresql"}


@register()
def check_audit_database(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    default = settings.DATABASES.get("default", {})
    engine = default.get("ENGINE", "")
    if engine not in ENGINES:
        messages.append(
            Error(
                f"DATABASES['default']['ENGINE'] is {engine!r}: the audit log needs xinfang.core.db.sqlite3 "
                "or xinfang.core.db.postgresql (append-only triggers and their maintenance switch).",
                id="audit.E001",
            )
        )
    if (
        engine.endswith("sqlite3")
        and str(default.get("OPTIONS", {}).get("transaction_mode", "")).upper() != "IMMEDIATE"
    ):
        messages.append(
            Warning(
                "SQLite should run with OPTIONS['transaction_mode'] = 'IMMEDIATE' so that appends to the "
                "audit hash chain are serialised (otherwise concurrent writers fail on the unique prev_hash).",
                id="audit.W001",
            )
        )
    return messages
