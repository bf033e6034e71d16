"""Supervision and accountability over the API (docs/api.md "Supervision"): the same services,
selectors and policies as the supervision pages. Orders are opened, answered, reopened, closed and
escalated (XF-SUP-02, -03, -05); reports are referred to discipline inspection with a sealed case
file, received, answered, the real-name reporter told and their objection recorded (DIS-01..04);
accountability records are kept from the official and the unit concerned (XF-CLS-03); joint
conference meetings record decisions and their follow-up (XF-JUR-01). Another area gets 404, a
role the page refuses 403; creates replay by Idempotency-Key; If-Match refuses a stale write (412)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.petitions.states import Nature
from xinfang.petitions.tests.api_support import token_client
from xinfang.supervision import selectors, services
from xinfang.supervision.models import AccountabilityRecord, Meeting, Referral, SupervisionOrder
from xinfang.supervision.states import FindingKind, Measure, OrderKind, OrderStatus, ReferralStatus

from .conftest import Sup

ORDERS = "/api/v1/supervision-orders/"
REFERRALS = "/api/v1/supervision-referrals/"
RECORDS = "/api/v1/accountability-records/"
MEETINGS = "/api/v1/supervision-meetings/"

pytestmark = pytest.mark.django_db


def url(base: str, pk: int, action: str = "") -> str:
    return f"{base}{pk}/{action + '/' if action else ''}"


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def order_body(sup: Sup, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "issuing_org": sup.mini.petition_bureau.pk,
        "target_org": sup.mini.housing_bureau.pk,
        "trigger": "shirking",
        "demands": "请于期限内查明欠薪事实并书面反馈。",
    }
    body.update(overrides)
    return body


def referral_body(sup: Sup, matter: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "matter": matter.pk,
        "sending_org": sup.mini.petition_bureau.pk,
        "discipline_org": sup.discipline.pk,
        "reason": "反映公职人员违纪问题。",
    }
    body.update(overrides)
    return body


def record_body(sup: Sup, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": sup.mini.petition_bureau.pk,
        "subject_org": sup.mini.housing_bureau.pk,
        "finding": FindingKind.SHIRKING,
        "facts": "信访事项逾期未办结且未申请延期。",
        "measure": Measure.CORRECTION,
        "decided_on": timezone.localdate().isoformat(),
    }
    body.update(overrides)
    return body


def meeting_body(sup: Sup, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": sup.mini.district.pk,
        "title": "第三季度信访工作联席会议",
        "held_on": timezone.localdate().isoformat(),
        "attendee_orgs": [sup.mini.housing_bureau.pk],
    }
    body.update(overrides)
    return body


def created_once(client: Any, base: str, body: dict[str, Any], model: Any) -> int:
    """The same create sent twice with one Idempotency-Key: one row, the second answer replayed."""
    first = client.post(base, body, format="json", HTTP_IDEMPOTENCY_KEY=f"{base}-1")
    again = client.post(base, body, format="json", HTTP_IDEMPOTENCY_KEY=f"{base}-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert model.objects.count() == 1
    return int(first.json()["id"])


def report(sup: Sup) -> Any:
    """A report on the official of the housing bureau (XF-CLS-03: never visible to them)."""
    return sup.matter(nature=Nature.REPORT, reported_users=[sup.official], forward=False)


def referral(sup: Sup, *, is_real_name: bool = False) -> Referral:
    return services.referral_create(
        actor=sup.bureau,
        matter=report(sup),
        sending_org=sup.mini.petition_bureau,
        discipline_org=sup.discipline,
        reason="反映公职人员违纪问题。",
        is_real_name=is_real_name,
    )


class SupervisionOrderApiTests:
    def test_open_answer_reopen_answer_close(self, sup: Sup) -> None:
        """XF-SUP-03, XF-SUP-05: each step through its service and audited; the answer is the order."""
        supervisor, officer = token_client(sup.supervisor), token_client(sup.officer)
        matter = sup.matter()
        opened = supervisor.post(ORDERS, order_body(sup, matter=matter.pk, period=10), format="json")
        assert opened.status_code == 201, opened.content
        order = opened.json()
        assert order["status"] == OrderStatus.OPEN and order["period"] == 10 and order["document"]
        assert opened["ETag"] and opened["Location"].endswith(f"{order['id']}/")
        pk = order["id"]
        assert officer.get(url(ORDERS, pk)).status_code == 200  # the supervised organisation sees it

        answered = officer.post(url(ORDERS, pk, "answer"), {"answer": "已核查。", "adopted": True}, format="json")
        assert answered.status_code == 200, answered.content
        assert answered.json()["status"] == OrderStatus.ANSWERED and answered.json()["adopted"] is True
        reopened = supervisor.post(url(ORDERS, pk, "reopen"), {"note": "反馈不实。"}, format="json")
        assert reopened.status_code == 200 and reopened.json()["status"] == OrderStatus.OPEN
        officer.post(url(ORDERS, pk, "answer"), {"answer": "已整改。", "adopted": True}, format="json")
        closed = supervisor.post(url(ORDERS, pk, "close"), {"outcome": "rectified"}, format="json")
        assert closed.status_code == 200, closed.content
        assert closed.json()["status"] == OrderStatus.CLOSED and closed.json()["outcome"] == "rectified"
        actions = set(AuditEvent.objects.filter(object_id=str(pk)).values_list("action", flat=True))
        assert {"supervision.order_open", "supervision.order_answer", "supervision.order_reopen"} <= actions
        again = supervisor.post(url(ORDERS, pk, "close"), {"outcome": "accepted"}, format="json")
        assert again.status_code == 400 and codes(again) == [(None, "transition")]

    def test_escalate_opens_a_listed_order(self, sup: Sup) -> None:
        """XF-SUP-02: the answer is the escalated order; the listed one is in `escalations`."""
        order = sup.order()
        escalated = token_client(sup.supervisor).post(url(ORDERS, order.pk, "escalate"), {"reason": "逾期未反馈。"})
        assert escalated.status_code == 200, escalated.content
        assert escalated.json()["status"] == OrderStatus.ESCALATED
        [child] = escalated.json()["escalations"]
        assert SupervisionOrder.objects.get(pk=child).kind == OrderKind.LISTED

    def test_the_roles_and_areas_the_pages_refuse(self, sup: Sup) -> None:
        order = sup.order()
        outsider = token_client(sup.outsider)
        assert outsider.get(url(ORDERS, order.pk)).status_code == 404
        assert outsider.get(ORDERS).json()["count"] == 0
        assert outsider.post(url(ORDERS, order.pk, "escalate"), {"reason": "x"}).status_code == 404
        overseer = token_client(sup.overseer)  # neither matter.supervise nor matter.handle: the page's 403
        assert overseer.get(ORDERS).status_code == 403
        assert overseer.post(ORDERS, order_body(sup), format="json").status_code == 403
        officer = token_client(sup.officer)  # the supervised unit answers, never closes or opens
        assert officer.post(url(ORDERS, order.pk, "escalate"), {"reason": "x"}).status_code == 403
        assert officer.post(ORDERS, order_body(sup), format="json").status_code == 403
        order.refresh_from_db()
        assert order.status == OrderStatus.OPEN and SupervisionOrder.objects.count() == 1

    def test_bad_input_names_the_fields(self, sup: Sup) -> None:
        supervisor = token_client(sup.supervisor)
        bad = supervisor.post(ORDERS, order_body(sup, trigger="x", demands=" ", period=0), format="json")
        assert bad.status_code == 400
        assert {("trigger", "invalid_choice"), ("demands", "blank"), ("period", "min_value")} <= set(codes(bad))
        own = supervisor.post(ORDERS, order_body(sup, target_org=sup.mini.petition_bureau.pk), format="json")
        assert own.status_code == 400 and codes(own) == [("target_org", "invalid")]
        unseen = sup.matter(nature=Nature.REPORT, reported_users=[sup.supervisor], forward=False)
        hidden = supervisor.post(ORDERS, order_body(sup, matter=unseen.pk), format="json")
        assert hidden.status_code == 400 and codes(hidden) == [("matter", "invalid")]
        order = sup.order()
        answer = token_client(sup.officer).post(url(ORDERS, order.pk, "answer"), {"answer": "x", "adopted": "yes"})
        assert answer.status_code == 400 and codes(answer) == [("adopted", "invalid")]
        assert SupervisionOrder.objects.count() == 1

    def test_idempotent_open_and_if_match(self, sup: Sup) -> None:
        supervisor = token_client(sup.supervisor)
        pk = created_once(supervisor, ORDERS, order_body(sup), SupervisionOrder)
        etag = supervisor.get(url(ORDERS, pk))["ETag"]
        stale = supervisor.post(url(ORDERS, pk, "escalate"), {"reason": "x"}, HTTP_IF_MATCH='W/"0000"')
        assert stale.status_code == 412
        assert SupervisionOrder.objects.get(pk=pk).status == OrderStatus.OPEN
        fresh = supervisor.post(url(ORDERS, pk, "escalate"), {"reason": "逾期。"}, HTTP_IF_MATCH=etag)
        assert fresh.status_code == 200

    def test_xf_cls_03_an_order_on_a_report_is_hidden_from_the_reported(self, sup: Sup) -> None:
        reported = sup.supervisor
        matter = sup.matter(nature=Nature.REPORT, reported_users=[reported], forward=False)
        order = sup.order(matter, actor=sup.leader, issuing_org=sup.mini.district, target_org=sup.mini.petition_bureau)
        assert token_client(sup.bureau).get(url(ORDERS, order.pk)).status_code == 200
        client = token_client(reported)
        assert client.get(url(ORDERS, order.pk)).status_code == 404
        assert order.pk not in [row["id"] for row in client.get(ORDERS).json()["results"]]

    def test_list_filters_and_query_count(self, sup: Sup, django_assert_max_num_queries: Any) -> None:
        for _n in range(4):
            sup.order()
        supervisor = token_client(sup.supervisor)
        with django_assert_max_num_queries(12):
            assert supervisor.get(ORDERS).json()["count"] == 4
        assert supervisor.get(ORDERS, {"status": "answered"}).json()["count"] == 0
        assert supervisor.get(ORDERS, {"target_org": "x"}).status_code == 400


class ReferralApiTests:
    def test_refer_receive_feedback_notify_object(self, sup: Sup) -> None:
        """DIS-01..04 through the services; the sealed case file only on the retrieve."""
        bureau = token_client(sup.bureau)
        created = bureau.post(REFERRALS, referral_body(sup, report(sup), is_real_name=True), format="json")
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert "content" not in created.json() and len(created.json()["content_sha256"]) == 64
        detail = bureau.get(url(REFERRALS, pk)).json()
        assert services.content_hash(detail["content"]) == detail["content_sha256"]
        assert "content" not in bureau.get(REFERRALS).json()["results"][0]

        verified = bureau.post(url(REFERRALS, pk, "verify"))
        assert verified.status_code == 200 and verified.json()["last_verified_ok"] is True
        received = bureau.post(url(REFERRALS, pk, "receive"))
        assert received.status_code == 200 and received.json()["status"] == ReferralStatus.RECEIVED
        notice = {"stage": "acceptance", "notice": "已电话告知受理情况。"}
        told = bureau.post(url(REFERRALS, pk, "notify-reporter"), notice, format="json")
        assert told.status_code == 200 and told.json()["acceptance_notified_at"]
        result = {"handling_mode": "verification", "feedback": "经初步核实，问题部分属实。"}
        answered = bureau.post(url(REFERRALS, pk, "feedback"), result, format="json")
        assert answered.status_code == 200 and answered.json()["status"] == ReferralStatus.CONCLUDED
        body: dict[str, Any] = {"objection": "处理过轻。", "explanation": "已解释依据。", "has_new_evidence": True}
        missing = bureau.post(url(REFERRALS, pk, "objections"), body, format="json")
        assert missing.status_code == 400 and codes(missing) == [("verification", "invalid")]
        body["verification"] = "新证据已核实，不影响结论。"
        objected = bureau.post(url(REFERRALS, pk, "objections"), body, format="json")
        assert objected.status_code == 200 and len(objected.json()["objections"]) == 1
        again = bureau.post(url(REFERRALS, pk, "receive"))
        assert again.status_code == 400 and codes(again) == [(None, "transition")]

    def test_anonymous_report_owes_no_notice(self, sup: Sup) -> None:
        row = referral(sup)
        refused = token_client(sup.bureau).post(
            url(REFERRALS, row.pk, "notify-reporter"), {"stage": "result", "notice": "x"}, format="json"
        )
        assert refused.status_code == 400 and codes(refused) == [(None, "not_real_name")]

    def test_bad_input_names_the_fields(self, sup: Sup) -> None:
        bureau = token_client(sup.bureau)
        grievance = sup.matter(forward=False)
        refused = bureau.post(REFERRALS, referral_body(sup, grievance), format="json")
        assert refused.status_code == 400 and codes(refused) == [("matter", "invalid")]
        wrong = bureau.post(
            REFERRALS, referral_body(sup, report(sup), discipline_org=sup.mini.housing_bureau.pk), format="json"
        )
        assert wrong.status_code == 400 and codes(wrong) == [("discipline_org", "invalid")]
        blank = bureau.post(REFERRALS, referral_body(sup, grievance, reason="", is_real_name="1"), format="json")
        assert {("reason", "blank"), ("is_real_name", "invalid")} == set(codes(blank))
        row = referral(sup)
        mode = bureau.post(url(REFERRALS, row.pk, "feedback"), {"handling_mode": "x", "feedback": ""}, format="json")
        assert {("handling_mode", "invalid_choice"), ("feedback", "blank")} == set(codes(mode))
        assert Referral.objects.count() == 1

    def test_permissions_and_xf_cls_03(self, sup: Sup) -> None:
        """Only accountability.manage (the page's 403 otherwise); another area 404; the official
        reported never sees the referral, even with the right (XF-CLS-03)."""
        row = referral(sup)
        assert token_client(sup.outsider).get(url(REFERRALS, row.pk)).status_code == 404
        assert token_client(sup.outsider).post(url(REFERRALS, row.pk, "receive")).status_code == 404
        for user in (sup.officer, sup.overseer, sup.leader):
            assert token_client(user).get(REFERRALS).status_code == 403
        assert token_client(sup.officer).post(REFERRALS, referral_body(sup, report(sup))).status_code == 403
        about_supervisor = services.referral_create(
            actor=sup.bureau,
            matter=sup.matter(nature=Nature.REPORT, reported_users=[sup.supervisor], forward=False),
            sending_org=sup.mini.petition_bureau,
            discipline_org=sup.discipline,
            reason="移送。",
        )
        supervisor = token_client(sup.supervisor)
        listed = [r["id"] for r in supervisor.get(REFERRALS).json()["results"]]
        assert row.pk in listed and about_supervisor.pk not in listed
        assert supervisor.get(url(REFERRALS, about_supervisor.pk)).status_code == 404
        assert supervisor.post(url(REFERRALS, about_supervisor.pk, "verify")).status_code == 404

    def test_idempotent_create_and_if_match(self, sup: Sup) -> None:
        bureau = token_client(sup.bureau)
        body = referral_body(sup, report(sup))
        pk = created_once(bureau, REFERRALS, body, Referral)
        stale = bureau.post(url(REFERRALS, pk, "receive"), HTTP_IF_MATCH='W/"0000"')
        assert stale.status_code == 412
        assert Referral.objects.get().status == ReferralStatus.SENT


class AccountabilityRecordApiTests:
    def test_record_and_read(self, sup: Sup) -> None:
        """XF-ACC-01..03: recorded by accountability.manage, read by accountability.view."""
        created = token_client(sup.bureau).post(RECORDS, record_body(sup), format="json")
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        overseer = token_client(sup.overseer)
        assert overseer.get(url(RECORDS, pk)).json()["finding"] == FindingKind.SHIRKING
        assert overseer.get(RECORDS, {"measure": "correction"}).json()["count"] == 1
        assert overseer.post(RECORDS, record_body(sup), format="json").status_code == 403  # view only

    def test_bad_input_names_the_fields(self, sup: Sup) -> None:
        bureau = token_client(sup.bureau)
        staff = bureau.post(RECORDS, record_body(sup, finding=FindingKind.RUDE), format="json")
        assert staff.status_code == 400 and codes(staff) == [("subject_name", "invalid")]
        future = bureau.post(RECORDS, record_body(sup, decided_on="2999-01-01", measure="x"), format="json")
        assert {("measure", "invalid_choice")} == set(codes(future))
        late = bureau.post(RECORDS, record_body(sup, decided_on="2999-01-01"), format="json")
        assert codes(late) == [("decided_on", "invalid")]
        myself = bureau.post(RECORDS, record_body(sup, subject_user=sup.bureau.pk), format="json")
        assert codes(myself) == [("subject_user", "invalid")]
        assert AccountabilityRecord.objects.count() == 0

    def test_xf_cls_03_never_shown_to_the_official_or_the_unit(self, sup: Sup) -> None:
        bureau = token_client(sup.bureau)
        body = record_body(
            sup,
            subject_org=sup.mini.petition_bureau.pk,
            subject_user=sup.supervisor.pk,
            finding=FindingKind.LEAKED,
            measure=Measure.DISCIPLINE,
        )
        pk = created_once(bureau, RECORDS, body, AccountabilityRecord)
        supervisor = token_client(sup.supervisor)  # accountability.view over the district, but the official
        assert supervisor.get(RECORDS).json()["count"] == 0
        assert supervisor.get(url(RECORDS, pk)).status_code == 404
        assert bureau.get(url(RECORDS, pk)).status_code == 404  # a member of the unit concerned
        assert token_client(sup.overseer).get(url(RECORDS, pk)).status_code == 200
        assert token_client(sup.officer).get(RECORDS).status_code == 403  # no accountability.view
        assert token_client(sup.outsider).get(RECORDS).json()["count"] == 0


class MeetingApiTests:
    def test_meeting_decisions_and_follow_up(self, sup: Sup) -> None:
        """XF-JUR-01: a jurisdiction decision binds routing until it is revoked."""
        leader = token_client(sup.leader)
        matter = sup.matter()
        created = leader.post(MEETINGS, meeting_body(sup, matters=[matter.pk]), format="json")
        assert created.status_code == 201, created.content
        assert created.json()["matters"] == [matter.pk]
        pk = created.json()["id"]
        body = {"kind": "jurisdiction", "text": "由住建局管辖。", "competent_org": sup.mini.housing_bureau.pk}
        missing = leader.post(url(MEETINGS, pk, "decisions"), body, format="json")
        assert missing.status_code == 400 and codes(missing) == [("matter_type", "invalid")]
        added = leader.post(url(MEETINGS, pk, "decisions"), {**body, "matter": matter.pk}, format="json")
        assert added.status_code == 200, added.content
        [decision] = added.json()["decisions"]
        assert decision["number"] == 1 and decision["is_active"] is True
        assert selectors.jurisdiction_decision_for(matter) is not None
        follow = {"number": 1, "status": "done", "note": "已落实。", "revoke": True}
        done = leader.post(url(MEETINGS, pk, "follow-up"), follow, format="json")
        assert done.status_code == 200 and done.json()["decisions"][0]["is_active"] is False
        unknown = leader.post(url(MEETINGS, pk, "follow-up"), {**follow, "number": 9}, format="json")
        assert unknown.status_code == 400 and codes(unknown) == [("number", "invalid")]
        assert leader.get(MEETINGS, {"year": timezone.localdate().year}).json()["count"] == 1
        assert leader.get(MEETINGS, {"year": 0}).status_code == 400

    def test_permissions_bad_input_idempotency_and_if_match(self, sup: Sup) -> None:
        leader = token_client(sup.leader)
        bad = leader.post(MEETINGS, meeting_body(sup, title=" ", held_on="x", attendee_orgs=["1"]), format="json")
        assert bad.status_code == 400
        assert {("title", "blank"), ("held_on", "invalid"), ("attendee_orgs", "incorrect_type")} == set(codes(bad))
        hidden = sup.matter(nature=Nature.REPORT, reported_users=[sup.leader], forward=False)
        unseen = leader.post(MEETINGS, meeting_body(sup, matters=[hidden.pk]), format="json")
        assert unseen.status_code == 400 and codes(unseen) == [("matters", "invalid")]
        pk = created_once(leader, MEETINGS, meeting_body(sup), Meeting)
        stale = leader.post(
            url(MEETINGS, pk, "decisions"), {"kind": "other", "text": "x"}, format="json", HTTP_IF_MATCH='W/"0"'
        )
        assert stale.status_code == 412 and not Meeting.objects.get().decisions.exists()
        assert token_client(sup.outsider).get(MEETINGS).status_code == 403  # no conference.manage
        assert token_client(sup.supervisor).get(url(MEETINGS, pk)).status_code == 403
        assert token_client(sup.bureau).get(url(MEETINGS, pk)).status_code == 200
        town_b = services.meeting_create(
            actor=sup.leader, organisation=sup.mini.town_b, title="乙街道会议", held_on=timezone.localdate()
        )
        town_b_leader = token_client(_town_b_leader(sup))
        assert town_b_leader.get(url(MEETINGS, pk)).status_code == 404
        assert town_b_leader.get(url(MEETINGS, town_b.pk)).status_code == 200
        assert town_b_leader.post(url(MEETINGS, pk, "decisions"), {"kind": "other", "text": "x"}).status_code == 404


def _town_b_leader(sup: Sup) -> Any:
    from xinfang.accounts.roles import Role
    from xinfang.core.testing import make_user

    return make_user((Role.LEADER, sup.mini.town_b))
