"""SQLite backend: Django's, with the audit maintenance switch around flushes (see xinfang.audit)."""

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    pass
