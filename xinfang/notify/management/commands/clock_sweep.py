"""`manage.py clock_sweep [--today DATE] [--batch-size N]`: alert clocks due soon, overdue or to escalate."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from xinfang.core.actors import SYSTEM
from xinfang.notify.services import clock_sweep, clock_sweep_count


class Command(BaseCommand):
    help = (
        "Alert every running clock due soon, overdue or overdue past the grace (escalated one level up), "
        "once per clock, stage and due date. Resumable: safe to kill and run again (docs/notify.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="sweep as of this date (YYYY-MM-DD); default: today")
        parser.add_argument("--batch-size", type=int, default=None, help="clocks per transaction")
        parser.add_argument("--pause", type=float, default=0.0, help="seconds to wait between batches")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("today"):
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today: not a date: {options['today']!r}") from exc
        total = clock_sweep_count(today=today)
        with tqdm(total=total, unit="clock", disable=options["no_progress"], file=self.stderr._out) as bar:
            result = clock_sweep(
                actor=SYSTEM, today=today, batch_size=options["batch_size"], on_batch=bar.update, pause=options["pause"]
            )
        self.stdout.write(json.dumps(result.as_dict()))
