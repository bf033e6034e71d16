"""Background jobs of the clock watch (Django's tasks API; run by `manage.py db_worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from xinfang.core.actors import SYSTEM

from .services import clock_sweep, outbox_deliver


@task()
def clock_sweep_task() -> dict[str, Any]:
    """Alert every clock due soon, overdue or past the escalation grace (once each)."""
    return clock_sweep(actor=SYSTEM).as_dict()


@task()
def outbox_deliver_task() -> dict[str, int]:
    """Deliver the pending outbox messages that are due (at least once, with retries)."""
    result = outbox_deliver(actor=SYSTEM)
    return {"sent": result.sent, "retried": result.retried, "failed": result.failed}
