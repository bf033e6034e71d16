"""Load demo petition matters in every state, intake and handling (for `make run`; DEMO ONLY)."""

from __future__ import annotations

import logging
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
        # The instruments are rendered here, a few dozen of them: WeasyPrint's per-step progress
        # messages would drown the summary.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
        try:
            result = demo_matters_load(count=options["count"])
        except LookupError as exc:
            self.stderr.write(f"demo_matters: {exc}")
            return
        self.stdout.write(f"demo matters: {result.created} new; by status: {result.by_status}")
        self.stdout.write(f"handling: {result.handled} matters taken on, {result.documents} instruments issued")
        if result.scenarios:
            self.stdout.write(f"handling scenarios: {result.scenarios}")
        for refusal in result.refused:  # a rule refused a demo step: worth knowing, not fatal
            self.stderr.write(f"demo_matters: refused: {refusal}")
        self.stdout.write(f"Elapsed: {time.monotonic() - started:.1f} s")
