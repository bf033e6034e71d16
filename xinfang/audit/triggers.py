"""The database triggers that make the audit table append-only, on SQLite and PostgreSQL.

They are created by migration 0003 and re-created, when missing, after every `migrate`
(post_migrate): a SQLite migration that alters the table rebuilds it ("table remake") and the
rebuilt table has no triggers. The maintenance switch they honour is described in
``xinfang.core.db.switch``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper

from xinfang.core.db.switch import PG_SETTING, SQLITE_FUNCTION

TABLE = "audit_auditevent"
PG_FUNCTION = "xinfang_audit_refuse_change"
SQLITE_TRIGGERS = ("audit_auditevent_no_update", "audit_auditevent_no_delete")
PG_TRIGGERS = ("audit_auditevent_no_update_delete", "audit_auditevent_no_truncate")
TRIGGER_MIGRATION = "0003_append_only_triggers"


def _sqlite_sql() -> list[str]:
    # RAISE(ABORT, ...) reaches Python as sqlite3.IntegrityError (django.db.IntegrityError). When the
    # function is missing the statement fails with "no such function": fail closed.
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TRIGGERS[0]} BEFORE UPDATE ON {TABLE}
        FOR EACH ROW WHEN NOT {SQLITE_FUNCTION}()
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TRIGGERS[1]} BEFORE DELETE ON {TABLE}
        FOR EACH ROW WHEN NOT {SQLITE_FUNCTION}()
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END""",
    ]


def _pg_sql() -> list[str]:
    # ERRCODE restrict_violation (23001) reaches Python as IntegrityError, as on SQLite. Row-level
    # triggers do not see TRUNCATE, hence the statement-level one.
    return [
        f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('{PG_SETTING}', true) = 'on' THEN
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
        END $$""",
        f"""CREATE OR REPLACE TRIGGER {PG_TRIGGERS[0]} BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()""",
        f"""CREATE OR REPLACE TRIGGER {PG_TRIGGERS[1]} BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()""",
    ]


def expected_triggers(connection: BaseDatabaseWrapper) -> tuple[str, ...]:
    return PG_TRIGGERS if connection.vendor == "postgresql" else SQLITE_TRIGGERS


def installed_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    """Names of the append-only triggers present on the audit table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger"
                " WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal AND tgenabled <> 'D'",
                [TABLE],
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        found = {row[0] for row in cursor.fetchall()}
    return found & set(expected_triggers(connection))


def install_triggers(connection: BaseDatabaseWrapper) -> bool:
    """Create the triggers that are missing (idempotent). Returns True when something was created."""
    if connection.vendor not in ("sqlite", "postgresql"):
        raise ImproperlyConfigured(f"the audit log supports SQLite and PostgreSQL, not {connection.vendor}")
    if TABLE not in connection.introspection.table_names():
        return False  # migrated back before 0001: nothing to protect
    if installed_triggers(connection) == set(expected_triggers(connection)):
        return False
    statements = _pg_sql() if connection.vendor == "postgresql" else _sqlite_sql()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return True


def reinstall_after_migrate(*, using: str, **kwargs: Any) -> None:
    """post_migrate receiver (connected in AuditConfig.ready). Leaves the table alone when the
    audit app was deliberately migrated back before the trigger migration."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    applied = {name for app, name in MigrationRecorder(connection).applied_migrations() if app == "audit"}
    if applied and TRIGGER_MIGRATION not in applied:
        return
    install_triggers(connection)
