"""Idempotency keys on every create (docs/api.md). A client sends `Idempotency-Key: <any unique
text>` with a POST that creates something; the first answer (status, body, Location) is stored
with the key in the same transaction as the record it created (a create view may build its body
just after the commit: `CreatedResponse`), so:

- the same request sent again returns the stored answer (header `Idempotent-Replayed: true`);
- the same key with a different request is refused (400); a request whose key's first request is
  still running waits for it and replays its answer (409 if that one failed);
- a request that failed (4xx/5xx) stores nothing: the client may fix it and send it again.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.core.models import IdempotencyKey

from .errors import IdempotencyConflict

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\0" + request.path.encode() + b"\0")
    try:
        digest.update(request._request.body)
    except RawPostDataException:
        digest.update(repr(sorted((k, str(v)) for k, v in request.data.items())).encode())
    return digest.hexdigest()


def _valid_key(raw: str) -> str:
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("幂等键必须是 1 至 255 个可打印字符。")]}, code="invalid_idempotency_key"
        )
    return key


def _replay(row: IdempotencyKey) -> Response:
    response = Response(row.response_body, status=row.response_status or 200)
    response["Idempotent-Replayed"] = "true"
    if row.response_location:
        response["Location"] = row.response_location
    return response


def _claim(user: Any, key: str, fingerprint: str) -> IdempotencyKey | Response:
    """Take the key for this request, or answer from an earlier one. Runs inside the request's
    transaction: the new key row commits or rolls back with what the request creates, and a
    concurrent request with the same key waits at the insert until this one ends, then replays it."""
    stale_before = timezone.now() - datetime.timedelta(seconds=settings.XINFANG_API_IDEMPOTENCY_STALE_SECONDS)
    expired_before = timezone.now() - datetime.timedelta(hours=settings.XINFANG_API_IDEMPOTENCY_HOURS)
    row = IdempotencyKey.objects.select_for_update().filter(user=user, key=key).first()
    if row is not None and row.created_at < expired_before:
        row.delete()
        row = None
    if row is None:
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            # The same key's first request committed while this one waited: answer as it did.
            row = IdempotencyKey.objects.filter(user=user, key=key).first()
            if row is None or row.state != IdempotencyKey.State.DONE:
                raise IdempotencyConflict() from None
    if row.fingerprint != fingerprint:
        raise exceptions.ValidationError(
            {HEADER: [_("这个幂等键已用于另一个不同的请求。")]}, code="idempotency_key_reused"
        )
    if row.state == IdempotencyKey.State.DONE:
        return _replay(row)
    if row.updated_at >= stale_before:
        raise IdempotencyConflict()
    row.save(update_fields=["updated_at"])  # a crashed worker's claim (keys kept before 2026-11): take it over
    return row


class CreatedResponse(Response):
    """A success whose body is built after the commit: a create view returns it so that the reading
    and serialising of its answer happen outside the transaction, whose locks (the audit chain's,
    a counter row) are then held only as long as the writes need them. `build()` gives the body.
    The Idempotency-Key row stores the status and Location with the record; the body is added right
    after the commit, and a replay that finds none (a crash in between) asks the view again
    (`idempotent_replay_body(request, location)`)."""

    def __init__(self, build: Callable[[], Any], *, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(None, status=status, headers=headers)
        self.build = build

    def finish(self) -> Response:
        self.data = self.build()
        return self


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an API view method that creates something (POST)."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.headers.get(HEADER)
        if raw is None or not request.user.is_authenticated:
            return _finished(handler(view, request, *args, **kwargs))
        key = _valid_key(raw)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            claimed = _claim(request.user, key, fingerprint)
            if isinstance(claimed, Response):
                if claimed.data is None:  # stored with the record; the body was never added
                    claimed.data = view.idempotent_replay_body(request, claimed["Location"])
                return claimed
            response = handler(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)  # a refused request keeps no key: fix it and send it again
                return response
            claimed.state = IdempotencyKey.State.DONE
            claimed.response_status = response.status_code
            claimed.response_location = response.get("Location", "")
            deferred = isinstance(response, CreatedResponse)
            claimed.response_body = None if deferred else response.data
            claimed.save()
        if deferred:
            response = _finished(response)
            IdempotencyKey.objects.filter(pk=claimed.pk).update(response_body=response.data)
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]  # read by the schema class
    return wrapper


def _finished(response: Response) -> Response:
    return response.finish() if isinstance(response, CreatedResponse) else response


def idempotency_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete keys older than the retention time; returns how many."""
    before = (now or timezone.now()) - datetime.timedelta(hours=settings.XINFANG_API_IDEMPOTENCY_HOURS)
    deleted, _counts = IdempotencyKey.objects.filter(created_at__lt=before).delete()
    return deleted
