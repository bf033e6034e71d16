"""Abuse protection (issue 5 item 8): CSRF, the time-stamped form token, the honeypot, rate limits
on submission and tracking, no enumeration, constant-time code comparison."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from xinfang.petitions.models import Matter
from xinfang.portal.credentials import query_code_hash, query_code_matches
from xinfang.portal.tokens import SALT, form_token_check, form_token_issue

from .portal_support import check_step, form_token, open_matter, petition, submit, submit_step, without_csrf

pytestmark = pytest.mark.django_db


class FormTokenTests:
    def test_a_form_sent_too_fast_is_refused_and_nothing_lost(self, client, mini, settings):
        settings.XINFANG_PORTAL_FORM_MIN_SECONDS = 3
        response = submit_step(client)
        html = response.content.decode()
        assert response.status_code == 400
        assert "提交过快" in html
        assert "小区门口道路破损多年未修" in html  # what was typed is kept
        assert Matter.objects.count() == 0

    def test_a_form_sent_after_the_minimum_time_passes(self, client, mini, settings):
        settings.XINFANG_PORTAL_FORM_MIN_SECONDS = 3
        token = form_token(client)
        assert form_token_check(token).problem == "too_fast"
        assert form_token_check(token, now=time.time() + 4).ok

    def test_an_expired_or_forged_token_is_refused(self, client, mini, settings):
        settings.XINFANG_PORTAL_FORM_MAX_AGE_HOURS = 1
        old = signing.TimestampSigner(salt=SALT).sign("nonce")
        assert form_token_check(old, now=time.time() + 2 * 3600).problem == "expired"
        forged = form_token_issue()[:-3] + "abc"
        response = submit_step(client, token=forged)
        assert response.status_code == 400
        assert "提交未能完成" in response.content.decode()
        assert submit_step(client, token="").status_code == 400
        assert Matter.objects.count() == 0

    def test_an_expired_form_comes_back_with_a_new_token(self, client, mini, settings):
        settings.XINFANG_PORTAL_FORM_MAX_AGE_HOURS = 0
        response = check_step(client)
        html = response.content.decode()
        assert response.status_code == 400 and "表单已超时" in html
        assert "小区门口道路破损多年未修" in html

    def test_the_honeypot_refuses_a_script(self, client, mini):
        response = submit_step(client, website="http://spam.example")
        assert response.status_code == 400
        assert Matter.objects.count() == 0
        assert "spam.example" not in response.content.decode()

    def test_the_honeypot_is_out_of_sight_for_people(self, client, mini):
        html = client.get(reverse("portal:submit")).content.decode()
        assert '<div class="portal-hp" aria-hidden="true">' in html
        assert 'tabindex="-1"' in html

    def test_posts_need_the_csrf_token(self, mini):
        strict = Client(enforce_csrf_checks=True)
        data = petition(form_token=form_token_issue(), step="check")
        assert strict.post(reverse("portal:submit"), data).status_code == 403
        assert strict.post(reverse("portal:track"), {"public_ref": "X", "query_code": "Y"}).status_code == 403


class RateLimitTests:
    def test_submissions_are_limited_per_address(self, client, mini, settings):
        settings.XINFANG_PORTAL_RATE_LIMITS = {"submit": (2, 3600)}
        submit(client)
        submit(client, title="第二件事")
        response = submit_step(client, title="第三件事")
        assert response.status_code == 429
        assert "操作过于频繁" in response.content.decode()
        assert response["Retry-After"] == "3600"
        assert Matter.objects.count() == 2
        other = Client(REMOTE_ADDR="10.0.0.9")
        assert submit_step(other, title="另一个地址").status_code == 302

    def test_check_steps_are_limited(self, client, mini, settings):
        settings.XINFANG_PORTAL_RATE_LIMITS = {"check": (1, 3600)}
        assert check_step(client).status_code == 200
        assert check_step(client).status_code == 429

    def test_tracking_is_limited_per_address(self, client, mini, settings):
        settings.XINFANG_PORTAL_RATE_LIMITS = {"track": (3, 600)}
        for _ in range(3):
            assert open_matter(client, "ABCDEFGHJK", "ABCDEFGH").status_code == 200
        assert open_matter(client, "ABCDEFGHJK", "ABCDEFGH").status_code == 429

    def test_failed_lookups_lock_the_reference_even_for_the_right_code(self, client, mini, settings):
        """Guessing one reference's code from many addresses is stopped: after the allowed failures
        the reference answers "too many" to everyone, right code included, for the window."""
        settings.XINFANG_PORTAL_RATE_LIMITS = {"track_ref": (2, 3600)}
        _matter, ref, code = submit(client)
        for n in range(2):
            guesser = Client(REMOTE_ADDR=f"10.0.1.{n}")
            assert open_matter(guesser, ref, "WRONG234").status_code == 200
        assert open_matter(Client(REMOTE_ADDR="10.0.1.9"), ref, code).status_code == 429
        assert open_matter(Client(REMOTE_ADDR="10.0.1.9"), "ZZZZZZZZZZ", code).status_code == 200

    def test_the_client_address_header_is_used_behind_a_proxy(self, mini, settings):
        settings.XINFANG_PORTAL_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
        settings.XINFANG_PORTAL_RATE_LIMITS = {"track": (1, 600)}
        proxy = Client(REMOTE_ADDR="10.9.9.9")
        url = reverse("portal:track")
        data = {"public_ref": "A", "query_code": "B"}
        assert proxy.post(url, data, HTTP_X_REAL_IP="1.2.3.4").status_code == 200
        assert proxy.post(url, data, HTTP_X_REAL_IP="5.6.7.8").status_code == 200  # another person
        assert proxy.post(url, data, HTTP_X_REAL_IP="1.2.3.4").status_code == 429


class EnumerationTests:
    def test_wrong_code_and_unknown_reference_answer_alike(self, client, mini):
        """Item 8: no enumeration — a wrong code for a real reference and an unknown reference get
        byte-for-byte the same page (apart from the per-response CSRF token)."""
        _matter, ref, _code = submit(client)
        plain = ref.replace("-", "")
        unknown = "".join(reversed(plain))
        assert not Matter.objects.filter(public_ref=unknown).exists()
        wrong = open_matter(Client(), plain, "22222222")
        missing = open_matter(Client(), unknown, "22222222")
        assert wrong.status_code == missing.status_code == 200
        assert without_csrf(wrong.content).replace(plain, "REF") == without_csrf(missing.content).replace(
            unknown, "REF"
        )
        assert "查询编号或查询码不正确" in wrong.content.decode()

    def test_codes_compare_by_hash_in_constant_time(self, settings):
        stored = query_code_hash("ABCDEFGHJK", "23456789")
        assert query_code_matches("ABCDEFGHJK", "23456789", stored)
        assert not query_code_matches("ABCDEFGHJK", "23456788", stored)
        assert not query_code_matches("ABCDEFGHJM", "23456789", stored)  # bound to its reference
        assert not query_code_matches("ABCDEFGHJK", "23456789", None)

    def test_codes_survive_a_secret_key_rotation(self, settings):
        stored = query_code_hash("ABCDEFGHJK", "23456789")
        settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
        settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789"
        assert query_code_matches("ABCDEFGHJK", "23456789", stored)
