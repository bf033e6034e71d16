"""`python manage.py demo_order`: conduct records, litigation tracks and cluster warnings on the demo
district (DEMO ONLY; docs/order.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.publicorder.demo import demo_order_load


class Command(BaseCommand):
    help = "Load the order demo on the demo district (idempotent; needs demo_district and the petitions demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_order_load()
        except LookupError as exc:
            # Not an error for `make run`: the server still starts without the demo.
            self.stderr.write(f"demo_order: {exc}")
            return
        self.stdout.write(
            f"demo order: {result.records} conduct record(s), {result.tracks} litigation track(s), "
            f"{result.warnings} warning(s)"
        )
        for note in result.notes:
            self.stdout.write(f"  {note}")
