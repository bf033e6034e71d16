"""PostgreSQL backend: Django's, plus the audit log's maintenance switch (see ``xinfang.core.db.switch``).

The switch is the transaction-local setting ``xinfang.audit_maintenance``, read by the audit
table's trigger function with ``current_setting(..., true)``. It is set with ``set_config(...,
true)`` (= ``SET LOCAL``): it ends with the transaction, and rolling back to a savepoint undoes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.postgresql import base, operations

from ..switch import PG_SETTING, FlushWithMaintenanceMixin, require_maintenance_allowed


class DatabaseOperations(FlushWithMaintenanceMixin, operations.DatabaseOperations):
    pass


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    @contextmanager
    def audit_maintenance_scope(self) -> Iterator[None]:
        """Let UPDATE/DELETE/TRUNCATE of the audit table pass its triggers for the block. Must run
        inside an atomic block (``xinfang.audit.maintenance.audit_maintenance`` opens one)."""
        require_maintenance_allowed()
        if not self.in_atomic_block:
            raise RuntimeError("audit_maintenance_scope() needs a transaction (use transaction.atomic).")
        with self.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s, true)", [PG_SETTING])
            previous = cursor.fetchone()[0] or "off"
            cursor.execute("SELECT set_config(%s, 'on', true)", [PG_SETTING])
        yield
        # Normal exit: restore. After an exception the enclosing atomic block rolls back to its
        # savepoint (or the whole transaction), which undoes the set_config as well.
        with self.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [PG_SETTING, previous])
