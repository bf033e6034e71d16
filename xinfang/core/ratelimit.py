"""Fixed-window rate limits for the public pages (issue 5 item 8), one mechanism for every app: the
notice verification page, the portal, the one-stop service pages and the guidance map PDF.

A counter per scope and subject (a client address, a reference) lives in Django's cache: the first
request of a window adds it with the window as its timeout, each request increments it. Keys are
hashed, so no address or reference is kept in clear. With several server processes, configure a
shared cache (CACHES, docs/operations.md) so that they count together.

Each app keeps its own limits and settings (docs/portal.md, docs/legalservices.md, docs/guidance.md)
and passes them in; only the counting lives here."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

PREFIX = "ratelimit"


def _key(scope: str, subject: str) -> str:
    return f"{PREFIX}:{scope}:{hashlib.sha256(subject.encode()).hexdigest()[:40]}"


def client_address(request: HttpRequest, *, header: str = "") -> str:
    """The client's address: REMOTE_ADDR, or the first address in the META key `header` (e.g.
    "HTTP_X_REAL_IP") when the app is configured behind a trusted proxy that sets it."""
    if header:
        value = str(request.META.get(header, "")).split(",")[0].strip()
        if value:
            return value
    return str(request.META.get("REMOTE_ADDR", ""))


def hit(scope: str, subject: str, *, limit: int, window: int) -> bool:
    """Count one request of `subject` in `scope`; True when it is over `limit` requests in the
    current window of `window` seconds (the window starts with the first request)."""
    key = _key(scope, subject)
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > limit


def exhausted(scope: str, subject: str, *, limit: int) -> bool:
    """Has `subject` used up its allowance in `scope` (without counting this look)?"""
    return int(cache.get(_key(scope, subject), 0)) >= limit


def too_many(response: HttpResponse, *, retry_after: int) -> HttpResponse:
    """The friendly answer over a limit: the app's own page (with its message), status 429 and
    `Retry-After` in seconds (the window; the counter may reset sooner)."""
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    return response
