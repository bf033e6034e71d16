"""Order over the API (docs/api.md "Order"): the same services, selectors and policies as the order
pages. Conduct records are recorded with the lawful response only — nothing here imposes a
sanction (XF-BEH-02) — and name their petitioners masked as the pages do; evidence files are added
as multipart and checked by the same service (XF-BEH-01). Cluster warnings are raised by the system
and acknowledged or closed here (O1). Litigation-related matters are put on the four-level model
and moved between levels (XF-HDL-03). Another area gets 404, a role the page refuses 403; creates
replay by Idempotency-Key; If-Match refuses a stale write or another row's tag (412)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.petitions.tests.api_support import token_client
from xinfang.publicorder.apis import ConductCreateSerializer
from xinfang.publicorder.models import ClusterWarning, ConductRecord, LitigationTrack
from xinfang.publicorder.services import order_warning_check
from xinfang.publicorder.states import LitigationLevel, WarningKind, WarningStatus
from xinfang.supervision.tests.test_supervision_api import created_once, url  # the API tests' shared steps

from .conftest import PDF, Order

CONDUCT = "/api/v1/conduct-records/"
WARNINGS = "/api/v1/order-warnings/"
TRACKS = "/api/v1/litigation-tracks/"

pytestmark = pytest.mark.django_db


def codes(response: Any) -> set[tuple[str | None, str]]:
    return {(e["attr"], e["code"]) for e in response.json()["errors"]}


def conduct_body(order: Order, matter: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": order.mini.petition_bureau.pk,
        "kind": "lingering",
        "occurred_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "place_text": "区信访局接待大厅",
        "description": "滞留至下班后，经教育离开。",
        "responses": ["educate"],
        "matters": [matter.pk],
    }
    body.update(overrides)
    return body


def level_body(order: Order, court: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "level": LitigationLevel.FIRST,
        "responsible_org": court.pk,
        "responsible_person": "立案庭王法官",
        "reason": "登记后释法明理，导入再审审查程序。",
    }
    body.update(overrides)
    return body


def upload(name: str = "note.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def warning(order: Order) -> ClusterWarning:
    """The district's wage-arrears warning, raised by the system's check (O1)."""
    for n in range(3):
        order.matter(title=f"讨薪{n}", request="请求支付工资。", facts="包工头拖欠工资三个月。")
    order_warning_check()
    return ClusterWarning.objects.get(kind=WarningKind.THEME, key__startswith="theme:wages@")


class ConductRecordApiTests:
    def test_xf_beh_01_record_read_masked_and_add_evidence(self, order: Order, media_root: Any) -> None:
        """XF-BEH-01: recorded through conduct_record, audited; the petitioners masked as on the
        pages; evidence as multipart, checked and hashed by conduct_evidence_add, kept once."""
        clerk = token_client(order.clerk)
        matter = order.matter()
        person = matter.participants.get().petitioner
        created = clerk.post(CONDUCT, conduct_body(order, matter, petitioners=[person.pk]), format="json")
        assert created.status_code == 201, created.content
        record = created.json()
        assert record["responses"] == ["educate"] and record["matters"] == [matter.pk]
        assert record["petitioners"] == [
            {"id": person.pk, "name": "张*", "id_number": "4401**********1234", "phone": "138****1111"}
        ]
        assert created["ETag"] and created["Location"].endswith(f"{record['id']}/")
        pk = record["id"]
        assert AuditEvent.objects.filter(action="order.conduct_record", object_id=str(pk)).exists()
        for answer in (clerk.get(CONDUCT), clerk.get(url(CONDUCT, pk))):
            text = answer.content.decode()
            assert answer.status_code == 200 and "张三" not in text and "440115199001011234" not in text
            assert "13800001111" not in text
        assert clerk.get(CONDUCT, {"petitioner": person.pk}).json()["count"] == 1
        assert clerk.get(CONDUCT, {"kind": "violence"}).json()["count"] == 0

        added = clerk.post(url(CONDUCT, pk, "evidence"), {"attachments": [upload()]}, format="multipart")
        assert added.status_code == 200, added.content
        [evidence] = added.json()["evidence"]
        assert evidence["content_type"] == "application/pdf" and len(evidence["sha256"]) == 64
        again = clerk.post(url(CONDUCT, pk, "evidence"), {"attachments": [upload("again.pdf")]}, format="multipart")
        assert again.status_code == 200 and len(again.json()["evidence"]) == 1  # the same file is kept once
        wrong = clerk.post(
            url(CONDUCT, pk, "evidence"), {"attachments": [upload("x.exe", b"MZ\x90\x00\x03")]}, format="multipart"
        )
        assert wrong.status_code == 400 and codes(wrong) == {("attachments", "invalid")}
        none = clerk.post(url(CONDUCT, pk, "evidence"), {}, format="multipart")
        assert none.status_code == 400 and codes(none) == {("attachments", "required")}
        assert ConductRecord.objects.get().evidence.count() == 1

    def test_xf_beh_02_records_the_response_never_a_sanction(self, order: Order) -> None:
        """XF-BEH-02: only dissuade, criticise, educate or the police handover; no body field names
        a sanction, and a handover needs the police unit and time."""
        assert not {"sanction", "penalty", "punishment", "fine"} & set(ConductCreateSerializer().fields)
        clerk = token_client(order.clerk)
        matter = order.matter()
        fined = clerk.post(CONDUCT, conduct_body(order, matter, responses=["fine"]), format="json")
        assert fined.status_code == 400 and codes(fined) == {("responses", "invalid")}
        police = clerk.post(CONDUCT, conduct_body(order, matter, responses=["police"]), format="json")
        assert police.status_code == 400
        assert codes(police) == {("police_unit", "invalid"), ("police_handed_at", "invalid")}
        handed = conduct_body(
            order,
            matter,
            responses=["dissuade", "police"],
            police_unit="测试区公安分局",
            police_handed_at=timezone.now().isoformat(),
            police_note="公安机关现场处置。",
        )
        created = clerk.post(CONDUCT, handed, format="json")
        assert created.status_code == 201, created.content
        assert created.json()["responses"] == ["dissuade", "police"]
        assert created.json()["police_unit"] == "测试区公安分局"

    def test_bad_input_names_the_fields(self, order: Order) -> None:
        clerk = token_client(order.clerk)
        matter = order.matter()
        bad = clerk.post(
            CONDUCT,
            conduct_body(order, matter, kind="x", occurred_at="x", place_text=" ", matters=["1"], responses=[]),
            format="json",
        )
        assert bad.status_code == 400
        assert {
            ("kind", "invalid_choice"),
            ("occurred_at", "invalid"),
            ("place_text", "blank"),
            ("matters", "incorrect_type"),
            ("responses", "empty"),
        } == codes(bad)
        future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
        late = clerk.post(CONDUCT, conduct_body(order, matter, occurred_at=future), format="json")
        assert late.status_code == 400 and codes(late) == {("occurred_at", "invalid")}
        edge = clerk.post(CONDUCT, conduct_body(order, matter, occurred_at="0001-01-01T00:00:00+08:00"), format="json")
        assert edge.status_code == 400 and codes(edge) == {("occurred_at", "invalid")}
        other = order.matter()
        stranger = other.participants.get().petitioner
        foreign = clerk.post(CONDUCT, conduct_body(order, matter, petitioners=[stranger.pk + 1000]), format="json")
        assert foreign.status_code == 400 and codes(foreign) == {("petitioners", "does_not_exist")}
        town_b = order.matter(order.mini.town_b_office)
        street = token_client(order.street_clerk)
        body = conduct_body(order, town_b, organisation=order.mini.town_b_office.pk)
        unseen = street.post(CONDUCT, {**body, "matters": [matter.pk]}, format="json")
        assert unseen.status_code == 400 and codes(unseen) == {("matters", "invalid")}
        place = street.post(CONDUCT, {**body, "place_org": order.mini.village_a1.pk}, format="json")
        assert place.status_code == 400 and codes(place) == {("place_org", "invalid")}
        assert ConductRecord.objects.count() == 0

    def test_the_roles_and_areas_the_pages_refuse(self, order: Order, media_root: Any) -> None:
        record = order.record(order.matter())
        street = token_client(order.street_clerk)  # order.manage over street B only
        assert street.get(url(CONDUCT, record.pk)).status_code == 404
        assert street.get(CONDUCT).json()["count"] == 0
        evidence = {"attachments": [upload()]}
        assert street.post(url(CONDUCT, record.pk, "evidence"), evidence, format="multipart").status_code == 404
        own = street.post(CONDUCT, conduct_body(order, order.matter(order.mini.town_b_office)), format="json")
        assert own.status_code == 403  # recording for the district bureau: the service's refusal
        for user in (order.supervisor, order.officer):  # no order.manage: the page's 403
            client = token_client(user)
            assert client.get(CONDUCT).status_code == 403
            assert client.get(url(CONDUCT, record.pk)).status_code == 403
            assert client.post(CONDUCT, conduct_body(order, order.matter()), format="json").status_code == 403
        assert ConductRecord.objects.count() == 1 and not record.evidence.exists()

    def test_idempotent_create_and_if_match(self, order: Order, media_root: Any) -> None:
        clerk = token_client(order.clerk)
        matter = order.matter()
        pk = created_once(clerk, CONDUCT, conduct_body(order, matter), ConductRecord)
        other = order.record(matter)
        foreign_tag = clerk.get(url(CONDUCT, other.pk))["ETag"]
        stale = clerk.post(
            url(CONDUCT, pk, "evidence"), {"attachments": [upload()]}, format="multipart", HTTP_IF_MATCH=foreign_tag
        )
        assert stale.status_code == 412 and not ConductRecord.objects.get(pk=pk).evidence.exists()
        own_tag = clerk.get(url(CONDUCT, pk))["ETag"]
        fresh = clerk.post(
            url(CONDUCT, pk, "evidence"), {"attachments": [upload()]}, format="multipart", HTTP_IF_MATCH=own_tag
        )
        assert fresh.status_code == 200, fresh.content

    def test_list_query_count(self, order: Order, django_assert_max_num_queries: Any) -> None:
        for _n in range(4):
            order.record(order.matter())
        clerk = token_client(order.clerk)
        with django_assert_max_num_queries(15):
            assert clerk.get(CONDUCT).json()["count"] == 4
        assert clerk.get(CONDUCT, {"organisation": "x"}).status_code == 400


class OrderWarningApiTests:
    def test_o1_read_acknowledge_close(self, order: Order) -> None:
        """O1: raised by the system; read with the matters the reader sees; acknowledged, then closed."""
        row = warning(order)
        clerk = token_client(order.clerk)
        listed = clerk.get(WARNINGS, {"status": "open"}).json()
        assert row.pk in [w["id"] for w in listed["results"]]
        detail = clerk.get(url(WARNINGS, row.pk))
        assert detail.status_code == 200 and detail["ETag"]
        assert detail.json()["actions"] == ["acknowledge", "close"] and len(detail.json()["matters"]) == 3
        assert detail.json()["label"] and detail.json()["kind"] == WarningKind.THEME
        seen = clerk.post(url(WARNINGS, row.pk, "acknowledge"), {"note": "已约谈施工单位。"}, format="json")
        assert seen.status_code == 200, seen.content
        assert seen.json()["status"] == WarningStatus.ACKNOWLEDGED and seen.json()["actions"] == ["close"]
        again = clerk.post(url(WARNINGS, row.pk, "acknowledge"), {"note": "x"}, format="json")
        assert again.status_code == 400 and codes(again) == {(None, "status")}
        closed = clerk.post(url(WARNINGS, row.pk, "close"), {"note": "工资已发放。"}, format="json")
        assert closed.status_code == 200 and closed.json()["status"] == WarningStatus.CLOSED
        assert closed.json()["actions"] == [] and closed.json()["closed_by"] == order.clerk.pk
        twice = clerk.post(url(WARNINGS, row.pk, "close"), {"note": "x"}, format="json")
        assert twice.status_code == 400 and codes(twice) == {(None, "status")}
        actions = set(AuditEvent.objects.filter(object_id=str(row.pk)).values_list("action", flat=True))
        assert {"order.warning_acknowledge", "order.warning_close"} <= actions

    def test_permissions_bad_input_and_if_match(self, order: Order) -> None:
        row = warning(order)  # the district's
        clerk = token_client(order.clerk)
        assert clerk.post(WARNINGS, {}, format="json").status_code == 405  # raised by the system only
        street = token_client(order.street_clerk)
        assert street.get(url(WARNINGS, row.pk)).status_code == 404
        assert street.post(url(WARNINGS, row.pk, "close"), {"note": "x"}, format="json").status_code == 404
        assert row.pk not in [w["id"] for w in street.get(WARNINGS).json()["results"]]
        for user in (order.supervisor, order.officer):
            client = token_client(user)
            assert client.get(WARNINGS).status_code == 403
            assert client.post(url(WARNINGS, row.pk, "close"), {"note": "x"}, format="json").status_code == 403
        blank = clerk.post(url(WARNINGS, row.pk, "close"), {"note": " "}, format="json")
        assert blank.status_code == 400 and codes(blank) == {("note", "blank")}
        number = clerk.post(url(WARNINGS, row.pk, "close"), {"note": 5}, format="json")
        assert number.status_code == 400 and codes(number) == {("note", "invalid")}
        other_tag = clerk.get(url(CONDUCT, order.record(order.matter()).pk))["ETag"]
        stale = clerk.post(url(WARNINGS, row.pk, "close"), {"note": "x"}, format="json", HTTP_IF_MATCH=other_tag)
        assert stale.status_code == 412
        assert ClusterWarning.objects.get(pk=row.pk).status == WarningStatus.OPEN
        assert clerk.get(WARNINGS, {"status": "x"}).status_code == 400


class LitigationTrackApiTests:
    def test_xf_hdl_03_open_and_change_level(self, order: Order, court: Any) -> None:
        """XF-HDL-03: a litigation-related matter on the four-level model, each change in history."""
        clerk = token_client(order.clerk)
        matter = order.litigation_matter()
        opened = clerk.post(TRACKS, {**level_body(order, court), "matter": matter.pk}, format="json")
        assert opened.status_code == 201, opened.content
        track = opened.json()
        assert track["level"] == LitigationLevel.FIRST and len(track["changes"]) == 1
        pk = track["id"]
        joint = clerk.post(url(TRACKS, pk, "level"), level_body(order, court, level="joint"), format="json")
        assert joint.status_code == 400 and codes(joint) == {("joint_orgs", "invalid")}
        body = level_body(order, court, level="leader", responsible_person="分管副院长")
        moved = clerk.post(url(TRACKS, pk, "level"), body, format="json")
        assert moved.status_code == 200, moved.content
        assert moved.json()["level"] == LitigationLevel.LEADER and len(moved.json()["changes"]) == 2
        assert moved.json()["changes"][1]["from_level"] == LitigationLevel.FIRST
        same = clerk.post(url(TRACKS, pk, "level"), body, format="json")
        assert same.status_code == 400 and codes(same) == {(None, "unchanged")}
        duplicate = clerk.post(TRACKS, {**level_body(order, court), "matter": matter.pk}, format="json")
        assert duplicate.status_code == 400 and codes(duplicate) == {(None, "duplicate")}
        assert clerk.get(TRACKS, {"level": "leader"}).json()["count"] == 1
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {"order.litigation_open", "order.litigation_level"} <= actions

    def test_the_roles_and_areas_the_pages_refuse(self, order: Order, court: Any) -> None:
        clerk = token_client(order.clerk)
        grievance = order.matter()  # not litigation-related: the page's 403 (XF-HDL-03)
        refused = clerk.post(TRACKS, {**level_body(order, court), "matter": grievance.pk}, format="json")
        assert refused.status_code == 403
        matter = order.litigation_matter()
        pk = clerk.post(TRACKS, {**level_body(order, court), "matter": matter.pk}, format="json").json()["id"]
        supervisor = token_client(order.supervisor)  # sees the matter, so its track; changes nothing
        assert supervisor.get(url(TRACKS, pk)).status_code == 200
        body = level_body(order, court, level="main")
        assert supervisor.post(url(TRACKS, pk, "level"), body, format="json").status_code == 403
        street = token_client(order.street_clerk)
        assert street.get(url(TRACKS, pk)).status_code == 404
        assert street.post(url(TRACKS, pk, "level"), body, format="json").status_code == 404
        hidden = street.post(TRACKS, {**level_body(order, court), "matter": matter.pk}, format="json")
        assert hidden.status_code == 400 and codes(hidden) == {("matter", "invalid")}
        assert LitigationTrack.objects.get().level == LitigationLevel.FIRST

    def test_bad_input_idempotency_and_if_match(self, order: Order, court: Any) -> None:
        clerk = token_client(order.clerk)
        matter = order.litigation_matter()
        bad = clerk.post(
            TRACKS,
            {**level_body(order, court, level="x", responsible_person="", reason=5), "matter": "1"},
            format="json",
        )
        assert bad.status_code == 400
        assert codes(bad) == {
            ("level", "invalid_choice"),
            ("responsible_person", "blank"),
            ("reason", "invalid"),
            ("matter", "incorrect_type"),
        }
        village = clerk.post(
            TRACKS,
            {**level_body(order, court, responsible_org=order.mini.village_a1.pk), "matter": matter.pk},
            format="json",
        )
        assert village.status_code == 400 and codes(village) == {("responsible_org", "does_not_exist")}
        pk = created_once(clerk, TRACKS, {**level_body(order, court), "matter": matter.pk}, LitigationTrack)
        etag = clerk.get(url(TRACKS, pk))["ETag"]
        body = level_body(order, court, level="main")
        stale = clerk.post(url(TRACKS, pk, "level"), body, format="json", HTTP_IF_MATCH='W/"0000"')
        assert stale.status_code == 412 and LitigationTrack.objects.get().level == LitigationLevel.FIRST
        fresh = clerk.post(url(TRACKS, pk, "level"), body, format="json", HTTP_IF_MATCH=etag)
        assert fresh.status_code == 200
        old = clerk.post(url(TRACKS, pk, "level"), level_body(order, court), format="json", HTTP_IF_MATCH=etag)
        assert old.status_code == 412  # the tag read before the change is stale now
