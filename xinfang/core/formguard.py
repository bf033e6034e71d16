"""The CAPTCHA-free guard of the public forms (issue 5 item 8), one mechanism for the portal's
petition form and the one-stop service booking form: a signed, time-stamped form token and a
honeypot field.

The token is issued with the form: a random nonce and the issue time in milliseconds, signed with
`django.core.signing.TimestampSigner` under the app's own salt. A post is refused when the token is
missing or forged, when it comes sooner than `min_seconds` after the form was shown (scripts post at
once; people read and type), or later than `max_age` seconds. The nonce serves the app as a
submission key (the same form sent twice is one matter) or as a use-once mark.

Each app keeps its own salt, limits and settings (docs/portal.md, docs/legalservices.md) and passes
them in; only the mechanism lives here."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core import signing

HONEYPOT_FIELD = "website"  # hidden from people (and from screen readers); scripts fill it in
NONCE_BYTES = 18


class TokenProblem(StrEnum):
    """Why a form token was refused."""

    INVALID = "invalid"  # missing, forged or tampered with
    TOO_FAST = "too_fast"
    EXPIRED = "expired"


@dataclass(frozen=True)
class TokenCheck:
    """What `token_check` found: the nonce of a genuine token, and the problem ("" when none)."""

    nonce: str | None
    problem: str  # "" or a TokenProblem

    @property
    def ok(self) -> bool:
        return not self.problem


class FormTokenError(Exception):
    """A refused form token; `reason` is the TokenProblem (apps may add their own, e.g. "used")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Signer(signing.TimestampSigner):
    """A TimestampSigner whose timestamp is the given issue time (tests issue tokens in the past)."""

    def __init__(self, *, salt: str, issued: float) -> None:
        super().__init__(salt=salt)
        self._issued = issued

    def timestamp(self) -> str:
        return signing.b62_encode(int(self._issued))


def token_issue(*, salt: str, now: float | None = None) -> str:
    """A token for one form, issued at `now` (default: the current time)."""
    issued = time.time() if now is None else now
    value = f"{secrets.token_urlsafe(NONCE_BYTES)}.{int(issued * 1000)}"
    return _Signer(salt=salt, issued=issued).sign(value)


def token_check(token: str, *, salt: str, min_seconds: float, max_age: float, now: float | None = None) -> TokenCheck:
    """Check a posted token: signature, then age (too old, then too young). Does not use it up.

    The issue time is the one signed in the value; a token whose value carries none (the portal's
    tokens from before this module, still open in a browser) is aged by the signer's timestamp."""
    signer = signing.TimestampSigner(salt=salt)
    token = (token or "").strip()
    try:
        value = signer.unsign(token)
    except signing.BadSignature:
        return TokenCheck(None, TokenProblem.INVALID)
    nonce, dot, issued_ms = value.rpartition(".")
    issued: float
    try:
        if dot:
            issued = int(issued_ms) / 1000
        else:
            nonce = value
            issued = signing.b62_decode(token.rsplit(signer.sep, 2)[1])
    except (IndexError, ValueError):
        return TokenCheck(None, TokenProblem.INVALID)
    age = (time.time() if now is None else now) - issued
    if age > max_age:
        return TokenCheck(nonce, TokenProblem.EXPIRED)
    if age < min_seconds:
        return TokenCheck(nonce, TokenProblem.TOO_FAST)
    return TokenCheck(nonce, "")


def token_nonce(token: str, *, salt: str, min_seconds: float, max_age: float, now: float | None = None) -> str:
    """The nonce of a good token; FormTokenError (with the TokenProblem as reason) otherwise."""
    check = token_check(token, salt=salt, min_seconds=min_seconds, max_age=max_age, now=now)
    if not check.ok or check.nonce is None:
        raise FormTokenError(check.problem)
    return check.nonce


def honeypot_filled(data: Mapping[str, Any], field: str = HONEYPOT_FIELD) -> bool:
    """Did the post fill in the honeypot? Only a script does: refuse without saying why."""
    return bool(data.get(field))
