"""`python manage.py demo_risk`: major decisions and their risk assessment (DEMO ONLY; docs/risk.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.risk.demo import demo_risk_load


class Command(BaseCommand):
    help = (
        "Load the risk-assessment demo: this year's decision list of the demo district with decisions in "
        "every state, then one cluster check. Idempotent; needs `demo_district` first."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_risk_load()
        except LookupError as exc:
            # Not an error for `make run`: the server still starts without the demo.
            self.stderr.write(f"demo_risk: {exc}")
            return
        self.stdout.write(f"demo risk: {result.created} decision(s), {result.flags} review flag(s)")
        for note in result.notes:
            self.stdout.write(f"  {note}")
