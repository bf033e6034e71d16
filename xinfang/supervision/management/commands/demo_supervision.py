"""`python manage.py demo_supervision`: supervision orders, a joint conference and an accountability
record on the demo district (DEMO ONLY; docs/supervision.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.supervision.demo import demo_supervision_load


class Command(BaseCommand):
    help = "Load the supervision demo on the demo district. Idempotent; needs `demo_district` (and `demo_matters`)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_supervision_load()
        except LookupError as exc:
            # Not an error for `make run`: the server still starts without the demo.
            self.stderr.write(f"demo_supervision: {exc}")
            return
        self.stdout.write(f"demo supervision: {result.orders} order(s)")
        for note in result.notes:
            self.stdout.write(f"  {note}")
