"""Background jobs of the transfer app (Django's tasks API; run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from .services import import_job_run


@task()
def import_job_execute(job_id: int) -> str:
    """Run one import job (see `services.import_job_run`); returns its final status."""
    return str(import_job_run(job_id=job_id).status)
