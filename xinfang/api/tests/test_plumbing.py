"""The API's plumbing on a real resource (organisations): authentication by token and by session,
the one permission path, the error format in three languages, pagination, filters, ETags, the
schema and its docs page served without the internet."""

from __future__ import annotations

import re

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user

pytestmark = pytest.mark.django_db

LIST = "/api/v1/organisations/"


def token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_without_credentials_the_answer_is_401_in_the_standard_format_and_the_readers_language(mini):
    client = APIClient()
    for language, expected in (
        ("zh-hans", "身份认证信息未提供"),
        ("en", "Authentication credentials were not provided"),
    ):
        response = client.get(LIST, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 401
        body = response.json()
        assert body["type"] == "client_error"
        assert body["errors"][0]["code"] == "not_authenticated"
        assert expected in body["errors"][0]["detail"]


def test_a_bad_token_is_refused(mini):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert client.get(LIST).status_code == 401


def test_token_reads_go_through_restrict(mini):
    """The same restrict() path as the HTML pages: every role sees the tree (org.view, scope all),
    an account without any membership sees nothing, not even by id."""
    clerk = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
    body = token_client(clerk).get(LIST, {"page_size": 500}).json()
    assert {mini.town_b.pk, mini.town_a_office.pk} <= {row["id"] for row in body["results"]}
    outsider = token_client(make_user())
    assert outsider.get(LIST).json()["count"] == 0
    response = outsider.get(f"{LIST}{mini.town_b_office.pk}/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_session_authentication_for_browsers(client, mini):
    admin = make_user((Role.SYSTEM_ADMIN, mini.district))
    client.force_login(admin)
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] >= 10


def test_pagination_filter_and_ordering(mini, django_assert_max_num_queries):
    admin = make_user((Role.SYSTEM_ADMIN, mini.district))
    api = token_client(admin)
    with django_assert_max_num_queries(12):
        page = api.get(LIST, {"page_size": 3}).json()
    assert len(page["results"]) == 3
    assert page["next"] and "page=2" in page["next"]
    under = api.get(LIST, {"under": mini.town_a.pk, "page_size": 500}).json()
    codes = {row["id"] for row in under["results"]}
    assert mini.village_a1.pk in codes and mini.town_b.pk not in codes
    by_code = api.get(LIST, {"ordering": "-code", "page_size": 500}).json()["results"]
    assert [row["code"] for row in by_code] == sorted((row["code"] for row in by_code), reverse=True)
    bad = api.get(LIST, {"level": "not-a-number"})
    assert bad.status_code == 400
    assert bad.json()["type"] == "validation_error"
    assert bad.json()["errors"][0]["attr"] == "level"


def test_one_record_carries_an_etag_that_changes_with_the_record(mini):
    admin = make_user((Role.SYSTEM_ADMIN, mini.district))
    api = token_client(admin)
    first = api.get(f"{LIST}{mini.town_a.pk}/")
    assert first.status_code == 200
    assert re.fullmatch(r'W/"[0-9a-f]{20}"', first["ETag"])
    mini.town_a.phone = "020-1234567"
    mini.town_a.save()
    second = api.get(f"{LIST}{mini.town_a.pk}/")
    assert second["ETag"] != first["ETag"]


def test_local_name_follows_accept_language(mini):
    admin = make_user((Role.SYSTEM_ADMIN, mini.district))
    api = token_client(admin)
    hant = api.get(f"{LIST}{mini.district.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hant").json()
    assert hant["name"] == "测试区"
    assert hant["local_name"] == "測試區"


def test_schema_and_docs_are_served_without_the_internet(client, mini):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/organisations/" in document["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r'(src|href)="https?://', html), "the docs page must load only vendored files"
