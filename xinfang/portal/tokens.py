"""The CAPTCHA-free flood guard of the submission form: a signed, time-stamped token issued with
the form (django.core.signing.TimestampSigner). A post is refused when the token is missing or
forged, when it comes sooner than XINFANG_PORTAL_FORM_MIN_SECONDS after the form was shown
(scripts post at once; people read and type), or later than XINFANG_PORTAL_FORM_MAX_AGE_HOURS.
The token's random part is also the form's submission key: sending the same form twice registers
one matter."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.core import signing

from .conf import form_max_age_seconds, form_min_seconds

SALT = "xinfang.portal.form"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def form_token_issue() -> str:
    return _signer().sign(secrets.token_urlsafe(18))


@dataclass(frozen=True)
class TokenCheck:
    nonce: str | None
    problem: str  # "", "invalid", "too_fast" or "expired"

    @property
    def ok(self) -> bool:
        return not self.problem


def form_token_check(token: str, *, now: float | None = None) -> TokenCheck:
    """Check a posted token: signature, then age (too young or too old)."""
    signer = _signer()
    token = (token or "").strip()
    try:
        nonce = signer.unsign(token)
        issued = signing.b62_decode(token.rsplit(signer.sep, 2)[1])
    except (signing.BadSignature, IndexError, ValueError):
        return TokenCheck(None, "invalid")
    age = (time.time() if now is None else now) - issued
    if age < form_min_seconds():
        return TokenCheck(nonce, "too_fast")
    if age > form_max_age_seconds():
        return TokenCheck(nonce, "expired")
    return TokenCheck(nonce, "")
