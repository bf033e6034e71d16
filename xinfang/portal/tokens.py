"""The CAPTCHA-free flood guard of the submission form (`xinfang.core.formguard`, under the
portal's own salt): a signed, time-stamped token issued with the form. A post is refused when the
token is missing or forged, when it comes sooner than XINFANG_PORTAL_FORM_MIN_SECONDS after the
form was shown (scripts post at once; people read and type), or later than
XINFANG_PORTAL_FORM_MAX_AGE_HOURS. The token's random part is also the form's submission key:
sending the same form twice registers one matter."""

from __future__ import annotations

from xinfang.core.formguard import TokenCheck, token_check, token_issue

from .conf import form_max_age_seconds, form_min_seconds

SALT = "xinfang.portal.form"

__all__ = ["SALT", "TokenCheck", "form_token_check", "form_token_issue"]


def form_token_issue() -> str:
    return token_issue(salt=SALT)


def form_token_check(token: str, *, now: float | None = None) -> TokenCheck:
    """Check a posted token: signature, then age (too old or too young), against the settings."""
    return token_check(token, salt=SALT, min_seconds=form_min_seconds(), max_age=form_max_age_seconds(), now=now)
