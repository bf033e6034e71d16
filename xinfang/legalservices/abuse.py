"""Protection of the public forms without a CAPTCHA (issue 5 item 8): a signed, time-stamped form
token (a form sent back in under `MIN_SECONDS` or after `MAX_AGE` is refused, and a token is used
once), a honeypot field that people never see, and fixed-window rate limits per client address
in the cache (the mechanism of the document verification page, xinfang/notices/views.py)."""

from __future__ import annotations

import secrets
import time

from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

MIN_SECONDS = 3  # nobody fills in the form faster
MAX_AGE = 6 * 60 * 60  # a form left open longer than this is reloaded
HONEYPOT_FIELD = "website"  # hidden from people (and from screen readers); scripts fill it in

# (requests, window in seconds) per client address.
SUBMIT_LIMIT = (5, 60 * 60)
STATUS_LIMIT = (20, 10 * 60)

_SIGNER_SALT = "xinfang.legalservices.form-token"


class TokenError(Exception):
    """The form token is missing, forged, too fresh, too old or already used; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issue_form_token(now: float | None = None) -> str:
    """A token for one form: a random nonce and the time it was issued, signed with a timestamp."""
    issued = time.time() if now is None else now
    value = f"{secrets.token_urlsafe(12)}.{int(issued * 1000)}"  # issued in milliseconds
    return signing.TimestampSigner(salt=_SIGNER_SALT).sign(value)


def check_form_token(token: str, now: float | None = None) -> str:
    """The token's nonce if the token is genuine and between MIN_SECONDS and MAX_AGE old;
    TokenError otherwise. Does not use it up (see `use_form_token`)."""
    signer = signing.TimestampSigner(salt=_SIGNER_SALT)
    try:
        value = signer.unsign(token or "", max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise TokenError("expired") from None
    except signing.BadSignature:
        raise TokenError("invalid") from None
    nonce, _, issued = value.rpartition(".")
    try:
        age = (time.time() if now is None else now) - int(issued) / 1000
    except ValueError:
        raise TokenError("invalid") from None
    if age > MAX_AGE:
        raise TokenError("expired")
    if age < MIN_SECONDS:
        raise TokenError("too_fast")
    return nonce


def use_form_token(nonce: str) -> bool:
    """Mark the token used; False when it was used already (the same form sent twice)."""
    return bool(cache.add(f"legalservices:token:{nonce}", 1, MAX_AGE + 60))


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def rate_limited(request: HttpRequest, scope: str, limit: tuple[int, int]) -> bool:
    """Count one hit for the client address in `scope`; True once the window's limit is passed."""
    allowed, window = limit
    key = f"legalservices:{scope}:{client_address(request)}"
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > allowed
