"""Load demo petition matters in every state (for `make run`; DEMO ONLY)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from xinfang.petitions.demo import demo_matters_load


class Command(BaseCommand):
    help = "Register a few hundred synthetic demo matters through the real services (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=300)

    def handle(self, *args: object, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = demo_matters_load(count=options["count"])
        except LookupError as exc:
            self.stderr.write(f"demo_matters: {exc}")
            return
        self.stdout.write(f"demo matters: {result.created} new; by status: {result.by_status}")
        self.stdout.write(f"Elapsed: {time.monotonic() - started:.1f} s")
