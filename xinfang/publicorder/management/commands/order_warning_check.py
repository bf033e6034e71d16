"""Run the cluster check once: `manage.py order_warning_check` (docs/order.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.core.actors import SYSTEM
from xinfang.publicorder.services import order_warning_check


class Command(BaseCommand):
    help = (
        "Raise or update the early warnings for matters that cluster on a theme, a place or a company "
        "name (settings XINFANG_ORDER_WARNING); idempotent: one live warning per cluster."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = order_warning_check(actor=SYSTEM)
        self.stdout.write(
            f"order warnings: {len(result.raised)} raised, {len(result.updated)} updated; "
            f"{result.matters} matter(s) and {result.grid_events} grid event(s) in the window, "
            f"{result.clusters} cluster(s), {result.seconds:.2f}s"
        )
