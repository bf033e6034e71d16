"""Thin wrappers around Django's SQLite and PostgreSQL backends.

They add one thing: the audit log's maintenance switch (see `switch.py`, `xinfang.audit.maintenance`
and docs/adr/0002-audit-log.md). Settings map Django's engine names to these modules.
"""
