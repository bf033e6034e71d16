"""The audit log's maintenance switch, for tests and maintenance scripts only.

    from xinfang.audit.maintenance import audit_maintenance

    with audit_maintenance():
        AuditEvent.objects.filter(...).delete()   # passes the append-only triggers

It raises `AuditMaintenanceNotAllowed` unless ``settings.XINFANG_AUDIT_MAINTENANCE_ALLOWED`` is
True (the test settings; never production). The block runs in its own atomic block (a savepoint
inside an outer transaction), and the switch is on for this connection only, for this block only.
How the database sees the switch: ``xinfang.core.db.switch``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from xinfang.core.db.switch import AuditMaintenanceNotAllowed, maintenance_allowed, require_maintenance_allowed

__all__ = ["AuditMaintenanceNotAllowed", "audit_maintenance", "maintenance_allowed"]


@contextmanager
def audit_maintenance(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let UPDATE and DELETE (and TRUNCATE on PostgreSQL) of audit rows pass for the block."""
    require_maintenance_allowed()
    connection = connections[using]
    scope = getattr(connection, "audit_maintenance_scope", None)
    if scope is None:
        raise ImproperlyConfigured(
            f"Database {using!r} uses ENGINE {connection.settings_dict['ENGINE']!r}, which has no audit "
            "maintenance switch: use xinfang.core.db.sqlite3 or xinfang.core.db.postgresql."
        )
    with transaction.atomic(using=using), scope():
        yield
