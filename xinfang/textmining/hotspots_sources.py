"""Reads for the hot-spot pages: the documents of every source registered in
`XINFANG_HOTSPOT_SOURCES` (textmining imports no workflow app; each source applies the reader's
permissions through `restrict()`), and their hot spots, cached by content."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from .hotspots import Document, HotSpot, hotspots_compute

CACHE_SECONDS = 300
Source = Callable[[Any, datetime.datetime, datetime.datetime], list[dict[str, Any]]]


def hotspot_sources() -> dict[str, Source]:
    configured: dict[str, str] = getattr(settings, "XINFANG_HOTSPOT_SOURCES", {}) or {}
    return {name: import_string(path) for name, path in configured.items()}


def hotspot_documents(*, user: Any, since: datetime.datetime, until: datetime.datetime) -> list[Document]:
    """Every document the user may count, from every registered source, received in [since, until]."""
    documents: list[Document] = []
    for source in hotspot_sources().values():
        documents.extend(Document(**row) for row in source(user, since, until))
    return documents


def _fingerprint(documents: list[Document], *parts: object) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(repr(part).encode())
    for d in documents:
        digest.update(
            f"{d.ref}|{d.at.isoformat()}|{d.author}|{d.likes}|{d.dislikes}|{d.url}|{d.title}|{d.text}\n".encode()
        )
    return digest.hexdigest()


def hotspots_for(
    *, user: Any, since: datetime.datetime, until: datetime.datetime, recent_days: int = 30
) -> list[HotSpot]:
    """The hot spots among the documents the user may count. The computation is cached under a
    digest of exactly those documents (so a reader never gets hot spots built from matters they may
    not see, and a new or changed matter gives a new key)."""
    documents = hotspot_documents(user=user, since=since, until=until)
    key = "xf-hotspots:" + _fingerprint(documents, until.isoformat(), recent_days)
    spots: list[HotSpot] | None = cache.get(key)
    if spots is None:
        spots = hotspots_compute(documents, until=until, recent_days=recent_days)
        cache.set(key, spots, CACHE_SECONDS)
    return spots
