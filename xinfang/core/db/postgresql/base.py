"""PostgreSQL backend: Django's, with the audit maintenance switch around flushes (see xinfang.audit)."""

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    pass
