"""`python manage.py demo_powerlist`: load the demo power list for the demo district."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from xinfang.powerlist.demo import DemoPowerlistRefusedError, demo_powerlist_load
from xinfang.powerlist.models import JurisdictionDecision, MatterType, Power


class Command(BaseCommand):
    help = (
        "Load the demo power list (matter types, competent departments at district and town level with "
        "their legal basis, one joint-conference decision) for the demo district. Idempotent: a second "
        "run adds only what is missing. Run after demo_district."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = demo_powerlist_load()
        except DemoPowerlistRefusedError as exc:
            # Not an error for `make run`: the server still starts, without a demo power list.
            self.stderr.write(self.style.WARNING(f"Demo power list not loaded: {exc}"))
            return
        if result.created_anything:
            created = ", ".join(f"{key} {value}" for key, value in sorted(result.created.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo power list loaded. Created: {created}"))
        else:
            self.stdout.write("Demo power list already loaded; nothing to add.")
        today = timezone.localdate()
        self.stdout.write(
            f"Matter types: {MatterType.objects.count()}; entries in force today: "
            f"{Power.objects.in_force(today).count()}; jurisdiction decisions: "
            f"{JurisdictionDecision.objects.count()}"
        )
        self.stdout.write(f"Elapsed: {time.monotonic() - started:.1f} s")
