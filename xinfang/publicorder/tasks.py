"""Background jobs of the order app (Django's tasks API; run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from xinfang.core.actors import SYSTEM

from .services import order_warning_check


@task()
def order_warning_check_task() -> dict[str, int]:
    """Raise or update the cluster warnings (settings.XINFANG_ORDER_WARNING); idempotent."""
    result = order_warning_check(actor=SYSTEM)
    return {"raised": len(result.raised), "updated": len(result.updated), "matters": result.matters}
