"""Protection of the public forms without a CAPTCHA (issue 5 item 8), with the one-stop service
pages' own limits and salt over the shared mechanisms: a signed, time-stamped form token
(`xinfang.core.formguard`; a form sent back in under `MIN_SECONDS` or after `MAX_AGE` is refused,
and a token is used once), a honeypot field that people never see, and fixed-window rate limits
per client address in the cache (`xinfang.core.ratelimit`)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from xinfang.core import ratelimit
from xinfang.core.formguard import HONEYPOT_FIELD, token_issue, token_nonce
from xinfang.core.formguard import FormTokenError as TokenError

MIN_SECONDS = 3  # nobody fills in the form faster
MAX_AGE = 6 * 60 * 60  # a form left open longer than this is reloaded

# (requests, window in seconds) per client address.
SUBMIT_LIMIT = (5, 60 * 60)
STATUS_LIMIT = (20, 10 * 60)

_SIGNER_SALT = "xinfang.legalservices.form-token"

__all__ = [
    "HONEYPOT_FIELD",
    "MAX_AGE",
    "MIN_SECONDS",
    "STATUS_LIMIT",
    "SUBMIT_LIMIT",
    "TokenError",
    "check_form_token",
    "issue_form_token",
    "rate_limited",
    "use_form_token",
]


def issue_form_token(now: float | None = None) -> str:
    """A token for one form: a random nonce and the time it was issued, signed."""
    return token_issue(salt=_SIGNER_SALT, now=now)


def check_form_token(token: str, now: float | None = None) -> str:
    """The token's nonce if the token is genuine and between MIN_SECONDS and MAX_AGE old;
    TokenError otherwise. Does not use it up (see `use_form_token`)."""
    return token_nonce(token, salt=_SIGNER_SALT, min_seconds=MIN_SECONDS, max_age=MAX_AGE, now=now)


def use_form_token(nonce: str) -> bool:
    """Mark the token used; False when it was used already (the same form sent twice)."""
    return bool(cache.add(f"legalservices:token:{nonce}", 1, MAX_AGE + 60))


def rate_limited(request: HttpRequest, scope: str, limit: tuple[int, int]) -> bool:
    """Count one hit for the client address in `scope`; True once the window's limit is passed."""
    allowed, window = limit
    return ratelimit.hit(f"legalservices:{scope}", ratelimit.client_address(request), limit=allowed, window=window)
