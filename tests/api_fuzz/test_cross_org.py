"""No operation of the API hands one organisation's records to another (XF-CLS-03 and the role
matrix's scopes, docs/permissions.md).

Every operation of the OpenAPI schema is called — path ids filled with records of town B (乙街道),
a minimal valid body where one is needed — as the petition office head of town A (甲镇), who holds
matter.view, matter.triage and audit.view for town A only:

- an operation on one record (a path id) must answer 400, 401, 403, 404 or 405;
- a list or search may answer 200, but none of town B's records may appear in it;
- a create may succeed only for the caller's own organisations.

Operations open to every signed-in role by design are listed in OPEN_TO_EVERY_ROLE with the reason.
A new resource with path ids must name its town B record in `foreign_ids`, or this test fails."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from .conftest import FuzzWorld, load_schema, rolled_back

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

SCHEMA = load_schema().raw_schema
DENIED = {400, 401, 403, 404, 405}

# (method, path) → why every signed-in role may use it on any record.
OPEN_TO_EVERY_ROLE: dict[tuple[str, str], str] = {
    **{
        ("GET", path): "the organisation tree is reference data (org.view, scope all, for every role)"
        for path in ("/api/v1/organisations/", "/api/v1/organisations/{id}/")
    },
    **{
        ("GET", path): "the power list is published reference data (org.view for every role)"
        for path in (
            "/api/v1/matter-types/",
            "/api/v1/matter-types/{id}/",
            "/api/v1/powers/",
            "/api/v1/powers/{id}/",
            "/api/v1/jurisdiction-decisions/",
            "/api/v1/jurisdiction-decisions/{id}/",
        )
    },
    ("POST", "/api/v1/matter-types/suggest/"): "routing advice from the power list, no record of anyone's",
    **{
        ("GET", path): "the working calendar is public (the calculator page needs no login)"
        for path in (
            "/api/v1/calendar-years/",
            "/api/v1/calendar-years/{year}/",
            "/api/v1/calendar-days/",
            "/api/v1/calendar-days/{date}/",
        )
    },
    ("POST", "/api/v1/deadlines/"): "a computation on the public calendar; nothing is read or stored",
    ("GET", "/api/v1/documents/verify/"): (
        "the authenticity check shows what the public page shows to anyone holding the code "
        "(number, kind, issuer, date, status), nothing personal"
    ),
}


# Path prefixes outside the staff API, with the reason.
OPEN_PREFIXES: dict[str, str] = {
    "/open311/": (
        "GeoReport v2 (Open311) is the public interface for citizens' apps: it answers anyone, takes "
        "its own API keys for writes, not staff roles, and shows what the public tracking page shows"
    ),
}


def is_open(method: str, path: str) -> bool:
    return (method, path) in OPEN_TO_EVERY_ROLE or any(path.startswith(prefix) for prefix in OPEN_PREFIXES)


def foreign_ids(world: FuzzWorld) -> dict[str, dict[str, Any]]:
    """Per first path segment after /api/v1/: the town B record for each path parameter. Secondary
    ids (e.g. an extension of a matter) may be anything: the matter itself is not visible."""
    matter = world.matter_town_b.pk
    return {
        "matters": {"id": matter, "*": 1},
        "routings": {"id": world.routing_town_b.pk},
        "petitioners": {"id": world.petitioner_town_b.pk},
        "documents": {"id": world.document_town_b.pk},
        "clocks": {"id": world.clock_town_b.pk},
        "audit-events": {"id": world.audit_event_town_b.pk},
        "hotline-orders": {"id": world.hotline_order_town_b.pk},
        "webhook-endpoints": {"id": world.webhook_endpoint_town_b.pk},
        "webhook-deliveries": {"id": world.webhook_delivery_town_b.pk},
        "grid-events": {"id": world.grid_event_town_b.pk},
        "mediation-cases": {"id": world.mediation_case_town_b.pk},
        **{
            prefix: {"id": world.town_b_rows[key].pk}
            for prefix, key in (
                ("risk-decision-lists", "decision_list"),
                ("risk-decisions", "decision"),
                ("risk-review-flags", "flag"),
                ("outreach-reception-days", "reception_day"),
                ("outreach-bookings", "booking"),
                ("outreach-visits", "visit"),
                ("outreach-visit-items", "item"),
                ("outreach-assignments", "assignment"),
                ("outreach-plans", "plan"),
                ("supervision-orders", "sup_order"),
                ("supervision-referrals", "sup_referral"),
                ("accountability-records", "sup_record"),
                ("supervision-meetings", "sup_meeting"),
                ("conduct-records", "conduct"),
                ("order-warnings", "warning"),
                ("litigation-tracks", "track"),
            )
        },
    }


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in SCHEMA["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, operation


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = SCHEMA["components"]["schemas"][name]
    return schema


def minimal(schema: dict[str, Any]) -> Any:
    """The smallest value the schema accepts: required properties only, first enum values."""
    schema = resolve(schema)
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            return minimal(schema[combinator][0])
    if "enum" in schema:
        return next(value for value in schema["enum"] if value is not None)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {name: minimal(sub) for name, sub in schema.get("properties", {}).items() if name in required}
    if kind == "array":
        return [minimal(schema["items"])] if schema.get("minItems") else []
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return timezone.localdate().isoformat()
        if fmt == "date-time":
            return (timezone.now() - datetime.timedelta(minutes=5)).isoformat()
        if fmt == "binary":
            return SimpleUploadedFile("note.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
        return "乙" * max(int(schema.get("minLength", 1)), 1)
    return None


ORG_FIELDS = re.compile(r"(^|_)(org|organisation|place|area)(_|$)")


def body_for(operation: dict[str, Any], world: FuzzWorld) -> tuple[Any, str | None]:
    """A minimal valid body, with every organisation-like field pointing at town B."""
    content = operation.get("requestBody", {}).get("content", {})
    for media, fmt in (("application/json", "json"), ("multipart/form-data", "multipart")):
        if media in content:
            body = minimal(content[media].get("schema", {}))
            if isinstance(body, dict):
                for name in list(body):
                    if ORG_FIELDS.search(name) and isinstance(body[name], int):
                        body[name] = world.mini.town_b_office.pk
            return body, fmt
    return None, None


def fill_path(method: str, path: str, world: FuzzWorld) -> str:
    prefix = path.removeprefix("/api/v1/").split("/", 1)[0]
    ids = foreign_ids(world).get(prefix)
    params = re.findall(r"{(\w+)}", path)
    if not params:
        return path
    if ids is None:
        if is_open(method, path):
            return re.sub(r"{\w+}", "1", path.replace("{year}", "2026").replace("{date}", "2026-10-01"))
        pytest.fail(f"{method} {path}: name a town B record for /{prefix}/ in foreign_ids()")
    for name in params:
        path = path.replace("{" + name + "}", str(ids.get(name, ids.get("*", 1))))
    return path


def leaked_ids(method: str, path: str, data: Any, world: FuzzWorld) -> list[Any]:
    """Town B's ids of this resource found among the listed rows."""
    prefix = path.removeprefix("/api/v1/").split("/", 1)[0]
    own = foreign_ids(world).get(prefix, {}).get("id")
    rows = data.get("results", []) if isinstance(data, dict) else data if isinstance(data, list) else []
    return [row.get("id") for row in rows if isinstance(row, dict) and own is not None and row.get("id") == own]


def org_fields_in_town_b(data: Any, world: FuzzWorld) -> list[str]:
    if not isinstance(data, dict):
        return []
    return [
        name
        for name, value in data.items()
        if ORG_FIELDS.search(name) and isinstance(value, int) and value in world.town_b_org_ids
    ]


@pytest.fixture
def town_a(fuzz_world: FuzzWorld, db: None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {fuzz_world.tokens['town_a_head']}")
    return client


def test_the_world_has_town_b_records(fuzz_world: FuzzWorld, db: None) -> None:
    """The records the walk asks for exist and belong to town B's office (else the test proves nothing)."""
    world = fuzz_world
    assert world.matter_town_b.registered_org_id == world.mini.town_b_office.pk
    assert world.routing_town_b.from_org_id == world.mini.town_b_office.pk
    assert world.document_town_b.organisation_id == world.mini.town_b_office.pk
    assert world.clock_town_b is not None and world.audit_event_town_b is not None
    assert world.petitioner_town_b is not None
    assert world.hotline_order_town_b.receiving_org_id == world.mini.town_b_office.pk
    assert world.webhook_endpoint_town_b.organisation_id == world.mini.town_b_office.pk
    assert world.webhook_delivery_town_b.endpoint_id == world.webhook_endpoint_town_b.pk
    assert world.grid_event_town_b.grid_id == world.mini.grid_b1_1.pk
    assert world.mediation_case_town_b.organisation_id == world.mini.town_b.pk
    assert world.town_b_rows["conduct"].organisation_id == world.mini.town_b_office.pk
    assert world.town_b_rows["warning"].organisation_id == world.mini.village_b1.pk
    assert world.town_b_rows["track"].matter.registered_org_id == world.mini.town_b_office.pk


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _op in operations()], ids=lambda v: str(v))
def test_no_operation_gives_another_towns_records(
    fuzz_world: FuzzWorld, town_a: APIClient, method: str, path: str
) -> None:
    world = fuzz_world
    operation = SCHEMA["paths"][path][method.lower()]
    url = fill_path(method, path, world)
    body, fmt = body_for(operation, world) if method in ("POST", "PUT", "PATCH") else (None, None)
    with rolled_back():
        response = (
            getattr(town_a, method.lower())(url, body, format=fmt) if fmt else getattr(town_a, method.lower())(url)
        )
    where = f"{method} {url} → {response.status_code}: {response.content[:300]!r}"
    if is_open(method, path):
        assert response.status_code < 500, where
        return
    assert response.status_code < 500, where
    text = response.content.decode(errors="replace")
    assert not [m for m in world.markers() if m and m in text], f"town B's data in the answer: {where}"
    has_path_ids = "{" in path
    if has_path_ids:
        assert response.status_code in DENIED, where
        return
    if response.status_code >= 300:
        return
    data = json.loads(text) if text and response["Content-Type"].startswith("application/json") else None
    assert not leaked_ids(method, path, data, world), f"town B's record listed: {where}"
    if method == "POST":
        assert not org_fields_in_town_b(data, world), f"created for town B: {where}"


def test_the_same_ids_are_readable_where_they_belong(fuzz_world: FuzzWorld, db: None) -> None:
    """Control: the district's bureau head (whose area covers town B) reads the very records the
    walk uses, so the 404s above come from the scope, not from wrong ids."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {fuzz_world.tokens['privileged']}")
    for prefix in (
        "matters",
        "routings",
        "petitioners",
        "documents",
        "clocks",
        "audit-events",
        "hotline-orders",
        "grid-events",
        "supervision-orders",
        "supervision-referrals",
        "accountability-records",
        "supervision-meetings",
        "conduct-records",
        "order-warnings",
        "litigation-tracks",
    ):  # mediation cases: only mediators read them (mediation.handle); their control is in mediation's tests
        url = f"/api/v1/{prefix}/{foreign_ids(fuzz_world)[prefix]['id']}/"
        response = client.get(url)
        assert response.status_code == 200, f"{url} → {response.status_code}"
