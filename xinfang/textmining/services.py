"""Writes of textmining: the near-duplicate index."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction

from .minhash import LshParams, params_from_settings, text_bands
from .models import NearDupBand


@transaction.atomic
def neardup_index(
    *,
    object_type: str,
    object_id: int,
    text: str,
    at: datetime.datetime,
    params: LshParams | None = None,
    replace: bool = True,
) -> int:
    """Insert or replace the LSH bands of one object's text (at most `BANDS` rows per object);
    returns the number of rows written (0 for a text too short to have a shingle: its old rows are
    removed too). Derived data, not a decision: no audit event (the caller's service records its
    own). Called inside the caller's transaction so the index never disagrees with the text.
    `replace=False` for an object created in this transaction (it has no rows to remove)."""
    if replace:
        NearDupBand.objects.filter(object_type=object_type, object_id=object_id).delete()
    hashes = text_bands(text, params or params_from_settings())
    NearDupBand.objects.bulk_create(
        NearDupBand(object_type=object_type, object_id=object_id, band=band, hash=value, at=at)
        for band, value in enumerate(hashes)
    )
    return len(hashes)


@transaction.atomic
def neardup_index_many(
    *,
    object_type: str,
    documents: Iterable[tuple[int, str, datetime.datetime]],
    params: LshParams | None = None,
) -> int:
    """`neardup_index` for a batch of (object_id, text, at), in bulk (rebuilds, benchmarks)."""
    params = params or params_from_settings()
    rows: list[NearDupBand] = []
    ids: list[int] = []
    for object_id, text, at in documents:
        ids.append(object_id)
        rows.extend(
            NearDupBand(object_type=object_type, object_id=object_id, band=band, hash=value, at=at)
            for band, value in enumerate(text_bands(text, params))
        )
    for start in range(0, len(ids), 500):
        NearDupBand.objects.filter(object_type=object_type, object_id__in=ids[start : start + 500]).delete()
    NearDupBand.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@transaction.atomic
def neardup_forget(*, object_type: str, object_ids: Iterable[int] | None = None) -> int:
    """Remove the bands of some objects (or of every object of the type); returns rows removed."""
    rows = NearDupBand.objects.filter(object_type=object_type)
    if object_ids is not None:
        rows = rows.filter(object_id__in=list(object_ids))
    return int(rows.delete()[0])
