"""The database keeps the audit table append-only on SQLite and PostgreSQL; only the maintenance
switch (tests and maintenance code) lets changes through, and Django's test flush still works."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connection, models, transaction

from xinfang.audit.maintenance import AuditMaintenanceNotAllowed, audit_maintenance
from xinfang.audit.models import AuditEvent
from xinfang.audit.triggers import TABLE, expected_triggers, install_triggers, installed_triggers

from .conftest import append_events, verify_database

REFUSED = "append-only"


def refused(action) -> str:
    """Run `action` in a savepoint and return the database's error message (it must fail)."""
    with pytest.raises(DatabaseError) as exc, transaction.atomic():
        action()
    return str(exc.value)


@pytest.mark.django_db
class AppendOnlyTriggerTests:
    def test_triggers_exist_after_migrate(self):
        assert installed_triggers(connection) == set(expected_triggers(connection))

    def test_orm_update_and_delete_are_refused(self):
        event = append_events(1)[0]
        qs = AuditEvent.objects.filter(pk=event.pk)
        assert REFUSED in refused(lambda: qs.update(action="forged"))
        assert REFUSED in refused(lambda: qs.delete())
        assert REFUSED in refused(lambda: AuditEvent.objects.all().delete())
        event.action = "forged"
        assert REFUSED in refused(lambda: event.save())
        assert REFUSED in refused(lambda: AuditEvent.objects.get(pk=event.pk).delete())
        assert AuditEvent.objects.get(pk=event.pk).action == "test.event"

    def test_refusal_is_an_integrity_error_on_both_databases(self):
        event = append_events(1)[0]
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(object_label="x")

    def test_raw_sql_update_and_delete_are_refused(self):
        event = append_events(1)[0]

        def raw(sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])

        assert REFUSED in refused(lambda: raw("UPDATE audit_auditevent SET summary = '{}' WHERE id = %s"))
        assert REFUSED in refused(lambda: raw("DELETE FROM audit_auditevent WHERE id = %s"))
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_flush_and_truncate_are_refused_without_the_switch(self, settings):
        append_events(2)
        settings.XINFANG_AUDIT_MAINTENANCE_ALLOWED = False
        flush = connection.ops.sql_flush(no_style(), [TABLE])
        assert REFUSED in refused(lambda: connection.ops.execute_sql_flush(flush))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                assert REFUSED in refused(lambda: cursor.execute(f"TRUNCATE {TABLE}"))
        assert AuditEvent.objects.count() == 2

    def test_flush_passes_when_the_settings_allow_maintenance(self):
        append_events(2)
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), [TABLE]))
        assert AuditEvent.objects.count() == 0

    def test_inserts_are_not_affected(self):
        append_events(3)
        assert verify_database().count == 3


@pytest.mark.django_db
class MaintenanceSwitchTests:
    def test_switch_lets_changes_through_for_the_block_only(self):
        first, second = append_events(2)
        with audit_maintenance():
            AuditEvent.objects.filter(pk=first.pk).update(action="repaired")
            AuditEvent.objects.filter(pk=second.pk).delete()
        assert AuditEvent.objects.get(pk=first.pk).action == "repaired"
        assert not AuditEvent.objects.filter(pk=second.pk).exists()
        # Still inside the test's transaction: the switch must be off again.
        assert REFUSED in refused(lambda: AuditEvent.objects.filter(pk=first.pk).update(action="again"))

    def test_switch_is_off_again_after_an_error_inside(self):
        event = append_events(1)[0]
        with pytest.raises(ZeroDivisionError), audit_maintenance():
            AuditEvent.objects.filter(pk=event.pk).update(action="half-done")
            _ = 1 / 0
        assert AuditEvent.objects.get(pk=event.pk).action == "test.event"  # rolled back with the block
        assert REFUSED in refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(action="x"))

    def test_switch_refuses_unless_the_settings_allow_it(self, settings):
        event = append_events(1)[0]
        settings.XINFANG_AUDIT_MAINTENANCE_ALLOWED = False
        with pytest.raises(AuditMaintenanceNotAllowed), audit_maintenance():
            AuditEvent.objects.filter(pk=event.pk).delete()
        with pytest.raises(AuditMaintenanceNotAllowed), connection.audit_maintenance_scope():  # type: ignore[attr-defined]
            pass
        settings.XINFANG_AUDIT_MAINTENANCE_ALLOWED = "yes"  # only True itself counts
        with pytest.raises(AuditMaintenanceNotAllowed), audit_maintenance():
            pass
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_fails_closed_when_the_switch_mechanism_is_missing(self):
        event = append_events(1)[0]
        delete = lambda: AuditEvent.objects.filter(pk=event.pk).delete()  # noqa: E731
        if connection.vendor == "sqlite":
            from xinfang.core.db.sqlite3.base import register_audit_function
            from xinfang.core.db.switch import SQLITE_FUNCTION

            # As in the sqlite3 shell or another program: the triggers' function does not exist.
            raw = connection.connection
            raw.create_function(SQLITE_FUNCTION, 0, None)
            try:
                with pytest.raises(DatabaseError), transaction.atomic(), audit_maintenance():
                    delete()
            finally:
                register_audit_function(raw, connection)  # type: ignore[arg-type]
        else:
            # A session that never set the setting (current_setting(..., true) is NULL) or emptied it.
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('xinfang.audit_maintenance', true)")
                assert cursor.fetchone()[0] in (None, "", "off")
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('xinfang.audit_maintenance', 'yes', true)")
                assert REFUSED in refused(delete)  # only 'on' opens
        assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
class SwitchIsPerConnectionTests:
    def test_another_connection_is_refused_while_the_switch_is_on(self):
        event = append_events(1)[0]
        errors: list[BaseException] = []

        def other_connection() -> None:
            from django.db import connection as thread_connection

            try:
                AuditEvent.objects.filter(pk=event.pk).update(action="piggyback")
            except DatabaseError as exc:
                errors.append(exc)
            finally:
                thread_connection.close()

        # SQLite: the switch is set without a transaction, so the other connection is not merely
        # waiting for the write lock; PostgreSQL's switch is transaction-local and needs one.
        switch = audit_maintenance() if connection.vendor == "postgresql" else connection.audit_maintenance_scope()  # type: ignore[attr-defined]
        with switch:
            thread = threading.Thread(target=other_connection)
            thread.start()
            thread.join(timeout=30)
        assert len(errors) == 1 and REFUSED in str(errors[0])
        assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.django_db(transaction=True)
class TriggerLifecycleTests:
    """Transactional: these run DDL and migrations, and their teardown is Django's flush, which
    must pass the triggers through the backends' switch."""

    def test_flush_command_empties_the_table_in_tests(self):
        append_events(3)
        call_command("flush", interactive=False, verbosity=0)
        assert AuditEvent.objects.count() == 0
        assert installed_triggers(connection) == set(expected_triggers(connection))

    def test_migrating_back_drops_them_and_forward_recreates_them(self):
        call_command("migrate", "audit", "0002", verbosity=0)
        try:
            assert installed_triggers(connection) == set()  # post_migrate respects the rollback
        finally:
            call_command("migrate", "audit", verbosity=0)
        assert installed_triggers(connection) == set(expected_triggers(connection))

    def test_table_remake_loses_them_and_post_migrate_puts_them_back(self):
        append_events(2)
        field = AuditEvent._meta.get_field("request_id")
        wider: models.CharField[str, str] = models.CharField(max_length=80, blank=True)
        wider.set_attributes_from_name("request_id")
        wider.model = AuditEvent
        with connection.schema_editor() as editor:
            editor.alter_field(AuditEvent, field, wider)  # SQLite rebuilds the table
        try:
            if connection.vendor == "sqlite":
                assert installed_triggers(connection) == set()
            call_command("migrate", verbosity=0)  # nothing to apply; post_migrate runs
            assert installed_triggers(connection) == set(expected_triggers(connection))
            assert verify_database().count == 2
        finally:
            with connection.schema_editor() as editor:
                editor.alter_field(AuditEvent, wider, field)
            install_triggers(connection)
        assert installed_triggers(connection) == set(expected_triggers(connection))
