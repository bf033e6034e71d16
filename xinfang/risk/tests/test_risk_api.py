"""Major decisions over the API (docs/api.md "Major decisions (risk)"): the same services and
permission path as the risk pages. A list is opened, a decision added, its assessment recorded step
by step (RA-02, RA-05), concluded with a level (RA-04) and decided within what the level permits
(RA-03, RA-06, RA-07: an approval against a high-risk conclusion is refused with `not_permitted`);
review flags are listed and resolved. Another area gets 404, a role without risk.manage 403 or
nothing; creates replay by Idempotency-Key; If-Match refuses a stale write (412)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.petitions.tests.api_support import token_client
from xinfang.risk.models import DecisionList, MajorDecision, ReviewFlag
from xinfang.risk.services import risk_cluster_check
from xinfang.risk.states import DecisionStatus, Outcome, RiskLevel

from .conftest import Risk

LISTS = "/api/v1/risk-decision-lists/"
DECISIONS = "/api/v1/risk-decisions/"
FLAGS = "/api/v1/risk-review-flags/"

pytestmark = pytest.mark.django_db


def url(base: str, pk: int, action: str = "") -> str:
    return f"{base}{pk}/{action + '/' if action else ''}"


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def decision_body(risk: Risk, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "decision_list": risk.district_list.pk,
        "title": "甲一村旧村改造项目",
        "owner_org": risk.mini.housing_bureau.pk,
        "kind": "construction",
        "owner_person": "王五",
        "project_code": "GZ-2026-017",
        "place": risk.mini.village_a1.pk,
        "keywords": ["旧村改造", "拆迁补偿"],
        "planned_date": "2026-12-01",
    }
    body.update(overrides)
    return body


def flagged(risk: Risk) -> ReviewFlag:
    """A decision with five petitions about its project code: the cluster check flags it."""
    from xinfang.petitions.testing import register_walk_in

    decision = risk.add()
    for n in range(5):
        register_walk_in(risk.mini, title=f"GZ-2026-017 拆迁补偿问题{n}")
    [flag] = risk_cluster_check(since=timezone.now() - datetime.timedelta(days=1))
    assert flag.decision_id == decision.pk
    return flag


class RiskDecisionApiTests:
    def test_walk_list_add_steps_conclude_decide(self, risk: Risk) -> None:
        """RA-01/02/04/05: each step through its service and audited; the answer is the decision."""
        bureau, owner = token_client(risk.bureau), token_client(risk.owner)
        created = bureau.post(LISTS, {"organisation": risk.mini.town_a.pk, "year": 2026}, format="json")
        assert created.status_code == 201, created.content
        assert created.json()["year"] == 2026 and created["Location"].endswith(f"{created.json()['id']}/")

        added = bureau.post(DECISIONS, decision_body(risk), format="json")
        assert added.status_code == 201, added.content
        decision = added.json()
        assert decision["reference"] == "2026-001" and decision["status"] == DecisionStatus.LISTED
        assert decision["keywords"] == ["旧村改造", "拆迁补偿"] and added["ETag"]
        pk = decision["id"]

        today = timezone.localdate().isoformat()
        for kind in ("identification", "consultation"):
            step = owner.post(url(DECISIONS, pk, "steps"), {"kind": kind, "date": today, "text": "已完成。"})
            assert step.status_code == 200, step.content
        assert step.json()["status"] == DecisionStatus.ASSESSING
        assert [s["kind"] for s in step.json()["assessments"][0]["steps"]] == ["identification", "consultation"]

        body = {"level": "low", "conclusion": "多数群众支持。"}
        concluded = owner.post(url(DECISIONS, pk, "conclude"), body, format="json")
        assert concluded.status_code == 200, concluded.content
        assert concluded.json()["status"] == DecisionStatus.ASSESSED
        assert concluded.json()["assessments"][0]["level"] == RiskLevel.LOW
        assert Outcome.APPROVED in concluded.json()["permitted_outcomes"]

        decided = bureau.post(url(DECISIONS, pk, "decide"), {"outcome": "approved", "note": "同意。"}, format="json")
        assert decided.status_code == 200, decided.content
        assert decided.json()["status"] == DecisionStatus.DECIDED and decided.json()["outcome"] == Outcome.APPROVED
        actions = set(AuditEvent.objects.filter(object_id=str(pk)).values_list("action", flat=True))
        assert {"risk.decision_add", "risk.step_record", "risk.assessment_conclude", "risk.decide"} <= actions

    def test_approval_against_a_high_risk_conclusion_is_refused_with_its_code(self, risk: Risk) -> None:
        """RA-03, RA-06, RA-07: after a high-risk conclusion only postponed or rejected; the refusal
        names the field, carries `not_permitted` and a translated message citing the rules."""
        decision = risk.assessed(RiskLevel.HIGH)
        bureau = token_client(risk.bureau)
        refused = bureau.post(url(DECISIONS, decision.pk, "decide"), {"outcome": "approved"}, format="json")
        assert refused.status_code == 400 and codes(refused) == [("outcome", "not_permitted")]
        assert "高风险" in refused.json()["errors"][0]["detail"] and "RA-03" in refused.json()["errors"][0]["detail"]
        english = token_client(risk.bureau, language="en").post(
            url(DECISIONS, decision.pk, "decide"), {"outcome": "approved_with_measures"}, format="json"
        )
        assert codes(english) == [("outcome", "not_permitted")]
        decision.refresh_from_db()
        assert decision.status == DecisionStatus.ASSESSED and decision.outcome == ""
        assert bureau.get(url(DECISIONS, decision.pk)).json()["permitted_outcomes"] == ["postponed", "rejected"]
        postponed = bureau.post(url(DECISIONS, decision.pk, "decide"), {"outcome": "postponed"}, format="json")
        assert postponed.status_code == 200 and postponed.json()["outcome"] == Outcome.POSTPONED

    def test_reassessment_needs_a_reason_and_conclusion_needs_the_steps(self, risk: Risk) -> None:
        """RA-02 (required steps before a conclusion) and RA-03/RA-07 (a re-assessment's reason)."""
        decision = risk.add()
        owner = token_client(risk.owner)
        started = owner.post(url(DECISIONS, decision.pk, "start-assessment"), {}, format="json")
        assert started.status_code == 200 and started.json()["status"] == DecisionStatus.ASSESSING
        body = {"level": "medium", "measures": "设立听证。", "conclusion": "见报告。"}
        missing = owner.post(url(DECISIONS, decision.pk, "conclude"), body, format="json")
        assert missing.status_code == 400 and codes(missing) == [(None, "steps_missing")]
        assessed = risk.assessed(RiskLevel.MEDIUM, title="公交线网调整")
        again = owner.post(url(DECISIONS, assessed.pk, "start-assessment"), {"reason": ""}, format="json")
        assert again.status_code == 400 and codes(again) == [("reason", "invalid")]
        again = owner.post(url(DECISIONS, assessed.pk, "start-assessment"), {"reason": "方案已调整。"}, format="json")
        assert again.status_code == 200 and [a["round"] for a in again.json()["assessments"]] == [2, 1]

    def test_bad_input_is_a_translated_field_error_and_nothing_is_written(self, risk: Risk) -> None:
        bureau = token_client(risk.bureau)
        response = bureau.post(DECISIONS, decision_body(risk, title="  ", kind="x"), format="json")
        assert response.status_code == 400
        assert ("title", "blank") in codes(response) and ("kind", "invalid_choice") in codes(response)
        outside = bureau.post(DECISIONS, decision_body(risk, owner_org=risk.mini.town_b.pk + 10**6), format="json")
        assert outside.status_code == 400 and codes(outside) == [("owner_org", "does_not_exist")]
        response = bureau.post(DECISIONS, decision_body(risk, keywords=["甲"]), format="json")
        assert response.status_code == 400 and codes(response) == [("keywords", "invalid")]
        assert "关键词" in response.json()["errors"][0]["detail"]
        response = bureau.post(DECISIONS, decision_body(risk, keywords=["旧村", 5]), format="json")
        assert response.status_code == 400 and codes(response) == [("keywords", "invalid")]
        assert response.json()["errors"][0]["detail"].startswith("第 2 项")
        english = token_client(risk.bureau, language="en").post(LISTS, {"organisation": risk.mini.district.pk})
        assert english.status_code == 400 and english.json()["errors"][0]["detail"] == "This field is required."
        twice = bureau.post(LISTS, {"organisation": risk.mini.district.pk, "year": 2026}, format="json")
        assert twice.status_code == 400 and codes(twice) == [("year", "duplicate")]
        assert MajorDecision.objects.count() == 0 and DecisionList.objects.count() == 1

    def test_another_area_gets_404_and_a_role_without_the_action_nothing(self, risk: Risk) -> None:
        """Scope (docs/permissions.md): street B's leader neither sees nor acts on the district's
        decisions; a handling officer without risk.manage sees none and may not add one."""
        decision = risk.assessed(RiskLevel.LOW)
        outsider = token_client(risk.outsider)
        assert outsider.get(url(DECISIONS, decision.pk)).status_code == 404
        assert outsider.get(DECISIONS).json()["count"] == 0
        assert outsider.post(url(DECISIONS, decision.pk, "decide"), {"outcome": "approved"}).status_code == 404
        assert outsider.get(url(LISTS, risk.district_list.pk)).status_code == 404
        officer = token_client(risk.officer)
        assert officer.get(DECISIONS).json()["count"] == 0
        assert officer.post(DECISIONS, decision_body(risk), format="json").status_code == 403
        assert officer.post(LISTS, {"organisation": risk.mini.town_a.pk, "year": 2027}).status_code == 403
        decision.refresh_from_db()
        assert decision.status == DecisionStatus.ASSESSED

    def test_the_owner_unit_assesses_but_does_not_decide(self, risk: Risk) -> None:
        """RA-01: the owner unit carries out the assessment; the decision body decides."""
        decision = risk.assessed(RiskLevel.LOW)
        owner = token_client(risk.owner)
        assert owner.get(url(DECISIONS, decision.pk)).status_code == 200
        assert owner.post(url(DECISIONS, decision.pk, "decide"), {"outcome": "approved"}).status_code == 403

    def test_creates_replay_by_idempotency_key(self, risk: Risk) -> None:
        bureau = token_client(risk.bureau)
        first = bureau.post(DECISIONS, decision_body(risk), format="json", HTTP_IDEMPOTENCY_KEY="risk-1")
        again = bureau.post(DECISIONS, decision_body(risk), format="json", HTTP_IDEMPOTENCY_KEY="risk-1")
        assert first.status_code == again.status_code == 201
        assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
        assert MajorDecision.objects.count() == 1
        body = {"organisation": risk.mini.town_a.pk, "year": 2026}
        one = bureau.post(LISTS, body, format="json", HTTP_IDEMPOTENCY_KEY="list-1")
        two = bureau.post(LISTS, body, format="json", HTTP_IDEMPOTENCY_KEY="list-1")
        assert one.status_code == two.status_code == 201 and two["Idempotent-Replayed"] == "true"

    def test_if_match_refuses_a_stale_write(self, risk: Risk) -> None:
        decision = risk.add()
        owner = token_client(risk.owner)
        etag = owner.get(url(DECISIONS, decision.pk))["ETag"]
        today = timezone.localdate().isoformat()
        body = {"kind": "identification", "date": today, "text": "已识别。"}
        assert owner.post(url(DECISIONS, decision.pk, "steps"), body, HTTP_IF_MATCH=etag).status_code == 200
        stale = owner.post(url(DECISIONS, decision.pk, "start-assessment"), {}, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412

    def test_lists_cost_a_fixed_number_of_queries(self, risk: Risk, django_assert_max_num_queries: Any) -> None:
        for n in range(6):
            risk.assessed(RiskLevel.LOW, title=f"决策{n}")
        bureau = token_client(risk.bureau)
        with django_assert_max_num_queries(14):
            response = bureau.get(DECISIONS)
        assert response.status_code == 200 and response.json()["count"] == 6
        with django_assert_max_num_queries(10):
            assert bureau.get(LISTS).json()["count"] == 1
        with django_assert_max_num_queries(10):
            assert bureau.get(FLAGS).json()["count"] == 0

    def test_filters(self, risk: Risk) -> None:
        risk.add()
        bureau = token_client(risk.bureau)
        assert bureau.get(DECISIONS, {"year": 2026, "status": "listed"}).json()["count"] == 1
        assert bureau.get(DECISIONS, {"year": 2025}).json()["count"] == 0
        assert bureau.get(DECISIONS, {"owner_org": "x"}).status_code == 400


class RiskReviewFlagApiTests:
    def test_flags_are_listed_and_resolved_by_the_decision_body(self, risk: Risk) -> None:
        """docs/risk.md cluster trigger: an open flag blocks the decision until resolved."""
        flag = flagged(risk)
        bureau = token_client(risk.bureau)
        listed = bureau.get(FLAGS, {"is_open": "true"}).json()
        assert listed["count"] == 1 and listed["results"][0]["matched_count"] == 5
        assert "张三" not in str(listed)  # ids and numbers only, no personal data
        empty = bureau.post(url(FLAGS, flag.pk, "resolve"), {"resolution": " "}, format="json")
        assert empty.status_code == 400 and codes(empty) == [("resolution", "blank")]
        owner = token_client(risk.owner)
        assert owner.post(url(FLAGS, flag.pk, "resolve"), {"resolution": "已核查"}).status_code == 403
        reassess = bureau.post(url(FLAGS, flag.pk, "resolve"), {"resolution": "已核查", "reassess": True})
        assert reassess.status_code == 400 and codes(reassess) == [("reassess", "reassess")]
        done = bureau.post(url(FLAGS, flag.pk, "resolve"), {"resolution": "已核查，评估已考虑。"}, format="json")
        assert done.status_code == 200 and done.json()["is_open"] is False
        again = bureau.post(url(FLAGS, flag.pk, "resolve"), {"resolution": "再次"}, format="json")
        assert again.status_code == 400 and codes(again) == [(None, "resolved")]
        assert bureau.get(FLAGS, {"is_open": "true"}).json()["count"] == 0

    def test_another_area_does_not_see_the_flag(self, risk: Risk) -> None:
        flag = flagged(risk)
        outsider = token_client(risk.outsider)
        assert outsider.get(url(FLAGS, flag.pk)).status_code == 404
        assert outsider.post(url(FLAGS, flag.pk, "resolve"), {"resolution": "x"}).status_code == 404
        assert outsider.get(FLAGS).json()["count"] == 0
