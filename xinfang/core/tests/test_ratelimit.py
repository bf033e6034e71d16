"""The fixed-window rate limits shared by the public pages (issue 5 item 8): counts per scope and
subject, the window's reset, the client address behind a proxy, and the friendly 429 answer."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from xinfang.core import ratelimit


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


class HitTests:
    def test_over_the_limit_only_after_limit_requests(self):
        results = [ratelimit.hit("test:a", "10.0.0.1", limit=3, window=60) for _ in range(5)]
        assert results == [False, False, False, True, True]

    def test_counts_per_scope_and_per_subject(self):
        for _ in range(2):
            ratelimit.hit("test:a", "10.0.0.1", limit=2, window=60)
        assert ratelimit.hit("test:a", "10.0.0.1", limit=2, window=60)
        # Another scope and another address each count from zero.
        assert not ratelimit.hit("test:b", "10.0.0.1", limit=2, window=60)
        assert not ratelimit.hit("test:a", "10.0.0.2", limit=2, window=60)

    def test_the_window_resets(self):
        assert not ratelimit.hit("test:a", "10.0.0.1", limit=1, window=1)
        assert ratelimit.hit("test:a", "10.0.0.1", limit=1, window=1)
        time.sleep(1.1)
        assert not ratelimit.hit("test:a", "10.0.0.1", limit=1, window=1)

    def test_exhausted_looks_without_counting(self):
        assert not ratelimit.exhausted("test:ref", "ABCDEFGHJK", limit=2)
        ratelimit.hit("test:ref", "ABCDEFGHJK", limit=2, window=60)
        assert not ratelimit.exhausted("test:ref", "ABCDEFGHJK", limit=2)
        assert not ratelimit.exhausted("test:ref", "ABCDEFGHJK", limit=2)  # looking did not count
        ratelimit.hit("test:ref", "ABCDEFGHJK", limit=2, window=60)
        assert ratelimit.exhausted("test:ref", "ABCDEFGHJK", limit=2)
        assert not ratelimit.exhausted("test:other", "ABCDEFGHJK", limit=2)

    def test_no_address_is_kept_in_clear(self):
        ratelimit.hit("test:a", "203.0.113.7", limit=5, window=60)
        assert cache.get("ratelimit:test:a:203.0.113.7") is None
        assert cache.get(ratelimit._key("test:a", "203.0.113.7")) == 1


class ClientAddressTests:
    def test_remote_addr_by_default(self):
        request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_REAL_IP="1.2.3.4")
        assert ratelimit.client_address(request) == "10.1.2.3"  # a header is trusted only when configured

    def test_the_proxy_header_when_configured(self):
        request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.9.9.9")
        assert ratelimit.client_address(request, header="HTTP_X_FORWARDED_FOR") == "1.2.3.4"

    def test_remote_addr_when_the_proxy_sent_no_header(self):
        request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9")
        assert ratelimit.client_address(request, header="HTTP_X_REAL_IP") == "10.9.9.9"


@pytest.mark.django_db
class TooManyTests:
    def test_status_and_retry_after(self):
        response = ratelimit.too_many(HttpResponse("请稍后再试"), retry_after=600)
        assert response.status_code == 429 and response["Retry-After"] == "600"
        assert response.content.decode() == "请稍后再试"

    def test_public_pages_answer_429_with_retry_after(self, client, monkeypatch):
        """The notice verification page and the one-stop status page, over their own limits."""
        url = reverse("notices:verify")
        for _ in range(30):
            client.get(url, {"code": "ABCDEFGHJKLMNPQR"})
        response = client.get(url, {"code": "ABCDEFGHJKLMNPQR"})
        assert response.status_code == 429 and response["Retry-After"] == "60"

        monkeypatch.setattr("xinfang.legalservices.views.STATUS_LIMIT", (1, 600))
        status_url = reverse("legalservices:status")
        assert client.post(status_url, {"reference": "LS-2222-2222", "code": "2222-2222"}).status_code == 200
        response = client.post(status_url, {"reference": "LS-2222-2222", "code": "2222-2222"})
        assert response.status_code == 429 and response["Retry-After"] == "600"
        assert "查询过于频繁" in response.content.decode()
