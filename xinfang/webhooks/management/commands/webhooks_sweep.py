"""Send the webhook deliveries that are due: run from cron (e.g. every minute), or enqueue the job."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.webhooks.tasks import webhooks_sweep


class Command(BaseCommand):
    help = "Send due webhook deliveries (retries and lost sends), or enqueue the job for db_worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--enqueue", action="store_true", help="queue the job for the background worker")

    def handle(self, *args: object, **options: Any) -> None:
        if options["enqueue"]:
            result = webhooks_sweep.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        counts = webhooks_sweep.call()
        summary = ", ".join(f"{status} {count}" for status, count in counts.items())
        self.stdout.write(f"webhook deliveries: {summary}")
