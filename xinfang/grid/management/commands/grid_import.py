"""Import grid events from a CSV or XLSX file (`xinfang.grid.importing`):

    manage.py grid_import --file F.csv --actor USERNAME [--dry-run]

All or nothing; every row checked first; one audit event per import. A progress bar (tqdm) goes
to stderr. Exit status: 0 when every row was imported (or, with --dry-run, would be); 1 when the
file has row errors or cannot be read (nothing written, the errors printed as a table); 2 for a
wrong command line (missing file, unknown user, no permission)."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from xinfang.grid.importing import ImportResult, grid_events_import
from xinfang.grid.states import EventStatus
from xinfang.transfer.readers import FileProblem

USAGE = 2
FAILED = 1


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def error_table(result: ImportResult) -> str:
    """The row errors as a plain-text table (row, column, message)."""
    header = (_("行"), _("列"), _("错误"))
    rows = [
        (str(p.row), f"{p.column} ({p.letter})" if p.letter else (p.column or "—"), p.message) for p in result.errors
    ]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(2)]
    lines = [f"{_pad(header[0], widths[0])}  {_pad(header[1], widths[1])}  {header[2]}"]
    lines.append(f"{'-' * widths[0]}  {'-' * widths[1]}  ----")
    lines += [f"{_pad(r[0], widths[0])}  {_pad(r[1], widths[1])}  {r[2]}" for r in rows]
    if result.errors_truncated:
        lines.append(f"… {len(result.errors)} / {result.error_count}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Import grid events from a CSV or XLSX file: every row checked, all or nothing, one audit event; "
        "uncategorised events get a suggested category; exit 1 with the row errors, 2 on a bad command line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", required=True, type=Path)
        parser.add_argument("--actor", required=True, help="user name of the person importing")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}", returncode=USAGE)
        user = get_user_model().objects.filter(username=options["actor"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['actor']!r}", returncode=USAGE)
        stream = getattr(self.stderr, "_out", self.stderr)
        bars: dict[str, tqdm[Any]] = {}
        labels = {"check": _("检查"), "write": _("写入")}

        def progress(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage)
            if bar is None:
                bar = bars[stage] = tqdm(total=total, unit="row", file=stream, desc=labels.get(stage, stage))
            bar.update(done - bar.n)

        try:
            result = grid_events_import(
                actor=user, name=path.name, content=path.read_bytes(), dry_run=options["dry_run"], progress=progress
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=USAGE) from exc
        except FileProblem as exc:
            raise CommandError(exc.message, returncode=FAILED) from exc
        finally:
            for bar in bars.values():
                bar.close()
        statuses = ", ".join(f"{EventStatus(k).label} {v}" for k, v in sorted(result.by_status.items()))
        prefix = "dry run: " if result.dry_run else ""
        self.stdout.write(
            f"{prefix}batch {result.batch or '—'}; rows {result.rows}; created {result.created}; "
            f"categorised {result.categorised}; suggested {result.suggested}; unclassified {result.unclassified}; "
            f"clocks {result.clocks_started}; errors {result.error_count}; {result.seconds:.1f} s"
            + (f" ({statuses})" if statuses else "")
        )
        if result.errors:
            self.stderr.write(error_table(result))
        if not result.ok:
            raise CommandError(f"{result.error_count} error(s): nothing was written", returncode=FAILED)
