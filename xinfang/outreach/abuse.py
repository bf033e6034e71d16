"""Protection of the public booking and cancellation forms without a CAPTCHA, over the shared
mechanisms (`xinfang.core.formguard`, `xinfang.core.ratelimit`) with this app's own salt and limits:
a signed, time-stamped form token used once, a honeypot field, and fixed-window limits per client
address."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from xinfang.core import ratelimit
from xinfang.core.formguard import HONEYPOT_FIELD, FormTokenError, token_issue, token_nonce

MIN_SECONDS = 3  # nobody fills in the form faster
MAX_AGE = 6 * 60 * 60
BOOK_LIMIT = (5, 60 * 60)  # bookings per client address per hour
CANCEL_LIMIT = (20, 10 * 60)  # look-ups / cancellations per client address per ten minutes
_SALT = "xinfang.outreach.form-token"

__all__ = [
    "BOOK_LIMIT",
    "CANCEL_LIMIT",
    "HONEYPOT_FIELD",
    "FormTokenError",
    "check_form_token",
    "issue_form_token",
    "rate_limited",
    "use_form_token",
]


def issue_form_token(now: float | None = None) -> str:
    return token_issue(salt=_SALT, now=now)


def check_form_token(token: str, now: float | None = None) -> str:
    """The token's nonce; FormTokenError when forged, too fast or too old."""
    return token_nonce(token, salt=_SALT, min_seconds=MIN_SECONDS, max_age=MAX_AGE, now=now)


def use_form_token(nonce: str) -> bool:
    """Mark the token used; False when it was used already (the same form sent twice)."""
    return bool(cache.add(f"outreach:token:{nonce}", 1, MAX_AGE + 60))


def rate_limited(request: HttpRequest, scope: str, limit: tuple[int, int]) -> bool:
    allowed, window = limit
    return ratelimit.hit(f"outreach:{scope}", ratelimit.client_address(request), limit=allowed, window=window)
