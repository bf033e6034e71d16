"""The Open311 endpoints in the OpenAPI schema: one operation per format with its own media type,
tagged "open311", the api_key scheme, and GeoReport's error array as the error body."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def test_open311_operations_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/open311/")}
    assert set(paths) == {
        f"/open311/{name}.{fmt}"
        for name in (
            "discovery",
            "v2/services",
            "v2/services/{service_code}",
            "v2/requests",
            "v2/requests/{service_request_id}",
        )
        for fmt in ("json", "xml")
    }
    create = paths["/open311/v2/requests.xml"]["post"]
    assert create["operationId"] == "open311_requests_create_xml"
    assert create["tags"] == ["open311"]
    assert {"open311ApiKey": []} in create["security"]
    assert "application/x-www-form-urlencoded" in create["requestBody"]["content"]
    assert list(create["responses"]["201"]["content"]) == ["text/xml"]
    assert create["responses"]["400"]["content"]["text/xml"]["schema"]["type"] == "array"
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    listing = paths["/open311/v2/requests.json"]["get"]
    assert list(listing["responses"]["200"]["content"]) == ["application/json"]
    assert not any(p["name"] == "format" for p in listing["parameters"])
    assert schema["components"]["securitySchemes"]["open311ApiKey"] == {
        "type": "apiKey",
        "in": "query",
        "name": "api_key",
    }
    body = schema["components"]["schemas"]["Open311RequestCreateRequest"]
    assert {"attribute[request]", "attribute[residence]", "description", "service_code"} <= set(body["required"])
