"""The handling actions of the matters API (apis_handling.py), driven with knox tokens as a
system would: a matter from acceptance through its opinion, delivery, review and re-review to the
final opinion; the extension asked by the handler and decided by the head; If-Match against lost
updates; idempotent replays; 404 for another organisation's user on every action; the services'
refusals as field errors; the handling rows read in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.notices.kinds import DocumentKind
from xinfang.notices.models import Document
from xinfang.petitions.models import (
    Evaluation,
    Extension,
    FollowUpTask,
    HandlingRecord,
    Matter,
    MediationReferral,
    Opinion,
    Review,
)
from xinfang.petitions.services.handling import (
    evaluation_record,
    extension_request,
    mediation_refer,
    mediation_result_record,
    opinion_deliver,
    opinion_issue,
    running_clock,
)
from xinfang.petitions.services.review import review_request
from xinfang.petitions.states import (
    CLOCK_HANDLING,
    CLOCK_REVIEW_ACCEPT,
    ExtensionStatus,
    FollowUpStatus,
    MediationStatus,
    OpinionStage,
    Procedure,
    ReviewStatus,
    Status,
)

from .handling_support import (
    OPINION,
    REVIEW_OPINION,
    HandlingWorld,
    accepted,
    build_handling_world,
    classified,
    clock_of,
    final,
    in_review,
    replied,
    status_moves,
    track,
)

pytestmark = pytest.mark.django_db

MATTERS = "/api/v1/matters/"


@pytest.fixture
def hw(mini) -> HandlingWorld:
    return build_handling_world(mini)


def api(user: User) -> APIClient:
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def at(matter: Matter, action: str) -> str:
    return f"{MATTERS}{matter.pk}/{action}/"


def now() -> str:
    return timezone.localtime().isoformat()


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def rows(client: APIClient, matter: Matter) -> dict[str, Any]:
    response = client.get(at(matter, "handling"))
    assert response.status_code == 200, response.content
    return response.json()


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content.decode()
    assert response["ETag"].startswith('W/"')
    return response.json()


def only_error(response: Any) -> dict[str, Any]:
    (error,) = response.json()["errors"]
    return error


def footprint(matter: Matter) -> tuple[Any, ...]:
    """What any handling action would change: the matter and its rows, documents, audit events."""
    matter.refresh_from_db()
    return (
        matter.status,
        matter.current_org_id,
        matter.track_id,
        matter.procedure,
        matter.updated_at,
        HandlingRecord.objects.filter(matter=matter).count(),
        list(Extension.objects.filter(matter=matter).values_list("status", flat=True)),
        list(Opinion.objects.filter(matter=matter).values_list("delivered_at", flat=True)),
        list(MediationReferral.objects.filter(matter=matter).values_list("status", flat=True)),
        list(Review.objects.filter(matter=matter).values_list("status", flat=True)),
        list(FollowUpTask.objects.filter(matter=matter).values_list("status", flat=True)),
        Evaluation.objects.filter(matter=matter).count(),
        Document.objects.filter(matter=matter).count(),
        AuditEvent.objects.count(),
    )


# --- The main path -----------------------------------------------------------------------------------


def test_a_matter_goes_from_acceptance_to_the_final_re_review_over_the_api(hw):
    """XF-CLS-01 (track), XF-OPN-01/02 (the handling opinion, DOC-05), XF-REV-01 (delivery starts
    the window; review one level up), XF-REV-02 (review opinion, DOC-06), XF-REV-03/04 (re-review
    one level above the review body, DOC-07), XF-REV-06 (the re-review opinion is final). Each answer
    is the matter with a new ETag."""
    matter = accepted(hw)
    town, clerk = api(hw.town_officer), api(hw.clerk)
    housing, government = api(hw.housing_officer), api(hw.gov_officer)
    etags: list[str] = []

    def step(client: APIClient, action: str, body: dict[str, Any]) -> str:
        response = client.post(at(matter, action), body)
        etags.append(response["ETag"] if response.status_code == 200 else "")
        return str(ok(response)["status"])

    assert step(town, "classify", {"track": track("petition").pk, "note": "申诉求决类。"}) == Status.ACCEPTED
    assert step(town, "opinions", OPINION) == Status.REPLIED
    (opinion,) = rows(town, matter)["opinions"]
    assert opinion["stage"] == OpinionStage.HANDLING and opinion["delivered_at"] is None
    assert opinion["document_number"]
    delivery = {"method": "hand", "delivered_at": now(), "recipient": "张三"}
    assert step(town, f"opinions/{opinion['id']}/deliver", delivery) == Status.REPLIED

    # The district petition bureau registers the request at the housing bureau (one level above town A).
    request = {"stage": "review", "organisation": hw.housing.pk, "received_at": now(), "request": "请求复查。"}
    assert step(clerk, "reviews", request) == Status.IN_REVIEW
    (review,) = rows(housing, matter)["reviews"]
    assert review["status"] == ReviewStatus.PENDING and review["organisation"] == hw.housing.pk
    assert step(housing, f"reviews/{review['id']}/decide", REVIEW_OPINION) == Status.REVIEWED
    review_opinion = rows(housing, matter)["opinions"][-1]
    assert review_opinion["stage"] == OpinionStage.REVIEW and review_opinion["review"] == review["id"]
    delivery = {"method": "post", "delivered_at": now(), "recipient": "张三"}
    assert step(housing, f"opinions/{review_opinion['id']}/deliver", delivery) == Status.REVIEWED

    # The re-review goes one level above the housing bureau: the district government (its office).
    request = {"stage": "rereview", "organisation": hw.government.pk, "received_at": now(), "request": "请求复核。"}
    assert step(clerk, "reviews", request) == Status.IN_REREVIEW
    rereview = rows(government, matter)["reviews"][-1]
    assert step(government, f"reviews/{rereview['id']}/decide", REVIEW_OPINION) == Status.FINAL

    assert len(set(etags)) == len(etags)
    assert list(Opinion.objects.filter(matter=matter).order_by("pk").values_list("stage", flat=True)) == [
        OpinionStage.HANDLING,
        OpinionStage.REVIEW,
        OpinionStage.REREVIEW,
    ]
    kinds = set(Document.objects.filter(matter=matter).values_list("kind", flat=True))
    assert {DocumentKind.HANDLING_OPINION, DocumentKind.REVIEW_OPINION, DocumentKind.REREVIEW_OPINION} <= kinds
    assert status_moves(matter)[-5:] == [
        (Status.ACCEPTED, Status.REPLIED),
        (Status.REPLIED, Status.IN_REVIEW),
        (Status.IN_REVIEW, Status.REVIEWED),
        (Status.REVIEWED, Status.IN_REREVIEW),
        (Status.IN_REREVIEW, Status.FINAL),
    ]


# --- Extension: who may ask, who may decide ---------------------------------------------------------------


def test_the_handler_asks_for_an_extension_and_only_the_head_decides_it(hw):
    """XF-DL-02: the handling officer asks (days and reason); a decision by anyone but the head
    of the organ is refused with 403 and its reason in the reader's language; the head's approval
    moves the 60-day clock by the days asked and issues the extension notice (DOC-04)."""
    matter = classified(hw)
    due_before = clock_of(matter, CLOCK_HANDLING).due_date
    officer, head = api(hw.town_officer), api(hw.town_head)
    ok(officer.post(at(matter, "extensions"), {"days": 15, "reason": "案情复杂，需要进一步调查。"}))
    (extension,) = rows(officer, matter)["extensions"]
    assert extension["status"] == ExtensionStatus.REQUESTED and extension["original_due"] == due_before.isoformat()
    decide = at(matter, f"extensions/{extension['id']}/decide")

    before = footprint(matter)
    for language, detail in (
        ("zh-hans", "您没有权限执行“审批信访事项”。"),
        ("en", "You do not have permission for this action: “Approve petition matters”."),
    ):
        refused = officer.post(decide, {"approve": True}, HTTP_ACCEPT_LANGUAGE=language)
        assert refused.status_code == 403
        assert refused.json()["type"] == "client_error"
        assert only_error(refused) == {"code": "permission_denied", "detail": detail, "attr": None}
    assert footprint(matter) == before

    ok(head.post(decide, {"approve": True, "note": "同意延期。"}))
    stored = Extension.objects.get(pk=extension["id"])
    clock = clock_of(matter, CLOCK_HANDLING)
    assert stored.status == ExtensionStatus.APPROVED and stored.decided_by == hw.town_head
    assert stored.new_due == clock.due_date > due_before
    assert stored.document is not None and stored.document.kind == DocumentKind.EXTENSION
    again = head.post(decide, {"approve": False})
    assert again.status_code == 400
    assert only_error(again) == {"code": "decided", "detail": "该延期申请已经处理。", "attr": None}


def test_a_user_who_may_view_but_not_handle_is_refused_with_403(hw):
    """The page's pre-check (require MATTER_HANDLE at the holding organ): the congress overseer sees
    the matter but may not classify it; nothing is written."""
    matter = accepted(hw)
    before = footprint(matter)
    response = api(hw.world.overseer).post(at(matter, "classify"), {"track": track("petition").pk})
    assert response.status_code == 403
    assert only_error(response)["detail"] == "您没有权限执行“办理信访事项”。"
    assert footprint(matter) == before


# --- Lost updates and replays ------------------------------------------------------------------------------


def test_a_stale_if_match_is_refused_with_412_and_nothing_is_written(hw):
    """ETags against lost updates: an opinion sent with the ETag read before someone else added a
    record is refused (412) and nothing is written; sent with the current ETag it is issued
    (XF-OPN-01)."""
    matter = classified(hw)
    officer = api(hw.town_officer)
    read = officer.get(at(matter, "handling"))
    stale = read["ETag"]
    record = {"kind": "investigation", "occurred_on": in_days(0), "summary": "实地核查。"}
    changed = officer.post(at(matter, "records"), record, HTTP_IF_MATCH=stale)
    current = changed["ETag"]
    assert ok(changed) and current != stale

    before = footprint(matter)
    refused = officer.post(at(matter, "opinions"), OPINION, HTTP_IF_MATCH=stale)
    assert refused.status_code == 412
    assert only_error(refused)["code"] == "precondition_failed"
    assert footprint(matter) == before

    assert ok(officer.post(at(matter, "opinions"), OPINION, HTTP_IF_MATCH=current))["status"] == Status.REPLIED
    assert Opinion.objects.filter(matter=matter).count() == 1


def test_an_opinion_issue_sent_twice_with_one_idempotency_key_issues_one_opinion(hw):
    """XF-OPN-01: a client that did not get the answer sends the same request again with the same
    Idempotency-Key: it gets the first answer back and no second opinion (without the key the
    service would refuse the second issue: the matter has been answered)."""
    matter = classified(hw)
    officer = api(hw.town_officer)
    first = officer.post(at(matter, "opinions"), OPINION, HTTP_IDEMPOTENCY_KEY="opinion-7f3a")
    assert ok(first)["status"] == Status.REPLIED
    events = AuditEvent.objects.count()
    again = officer.post(at(matter, "opinions"), OPINION, HTTP_IDEMPOTENCY_KEY="opinion-7f3a")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Opinion.objects.filter(matter=matter).count() == 1
    assert AuditEvent.objects.count() == events
    without_key = officer.post(at(matter, "opinions"), OPINION)
    assert without_key.status_code == 400 and only_error(without_key)["code"] == "status"
    assert Opinion.objects.filter(matter=matter).count() == 1


# --- Another organisation's user: 404 on every action -------------------------------------------------------


@dataclass
class Rich:
    """A matter with a row of every kind, so that every row action names a real row."""

    matter: Matter
    extension: Extension
    referral: MediationReferral
    opinion: Opinion
    review: Review
    task: FollowUpTask


def rich_matter(hw: HandlingWorld) -> Rich:
    matter = classified(hw)
    extension = extension_request(actor=hw.town_officer, matter=matter, days=10, reason="案情复杂。")
    referral = mediation_refer(actor=hw.town_officer, matter=matter, mediation_org=hw.mediation, consent_recorded=True)
    mediation_result_record(actor=hw.town_officer, referral=referral, agreed=False, result="未达成协议。")
    matter.refresh_from_db()
    matter, review = in_review_from(hw, matter)
    evaluation = evaluation_record(
        actor=hw.clerk, matter=matter, stage="acceptance", value="dissatisfied", method="phone"
    )
    assert evaluation.follow_up is not None
    return Rich(
        matter=matter,
        extension=extension,
        referral=referral,
        opinion=Opinion.objects.get(matter=matter),
        review=review,
        task=evaluation.follow_up,
    )


def in_review_from(hw: HandlingWorld, matter: Matter) -> tuple[Matter, Review]:
    """The handling opinion on `matter`, delivered, and a review requested at the housing bureau."""
    opinion = opinion_issue(actor=hw.town_officer, matter=matter, **OPINION)
    opinion_deliver(
        actor=hw.town_officer, opinion=opinion, method="hand", delivered_at=timezone.now(), recipient="张三"
    )
    matter.refresh_from_db()
    review = review_request(
        actor=hw.clerk,
        matter=matter,
        stage="review",
        organisation=hw.housing,
        received_at=timezone.now(),
        request="请求复查。",
    )
    matter.refresh_from_db()
    return matter, review


# (url path, body) of every handling action; {extension} etc. name the rich matter's rows.
EVERY_ACTION = [
    ("classify", lambda hw: {"track": track("petition").pk}),
    ("procedure", lambda hw: {"procedure": "simplified", "reason": "事实清楚。"}),
    ("records", lambda hw: {"kind": "investigation", "occurred_on": in_days(0), "summary": "核查。"}),
    ("extensions", lambda hw: {"days": 10, "reason": "案情复杂。"}),
    ("extensions/{extension}/decide", lambda hw: {"approve": True}),
    ("opinions", lambda hw: OPINION),
    ("opinions/{opinion}/deliver", lambda hw: {"method": "hand", "delivered_at": now(), "recipient": "张三"}),
    ("mediations", lambda hw: {"mediation_org": hw.mediation.pk, "consent_recorded": True}),
    ("mediations/{referral}/result", lambda hw: {"agreed": False, "result": "未达成协议。"}),
    ("reviews", lambda hw: {"stage": "review", "organisation": hw.housing.pk, "received_at": now(), "request": "复查"}),
    ("reviews/{review}/decide", lambda hw: REVIEW_OPINION),
    ("reviews/{review}/accept", lambda hw: {}),
    ("conclude", lambda hw: {"note": "办结。"}),
    ("terminate", lambda hw: {"ground": "终结。"}),
    ("withdraw", lambda hw: {"reason": "信访人书面撤回。"}),
    (
        "follow-ups",
        lambda hw: {"kind": "assistance", "organisation": hw.town.pk, "description": "救助。", "due_date": in_days(5)},
    ),
    ("follow-ups/{task}/close", lambda hw: {"result": "已回访。"}),
    ("evaluations", lambda hw: {"stage": "handling", "value": "satisfied", "method": "phone"}),
]


@pytest.mark.parametrize(("action", "body"), EVERY_ACTION, ids=[action for action, _body in EVERY_ACTION])
def test_another_organisations_user_gets_404_on_every_action(hw, action, body):
    """XF-CLS-03 and the one permission path: a handling officer of town B holds the right to
    handle — elsewhere. Town A's matter does not exist for them: 404 on every action (as on the
    handling rows' read), never 403, and nothing is written."""
    rich = rich_matter(hw)
    outsider = api(make_user((Role.HANDLING_OFFICER, hw.mini.town_b)))
    path = action.format(
        extension=rich.extension.pk,
        opinion=rich.opinion.pk,
        referral=rich.referral.pk,
        review=rich.review.pk,
        task=rich.task.pk,
    )
    before = footprint(rich.matter)
    response = outsider.post(at(rich.matter, path), body(hw), HTTP_IDEMPOTENCY_KEY=f"k-{action}")
    assert response.status_code == 404, response.content
    assert only_error(response)["code"] == "not_found"
    assert outsider.get(at(rich.matter, "handling")).status_code == 404
    assert footprint(rich.matter) == before


def test_a_row_of_another_matter_is_not_found(hw):
    """A row id is read inside the matter of the URL: another matter's review is 404 (as on the
    pages), even for the body that handles both."""
    first, review = in_review(hw)
    second, _other = in_review(hw)
    response = api(hw.housing_officer).post(at(second, f"reviews/{review.pk}/decide"), REVIEW_OPINION)
    assert response.status_code == 404
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert first.pk != second.pk


# --- Errors per field -----------------------------------------------------------------------------------


def test_body_and_service_errors_come_back_per_field(hw):
    """XF-OPN-01 (the form's own message for a missing part of the opinion), XF-REV-01 (the
    service's error naming the right bodies, on the field it concerns)."""
    matter = classified(hw)
    officer = api(hw.town_officer)
    response = officer.post(at(matter, "opinions"), {**OPINION, "facts_reasons": " "})
    assert response.status_code == 400 and response.json()["type"] == "validation_error"
    error = only_error(response)
    assert error["attr"] == "facts_reasons" and "XF-OPN-01" in error["detail"]

    replied_matter, _opinion = replied(hw)
    wrong_body = {"stage": "review", "organisation": hw.mini.town_b.pk, "received_at": now(), "request": "请求复查。"}
    response = api(hw.clerk).post(at(replied_matter, "reviews"), wrong_body)
    assert response.status_code == 400
    error = only_error(response)
    assert error["attr"] == "organisation" and "复查应当向原办理机关的上一级机关提出" in error["detail"]
    assert not Review.objects.filter(matter=replied_matter).exists()

    response = officer.post(at(matter, "mediations"), {"mediation_org": hw.mediation.pk})
    assert response.status_code == 400
    assert only_error(response) == {
        "code": "invalid",
        "detail": "调解须经双方当事人同意（第三十三条）。",
        "attr": "consent_recorded",
    }
    response = officer.post(at(matter, "mediations"), {"mediation_org": hw.mini.town_b.pk, "consent_recorded": True})
    assert response.status_code == 400 and only_error(response)["attr"] == "mediation_org"


# --- The other actions ------------------------------------------------------------------------------------


def test_procedure_records_and_hearing_notice(hw):
    """XF-SIMP-05 (the handling organ chooses the simplified procedure), XF-CLS-04(6) and DOC-08
    (a hearing with its notice)."""
    matter = classified(hw)
    officer = api(hw.town_officer)
    ok(officer.post(at(matter, "procedure"), {"procedure": "simplified", "reason": "事实清楚，争议不大。"}))
    matter.refresh_from_db()
    assert matter.procedure == Procedure.SIMPLIFIED
    hearing = {
        "kind": "hearing",
        "occurred_on": in_days(3),
        "place": "甲镇人民政府会议室",
        "participants": "信访人、村委会",
        "summary": "就补发工资问题举行听证。",
        "issue_notice": True,
    }
    ok(officer.post(at(matter, "records"), hearing))
    (record,) = rows(officer, matter)["records"]
    assert record["kind"] == "hearing" and record["end_date"] == in_days(3)
    assert Document.objects.filter(matter=matter, kind=DocumentKind.HEARING_NOTICE).exists()


def test_mediation_referral_and_its_agreement_conclude_the_matter(hw):
    """XF-OPN-04: a grievance referred with consent; the agreement concludes it."""
    matter = classified(hw)
    officer = api(hw.town_officer)
    body = {"mediation_org": hw.mediation.pk, "consent_recorded": True, "note": "双方同意调解。"}
    assert ok(officer.post(at(matter, "mediations"), body))["status"] == Status.IN_MEDIATION
    (referral,) = rows(officer, matter)["mediations"]
    assert referral["status"] == MediationStatus.REFERRED
    result = {"agreed": True, "agreement_kind": "mediation", "result": "双方达成调解协议。"}
    assert ok(officer.post(at(matter, f"mediations/{referral['id']}/result"), result))["status"] == Status.CONCLUDED


def test_conclude_terminate_and_withdraw(hw):
    """XF-END-01: a matter routed into litigation is concluded or terminated by the organ holding
    it; the petitioner's withdrawal stops every clock."""
    routed = classified(hw, "litigation", receiving_body="测试区人民法院")
    officer = api(hw.town_officer)
    assert (
        ok(officer.post(at(routed, "conclude"), {"note": "已告知信访人向人民法院起诉。"}))["status"] == Status.CONCLUDED
    )
    routed = classified(hw, "litigation", receiving_body="测试区人民法院")
    assert ok(officer.post(at(routed, "terminate"), {"ground": "涉诉事项已依法终结。"}))["status"] == Status.TERMINATED
    assert Document.objects.filter(matter=routed, kind=DocumentKind.TERMINATION).exists()
    matter = classified(hw)
    assert ok(officer.post(at(matter, "withdraw"), {"reason": "信访人书面撤回。"}))["status"] == Status.WITHDRAWN
    assert running_clock(matter, CLOCK_HANDLING) is None


def test_follow_up_tasks_and_evaluation(hw):
    """XF-END-01/02 (a follow-up task on a final matter, closed with its result) and XF-SAT-01/02
    (an evaluation recorded by staff; dissatisfaction opens a follow-up visit)."""
    matter = final(hw)
    officer = api(hw.town_officer)
    task = {
        "kind": "assistance",
        "organisation": hw.town.pk,
        "description": "协助申请临时救助。",
        "due_date": in_days(10),
    }
    ok(officer.post(at(matter, "follow-ups"), task))
    (opened,) = [t for t in rows(officer, matter)["follow_ups"] if t["kind"] == "assistance"]
    assert opened["status"] == FollowUpStatus.OPEN
    ok(officer.post(at(matter, f"follow-ups/{opened['id']}/close"), {"result": "已协助申请救助。"}))
    assert FollowUpTask.objects.get(pk=opened["id"]).status == FollowUpStatus.DONE

    evaluation = {"stage": "handling", "value": "dissatisfied", "method": "phone", "comment": "不满意。"}
    ok(api(hw.clerk).post(at(matter, "evaluations"), evaluation))
    (stored,) = rows(officer, matter)["evaluations"]
    assert stored["is_dissatisfied"] and stored["follow_up"] is not None
    bad_value = api(hw.clerk).post(at(matter, "evaluations"), {**evaluation, "stage": "acceptance", "value": "great"})
    assert bad_value.status_code == 400 and only_error(bad_value)["attr"] == "value"


def test_review_acceptance_where_the_provincial_overlay_asks_for_it(hw, settings):
    """XF-REV-08 (D13 overlay): with the acceptance step configured, the review body records its
    acceptance and the acceptance clock stops; without it the service refuses."""
    settings.XINFANG_REVIEW_ACCEPTANCE_WORKING_DAYS = 5
    matter, review = in_review(hw)
    assert running_clock(matter, CLOCK_REVIEW_ACCEPT) is not None
    housing = api(hw.housing_officer)
    ok(housing.post(at(matter, f"reviews/{review.pk}/accept")))
    assert running_clock(matter, CLOCK_REVIEW_ACCEPT) is None
    settings.XINFANG_REVIEW_ACCEPTANCE_WORKING_DAYS = None
    matter, review = in_review(hw)
    refused = housing.post(at(matter, f"reviews/{review.pk}/accept"))
    assert refused.status_code == 400 and only_error(refused)["code"] == "no_acceptance_step"


# --- Reading the rows -----------------------------------------------------------------------------------


def test_the_handling_rows_are_read_in_a_fixed_number_of_queries(hw, django_assert_max_num_queries):
    """No N+1: the rows' read costs the same with one row of each kind as with many."""
    rich = rich_matter(hw)
    officer = api(hw.housing_officer)
    with django_assert_max_num_queries(20) as captured:
        first = rows(officer, rich.matter)
    baseline = len(captured.captured_queries)
    for i in range(6):
        ok(officer.post(at(rich.matter, "records"), {"kind": "note", "occurred_on": in_days(0), "summary": f"记录{i}"}))
    with django_assert_max_num_queries(baseline) as again:
        second = rows(officer, rich.matter)
    assert len(second["records"]) == len(first["records"]) + 6
    assert len(again.captured_queries) == baseline
