"""Run the cluster trigger of major decisions once: `manage.py risk_cluster_check [--since DATE]`."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xinfang.core.actors import SYSTEM
from xinfang.risk.services import risk_cluster_check


class Command(BaseCommand):
    help = (
        "Flag for review the assessments of major decisions around which petitions and grid events "
        "cluster (settings XINFANG_RISK_CLUSTER_MIN, _WINDOW_DAYS); idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="count items from this date (YYYY-MM-DD) instead of the window")

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options.get("since"):
            try:
                day = datetime.date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(f"--since: not a date: {options['since']!r}") from exc
            since = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        flags = risk_cluster_check(since=since, actor=SYSTEM)
        for flag in flags:
            self.stdout.write(f"flag {flag.pk}: decision {flag.decision_id} ({flag.matched_count} items)")
        self.stdout.write(f"{len(flags)} new review flag(s)")
