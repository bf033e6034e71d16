"""Abuse protection of the public pages (issue 5 item 8): CSRF, the signed time-based token (too fast,
too old, forged, reused), the honeypot, rate limits per client address, and one uniform answer for
any wrong reference or access code (no enumeration; codes compared in constant time)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from xinfang.legalservices.abuse import MAX_AGE, MIN_SECONDS, STATUS_LIMIT, SUBMIT_LIMIT, issue_form_token
from xinfang.legalservices.codes import REFERENCE_RE, hash_access_code, normalise_reference
from xinfang.legalservices.models import ServiceRequest

from .conftest import REQUEST_URL, STATUS_URL, Points, book, form_data, submit

pytestmark = pytest.mark.django_db


class FormTokenTests:
    def test_too_fast_is_refused_and_the_input_kept(self, client, points: Points):
        token = issue_form_token(now=time.time() - (MIN_SECONDS - 2))
        response = submit(client, points.centre, points.kinds["legal_aid"], form_token=token)
        assert response.status_code == 400
        assert "提交太快了" in response.content.decode() and "包工头拖欠工资" in response.content.decode()
        assert not ServiceRequest.objects.exists()
        # The page carries a fresh token: the person submits again a little later and it goes through.
        assert response.context["token"] != token

    def test_too_old_is_refused(self, client, points: Points):
        token = issue_form_token(now=time.time() - MAX_AGE - 60)
        response = submit(client, points.centre, points.kinds["legal_aid"], form_token=token)
        assert response.status_code == 400 and "已经失效" in response.content.decode()
        assert not ServiceRequest.objects.exists()

    @pytest.mark.parametrize("token", ["", "forged:token:value", "x" * 80])
    def test_missing_or_forged_is_refused(self, client, points: Points, token):
        response = submit(client, points.centre, points.kinds["legal_aid"], form_token=token)
        assert response.status_code == 400 and "表单已失效" in response.content.decode()
        assert not ServiceRequest.objects.exists()

    def test_tampered_timestamp_is_refused(self, client, points: Points):
        """Moving the issue time back in a fresh token breaks its signature."""
        token = issue_form_token()
        value, signature_part = token.split(":", 1)
        nonce, _, issued = value.rpartition(".")
        forged = f"{nonce}.{int(issued) - 60_000}:{signature_part}"
        response = submit(client, points.centre, points.kinds["legal_aid"], form_token=forged)
        assert response.status_code == 400 and not ServiceRequest.objects.exists()

    def test_a_token_is_used_once(self, client, points: Points):
        data = form_data(points.centre, points.kinds["legal_aid"])
        assert client.post(REQUEST_URL, data).status_code == 302
        again = client.post(REQUEST_URL, data)
        assert again.status_code == 400 and "已经提交过了" in again.content.decode()
        assert ServiceRequest.objects.count() == 1


class HoneypotTests:
    def test_filled_honeypot_is_refused_without_saying_why(self, client, points: Points):
        response = submit(client, points.centre, points.kinds["legal_aid"], website="http://spam.example")
        assert response.status_code == 400 and "无法提交申请" in response.content.decode()
        assert not ServiceRequest.objects.exists()

    def test_the_honeypot_is_hidden_from_people(self, client, points: Points):
        html = client.get(REQUEST_URL, {"point": points.centre.pk}).content.decode()
        assert 'aria-hidden="true" style="position:absolute;left:-10000px' in html
        assert 'name="website" id="id_website" value="" tabindex="-1" autocomplete="off"' in html


class CsrfTests:
    def test_request_and_status_forms_need_the_csrf_token(self, points: Points):
        strict = Client(enforce_csrf_checks=True)
        assert strict.post(REQUEST_URL, form_data(points.centre, points.kinds["legal_aid"])).status_code == 403
        assert strict.post(STATUS_URL, {"reference": "LS-2222-2222", "code": "2222-2222"}).status_code == 403
        assert not ServiceRequest.objects.exists()


class RateLimitTests:
    def test_submissions_per_address(self, client, points: Points):
        allowed, _window = SUBMIT_LIMIT
        for _ in range(allowed):
            assert submit(client, points.centre, points.kinds["consultation"]).status_code == 302
        refused = submit(client, points.centre, points.kinds["consultation"])
        assert refused.status_code == 429 and "提交过于频繁" in refused.content.decode()
        assert ServiceRequest.objects.count() == allowed
        # Another address is not affected.
        elsewhere = client.post(
            REQUEST_URL, form_data(points.centre, points.kinds["consultation"]), REMOTE_ADDR="10.9.8.7"
        )
        assert elsewhere.status_code == 302

    def test_status_lookups_per_address(self, client, points: Points):
        reference, code = book(client, points.centre, points.kinds["legal_aid"])
        allowed, _window = STATUS_LIMIT
        for _ in range(allowed):
            assert client.post(STATUS_URL, {"reference": reference, "code": "WRONG-CODE"}).status_code == 200
        refused = client.post(STATUS_URL, {"reference": reference, "code": code})
        assert refused.status_code == 429 and "查询过于频繁" in refused.content.decode()
        assert "service_request" not in refused.context


class UniformAnswerTests:
    def error_of(self, client, reference, code):
        response = client.post(STATUS_URL, {"reference": reference, "code": code})
        assert "service_request" not in response.context
        return response.status_code, response.context["error"]

    def test_wrong_reference_wrong_code_and_nonsense_look_the_same(self, client, points: Points):
        reference, code = book(client, points.centre, points.kinds["legal_aid"])
        other_reference, _other_code = book(client, points.town_a, points.kinds["legal_aid"])
        answers = {
            self.error_of(client, reference, "2222-2222"),  # right reference, wrong code
            self.error_of(client, "LS-2222-2222", code),  # unknown reference, a real code
            self.error_of(client, other_reference, code),  # another request's reference
            self.error_of(client, "not a reference", code),  # nonsense
        }
        assert answers == {(200, "申请编号或查询码不正确，请核对后重新输入。")}

    def test_typed_loosely_still_found(self, client, points: Points):
        reference, code = book(client, points.centre, points.kinds["legal_aid"])
        loose_reference = reference.lower().replace("-", " ")
        response = client.post(STATUS_URL, {"reference": loose_reference, "code": code.lower().replace("-", "")})
        assert response.context["service_request"].reference == reference

    def test_references_are_random_and_codes_are_not_stored(self, client, points: Points):
        references = [book(client, points.centre, points.kinds["consultation"])[0] for _ in range(3)]
        assert all(REFERENCE_RE.match(r) for r in references) and len(set(references)) == 3
        stored = ServiceRequest.objects.get(reference=references[0])
        assert len(stored.access_code_hash) == 64
        assert stored.access_code_hash != hash_access_code(references[1], "")  # salted by the reference
        assert normalise_reference("ls7kq2m9xd") == "LS-7KQ2-M9XD"
        assert normalise_reference("LS-0000-0000") == ""  # 0 is not in the alphabet
