"""`python manage.py demo_legalservices`: the one-stop platform's demo (DEMO ONLY; docs/legalservices.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from xinfang.legalservices.demo import DEMO_LOGIN, demo_legalservices_load
from xinfang.legalservices.models import ServicePoint, ServiceRequest


class Command(BaseCommand):
    help = (
        "Load the one-stop service platform's demo: service points of the demo district at three levels, "
        "the demo login 'legalaid' and requests in every status. Idempotent; needs `demo_district` first."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = demo_legalservices_load()
        except LookupError as exc:
            # Not an error for `make run`: the server still starts without the demo.
            self.stderr.write(f"demo_legalservices: {exc}")
            return
        created = ", ".join(f"{k} {v}" for k, v in sorted(result.created.items()) if v) or "nothing"
        self.stdout.write(f"demo legal services: created {created}")
        self.stdout.write(
            f"Service points: {ServicePoint.objects.filter(is_active=True).count()}; "
            f"requests: {ServiceRequest.objects.count()}"
        )
        self.stdout.write(f"Demo login (DEMO ONLY, demo password): {DEMO_LOGIN} (legal-aid centre, 司法局)")
        self.stdout.write("Demo requests for /services/status/ (DEMO ONLY):")
        for reference, code, status in result.codes:
            self.stdout.write(f"  {reference}  {code}  {status}")
        self.stdout.write(f"Elapsed: {time.monotonic() - started:.1f} s")
