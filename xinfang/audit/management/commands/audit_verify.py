"""Verify the audit log's hash chain: `python manage.py audit_verify [--anchor ID:HASH ...]`.

Walks every event in id order, streaming (memory stays flat for millions of rows), recomputes each
hash and checks each link. Exits 0 and prints the count and the head (id and hash) when the chain
holds; exits 1 naming the first broken event (expected vs found) otherwise. Keep the printed head
somewhere outside the database (a signed report, a ticket): passing it back as `--anchor` later
detects a chain that was re-computed after tampering, which links alone cannot."""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from xinfang.audit.chain import HASHED_FIELDS, verify_rows
from xinfang.audit.models import AuditEvent


def _anchor(value: str) -> tuple[int, str]:
    event_id, sep, digest = value.partition(":")
    if not sep or not event_id.isdigit() or len(digest) != 64:
        raise ValueError(value)
    return int(event_id), digest.lower()


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (exit 0 when intact, 1 at the first broken event)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=2000, help="rows fetched per round trip")
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="ID:HASH",
            help="an event id and the hash recorded for it earlier (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchors = dict(_anchor(a) for a in options["anchor"])
        except ValueError as exc:
            raise CommandError(f"--anchor must be ID:HASH (64 hex digits), got {exc}") from exc
        started = time.perf_counter()
        rows = (
            AuditEvent.objects.order_by("id")
            .values_list("id", "prev_hash", "hash", *HASHED_FIELDS)
            .iterator(chunk_size=options["chunk_size"])
        )
        # PostgreSQL streams through a server-side cursor only inside a transaction (outside one
        # the cursor is WITH HOLD and materialised first). On SQLite a transaction would BEGIN
        # IMMEDIATE and block writers, and a single SELECT already reads one snapshot.
        in_transaction = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
        with in_transaction:
            try:
                result = verify_rows(rows, anchors=anchors)
            finally:
                # Stopping at a break must close the server-side cursor inside the transaction.
                rows.close()  # type: ignore[attr-defined]
        elapsed = time.perf_counter() - started
        if result.broken is not None:
            raise CommandError(f"Audit chain BROKEN after {result.count} good event(s): {result.broken}", returncode=1)
        rate = result.count / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            f"Audit chain OK: {result.count} events verified in {elapsed:.2f} s ({rate:,.0f} events/s); "
            f"head id={result.head_id} hash={result.head_hash}"
        )
