"""The CAPTCHA-free guard shared by the public forms (issue 5 item 8): signed, time-stamped form
tokens (genuine, forged, tampered, too fast, expired, another app's) and the honeypot."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.http import QueryDict

from xinfang.core.formguard import (
    HONEYPOT_FIELD,
    FormTokenError,
    TokenCheck,
    TokenProblem,
    honeypot_filled,
    token_check,
    token_issue,
    token_nonce,
)

SALT = "xinfang.tests.form"


def checked(token: str, now: float | None = None) -> TokenCheck:
    """The check of a form that must be at least 3 seconds and at most an hour old."""
    return token_check(token, salt=SALT, min_seconds=3, max_age=3600, now=now)


def nonce_of(token: str, now: float | None = None) -> str:
    return token_nonce(token, salt=SALT, min_seconds=3, max_age=3600, now=now)


class TokenTests:
    def test_a_genuine_token_passes_after_the_minimum_time(self):
        token = token_issue(salt=SALT)
        result = checked(token, now=time.time() + 4)
        assert result.ok and result.problem == ""
        assert result.nonce and len(result.nonce) == 24  # 18 random bytes, URL-safe
        assert nonce_of(token, now=time.time() + 4) == result.nonce

    def test_each_token_has_its_own_nonce(self):
        nonces = {checked(token_issue(salt=SALT), now=time.time() + 4).nonce for _ in range(5)}
        assert len(nonces) == 5

    def test_too_fast(self):
        result = checked(token_issue(salt=SALT))
        assert result.problem == TokenProblem.TOO_FAST == "too_fast" and not result.ok
        assert result.nonce  # the app may still key on it

    def test_issued_in_the_past(self):
        token = token_issue(salt=SALT, now=time.time() - 10)
        assert checked(token).ok

    def test_expired(self):
        token = token_issue(salt=SALT, now=time.time() - 3601)
        assert checked(token).problem == TokenProblem.EXPIRED
        assert checked(token_issue(salt=SALT), now=time.time() + 3601).problem == "expired"

    def test_expired_wins_over_too_fast(self):
        """A form that can never be sent in time is not sent back to be tried again."""
        token = token_issue(salt=SALT, now=time.time() - 2)
        result = token_check(token, salt=SALT, min_seconds=5, max_age=1)
        assert result.problem == TokenProblem.EXPIRED

    @pytest.mark.parametrize("token", ["", "   ", "forged:token:value", "x" * 80])
    def test_missing_or_forged(self, token):
        result = checked(token)
        assert result.problem == TokenProblem.INVALID and result.nonce is None

    def test_a_changed_signature_is_refused(self):
        token = token_issue(salt=SALT)
        assert checked(token[:-3] + "abc", now=time.time() + 4).problem == "invalid"

    def test_a_moved_issue_time_is_refused(self):
        """Moving the issue time back (to pass the minimum time) breaks the signature."""
        value, signature_part = token_issue(salt=SALT).split(":", 1)
        nonce, _, issued = value.rpartition(".")
        forged = f"{nonce}.{int(issued) - 60_000}:{signature_part}"
        assert checked(forged).problem == "invalid"

    def test_another_apps_token_is_refused(self):
        token = token_issue(salt="xinfang.tests.other-form")
        assert checked(token, now=time.time() + 4).problem == "invalid"

    def test_a_token_without_issue_time_is_aged_by_its_signature(self):
        """Tokens signed before the issue time went into the value stay valid while a form is open."""
        old = signing.TimestampSigner(salt=SALT).sign("legacy-nonce")
        result = checked(old, now=time.time() + 4)
        assert result.ok and result.nonce == "legacy-nonce"
        assert checked(old).problem == "too_fast"
        assert checked(old, now=time.time() + 7200).problem == "expired"

    def test_a_signed_value_with_a_bad_issue_time_is_invalid(self):
        token = signing.TimestampSigner(salt=SALT).sign("nonce.soon")
        assert checked(token, now=time.time() + 4).problem == "invalid"

    def test_token_nonce_raises_with_the_reason(self):
        with pytest.raises(FormTokenError) as too_fast:
            nonce_of(token_issue(salt=SALT))
        assert too_fast.value.reason == "too_fast"
        with pytest.raises(FormTokenError) as invalid:
            nonce_of("")
        assert invalid.value.reason == "invalid"


class HoneypotTests:
    def test_empty_or_absent_is_a_person(self):
        assert not honeypot_filled(QueryDict("name=张三&website="))
        assert not honeypot_filled(QueryDict("name=张三"))

    def test_filled_is_a_script(self):
        assert honeypot_filled(QueryDict("website=http://spam.example"))
        assert HONEYPOT_FIELD == "website"

    def test_another_field_name(self):
        assert honeypot_filled({"homepage": "x"}, "homepage")
        assert not honeypot_filled({"website": "x"}, "homepage")
