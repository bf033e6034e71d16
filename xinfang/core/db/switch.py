"""The audit log's maintenance switch, as the database sees it.

The append-only triggers on the audit table refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE)
unless the switch is on for the current connection:

- PostgreSQL: the transaction-local setting ``xinfang.audit_maintenance = 'on'`` (``SET LOCAL``,
  so it ends with the transaction and can never leak into a pooled connection);
- SQLite: the application-defined SQL function ``xinfang_audit_maintenance()``, registered on each
  new connection by our backend and answering from a per-connection flag. A connection without
  the function (the sqlite3 shell, another program) fails with "no such function": closed.

Only code running with ``settings.XINFANG_AUDIT_MAINTENANCE_ALLOWED = True`` (tests, a maintenance
settings module) may turn it on; production settings leave it False.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

PG_SETTING = "xinfang.audit_maintenance"
SQLITE_FUNCTION = "xinfang_audit_maintenance"


class AuditMaintenanceNotAllowed(RuntimeError):
    """Raised when code asks for the maintenance switch while the settings do not allow it."""


def maintenance_allowed() -> bool:
    """True only when the settings explicitly allow the switch (the test settings do)."""
    return getattr(settings, "XINFANG_AUDIT_MAINTENANCE_ALLOWED", False) is True


def require_maintenance_allowed() -> None:
    if not maintenance_allowed():
        raise AuditMaintenanceNotAllowed(
            "The audit log is append-only: maintenance is not allowed by these settings "
            "(XINFANG_AUDIT_MAINTENANCE_ALLOWED is not True)."
        )


class FlushWithMaintenanceMixin:
    """For the backends' DatabaseOperations: Django's flush (TransactionTestCase, live_server,
    the `flush` command) empties every table, the audit table included. When the settings allow
    maintenance, the flush runs with the switch on; otherwise the triggers refuse it."""

    connection: Any

    def execute_sql_flush(self, sql_list: Iterable[str]) -> None:
        if not maintenance_allowed():
            super().execute_sql_flush(sql_list)  # type: ignore[misc]
            return
        with transaction.atomic(using=self.connection.alias), self.connection.audit_maintenance_scope():
            super().execute_sql_flush(sql_list)  # type: ignore[misc]
