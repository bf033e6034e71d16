"""The hash chain: what a row's hash covers, in a form that survives the database round trip.

Each row's ``hash`` is SHA-256 over the previous row's hash and a canonical serialisation of the
row's content. The canonical form must give the same bytes for the values audit_record holds in
memory and for the values read back from SQLite or PostgreSQL later, so:

- the timestamp is written in UTC with microseconds (both databases keep microseconds);
- JSON objects are written with sorted keys (PostgreSQL's jsonb reorders keys, SQLite keeps them);
- JSON numbers are written by value: jsonb gives ``1e16`` back as ``10000000000000000`` (an int
  in Python) and ``-0.0`` as ``0.0``, so integral floats are hashed as the integer they stand
  for (``1.0`` and ``1`` hash alike); other floats by their shortest repr, which survives;
- the summary itself is first normalised through JSON (tuples become lists, int keys strings,
  dates ISO strings) before it is stored and hashed, see `normalise_summary`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64

# The columns a hash covers, in this order (also the order `verify_chain` reads them).
HASHED_FIELDS = (
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "org_id",
    "summary",
    "request_id",
)


def normalise_summary(summary: Any) -> dict[str, Any]:
    """The summary exactly as the database will give it back: a JSON round trip (DjangoJSONEncoder
    turns dates, decimals and UUIDs into strings; NaN and infinities are refused)."""
    if summary is None:
        return {}
    text = json.dumps(summary, cls=DjangoJSONEncoder, ensure_ascii=False, allow_nan=False)
    value = json.loads(text)
    if not isinstance(value, dict):
        raise TypeError("an audit summary must be a mapping")
    return value


def _integral(value: float) -> int:
    """The exact integer an integral float stands for, read from its shortest repr (so 1e16 gives
    10**16, as PostgreSQL's numeric does, and not the binary float's expansion)."""
    return int(Decimal(repr(value)))


def _prepare(value: Any) -> Any:
    """The value with every number in the form the database gives back: integral floats as ints
    (jsonb returns 1.0 as 1.0 but 1e16 as 10000000000000000; equal values must hash alike),
    other floats as they are (their repr is already canonical)."""
    if isinstance(value, float):
        if value.is_integer():
            return _integral(value)
        return value
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError("summary keys must be strings (call normalise_summary first)")
        return {key: _prepare(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_prepare(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    raise TypeError(f"cannot hash a {type(value).__name__} in an audit event")


def _timestamp(value: Any) -> str:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware datetimes")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(values: Sequence[Any]) -> bytes:
    """The canonical serialisation of a row's hashed values (in HASHED_FIELDS order): compact
    JSON with sorted keys, the timestamp in UTC with microseconds, numbers by value."""
    created_at, *rest = values
    row = [_timestamp(created_at), *(_prepare(value) for value in rest)]
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def event_digest(*, prev_hash: str, values: Sequence[Any]) -> str:
    """SHA-256 over the previous hash and the canonical content."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(b"|")
    digest.update(canonical_bytes(values))
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the chain does not hold."""

    event_id: int
    problem: str  # "prev_hash" (the link), "hash" (the row's own content) or "anchor"
    expected: str
    found: str

    def __str__(self) -> str:
        what = {
            "prev_hash": "does not link to the event before it (a row was deleted, inserted or re-linked)",
            "hash": "does not match its content (the row was altered)",
            "anchor": "differs from the anchor recorded earlier (the chain was re-computed after tampering)",
        }[self.problem]
        return f"event id={self.event_id} {what}: expected {self.problem} {self.expected}, found {self.found}"


@dataclass
class ChainResult:
    count: int = 0
    head_id: int | None = None
    head_hash: str = GENESIS_HASH
    broken: ChainBreak | None = None


def verify_rows(rows: Iterator[tuple[Any, ...]], *, anchors: dict[int, str] | None = None) -> ChainResult:
    """Walk rows of (id, prev_hash, hash, *HASHED_FIELDS) in id order; stop at the first break.
    `anchors` are (id -> hash) pairs recorded earlier outside the database (e.g. printed by a
    previous run): a chain re-computed after tampering passes the link checks but not these."""
    result = ChainResult()
    expected_prev = GENESIS_HASH
    pending = dict(anchors or {})
    for row in rows:
        event_id, prev_hash, stored_hash = row[0], row[1], row[2]
        if prev_hash != expected_prev:
            result.broken = ChainBreak(event_id, "prev_hash", expected_prev, prev_hash)
            return result
        computed = event_digest(prev_hash=prev_hash, values=row[3:])
        if computed != stored_hash:
            result.broken = ChainBreak(event_id, "hash", computed, stored_hash)
            return result
        anchored = pending.pop(event_id, None)
        if anchored is not None and anchored != stored_hash:
            result.broken = ChainBreak(event_id, "anchor", anchored, stored_hash)
            return result
        result.count += 1
        result.head_id, result.head_hash = event_id, stored_hash
        expected_prev = stored_hash
    if pending:
        missing = min(pending)
        result.broken = ChainBreak(missing, "anchor", pending[missing], "no such event")
    return result
