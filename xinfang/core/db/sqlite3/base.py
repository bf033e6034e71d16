"""SQLite backend: Django's, plus the audit log's maintenance switch (see ``xinfang.core.db.switch``).

Each new connection gets the SQL function ``xinfang_audit_maintenance()``, which the audit table's
triggers call in their WHEN clause. It answers 1 only while ``audit_maintenance_scope()`` is active
on this very connection (wrapper); every other connection, thread or process gets 0.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.sqlite3 import base, operations

from ..switch import SQLITE_FUNCTION, FlushWithMaintenanceMixin, require_maintenance_allowed


def register_audit_function(conn: sqlite3.Connection, wrapper: DatabaseWrapper) -> None:
    """Give a sqlite3 connection the function the audit triggers call, answering for `wrapper`."""
    # A weak reference: the sqlite3 connection must not keep its wrapper alive.
    owner_ref = weakref.ref(wrapper)

    def audit_maintenance() -> int:
        owner = owner_ref()
        return 1 if owner is not None and owner.audit_maintenance_active else 0

    conn.create_function(SQLITE_FUNCTION, 0, audit_maintenance)


class DatabaseOperations(FlushWithMaintenanceMixin, operations.DatabaseOperations):
    pass


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audit_maintenance_active = False

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        conn = super().get_new_connection(conn_params)
        register_audit_function(conn, self)
        return conn

    @contextmanager
    def audit_maintenance_scope(self) -> Iterator[None]:
        """Let this connection's UPDATE/DELETE pass the audit triggers for the block. Call inside
        an atomic block (``xinfang.audit.maintenance.audit_maintenance`` does)."""
        require_maintenance_allowed()
        previous = self.audit_maintenance_active
        self.audit_maintenance_active = True
        try:
            yield
        finally:
            self.audit_maintenance_active = previous
