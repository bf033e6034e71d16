"""`python manage.py demo_outreach`: reception days, visits and 包联 (DEMO ONLY; docs/outreach.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.outreach.demo import demo_outreach_load


class Command(BaseCommand):
    help = (
        "Load the outreach demo: the deputy district head's reception days with two bookings, a 包联 "
        "assignment with its plan and three visits. Idempotent; needs `demo_district` first."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_outreach_load()
        except LookupError as exc:
            # Not an error for `make run`: the server still starts without the demo.
            self.stderr.write(f"demo_outreach: {exc}")
            return
        self.stdout.write(f"demo outreach: {result.created} reception day(s)")
        for note in result.notes:
            self.stdout.write(f"  {note}")
