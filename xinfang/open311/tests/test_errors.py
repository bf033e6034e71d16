"""Bad input, missing keys and limits answer in GeoReport's error format — an array of
`{code, description}` (JSON) or `<errors><error>…` (XML) — with 400, 403, 404, 413 or 429, and
nothing is registered."""

from __future__ import annotations

import pytest

from xinfang.core.actors import SYSTEM
from xinfang.open311.services import open311_client_update
from xinfang.petitions.models import Matter

from .support import BASE, file_request, get, post, xml

pytestmark = pytest.mark.django_db


def _errors(response, status: int) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert isinstance(body, list) and body
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in body)
    return [e["description"] for e in body]


class BadInputTests:
    def test_unknown_or_missing_service_code(self, client, setup):
        """GeoReport: 404 for a service_code not found, 400 when none is given."""
        assert "service_code" in _errors(post(client, setup.key, {"service_code": "NOPE"}), 404)[0]
        assert "service_code" in _errors(post(client, setup.key, {"service_code": None}), 400)[0]
        assert not Matter.objects.exists()

    def test_missing_description_and_request(self, client, setup):
        """XF-REG-01 / 条例 Art. 19: facts (the description) and the request are required."""
        errors = _errors(post(client, setup.key, {"description": None, "attribute[request]": None}), 400)
        assert any(e.startswith("description:") for e in errors)
        assert any(e.startswith("attribute[request]:") for e in errors)
        assert not Matter.objects.exists()

    def test_missing_name_phone_or_residence(self, client, setup):
        errors = _errors(
            post(client, setup.key, {"first_name": None, "last_name": None, "phone": "12", "attribute[residence]": ""}),
            400,
        )
        assert {e.split(":")[0] for e in errors} == {"last_name", "phone", "attribute[residence]"}

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"lat": "abc"}, "lat"),
            ({"lat": "95"}, "lat"),
            ({"long": "-181"}, "long"),
            ({"lat": "nan"}, "lat"),
            ({"long": "inf"}, "long"),
            ({"long": None}, "long"),
        ],
    )
    def test_bad_coordinates(self, client, setup, fields, field):
        errors = _errors(post(client, setup.key, fields), 400)
        assert any(e.startswith(f"{field}:") for e in errors), errors
        assert not Matter.objects.exists()

    def test_a_location_is_required(self, client, setup):
        errors = _errors(post(client, setup.key, {"lat": None, "long": None, "address_string": None}), 400)
        assert errors[0].startswith("address_string:")

    def test_address_id_must_be_a_place_of_the_district(self, client, setup):
        """A department, an organisation outside the district or an unknown code is not a place."""
        for code in ("NOPE", setup.mini.housing_bureau.code, setup.mini.city.code):
            errors = _errors(post(client, setup.key, {"address_id": code}), 400)
            assert errors[0].startswith("address_id:")

    def test_too_long_and_too_large(self, client, setup, settings):
        """GeoReport: a description of at most 4,000 characters; a body over the limit is refused
        before it is read (413)."""
        assert _errors(post(client, setup.key, {"description": "长" * 4001}), 400)[0].startswith("description:")
        settings.XINFANG_OPEN311_MAX_BODY_BYTES = 10_000
        response = post(client, setup.key, {"description": "长" * 3000})
        _errors(response, 413)
        assert not Matter.objects.exists()

    def test_a_media_link_must_be_http(self, client, setup):
        errors = _errors(post(client, setup.key, {"media_url": "file:///etc/passwd"}), 400)
        assert errors[0].startswith("media_url:")

    def test_not_a_form_or_object(self, client, setup):
        response = client.post(f"{BASE}/requests.json?api_key={setup.key}", "[1, 2]", content_type="application/json")
        _errors(response, 400)
        response = client.post(f"{BASE}/requests.json?api_key={setup.key}", "{bad", content_type="application/json")
        _errors(response, 400)
        response = client.post(f"{BASE}/requests.json?api_key={setup.key}", "text", content_type="text/plain")
        _errors(response, 415)
        _errors(client.put(f"{BASE}/requests.json?api_key={setup.key}"), 405)
        missing = _errors(post(client, setup.key, {"description": None}), 400)
        assert missing == ["description: 该字段是必填项。"]

    def test_errors_in_xml_are_well_formed(self, client, setup):
        response = post(client, setup.key, {"service_code": "NOPE"}, fmt="xml")
        assert response.status_code == 404
        root = xml(response)
        assert root.tag == "errors"
        [error] = root.findall("error")
        assert error.findtext("code") == "404" and "service_code" in (error.findtext("description") or "")

    def test_control_characters_do_not_break_xml(self, client, setup):
        ref = file_request(client, setup.key, {"description": "工资\x07未发\x1b放。"})
        root = xml(get(client, f"requests/{ref}.xml", setup.key))
        assert (root.findtext("request/description") or "").startswith("工资未发放。")

    def test_characters_a_database_refuses_are_not_found(self, client, setup):
        """NUL and overlong values never reach the database (PostgreSQL refuses NUL): 404 or nothing."""
        ref = file_request(client, setup.key)
        _errors(client.get(f"{BASE}/services/A%00B.json"), 404)
        _errors(client.get(f"{BASE}/services/{'X' * 40}.json"), 404)
        _errors(get(client, "requests/AB%00CD.json", setup.key), 404)
        assert get(client, "requests.json", setup.key, service_request_id="\x00").json() == []
        assert get(client, "requests.json", setup.key, service_code="\x00").json() == []
        assert _errors(post(client, setup.key, {"service_code": "A\x00"}), 404)
        assert _errors(post(client, setup.key, {"address_id": "A\x00"}), 400)
        assert (
            get(client, "requests.json", setup.key, service_request_id=f"{ref},\x00").json()[0]["service_request_id"]
            == ref
        )

    def test_bad_filters(self, client, setup):
        for params in (
            {"start_date": "yesterday"},
            {"status": "pending"},
            {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-05-01T00:00:00+08:00"},
            {"start_date": "2026-02-01", "end_date": "2026-01-01"},
        ):
            _errors(get(client, "requests.json", setup.key, **params), 400)

    def test_jurisdiction_id(self, client, setup, settings):
        settings.XINFANG_OPEN311_JURISDICTION_ID = "xinfang.example.gov.cn"
        assert get(client, "services.json", jurisdiction_id="xinfang.example.gov.cn").status_code == 200
        assert get(client, "services.json").status_code == 200
        _errors(get(client, "services.json", jurisdiction_id="other.gov.cn"), 404)
        _errors(post(client, setup.key, {"jurisdiction_id": "other.gov.cn"}), 404)

    def test_messages_in_the_readers_language(self, client, setup):
        english = post(client, setup.key, {"lat": "abc"}, headers={"Accept-Language": "en"})
        assert "A valid number is required." in " ".join(_errors(english, 400))
        chinese = post(client, setup.key, {"lat": "abc"})
        assert "请填写合法的数字" in " ".join(_errors(chinese, 400))


class KeyTests:
    def test_without_a_key_filing_and_reading_are_refused(self, client, setup):
        """GeoReport: 403 for a missing or wrong api_key; the service list needs none."""
        assert "api_key" in _errors(post(client, None), 403)[0]
        _errors(get(client, "requests.json"), 403)
        _errors(get(client, "requests/ABCDEFGHJK.json"), 403)
        _errors(get(client, "requests.json", "not-a-key"), 403)
        _errors(get(client, "services.json", "not-a-key"), 403)
        assert get(client, "services.json").status_code == 200
        assert not Matter.objects.exists()

    def test_the_key_in_a_header(self, client, setup):
        response = client.get(f"{BASE}/requests.json", headers={"X-Api-Key": setup.key})
        assert response.status_code == 200 and response.json() == []

    def test_a_switched_off_client_is_refused(self, client, setup):
        open311_client_update(actor=SYSTEM, client=setup.client, is_active=False)
        _errors(post(client, setup.key), 403)
        _errors(get(client, "requests.json", setup.key), 403)

    def test_another_clients_request_is_not_found(self, client, setup):
        ref = file_request(client, setup.key)
        _errors(get(client, f"requests/{ref}.json", setup.other_key), 404)
        assert get(client, "requests.json", setup.other_key).json() == []
        assert get(client, "requests.json", setup.other_key, service_request_id=ref).json() == []
        assert get(client, f"requests/{ref}.json", setup.key).status_code == 200


class RateLimitTests:
    def test_per_address(self, client, setup, settings):
        settings.XINFANG_OPEN311_RATE_LIMITS = {"address": (2, 60)}
        assert get(client, "services.json").status_code == 200
        assert get(client, "services.json").status_code == 200
        response = get(client, "services.json")
        _errors(response, 429)
        assert response["Retry-After"] == "60"

    def test_per_client_filings_and_reads(self, client, setup, settings):
        open311_client_update(actor=SYSTEM, client=setup.client, requests_per_hour=1)
        file_request(client, setup.key)
        response = post(client, setup.key, {"description": "第二件事。"})
        _errors(response, 429)
        assert response["Retry-After"] == "3600"
        assert post(client, setup.other_key).status_code == 201  # another client has its own allowance
        settings.XINFANG_OPEN311_RATE_LIMITS = {"read": (1, 60)}
        assert get(client, "requests.json", setup.key).status_code == 200
        _errors(get(client, "requests.json", setup.key), 429)
