"""`python manage.py demo_mediation`: the mediation network's demo (DEMO ONLY; docs/mediation.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.mediation.demo import demo_mediation_load


class Command(BaseCommand):
    help = "Load the mediation demo: bodies and mediators of the demo district and a few cases. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = demo_mediation_load()
        except LookupError as exc:
            # Not an error for `make run`: the server still starts without the demo.
            self.stderr.write(f"demo_mediation: {exc}")
            return
        created = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "nothing (already loaded)"
        self.stdout.write(f"demo mediation: created {created}")
