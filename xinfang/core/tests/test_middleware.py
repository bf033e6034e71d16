"""Request ids: made or taken from a well-formed header, echoed back."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


class RequestIdTests:
    def test_generated(self, client):
        response = client.get(reverse("accounts:login"))
        assert len(response["X-Request-ID"]) == 32

    def test_taken_when_well_formed_and_replaced_when_not(self, client):
        assert client.get(reverse("accounts:login"), headers={"X-Request-ID": "abc-12345678"})["X-Request-ID"] == (
            "abc-12345678"
        )
        bad = client.get(reverse("accounts:login"), headers={"X-Request-ID": "<script>"})["X-Request-ID"]
        assert bad != "<script>" and len(bad) == 32
