"""Import matters, petitioners or the power list from a CSV or XLSX file, in this process:

    manage.py transfer_import --kind matters --file F.xlsx --org CODE --actor USERNAME [--dry-run]

The same job as the web page (`xinfang.transfer.services`): all or nothing, row errors listed with
their row and column, one audit event. A progress bar (tqdm) goes to stderr.

Exit status: 0 when every row was imported (or, with --dry-run, would be); 1 when the file has row
errors or cannot be read (nothing written); 2 for a wrong command line (unknown user, organisation
or kind, missing file, no permission)."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from xinfang.orgs.models import Organisation
from xinfang.transfer.importers import OUTCOME_LABELS
from xinfang.transfer.models import ImportJob, ImportKind, ImportStatus
from xinfang.transfer.policies import needs_organisation
from xinfang.transfer.services import import_job_create, import_job_run

USAGE = 2
FAILED = 1


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def error_table(job: ImportJob) -> str:
    """The row errors as a plain-text table (row, column, message)."""
    header = (_("行"), _("列"), _("错误"))
    rows = [
        (str(e["row"]), f"{e['column']} ({e['letter']})" if e.get("letter") else str(e["column"] or "—"), e["message"])
        for e in job.errors
    ]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(2)]
    lines = [f"{_pad(header[0], widths[0])}  {_pad(header[1], widths[1])}  {header[2]}"]
    lines.append(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 4}")
    lines += [f"{_pad(r[0], widths[0])}  {_pad(r[1], widths[1])}  {r[2]}" for r in rows]
    if job.errors_truncated:
        lines.append(f"… {len(job.errors)} / {job.error_count}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Import matters, petitioners or the power list from a CSV or XLSX file: every row checked, all or "
        "nothing; row errors printed as a table; exit 1 on errors, 2 on a bad command line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--file", required=True, type=Path)
        parser.add_argument("--org", default="", help="code of the organisation (matters and petitioners)")
        parser.add_argument("--actor", required=True, help="user name of the person importing")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def _usage(self, message: str) -> CommandError:
        return CommandError(message, returncode=USAGE)

    def handle(self, *args: Any, **options: Any) -> None:
        kind: str = options["kind"]
        path: Path = options["file"]
        if not path.is_file():
            raise self._usage(f"no such file: {path}")
        user = get_user_model().objects.filter(username=options["actor"], is_active=True).first()
        if user is None:
            raise self._usage(f"no active user {options['actor']!r}")
        organisation = None
        if options["org"]:
            organisation = Organisation.objects.filter(code=options["org"]).first()
            if organisation is None:
                raise self._usage(f"no organisation with code {options['org']!r}")
        elif needs_organisation(kind):
            raise self._usage(f"--org is required for {kind}")
        try:
            job, _created = import_job_create(
                actor=user,
                kind=kind,
                organisation=organisation,
                name=path.name,
                content=path.read_bytes(),
                dry_run=options["dry_run"],
            )
        except PermissionDenied as exc:
            raise self._usage(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=FAILED) from exc
        stream = getattr(self.stderr, "_out", self.stderr)
        with tqdm(total=job.total, unit="row", file=stream, desc=path.name, leave=True) as bar:

            def advance(processed: int, total: int, errors: int) -> None:
                if bar.total != total:  # known once the worker has read the file
                    bar.total = total
                bar.update(processed - bar.n)
                bar.set_postfix(errors=errors)

            job = import_job_run(job_id=job.pk, on_progress=advance)
        counts = ", ".join(f"{OUTCOME_LABELS.get(k, k)} {v}" for k, v in job.counts.items()) or "—"
        prefix = "dry run: " if job.dry_run else ""
        self.stdout.write(f"{prefix}job {job.pk} {job.status}; rows {job.total}; {counts}; errors {job.error_count}")
        if job.problem:
            self.stderr.write(job.problem)
        if job.errors:
            self.stderr.write(error_table(job))
        if job.status != ImportStatus.DONE:
            raise CommandError(f"{job.error_count} error(s): nothing was written", returncode=FAILED)
