"""Mediation cases over the API (docs/api.md "Mediation cases"): the same services and permission
path as the case pages. A walk open → consent → accept → session → agree → issue the agreement →
judicial confirmation → fulfilment, refusals and failures; parties' ID numbers and phones masked;
another street's cases are 404 for reads and writes; idempotent open by Idempotency-Key; If-Match
refuses a stale write (412)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.mediation.models import MediationCase
from xinfang.mediation.states import CaseStatus, SourceKind
from xinfang.petitions.tests.api_support import token_client

from .conftest import AGREEMENT, Med

LIST = "/api/v1/mediation-cases/"

pytestmark = pytest.mark.django_db


def url(pk: int, action: str = "") -> str:
    return f"{LIST}{pk}/{action + '/' if action else ''}"


def open_body(med: Med, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": med.mini.town_a.pk,
        "source_kind": SourceKind.WALK_IN,
        "summary": "宅基地边界围墙纠纷",
        "category": "邻里纠纷",
        "consent_recorded": False,
        "parties": [
            {"name": "王五", "role": "applicant", "phone": "13800002222", "id_number": "440115198001011234"},
            {"name": "赵六", "role": "respondent", "address": "甲一村三巷2号"},
        ],
    }
    body.update(overrides)
    return body


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


class MediationCaseApiTests:
    def test_walk_open_consent_accept_session_agree_issue_jc_fulfil(self, med: Med) -> None:
        """MED-01..06 through the services, each step audited; the agreement's PDF is served by the
        documents API."""
        client = token_client(med.mediator_user)
        created = client.post(LIST, open_body(med), format="json")
        assert created.status_code == 201, created.content
        case = created.json()
        pk = case["id"]
        assert created["Location"].endswith(f"/mediation-cases/{pk}/") and case["status"] == CaseStatus.APPLIED
        for party in case["parties"]:  # MED-01: consent of each party, one by one
            answer = client.post(url(pk, "consent"), {"party": party["id"], "note": "书面同意"}, format="json")
            assert answer.status_code == 200, answer.content
        assert all(p["consent_recorded"] for p in answer.json()["parties"])

        answer = client.post(url(pk, "accept"), {"mediators": [med.mediator.pk]}, format="json")
        assert answer.status_code == 200 and answer.json()["status"] == CaseStatus.ACCEPTED
        assert answer.json()["mediators"] == [med.mediator.pk]
        session = {"held_at": timezone.now().isoformat(), "place": "甲镇调解室", "notes": "双方陈述，初步协商。"}
        answer = client.post(url(pk, "sessions"), session, format="json")
        assert answer.status_code == 200 and len(answer.json()["sessions"]) == 1
        answer = client.post(url(pk, "agree"), AGREEMENT, format="json")
        assert answer.status_code == 200 and answer.json()["status"] == CaseStatus.AGREED

        issued = client.post(url(pk, "issue-agreement"), format="json")
        assert issued.status_code == 201, issued.content
        document = issued.json()
        assert document["pdf_url"] == url(pk, "agreement-pdf")
        assert document["document_pdf_url"] == f"/api/v1/documents/{document['document']}/pdf/"
        pdf = client.get(document["pdf_url"])
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        stored = MediationCase.objects.select_related("agreement_document").get(pk=pk).agreement_document
        assert stored is not None and pdf.content.startswith(b"%PDF") and pdf.content == bytes(stored.pdf)
        again = client.post(url(pk, "issue-agreement"), format="json")
        assert again.status_code == 400 and codes(again) == [(None, "issued")]

        today = timezone.localdate().isoformat()
        answer = client.post(url(pk, "jc-apply"), {"applied_on": today, "court": "南沙区人民法院"}, format="json")
        assert answer.status_code == 200 and answer.json()["jc_court"] == "南沙区人民法院"
        answer = client.post(url(pk, "jc-result"), {"result": "confirmed", "result_on": today}, format="json")
        assert answer.status_code == 200 and answer.json()["jc_result"] == "confirmed"
        answer = client.post(url(pk, "fulfilment"), {"fulfilled": True, "note": "已拆除围墙并付款。"}, format="json")
        assert answer.status_code == 200 and answer.json()["status"] == CaseStatus.FULFILLED
        actions = set(AuditEvent.objects.filter(object_id=str(pk)).values_list("action", flat=True))
        assert {"mediation_case.accept", "mediation_case.agree", "mediation_case.fulfilment"} <= actions

    def test_parties_are_masked_in_reads(self, med: Med) -> None:
        """PIPL: ID numbers and phones never in full over the API."""
        case = med.open()
        client = token_client(med.mediator_user)
        for response in (client.get(url(case.pk)), client.get(LIST)):
            text = response.content.decode()
            assert "440115198001011234" not in text and "13800002222" not in text
        party = client.get(url(case.pk)).json()["parties"][0]
        assert party["id_number_masked"] == "440*************34" and party["phone_masked"] == "138****2222"
        assert "id_number" not in party and "phone" not in party

    def test_another_streets_cases_are_404_for_reads_and_writes(self, med: Med) -> None:
        case = med.open()
        outsider = token_client(med.outsider)
        assert outsider.get(url(case.pk)).status_code == 404
        assert outsider.get(LIST).json()["count"] == 0
        assert outsider.post(url(case.pk, "refuse"), {"reason": "不属于本委员会"}, format="json").status_code == 404
        assert outsider.post(url(case.pk, "issue-agreement"), format="json").status_code == 404
        case.refresh_from_db()
        assert case.status == CaseStatus.APPLIED
        # Control: the case's own mediator reads it (the 404 comes from the scope, not the id).
        assert token_client(med.mediator_user).get(url(case.pk)).status_code == 200

    def test_a_clerk_without_mediation_right_cannot_open(self, med: Med) -> None:
        response = token_client(med.clerk).post(LIST, open_body(med), format="json")
        assert response.status_code == 403
        assert not MediationCase.objects.exists()

    def test_bad_input_is_a_field_error_and_nothing_is_written(self, med: Med) -> None:
        client = token_client(med.mediator_user)
        response = client.post(LIST, open_body(med, parties=[]), format="json")
        assert response.status_code == 400 and ("parties", "invalid") in codes(response)
        response = client.post(LIST, open_body(med, summary="  "), format="json")
        assert response.status_code == 400 and ("summary", "blank") in codes(response)
        assert not MediationCase.objects.exists()

    def test_agreement_needs_every_partys_consent(self, med: Med) -> None:
        """MED-01: no agreement without each party's consent; nothing written."""
        case = med.accepted(consent=False)
        response = token_client(med.mediator_user).post(url(case.pk, "agree"), AGREEMENT, format="json")
        assert response.status_code == 400
        case.refresh_from_db()
        assert case.status == CaseStatus.ACCEPTED and case.agreement_terms == ""

    def test_party_refuse_ends_an_application(self, med: Med) -> None:
        case = med.open()
        party = case.parties.order_by("id").first()
        assert party is not None
        client = token_client(med.mediator_user)
        answer = client.post(url(case.pk, "party-refuse"), {"party": party.pk}, format="json")
        assert answer.status_code == 200 and answer.json()["status"] == CaseStatus.REFUSED
        other = med.open()
        foreign = client.post(url(other.pk, "consent"), {"party": party.pk}, format="json")
        assert foreign.status_code == 400 and codes(foreign) == [("party", "invalid")]

    def test_refuse_and_fail(self, med: Med) -> None:
        client = token_client(med.mediator_user)
        refused = client.post(url(med.open().pk, "refuse"), {"reason": "不属于人民调解范围"}, format="json")
        assert refused.status_code == 200 and refused.json()["status"] == CaseStatus.REFUSED
        case = med.accepted()
        failed = client.post(url(case.pk, "fail"), {"reason": "双方差距过大"}, format="json")
        assert failed.status_code == 200 and failed.json()["status"] == CaseStatus.FAILED
        assert failed.json()["routes_notice"]

    def test_result_return_only_for_outside_sources(self, med: Med) -> None:
        client = token_client(med.mediator_user)
        case = med.accepted()
        body = {"returned_on": timezone.localdate().isoformat(), "note": "已函告。"}
        response = client.post(url(case.pk, "result-return"), body, format="json")
        assert response.status_code == 400 and codes(response) == [(None, "not_outside")]

    def test_open_is_idempotent_by_key(self, med: Med) -> None:
        client = token_client(med.mediator_user)
        first = client.post(LIST, open_body(med), format="json", HTTP_IDEMPOTENCY_KEY="med-1")
        again = client.post(LIST, open_body(med), format="json", HTTP_IDEMPOTENCY_KEY="med-1")
        assert first.status_code == again.status_code == 201
        assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
        assert MediationCase.objects.count() == 1

    def test_if_match_refuses_a_stale_write(self, med: Med) -> None:
        case = med.open()
        client = token_client(med.mediator_user)
        etag = client.get(url(case.pk))["ETag"]
        assert client.post(url(case.pk, "accept"), format="json", HTTP_IF_MATCH=etag).status_code == 200
        stale = client.post(url(case.pk, "fail"), {"reason": "双方差距过大"}, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        case.refresh_from_db()
        assert case.status == CaseStatus.ACCEPTED

    def test_filters(self, med: Med) -> None:
        med.open()
        client = token_client(med.mediator_user)
        assert client.get(LIST, {"status": "applied", "source_kind": "walk_in"}).json()["count"] == 1
        assert client.get(LIST, {"body": med.body.pk, "organisation": med.mini.town_a.pk}).json()["count"] == 1
        assert client.get(LIST, {"status": "agreed"}).json()["count"] == 0
