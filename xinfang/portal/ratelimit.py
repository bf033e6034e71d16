"""Fixed-window counters in the cache, as the public verification page of xinfang.notices counts
(`cache.add` then `cache.incr`). Keys are hashed, so no address or reference is kept in clear.
With several server processes, configure a shared cache (CACHES) so that they count together."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from .conf import rate_limit

PREFIX = "portal:rl"


def _key(scope: str, subject: str) -> str:
    return f"{PREFIX}:{scope}:{hashlib.sha256(subject.encode()).hexdigest()[:40]}"


def hit(scope: str, subject: str) -> bool:
    """Count one request of `subject` (a client address, a reference) in `scope`; True when it is
    over the limit of XINFANG_PORTAL_RATE_LIMITS[scope]."""
    limit, window = rate_limit(scope)
    key = _key(scope, subject)
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > limit


def exhausted(scope: str, subject: str) -> bool:
    """Has `subject` used up its allowance in `scope` (without counting this look)?"""
    limit, _window = rate_limit(scope)
    return int(cache.get(_key(scope, subject), 0)) >= limit
