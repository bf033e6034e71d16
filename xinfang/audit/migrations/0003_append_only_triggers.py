"""Append-only audit table: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) unless
the maintenance switch is on (xinfang.core.db.switch). The SQL is frozen here as it was when the
migration was written; xinfang/audit/triggers.py holds the same statements and re-creates missing
triggers after every migrate (SQLite table remakes drop them)."""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
        FOR EACH ROW WHEN NOT xinfang_audit_maintenance()
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
        FOR EACH ROW WHEN NOT xinfang_audit_maintenance()
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
]

PG_FORWARD = [
    """CREATE OR REPLACE FUNCTION xinfang_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('xinfang.audit_maintenance', true) = 'on' THEN
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
        END $$""",
    """CREATE OR REPLACE TRIGGER audit_auditevent_no_update_delete BEFORE UPDATE OR DELETE ON audit_auditevent
        FOR EACH ROW EXECUTE FUNCTION xinfang_audit_refuse_change()""",
    """CREATE OR REPLACE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON audit_auditevent
        FOR EACH STATEMENT EXECUTE FUNCTION xinfang_audit_refuse_change()""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update_delete ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    "DROP FUNCTION IF EXISTS xinfang_audit_refuse_change()",
]


class VendorRunSQL(migrations.RunSQL):
    """RunSQL that runs only on one database vendor."""

    def __init__(self, vendor, *args, **kwargs):
        self.vendor = vendor
        super().__init__(*args, **kwargs)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_prev_hash_unique")]

    operations = [
        VendorRunSQL("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD),
        VendorRunSQL("postgresql", PG_FORWARD, PG_BACKWARD),
    ]
