"""Progress of a running import, kept outside the database.

Why not in the ImportJob row: the import is one transaction (all or nothing), so a `processed`
count written inside it is invisible to the job page until the end; written on a second
connection it would wait for the import's write lock on SQLite (one writer at a time) and the
progress bar would freeze exactly when it matters. Nor Django's cache: the default local-memory
cache is per process, and the worker is another process. So the worker writes a small JSON file
per job next to the uploaded files (MEDIA_ROOT/imports/progress/<id>.json, replaced atomically),
which the web process reads while the job runs; the row gets the final counts when the
transaction ends, and the file is removed. The same holds on PostgreSQL, so one design serves both.

Reads tolerate a missing or half-written file (no progress known yet)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings


def _path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{int(job_id)}.json"


def progress_write(job_id: int, *, processed: int, total: int, errors: int) -> None:
    path = _path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"processed": processed, "total": total, "errors": errors, "at": time.time()}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(data, stream)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def progress_read(job_id: int) -> dict[str, Any] | None:
    try:
        data = json.loads(_path(job_id).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def progress_clear(job_id: int) -> None:
    _path(job_id).unlink(missing_ok=True)
