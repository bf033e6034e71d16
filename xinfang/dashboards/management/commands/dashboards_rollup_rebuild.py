"""Build the dashboard rollups again from the matters and grid events (after an import, or for data
that existed before the rollups): `manage.py dashboards_rollup_rebuild [--batch N]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from xinfang.dashboards.rollups import rollup_rebuild


class Command(BaseCommand):
    help = "Rebuild the dashboard rollups (facts and daily/monthly tallies) from the source tables."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=5000, help="rows per batch (default 5000)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        bars: dict[str, tqdm] = {}

        def progress(source: str, done: int, total: int) -> None:
            if options["no_progress"]:
                return
            bar = bars.get(source)
            if bar is None:
                bar = bars[source] = tqdm(total=total, desc=source, unit="rows", file=self.stderr)
            bar.update(done - bar.n)

        result = rollup_rebuild(batch=max(1, options["batch"]), progress=progress)
        for bar in bars.values():
            bar.close()
        self.stdout.write(f"matters: {result.matters}, grid events: {result.events}, tally rows: {result.tallies}")
