"""The file drop of 12345 orders (`manage.py hotline_import FILE`): JSON (a list of orders, or
{"orders": [...]}) or CSV (a header row with the same names), one order per row, each fed to
`order_receive` — so a file sent twice, or fixed and sent again, creates nothing twice. Row errors
are reported with their row number; the other rows are received. One audit event per import with
the file's SHA-256 and the counts."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from xinfang.audit.services import audit_record
from xinfang.orgs.models import Organisation

from .services import OrderData, order_receive

FIELDS = (
    "organisation",
    "source_system",
    "external_id",
    "kind",
    "content",
    "received_at",
    "caller_name",
    "caller_phone",
    "category",
    "place_text",
    "exclusion",
    "exclusion_note",
)


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    updated: int = 0
    ignored: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "updated": self.updated,
            "ignored": self.ignored,
            "errors": len(self.errors),
        }


class FileError(ValueError):
    """The file cannot be read at all (not JSON or CSV, wrong shape)."""


def read_rows(path: Path) -> tuple[list[dict[str, Any]], str]:
    """The rows of a .json or .csv file and its SHA-256."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    text = raw.decode("utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FileError(f"not valid JSON: {exc}") from exc
        if isinstance(data, dict):
            data = data.get("orders")
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise FileError('expected a list of orders, or {"orders": [...]}')
        return data, digest
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = {"external_id", "kind", "content", "received_at"} - set(reader.fieldnames or [])
        if missing:
            raise FileError(f"CSV header lacks: {', '.join(sorted(missing))}")
        return [dict(row) for row in reader], digest
    raise FileError("the file must end in .json or .csv")


def _received_at(value: Any) -> datetime.datetime | None:
    try:
        parsed = parse_datetime(str(value or "").strip())
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)  # local (Asia/Shanghai) time, as hotlines write it
    return parsed


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


def _row(
    row: dict[str, Any], organisations: dict[str, Organisation], default_org: str, default_source: str
) -> tuple[Organisation, OrderData]:
    code = str(row.get("organisation") or default_org or "").strip()
    organisation = organisations.get(code)
    if organisation is None:
        organisation = Organisation.objects.filter(code=code).first() if code else None
        if organisation is None:
            raise ValidationError({"organisation": f"unknown organisation code {code!r}"})
        organisations[code] = organisation
    # An unreadable time is left to order_receive, which reports it with the row's other errors.
    received: Any = _received_at(row.get("received_at"))
    values = {name: str(row.get(name) or "").strip() for name in FIELDS if name not in ("organisation", "received_at")}
    values["source_system"] = values["source_system"] or default_source
    return organisation, OrderData(received_at=received, **values)


def hotline_import(
    *, actor: Any, path: Path, default_org: str = "", default_source: str = "", dry_run: bool = False
) -> ImportResult:
    """Receive every order of the file; see the module docstring. With `dry_run` everything is
    checked and received inside one transaction that is then rolled back."""
    rows, digest = read_rows(path)
    result = ImportResult(rows=len(rows))
    organisations: dict[str, Organisation] = {}

    def run() -> None:
        for number, row in enumerate(rows, start=1):
            try:
                organisation, data = _row(row, organisations, default_org, default_source)
                received = order_receive(actor=actor, organisation=organisation, data=data)
            except ValidationError as exc:
                result.errors.append((number, _messages(exc)))
                continue
            except PermissionDenied as exc:
                result.errors.append((number, str(exc)))
                continue
            if received.created:
                result.created += 1
            elif received.updated_fields:
                result.updated += 1
            elif received.ignored_fields:
                result.ignored += 1
            else:
                result.unchanged += 1
        audit_record(
            actor=actor,
            action="hotline_order.import",
            object_type="hotline.hotlineorder",
            object_label=path.name[:200],
            summary={"sha256": digest, "dry_run": dry_run, **result.counts()},
        )

    if dry_run:
        with transaction.atomic():
            run()
            transaction.set_rollback(True)
    else:
        run()
    return result
