"""Background jobs of major-decision risk assessment (Django's tasks API; run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from xinfang.core.actors import SYSTEM

from .services import risk_cluster_check


@task()
def risk_cluster_sweep() -> dict[str, int]:
    """Flag the assessments around which petitions and grid events now cluster (once each)."""
    return {"flags": len(risk_cluster_check(actor=SYSTEM))}
