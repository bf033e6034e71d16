"""Reads of textmining: near-duplicate candidates from the index."""

from __future__ import annotations

import datetime
from collections import Counter

from .minhash import LshParams, params_from_settings, setting, text_bands
from .models import NearDupBand


def neardup_candidates(
    *,
    object_type: str,
    text: str,
    since: datetime.datetime | None = None,
    limit: int | None = None,
    params: LshParams | None = None,
) -> list[int]:
    """Ids of indexed objects of `object_type` sharing at least one LSH band with `text` (with
    `at >= since` when given), most shared bands first (then the highest id), at most `limit`
    (`XINFANG_NEARDUP["CANDIDATES"]`, default 30). Candidates only: the caller re-scores them
    exactly and filters them by permission. Empty for a text too short to have a shingle."""
    hashes = text_bands(text, params or params_from_settings())
    if not hashes:
        return []
    wanted = dict(enumerate(hashes))
    # Only `hash IN (…)` in SQL: with `object_type = …` too, SQLite's planner picks the unique
    # (object_type, object_id, band) index and scans every row of the type. The rows found are
    # few (those sharing a band), so the other conditions are checked here.
    rows = NearDupBand.objects.filter(hash__in=set(hashes))
    fields = ("object_type", "object_id", "band", "hash", "at")
    shared: Counter[int] = Counter()
    for row_type, object_id, band, value, at in rows.values_list(*fields):
        if row_type == object_type and wanted.get(band) == value and (since is None or at >= since):
            shared[int(object_id)] += 1
    limit = setting("CANDIDATES") if limit is None else limit
    ranked = sorted(shared.items(), key=lambda item: (-item[1], -item[0]))
    return [object_id for object_id, _count in ranked[:limit]]
