"""Settings of the imports, each with a default, read at call time (tests override them); a
deployment sets only what it changes (docs/import_export.md lists them)."""

from __future__ import annotations

from django.conf import settings


def max_bytes() -> int:
    """The largest file accepted (XINFANG_IMPORT_MAX_BYTES, default 20 MB)."""
    return int(getattr(settings, "XINFANG_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def max_rows() -> int:
    """The most data rows one file may hold (XINFANG_IMPORT_MAX_ROWS, default 100000)."""
    return int(getattr(settings, "XINFANG_IMPORT_MAX_ROWS", 100_000))


def batch_size() -> int:
    """Rows between two progress reports (XINFANG_IMPORT_BATCH, default 500)."""
    return max(1, int(getattr(settings, "XINFANG_IMPORT_BATCH", 500)))


def max_stored_errors() -> int:
    """Row errors kept on a job (XINFANG_IMPORT_MAX_ERRORS, default 1000); the total is always kept."""
    return max(1, int(getattr(settings, "XINFANG_IMPORT_MAX_ERRORS", 1000)))


def rate_limit() -> tuple[int, int]:
    """(uploads, window in seconds) per user (XINFANG_IMPORT_RATE_LIMIT, default 30 an hour)."""
    count, window = getattr(settings, "XINFANG_IMPORT_RATE_LIMIT", (30, 60 * 60))
    return int(count), int(window)


def form_max_age_seconds() -> int:
    """An upload form older than this is refused (XINFANG_IMPORT_FORM_MAX_AGE_HOURS, default 8,
    the length of a working session)."""
    return int(float(getattr(settings, "XINFANG_IMPORT_FORM_MAX_AGE_HOURS", 8)) * 60 * 60)
