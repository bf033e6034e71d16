"""Test settings: same as base, with fast hashing, immediate tasks and the audit maintenance switch."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Tests flush tables between cases; the flush may pass the audit triggers (xinfang/core/db/).
XINFANG_AUDIT_MAINTENANCE_ALLOWED = True
AXES_ENABLED = True
LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}  # noqa: F405
# The in-memory test database, named explicitly: our SQLite engine is not Django's by name, so
# pytest-xdist would otherwise give each worker an on-disk "test_<path>_gwN" file.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405

# The browser tests run the live server on an in-memory SQLite database shared between threads,
# where a second request at the same moment (the badge's) meets a locked table: the badge is
# switched on only by the tests that look at it (notify).
XINFANG_NOTIFY_BADGE = False
