"""Receive 12345 orders from a file drop: `manage.py hotline_import orders.json|orders.csv`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.actors import SYSTEM
from xinfang.hotline.importer import FileError, hotline_import


class Command(BaseCommand):
    help = (
        "Receive 12345 work orders from a JSON or CSV file (idempotent by source system and external id; "
        "row errors are listed and the other rows received)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--organisation", default="", help="code of the receiving organisation for rows without one"
        )
        parser.add_argument("--source", default="", help="source system code for rows without one")
        parser.add_argument("--dry-run", action="store_true", help="check every row and write nothing")

    def handle(self, *args: object, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            result = hotline_import(
                actor=SYSTEM,
                path=path,
                default_org=options["organisation"],
                default_source=options["source"],
                dry_run=options["dry_run"],
            )
        except (FileError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        for number, message in result.errors:
            self.stderr.write(f"row {number}: {message}")
        counts = result.counts()
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(prefix + ", ".join(f"{name} {value}" for name, value in counts.items()))
        if result.errors:
            raise CommandError(f"{len(result.errors)} row(s) with errors")
