"""The matters API beyond the walk: the recipient's and the bureau's answers on a routing
(/api/v1/routings/), attachments and written notices of a matter, the instruments' PDF links, and
the petitioners (/api/v1/petitioners/) with their personal data masked."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.petitions.models import Attachment, Notice, Routing
from xinfang.petitions.states import CLOCK_OBJECTION, LevelDecision, RoutingOutcome, Status

from .api_support import (
    BASIS,
    MATTERS,
    PETITIONERS,
    ROUTINGS,
    errors_by_attr,
    matter_url,
    routing_url,
    token_client,
    walk_in_body,
)
from .handling_support import HandlingWorld, build_handling_world, replied
from .triage_support import forwarded, triaged

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
OBJECTION = "不属于本镇职权范围，应由区住建局依法办理，详见说明。"


@pytest.fixture
def hw(mini) -> HandlingWorld:
    return build_handling_world(mini)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def to_town(hw: HandlingWorld) -> tuple[int, int]:
    """A grievance of a lower level forwarded by the bureau to town A: (matter id, routing id)."""
    matter = triaged(hw.world, level=LevelDecision.LOWER)
    api = token_client(hw.clerk)
    response = api.post(matter_url(matter.pk, "forward"), {"to_org": hw.town.pk, "basis": BASIS})
    assert response.status_code == 200, response.json()
    return matter.pk, response.json()["routings"][-1]["id"]


class RoutingTests:
    def test_lists_show_what_each_side_may_see(self, hw):
        """A routing is seen by its sender and its recipient, not by another town."""
        _matter, routing = to_town(hw)
        assert [r["id"] for r in token_client(hw.town_head).get(ROUTINGS).json()["results"]] == [routing]
        assert [r["id"] for r in token_client(hw.clerk).get(ROUTINGS).json()["results"]] == [routing]
        outsider = token_client(hw.world.town_b_clerk)
        assert outsider.get(ROUTINGS).json()["results"] == []
        assert outsider.get(routing_url(routing)).status_code == 404
        for name in ("accept", "object", "mark-received", "decide-objection"):
            assert outsider.post(routing_url(routing, name), {}).status_code == 404, name

    def test_objection_and_the_bureaus_decision_with_a_re_routing(self, hw):
        """XF-NOT-03, DOC-12: town A objects within 5 working days with its reasons; the bureau
        upholds it and re-routes to the housing bureau at once (the level follows the target)."""
        matter, routing = to_town(hw)
        town = token_client(hw.town_head)
        short = town.post(routing_url(routing, "object"), {"reason": "不归我们"})
        assert short.status_code == 400
        assert "第二十三条第三款" in errors_by_attr(short)["reason"][0]["detail"]
        objected = town.post(routing_url(routing, "object"), {"reason": OBJECTION})
        assert objected.status_code == 200, objected.json()
        assert (objected.json()["outcome"], objected.json()["matter_status"]) == ("objected", Status.OBJECTED)
        assert town.post(routing_url(routing, "decide-objection"), {"upheld": True, "note": "x"}).status_code == 403
        bureau = token_client(hw.world.head)
        decided = bureau.post(
            routing_url(routing, "decide-objection"),
            {"upheld": True, "note": "异议成立，改送区住建局。", "reroute_to": hw.housing.pk},
        )
        assert decided.status_code == 200, decided.json()
        assert decided.json()["outcome"] == RoutingOutcome.OBJECTION_UPHELD
        latest = Routing.objects.filter(matter_id=matter).order_by("-sent_at", "-pk").first()
        assert latest is not None and latest.to_org_id == hw.housing.pk
        assert token_client(hw.clerk).get(matter_url(matter)).json()["status"] == Status.FORWARDED

    def test_mark_received_restarts_the_recipients_clocks_and_moves_the_etag(self, hw):
        """CNT-08, D4: a paper routing received later; an answer read before the receipt was
        recorded is refused with 412 and writes nothing."""
        matter = triaged(hw.world, level=LevelDecision.LOWER)
        bureau = token_client(hw.clerk)
        sent = bureau.post(
            matter_url(matter.pk, "forward"), {"to_org": hw.town.pk, "basis": BASIS, "electronic": False}
        ).json()
        routing = sent["routings"][-1]["id"]
        assert sent["routings"][-1]["received_at"] is None
        town = token_client(hw.town_head)
        before = town.get(routing_url(routing))["ETag"]
        received = timezone.now().isoformat()
        marked = town.post(routing_url(routing, "mark-received"), {"received_at": received}, HTTP_IF_MATCH=before)
        assert marked.status_code == 200, marked.json()
        assert marked.json()["received_at"] and marked["ETag"] != before
        matter_body = town.get(matter_url(matter.pk)).json()
        assert CLOCK_OBJECTION in {c["kind"] for c in matter_body["clocks"] if c["is_running"]}
        events = AuditEvent.objects.count()
        stale = town.post(routing_url(routing, "accept"), HTTP_IF_MATCH=before)
        assert stale.status_code == 412
        assert AuditEvent.objects.count() == events
        assert Routing.objects.get(pk=routing).outcome == RoutingOutcome.PENDING
        assert town.post(routing_url(routing, "accept"), HTTP_IF_MATCH=marked["ETag"]).status_code == 200

    def test_only_the_recipient_accepts(self, hw):
        _matter, routing = to_town(hw)
        refused = token_client(hw.clerk).post(routing_url(routing, "accept"))
        assert refused.status_code == 403
        assert Routing.objects.get(pk=routing).outcome == RoutingOutcome.PENDING
        town = token_client(hw.town_head)
        assert town.post(routing_url(routing, "accept"), HTTP_IDEMPOTENCY_KEY="a-1").status_code == 200
        replay = town.post(routing_url(routing, "accept"), HTTP_IDEMPOTENCY_KEY="a-1")
        assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
        again = town.post(routing_url(routing, "accept"))
        assert again.status_code == 400 and again.json()["errors"][0]["code"] == "stale"


class AttachmentTests:
    def test_upload_checked_by_content_and_listed_as_metadata(self, hw):
        api = token_client(hw.clerk)
        pk = api.post(MATTERS, walk_in_body()).json()["id"]
        added = api.post(matter_url(pk, "attachments"), {"file": _upload("照片.png", PNG)}, format="multipart")
        assert added.status_code == 201, added.json()
        rows = added.json()["attachments"]
        assert [(r["original_name"], r["content_type"], r["size"]) for r in rows] == [
            ("照片.png", "image/png", len(PNG))
        ]
        twice = api.post(matter_url(pk, "attachments"), {"file": _upload("again.png", PNG)}, format="multipart")
        assert twice.status_code == 400
        assert errors_by_attr(twice)["file"][0]["detail"] == "该文件已经是本事项的附件。"
        program = api.post(matter_url(pk, "attachments"), {"file": _upload("a.pdf", EXE)}, format="multipart")
        assert program.status_code == 400 and "类型不允许" in errors_by_attr(program)["file"][0]["detail"]
        missing = token_client(hw.clerk, "en").post(matter_url(pk, "attachments"), {}, format="multipart")
        assert errors_by_attr(missing)["file"][0]["detail"] == "No file was submitted."
        assert Attachment.objects.count() == 1

    def test_a_viewer_who_may_not_add_files_gets_403(self, hw):
        pk = token_client(hw.clerk).post(MATTERS, walk_in_body()).json()["id"]
        refused = token_client(hw.world.overseer).post(
            matter_url(pk, "attachments"), {"file": _upload("照片.png", PNG)}, format="multipart"
        )
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["detail"] == "您没有权限为该事项添加附件。"


class NoticeTests:
    def test_only_the_kinds_the_caller_may_give_now(self, hw):
        """XF-NOT-01: on a forwarded matter the bureau gives the "forwarded to" notice, not the
        receipt (that is the recipient's, once it accepts); twice is refused."""
        matter, _routing = forwarded(hw.world)
        api = token_client(hw.clerk, "en")
        wrong = api.post(matter_url(matter.pk, "notices"), {"kind": "receipt", "method": "post"})
        assert wrong.status_code == 400
        assert errors_by_attr(wrong)["kind"][0]["code"] == "invalid_choice"
        given = api.post(matter_url(matter.pk, "notices"), {"kind": "forwarded_to", "method": "post"})
        assert given.status_code == 201, given.json()
        notice = given.json()["notices"][0]
        assert notice["issuing_org"] == hw.mini.petition_bureau.pk and notice["content"]
        again = api.post(matter_url(matter.pk, "notices"), {"kind": "forwarded_to", "method": "post"})
        assert again.status_code == 400 and again.json()["errors"][0]["code"] == "stale"
        assert Notice.objects.count() == 1

    def test_instruments_come_with_their_pdf_link(self, hw):
        """DOC-05: the handling opinion issued on the matter is listed with its PDF download."""
        matter, opinion = replied(hw, deliver=False)
        body = token_client(hw.town_officer).get(matter_url(matter.pk)).json()
        assert opinion.document_id in [d["id"] for d in body["documents"]]
        row = next(d for d in body["documents"] if d["id"] == opinion.document_id)
        assert row["pdf_url"] == f"/documents/{opinion.document_id}/pdf/"


class PetitionerTests:
    def test_list_search_and_retrieve_are_masked(self, hw):
        api = token_client(hw.clerk)
        pk = api.post(MATTERS, walk_in_body()).json()["id"]
        rows = api.get(PETITIONERS).json()["results"]
        assert [(r["name"], r["id_number_masked"], r["phone_masked"]) for r in rows] == [
            ("张三", "4401**********1234", "138****1111")
        ]
        found = api.post(f"{PETITIONERS}search/", {"q": "440115199001011234"})
        assert found.status_code == 200
        assert [r["id"] for r in found.json()["results"]] == [rows[0]["id"]]
        assert "13800001111" not in found.content.decode()
        detail = api.get(f"{PETITIONERS}{rows[0]['id']}/")
        assert detail["ETag"]
        assert detail.json()["can_view_full"] is True
        assert [h["matter"] for h in detail.json()["history"]] == [pk]
        assert "440115199001011234" not in detail.content.decode()

    def test_another_towns_user_does_not_find_the_petitioner(self, hw):
        """Seen only through a matter the reader may view (XF-CLS-03 for reports)."""
        token_client(hw.clerk).post(MATTERS, walk_in_body())
        outsider = token_client(hw.world.town_b_clerk)
        assert outsider.get(PETITIONERS).json()["results"] == []
        assert outsider.post(f"{PETITIONERS}search/", {"q": "张三"}).json()["results"] == []
        petitioner = token_client(hw.clerk).get(PETITIONERS).json()["results"][0]["id"]
        assert outsider.get(f"{PETITIONERS}{petitioner}/").status_code == 404
        assert outsider.post(f"{PETITIONERS}{petitioner}/personal-data/").status_code == 404
        assert not AuditEvent.objects.filter(action="personal_data.view").exists()

    def test_search_needs_a_role_that_views_matters(self, hw):
        refused = token_client(hw.mediator).post(f"{PETITIONERS}search/", {"q": "张三"})
        assert refused.status_code == 403


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
