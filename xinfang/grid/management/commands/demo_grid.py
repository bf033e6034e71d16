"""`python manage.py demo_grid`: grid boundaries and events for the demo district (DEMO ONLY;
docs/grid.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.grid.demo import demo_grid_load


class Command(BaseCommand):
    help = "Load the grid demo: a boundary for every grid of the demo district and about 100 events. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = demo_grid_load()
        except LookupError as exc:
            # Not an error for `make run`: the server still starts without the demo.
            self.stderr.write(f"demo_grid: {exc}")
            return
        created = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "nothing (already loaded)"
        self.stdout.write(f"demo grid: created {created}")
