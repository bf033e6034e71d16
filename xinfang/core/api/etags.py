"""ETags against lost updates. Reads of one record carry `ETag`; a write to it may send
`If-Match` with that value: when the record changed in between, the write is refused with 412 and
nothing is written (the check runs on the locked row, inside the write's transaction)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models
from rest_framework.request import Request
from rest_framework.response import Response

from .errors import PreconditionFailed


def etag_of(instance: models.Model, *, version: str | None = None) -> str:
    """A weak validator from the row's identity and its last change time. A row without
    `updated_at` (e.g. a routing) passes `version`: a text that changes whenever the row does."""
    if version is None:
        stamp = getattr(instance, "updated_at", None)
        version = stamp.isoformat() if stamp else ""
    raw = f"{instance._meta.label}:{instance.pk}:{version}"
    return 'W/"' + hashlib.sha256(raw.encode()).hexdigest()[:20] + '"'


def with_etag(response: Response, instance: models.Model, *, version: str | None = None) -> Response:
    response["ETag"] = etag_of(instance, version=version)
    return response


def _normalise(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def if_match_check(request: Request, instance: models.Model, *, version: str | None = None) -> None:
    """Refuse with 412 when If-Match is given and names another version (a list is allowed; `*`
    matches any existing record). Call it after locking the row."""
    header = request.headers.get("If-Match")
    if not header:
        return
    wanted = {_normalise(part) for part in header.split(",") if part.strip()}
    if "*" in wanted:
        return
    if _normalise(etag_of(instance, version=version)) not in wanted:
        raise PreconditionFailed()


def checks_if_match(handler: Any) -> Any:
    """Mark a view method whose write honours If-Match (documented in the schema)."""
    handler.if_match = True
    return handler


def lock(model: type[models.Model], pk: Any) -> Any:
    """The row locked for the write's transaction (select_for_update; a no-op lock on SQLite, whose
    transactions take the write lock at BEGIN)."""
    return model._default_manager.select_for_update().get(pk=pk)
