"""Reads of import jobs, always through `ImportJob.objects.restrict` (own jobs; administrators all)."""

from __future__ import annotations

import time
from typing import Any

from django.db.models import QuerySet

from xinfang.orgs.models import Organisation
from xinfang.petitions.selectors_intake import intake_organisations

from .models import ImportJob, ImportStatus
from .policies import IMPORT_ADMIN
from .progress import progress_read

STALLED_SECONDS = 30 * 60  # far longer than one batch takes


def import_job_list(*, user: Any) -> QuerySet[ImportJob]:
    """The jobs the user may see, newest first, with what the list shows (one query per page)."""
    return (
        ImportJob.objects.restrict(user, IMPORT_ADMIN)
        .select_related("organisation", "created_by")
        .defer("errors")
        .order_by("-created_at", "-pk")
    )


def import_job_get(*, user: Any, pk: int) -> ImportJob:
    """One job the user may see; ImportJob.DoesNotExist otherwise."""
    return ImportJob.objects.restrict(user, IMPORT_ADMIN).select_related("organisation", "created_by").get(pk=pk)


def import_job_progress(job: ImportJob) -> tuple[int, int, bool]:
    """(processed, total, stalled) of a job: from the worker's progress file while it runs (see
    `progress.py`), from the row otherwise. Stalled: running, but no progress for STALLED_SECONDS
    (the worker was stopped; its transaction was rolled back, so nothing was written)."""
    if job.is_finished:
        return job.processed, job.total, False
    data = progress_read(job.pk) or {}
    last = float(data.get("at") or (job.started_at.timestamp() if job.started_at else time.time()))
    stalled = job.status == ImportStatus.RUNNING and time.time() - last > STALLED_SECONDS
    return int(data.get("processed", job.processed)), int(data.get("total", job.total)), stalled


def import_organisations(*, user: Any) -> list[Organisation]:
    """The organisations a user imports matters and petitioners for: those they register for at
    the counter (their memberships whose role may register)."""
    return intake_organisations(user=user)
