"""Grid events over the API (docs/api.md "Grid events"): the same services and permission path as
the grid pages. A walk report → accept → categorise → handle → close → verify, escalation and
conversion into a mediation case; parties' phones masked; another street's events are 404 for reads
and writes; idempotent report by Idempotency-Key; If-Match refuses a stale write (412)."""

from __future__ import annotations

from typing import Any

import pytest

from xinfang.audit.models import AuditEvent
from xinfang.grid.models import DisputeCategory, GridEvent
from xinfang.grid.states import EventLevel, EventStatus
from xinfang.mediation.services import mediation_body_create
from xinfang.mediation.states import BodyKind
from xinfang.petitions.tests.api_support import token_client

from .conftest import GridWorld

LIST = "/api/v1/grid-events/"

pytestmark = pytest.mark.django_db


def url(pk: int, action: str = "") -> str:
    return f"{LIST}{pk}/{action + '/' if action else ''}"


def report_body(gw: GridWorld, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "grid": gw.mini.grid_a1_1.pk,
        "place_text": "甲一村3巷5号",
        "description": "楼上漏水，邻居协商不成，双方发生争吵。",
        "parties": [
            {"name": "张三", "role": "applicant", "phone": "13800000001"},
            {"name": "李四", "role": "respondent"},
        ],
    }
    body.update(overrides)
    return body


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


class GridEventApiTests:
    def test_walk_report_accept_categorise_handle_close_verify(self, gw: GridWorld) -> None:
        """GRID-02..05: every step through its service, each audited; the answer is the event."""
        worker, head = token_client(gw.worker), token_client(gw.village_head)
        created = worker.post(LIST, report_body(gw), format="json")
        assert created.status_code == 201, created.content
        event = created.json()
        assert created["Location"].endswith(f"/grid-events/{event['id']}/") and created["ETag"]
        assert event["status"] == EventStatus.REPORTED and event["level"] == EventLevel.VILLAGE
        assert event["current_org"] == gw.mini.village_a1.pk
        pk = event["id"]

        assert head.post(url(pk, "accept"), format="json").json()["status"] == EventStatus.ACCEPTED
        category = DisputeCategory.objects.filter(is_active=True).order_by("sort").first()
        assert category is not None
        answer = head.post(url(pk, "categorise"), {"category": category.pk}, format="json")
        assert answer.status_code == 200 and answer.json()["category"] == category.pk
        answer = head.post(url(pk, "handle"), {"result": "双方达成谅解，已修复水管。"}, format="json")
        assert (
            answer.json()["status"] == EventStatus.HANDLED and answer.json()["result"] == "双方达成谅解，已修复水管。"
        )
        assert head.post(url(pk, "close"), format="json").json()["status"] == EventStatus.CLOSED
        answer = worker.post(url(pk, "verify"), {"note": "现场核查，已解决。"}, format="json")
        assert answer.status_code == 200 and answer.json()["status"] == EventStatus.VERIFIED

        read = head.get(url(pk))
        assert read.status_code == 200 and read["ETag"] == answer["ETag"]
        actions = set(AuditEvent.objects.filter(object_id=str(pk)).values_list("action", flat=True))
        assert {"grid_event.report", "grid_event.accept", "grid_event.handle", "grid_event.verify"} <= actions

    def test_parties_phones_are_masked_in_reads(self, gw: GridWorld) -> None:
        """PIPL: a party's phone is never shown in full over the API."""
        event = gw.report()
        client = token_client(gw.village_head)
        for response in (client.get(url(event.pk)), client.get(LIST)):
            assert "13800000001" not in response.content.decode()
        party = client.get(url(event.pk)).json()["parties"][0]
        assert party == {"name": "张三", "role": "applicant", "phone_masked": "138****0001"}

    def test_another_streets_events_are_404_for_reads_and_writes(self, gw: GridWorld) -> None:
        """Scope (docs/permissions.md): street B's head neither sees nor acts on town A's events."""
        event = gw.report()
        outsider = token_client(gw.outsider)
        assert outsider.get(url(event.pk)).status_code == 404
        assert event.pk not in [row["id"] for row in outsider.get(LIST).json()["results"]]
        assert outsider.post(url(event.pk, "accept"), format="json").status_code == 404
        assert outsider.post(url(event.pk, "escalate"), {"reason": "上报"}, format="json").status_code == 404
        event.refresh_from_db()
        assert event.status == EventStatus.REPORTED

    def test_report_outside_ones_grid_is_refused(self, gw: GridWorld) -> None:
        """Only a grid's own workers report there (grid_event.report); nothing is written."""
        response = token_client(gw.worker).post(LIST, report_body(gw, grid=gw.mini.grid_b1_1.pk), format="json")
        assert response.status_code == 403
        assert not GridEvent.objects.exists()

    def test_bad_input_is_a_field_error_and_nothing_is_written(self, gw: GridWorld) -> None:
        client = token_client(gw.worker)
        response = client.post(LIST, report_body(gw, description="   ", lon=113.505), format="json")
        assert response.status_code == 400
        assert ("description", "blank") in codes(response)
        response = client.post(LIST, report_body(gw, lon=10.0, lat=10.0), format="json")
        assert response.status_code == 400 and codes(response) == [("lon", "invalid")]
        response = client.post(LIST, report_body(gw, parties=[{"name": "", "phone": "13800000009"}]), format="json")
        assert response.status_code == 400 and codes(response) == [("parties", "invalid")]
        assert response.json()["errors"][0]["detail"].startswith("第 1 名当事人")
        assert not GridEvent.objects.exists()

    def test_report_is_idempotent_by_key(self, gw: GridWorld) -> None:
        """The same report sent twice with one Idempotency-Key is one event."""
        client = token_client(gw.worker)
        first = client.post(LIST, report_body(gw), format="json", HTTP_IDEMPOTENCY_KEY="grid-1")
        again = client.post(LIST, report_body(gw), format="json", HTTP_IDEMPOTENCY_KEY="grid-1")
        assert first.status_code == again.status_code == 201
        assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
        assert GridEvent.objects.count() == 1

    def test_if_match_refuses_a_stale_write(self, gw: GridWorld) -> None:
        event = gw.report()
        head = token_client(gw.village_head)
        etag = head.get(url(event.pk))["ETag"]
        assert head.post(url(event.pk, "accept"), format="json", HTTP_IF_MATCH=etag).status_code == 200
        stale = head.post(url(event.pk, "handle"), {"result": "已处理"}, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        event.refresh_from_db()
        assert event.status == EventStatus.ACCEPTED and event.result == ""

    def test_a_refused_transition_has_its_service_code(self, gw: GridWorld) -> None:
        event = gw.report()
        response = token_client(gw.village_head).post(url(event.pk, "close"), format="json")
        assert response.status_code == 400 and codes(response) == [(None, "transition")]

    def test_escalate_and_convert_into_a_mediation_case(self, gw: GridWorld) -> None:
        """GRID-06/09: escalated to town A, taken into mediation there with the parties' consent
        (MED-01); the event links the case."""
        mediation_body_create(
            actor=gw.admin, organisation=gw.mini.town_a, name="甲镇人民调解委员会", kind=BodyKind.COMMITTEE_TOWN
        )
        event = gw.report()
        escalated = token_client(gw.worker).post(url(event.pk, "escalate"), {"reason": "村调解不成"}, format="json")
        assert escalated.status_code == 200, escalated.content
        assert escalated.json()["level"] == EventLevel.TOWN and escalated.json()["current_org"] == gw.mini.town_a.pk
        mediator = token_client(gw.town_mediator)
        refused = mediator.post(url(event.pk, "to-mediation"), {"consent_recorded": False}, format="json")
        assert refused.status_code == 400 and codes(refused) == [("consent_recorded", "invalid")]
        converted = mediator.post(url(event.pk, "to-mediation"), {"consent_recorded": True}, format="json")
        assert converted.status_code == 200, converted.content
        assert converted.json()["status"] == EventStatus.CONVERTED
        assert converted.json()["mediation_case"] is not None and converted.json()["mediation_case_number"]

    def test_filters(self, gw: GridWorld) -> None:
        gw.report()
        client = token_client(gw.village_head)
        assert client.get(LIST, {"status": "reported"}).json()["count"] == 1
        assert client.get(LIST, {"status": "closed"}).json()["count"] == 0
        assert client.get(LIST, {"grid": gw.mini.grid_a1_1.pk, "level": "village"}).json()["count"] == 1
        assert client.get(LIST, {"reported_from": "2000-01-01", "reported_to": "9999-12-31"}).json()["count"] == 1
        assert client.get(LIST, {"reported_to": "2000-01-01"}).json()["count"] == 0
        assert client.get(LIST, {"grid": "x"}).status_code == 400
