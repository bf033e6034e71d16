"""Periodic deadline checks: run now, or hand the job to the background worker (--enqueue)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.workcalendar.tasks import deadlines_sweep


class Command(BaseCommand):
    help = "Recompute provisional clocks (run from cron, e.g. hourly), or enqueue the job for db_worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--enqueue", action="store_true", help="queue the job for the background worker")

    def handle(self, *args: object, **options: Any) -> None:
        if options["enqueue"]:
            result = deadlines_sweep.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        counts = deadlines_sweep.call()
        self.stdout.write(f"recomputed {counts['recomputed']} clock(s), {counts['changed']} due date(s) changed")
