"""Background jobs of the working calendar (Django's tasks API; run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from xinfang.core.actors import SYSTEM

from .services import clock_recompute_provisional


@task()
def deadlines_sweep() -> dict[str, int]:
    """Recompute every provisional clock against the calendar as it now stands. Loading a year
    already does this in its own transaction; the sweep catches clocks started while a year was
    being loaded, and is the hook where the supervision app adds its due-soon and overdue checks."""
    recomputed, changed = clock_recompute_provisional(actor=SYSTEM)
    return {"recomputed": recomputed, "changed": changed}
