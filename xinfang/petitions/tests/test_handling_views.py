"""The handling pages and the "办理" panel of the matter page: who may open and post each action
(anonymous → login, no permission → 403, matter not visible → 404), a successful post changes
the state, a refused post shows the service's translated error with nothing written, the panel
offers only the forms the user may use, and the matter page's query count does not grow with the
number of records or follow-up tasks."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.notices.kinds import DocumentKind, Outcome
from xinfang.notices.models import Delivery, Document
from xinfang.petitions.forms_handling import OpinionForm, ReviewRequestForm
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
    extension_decide,
    extension_request,
    follow_up_create,
    handling_record_add,
    mediation_refer,
    opinion_deliver,
    opinion_issue,
    running_clock,
)
from xinfang.petitions.states import (
    CLOCK_HANDLING,
    ExtensionStatus,
    FollowUpKind,
    FollowUpStatus,
    MediationStatus,
    Principle,
    Procedure,
    RecordKind,
    ReviewStage,
    ReviewStatus,
    Status,
)
from xinfang.workcalendar.selectors import calendar_cache_clear, calendar_lookup

from .handling_support import (
    OPINION,
    REVIEW_OPINION,
    HandlingWorld,
    accepted,
    build_handling_world,
    classified,
    final,
    in_review,
    replied,
    reviewed,
    track,
)
from .triage_support import forwarded, frozen

pytestmark = pytest.mark.django_db


@pytest.fixture
def hw(mini) -> HandlingWorld:
    return build_handling_world(mini)


def url(name: str, *args: int) -> str:
    return reverse(f"petitions:handling_{name}", args=list(args))


def detail_url(matter: Matter) -> str:
    return reverse("petitions:matter_detail", args=[matter.pk])


def page(response: Any) -> str:
    return response.content.decode()


def stamp(moment: datetime.datetime | None = None) -> str:
    """A local time as the datetime inputs accept it (ISO, to the microsecond, so that "now" is
    never before an instrument issued a moment ago)."""
    return timezone.localtime(moment or timezone.now()).strftime("%Y-%m-%dT%H:%M:%S.%f")


def today(days: int = 0) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def opinion_post(**overrides: Any) -> dict[str, Any]:
    return {**OPINION, **overrides}


def review_opinion_post(**overrides: Any) -> dict[str, Any]:
    return {**REVIEW_OPINION, **overrides}


def add_record(hw: HandlingWorld, matter: Matter, actor: User | None = None, n: int = 1) -> None:
    for i in range(n):
        handling_record_add(
            actor=actor or hw.town_officer,
            matter=matter,
            kind=RecordKind.INVESTIGATION,
            occurred_on=timezone.localdate(),
            summary=f"走访用人单位，核实工资发放情况（第{i + 1}次）。",
        )


def pending_extension(hw: HandlingWorld) -> tuple[Matter, Extension]:
    matter = classified(hw)
    extension = extension_request(actor=hw.town_officer, matter=matter, days=20, reason="需要补充调查取证。")
    return matter, extension


def referred(hw: HandlingWorld) -> tuple[Matter, MediationReferral]:
    matter = classified(hw)
    referral = mediation_refer(actor=hw.town_officer, matter=matter, mediation_org=hw.mediation, consent_recorded=True)
    matter.refresh_from_db()
    return matter, referral


def open_task(hw: HandlingWorld, matter: Matter, n: int = 1) -> list[FollowUpTask]:
    return [
        follow_up_create(
            actor=hw.town_officer,
            matter=matter,
            kind=FollowUpKind.ASSISTANCE,
            organisation=hw.town,
            description=f"协助信访人申请临时救助（{i + 1}）。",
            due_date=timezone.localdate() + datetime.timedelta(days=10),
        )
        for i in range(n)
    ]


# --- Who may open and post each page ------------------------------------------------------------


@dataclass
class Case:
    """One handling page: how to reach a state where it applies, its URL, who may use it, a post."""

    name: str
    build: Callable[[HandlingWorld], tuple[Matter, list[int]]]
    allowed: str  # attribute of HandlingWorld (or of its World)
    denied: str  # a user who may see the matter but not take the action: 403
    data: Callable[[HandlingWorld], dict[str, Any]]


def _user(hw: HandlingWorld, name: str) -> User:
    return getattr(hw, name) if hasattr(hw, name) else getattr(hw.world, name)


def _accepted(hw: HandlingWorld) -> tuple[Matter, list[int]]:
    matter = accepted(hw)
    return matter, [matter.pk]


def _classified(hw: HandlingWorld) -> tuple[Matter, list[int]]:
    matter = classified(hw)
    return matter, [matter.pk]


def _extension(hw: HandlingWorld) -> tuple[Matter, list[int]]:
    matter, extension = pending_extension(hw)
    return matter, [matter.pk, extension.pk]


def _undelivered(hw: HandlingWorld) -> tuple[Matter, list[int]]:
    matter, opinion = replied(hw, deliver=False)
    return matter, [matter.pk, opinion.pk]


def _referred(hw: HandlingWorld) -> tuple[Matter, list[int]]:
    matter, referral = referred(hw)
    return matter, [matter.pk, referral.pk]


def _replied(hw: HandlingWorld) -> tuple[Matter, list[int]]:
    matter, _opinion = replied(hw)
    return matter, [matter.pk]


def _in_review(hw: HandlingWorld) -> tuple[Matter, list[int]]:
    matter, review = in_review(hw)
    return matter, [matter.pk, review.pk]


def _routed(hw: HandlingWorld) -> tuple[Matter, list[int]]:
    matter = classified(hw, "litigation", receiving_body="测试区人民法院")
    return matter, [matter.pk]


def _final(hw: HandlingWorld) -> tuple[Matter, list[int]]:
    matter = final(hw)
    return matter, [matter.pk]


def _final_task(hw: HandlingWorld) -> tuple[Matter, list[int]]:
    matter = final(hw)
    (task,) = open_task(hw, matter)
    return matter, [matter.pk, task.pk]


CASES = [
    Case(
        "classify",
        _accepted,
        "town_officer",
        "overseer",
        lambda hw: {"track": track("petition").pk, "note": "申诉求决类，按信访程序办理。"},
    ),
    Case(
        "procedure",
        _classified,
        "town_officer",
        "overseer",
        lambda hw: {"procedure": "simplified", "reason": "事实清楚。"},
    ),
    Case(
        "record",
        _classified,
        "town_officer",
        "overseer",
        lambda hw: {"kind": "investigation", "occurred_on": today(), "summary": "实地核查。"},
    ),
    Case("extension_request", _classified, "town_officer", "overseer", lambda hw: {"days": 20, "reason": "案情复杂。"}),
    Case("extension_decide", _extension, "town_head", "town_officer", lambda hw: {"approve": "1"}),
    Case("opinion", _classified, "town_officer", "overseer", lambda hw: opinion_post()),
    Case(
        "deliver",
        _undelivered,
        "town_officer",
        "overseer",
        lambda hw: {"method": "hand", "delivered_at": stamp(), "recipient": "张三"},
    ),
    Case(
        "mediation_refer",
        _classified,
        "town_officer",
        "overseer",
        lambda hw: {"mediation_org": hw.mediation.pk, "consent_recorded": "on"},
    ),
    Case(
        "mediation_result",
        _referred,
        "town_officer",
        "overseer",
        lambda hw: {"agreed": "1", "agreement_kind": "mediation", "result": "双方达成调解协议。"},
    ),
    Case(
        "review_request",
        _replied,
        "clerk",
        "town_officer",  # handles the matter, but registers nothing at the bodies one level up
        lambda hw: {
            "stage": "review",
            "organisation": hw.housing.pk,
            "received_at": stamp(),
            "request": "不服处理意见，请求复查。",
        },
    ),
    Case("review_decide", _in_review, "housing_officer", "clerk", lambda hw: review_opinion_post()),
    Case("conclude", _routed, "town_officer", "overseer", lambda hw: {"note": "已告知信访人向人民法院起诉。"}),
    Case("terminate", _routed, "town_officer", "overseer", lambda hw: {"ground": "涉诉事项已依法终结。"}),
    Case("withdraw", _classified, "town_officer", "overseer", lambda hw: {"reason": "信访人书面撤回。"}),
    Case(
        "follow_up_create",
        _final,
        "town_officer",
        "overseer",
        lambda hw: {
            "kind": "assistance",
            "organisation": hw.town.pk,
            "description": "协助申请临时救助。",
            "due_date": today(10),
        },
    ),
    Case("follow_up_close", _final_task, "town_officer", "overseer", lambda hw: {"result": "已协助申请救助。"}),
    Case(
        "evaluation",
        _classified,
        "clerk",
        "overseer",
        lambda hw: {"stage": "acceptance", "value": "satisfied", "method": "phone"},
    ),
]
CASE_IDS = [c.name for c in CASES]


def _footprint(matter: Matter) -> tuple[Any, ...]:
    """What any handling action would change: the matter's state and its handling rows."""
    matter.refresh_from_db()
    return (
        matter.status,
        matter.track_id,
        matter.procedure,
        HandlingRecord.objects.filter(matter=matter).count(),
        list(Extension.objects.filter(matter=matter).values_list("status", flat=True)),
        list(Opinion.objects.filter(matter=matter).values_list("delivered_at", flat=True)),
        list(MediationReferral.objects.filter(matter=matter).values_list("status", flat=True)),
        Review.objects.filter(matter=matter).count(),
        list(FollowUpTask.objects.filter(matter=matter).values_list("status", flat=True)),
        Evaluation.objects.filter(matter=matter).count(),
        Document.objects.filter(matter=matter).count(),
    )


class HandlingAccessTests:
    """Every handling page: login required, the action's permission where the service requires it
    (403), the matter's visibility (404; XF-CLS-03), and a post by the permitted user succeeds."""

    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    def test_anonymous_is_sent_to_login(self, client, hw, case):
        matter, args = case.build(hw)
        before = _footprint(matter)
        target = url(case.name, *args)
        for response in (client.get(target), client.post(target, case.data(hw))):
            assert response.status_code == 302
            assert response.url.startswith(reverse("accounts:login"))
        assert _footprint(matter) == before

    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    def test_user_without_the_action_gets_403_and_nothing_changes(self, client, hw, case):
        matter, args = case.build(hw)
        before = _footprint(matter)
        client.force_login(_user(hw, case.denied))
        assert client.get(detail_url(matter)).status_code == 200  # the matter is visible to them
        assert client.get(url(case.name, *args)).status_code == 403
        assert client.post(url(case.name, *args), case.data(hw)).status_code == 403
        assert _footprint(matter) == before

    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    def test_user_of_another_area_gets_404(self, client, hw, case):
        matter, args = case.build(hw)
        before = _footprint(matter)
        client.force_login(hw.world.town_b_clerk)
        assert client.get(url(case.name, *args)).status_code == 404
        assert client.post(url(case.name, *args), case.data(hw)).status_code == 404
        assert _footprint(matter) == before

    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    def test_permitted_user_gets_the_form_and_posts(self, client, hw, case):
        matter, args = case.build(hw)
        before = _footprint(matter)
        client.force_login(_user(hw, case.allowed))
        response = client.get(url(case.name, *args))
        assert response.status_code == 200
        assert f'action="{url(case.name, *args)}"' in page(response) and "csrfmiddlewaretoken" in page(response)
        response = client.post(url(case.name, *args), case.data(hw))
        assert response.status_code == 302, page(response)
        assert response.url == f"{detail_url(matter)}#h-handling"
        assert _footprint(matter) != before
        assert client.get(response.url).status_code == 200  # the success message on the matter page

    def test_writes_need_post_with_csrf(self, client, hw):
        from django.test import Client

        matter = accepted(hw)
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(hw.town_officer)
        response = strict.post(url("classify", matter.pk), {"track": track("petition").pk})
        assert response.status_code == 403
        matter.refresh_from_db()
        assert matter.track_id is None
        client.force_login(hw.town_officer)
        assert client.put(url("classify", matter.pk)).status_code == 405

    def test_mediator_without_matter_view_gets_404(self, client, hw):
        """The mediation organisation's staff do not see petition matters: the handler records the
        result brought back from mediation (XF-OPN-04)."""
        matter, referral = referred(hw)
        client.force_login(hw.mediator)
        assert client.get(url("mediation_result", matter.pk, referral.pk)).status_code == 404

    def test_rows_of_another_matter_are_not_found(self, client, hw):
        _matter, extension = pending_extension(hw)
        other = classified(hw)
        client.force_login(hw.town_head)
        assert client.get(url("extension_decide", other.pk, extension.pk)).status_code == 404


# --- Each action: success and refusal ------------------------------------------------------------------


class ClassifyViewTests:
    def test_statutory_track_routes_the_matter_with_the_petitioners_deadline(self, client, hw):
        """XF-CLS-04: routed into litigation; the petitioner's own time limit is close (warning)."""
        matter = accepted(hw)
        client.force_login(hw.town_officer)
        data = {
            "track": track("litigation").pk,
            "receiving_body": "测试区人民法院",
            "petitioner_deadline": today(5),
        }
        assert client.post(url("classify", matter.pk), data).status_code == 302
        matter.refresh_from_db()
        assert matter.status == Status.ROUTED and matter.track == track("litigation")
        body = page(client.get(detail_url(matter)))
        assert 'data-limit-state="close"' in body and "即将届满" in body and "测试区人民法院" in body

    def test_statutory_track_without_receiving_body_is_refused(self, client, hw):
        matter = accepted(hw)
        client.force_login(hw.town_officer)
        response = client.post(url("classify", matter.pk), {"track": track("litigation").pk})
        body = page(response)
        assert response.status_code == 200
        assert "请写明受理该程序的机关或组织" in body and 'id="classify-receiving_body-errors"' in body
        matter.refresh_from_db()
        assert matter.status == Status.ACCEPTED and matter.track_id is None

    def test_past_deadline_shows_the_past_badge(self, client, hw):
        matter = classified(
            hw,
            "labour_arbitration",
            receiving_body="测试区劳动人事争议仲裁委员会",
            petitioner_deadline=timezone.localdate() - datetime.timedelta(days=1),
        )
        client.force_login(hw.town_officer)
        body = page(client.get(detail_url(matter)))
        assert 'data-limit-state="past"' in body and "已届满" in body


class ProcedureViewTests:
    def test_simplified_procedure_starts_its_clock(self, client, hw):
        """XF-SIMP-05/06: the simplified procedure's 10-working-day clock replaces the 60 days."""
        matter = classified(hw)
        client.force_login(hw.town_officer)
        data = {"procedure": "simplified", "reason": "事实清楚、责任明确。", "paper_requested": ""}
        assert client.post(url("procedure", matter.pk), data).status_code == 302
        matter.refresh_from_db()
        assert matter.procedure == Procedure.SIMPLIFIED and matter.paper_requested is False
        assert running_clock(matter, CLOCK_HANDLING) is None

    def test_same_procedure_and_missing_reason_are_refused(self, client, hw):
        matter = classified(hw)
        client.force_login(hw.town_officer)
        response = client.post(url("procedure", matter.pk), {"procedure": "ordinary", "reason": ""})
        assert response.status_code == 200 and "请写明理由。" in page(response)
        response = client.post(url("procedure", matter.pk), {"procedure": "ordinary", "reason": "恢复普通程序。"})
        assert response.status_code == 200 and "事项已经按此程序办理。" in page(response)
        assert "恢复普通程序。" in page(response)  # the input is kept

    def test_obstacles_are_shown_for_a_group_visit(self, client, hw):
        """XF-SIMP-04: group visits are not handled by the simplified procedure."""
        matter = classified(hw)
        Matter.objects.filter(pk=matter.pk).update(is_group=True, group_size=6)
        client.force_login(hw.town_officer)
        assert "集体访或联名信访事项不适用简易办理。" in page(client.get(url("procedure", matter.pk)))
        assert "集体访或联名信访事项不适用简易办理。" in page(client.get(detail_url(matter)))


class RecordViewTests:
    def test_hearing_with_notice_issues_the_hearing_notice(self, client, hw):
        """DOC-08: the hearing notice is issued and linked from the record."""
        matter = classified(hw)
        client.force_login(hw.town_officer)
        data = {
            "kind": "hearing",
            "occurred_on": today(7),
            "place": "甲镇人民政府会议室",
            "participants": "信访人、用人单位代表",
            "summary": "就工资争议举行听证。",
            "issue_notice": "on",
        }
        assert client.post(url("record", matter.pk), data).status_code == 302
        record = HandlingRecord.objects.get(matter=matter)
        notice = Document.objects.get(matter=matter, kind=DocumentKind.HEARING_NOTICE)
        body = page(client.get(detail_url(matter)))
        assert record.kind == RecordKind.HEARING and reverse("notices:pdf", args=[notice.pk]) in body

    def test_hearing_without_place_is_refused(self, client, hw):
        matter = classified(hw)
        client.force_login(hw.town_officer)
        data = {"kind": "hearing", "occurred_on": today(7), "summary": "听证。", "issue_notice": "on"}
        response = client.post(url("record", matter.pk), data)
        assert response.status_code == 200 and "请填写听证地点。" in page(response)
        assert not HandlingRecord.objects.filter(matter=matter).exists()
        assert not Document.objects.filter(matter=matter, kind=DocumentKind.HEARING_NOTICE).exists()


class ExtensionViewTests:
    def test_request_then_head_approves_with_notice(self, client, hw):
        """XF-DL-02: requested by the handler, approved by the head, DOC-04 issued, clock moved."""
        matter = classified(hw)
        clock = running_clock(matter, CLOCK_HANDLING)
        assert clock is not None
        due = clock.due_date
        client.force_login(hw.town_officer)
        assert client.post(url("extension_request", matter.pk), {"days": 20, "reason": "案情复杂。"}).status_code == 302
        extension = Extension.objects.get(matter=matter)
        assert extension.status == ExtensionStatus.REQUESTED
        body = page(client.get(detail_url(matter)))
        assert url("extension_decide", matter.pk, extension.pk) not in body  # not the handler's decision
        client.force_login(hw.town_head)
        body = page(client.get(detail_url(matter)))
        assert f'action="{url("extension_decide", matter.pk, extension.pk)}"' in body
        response = client.post(url("extension_decide", matter.pk, extension.pk), {"approve": "1", "note": "同意。"})
        assert response.status_code == 302
        extension.refresh_from_db()
        assert extension.status == ExtensionStatus.APPROVED and extension.decided_by == hw.town_head
        assert extension.document is not None and extension.document.kind == DocumentKind.EXTENSION
        clock.refresh_from_db()
        assert clock.due_date > due
        body = page(client.get(detail_url(matter)))
        assert reverse("notices:pdf", args=[extension.document.pk]) in body and str(hw.town_head) in body

    def test_head_refuses(self, client, hw):
        matter, extension = pending_extension(hw)
        client.force_login(hw.town_head)
        assert client.post(url("extension_decide", matter.pk, extension.pk), {"approve": "0"}).status_code == 302
        extension.refresh_from_db()
        assert extension.status == ExtensionStatus.REFUSED and extension.document is None

    def test_more_than_30_days_is_refused(self, client, hw):
        """XF-DL-02: at most 30 days."""
        matter = classified(hw)
        client.force_login(hw.town_officer)
        response = client.post(url("extension_request", matter.pk), {"days": 31, "reason": "案情复杂。"})
        body = page(response)
        assert response.status_code == 200 and "延长期限最多30日" in body and 'id="extension-days-errors"' in body
        assert 'value="31"' in body  # the input is kept
        assert not Extension.objects.filter(matter=matter).exists()

    def test_second_extension_is_refused_and_not_offered(self, client, hw):
        """XF-DL-02: one extension."""
        matter, extension = pending_extension(hw)
        extension_decide(actor=hw.town_head, extension=extension, approve=True)
        client.force_login(hw.town_officer)
        assert f'action="{url("extension_request", matter.pk)}"' not in page(client.get(detail_url(matter)))
        response = client.post(url("extension_request", matter.pk), {"days": 5, "reason": "仍需调查。"})
        assert response.status_code == 200 and "办理期限只能延长一次" in page(response)
        assert Extension.objects.filter(matter=matter).count() == 1

    def test_double_decision_is_refused(self, client, hw):
        matter, extension = pending_extension(hw)
        client.force_login(hw.town_head)
        client.post(url("extension_decide", matter.pk, extension.pk), {"approve": "1"})
        again = client.post(url("extension_decide", matter.pk, extension.pk), {"approve": "1"})
        assert again.status_code == 200 and "该延期申请已经处理。" in page(again)
        assert Document.objects.filter(matter=matter, kind=DocumentKind.EXTENSION).count() == 1


class OpinionViewTests:
    def test_issue_opinion_and_deliver_it(self, client, hw):
        """XF-OPN-01/02 then XF-REV-01: the opinion (DOC-05), then its delivery with the receipt."""
        matter = classified(hw)
        client.force_login(hw.town_officer)
        form = page(client.get(url("opinion", matter.pk)))
        assert matter.request in form  # prefilled from the matter
        assert client.post(url("opinion", matter.pk), opinion_post()).status_code == 302
        matter.refresh_from_db()
        opinion = Opinion.objects.get(matter=matter)
        document = opinion.document
        assert document is not None
        assert matter.status == Status.REPLIED and document.kind == DocumentKind.HANDLING_OPINION
        body = page(client.get(detail_url(matter)))
        assert "未送达" in body and f'action="{url("deliver", matter.pk, opinion.pk)}"' in body
        data = {"method": "hand", "delivered_at": stamp(), "recipient": "张三"}
        assert client.post(url("deliver", matter.pk, opinion.pk), data).status_code == 302
        opinion.refresh_from_db()
        receipt = Document.objects.get(matter=matter, kind=DocumentKind.DELIVERY_RECEIPT)
        body = page(client.get(detail_url(matter)))
        assert opinion.delivered_at is not None and "未送达" not in body
        assert reverse("notices:pdf", args=[document.pk]) in body
        assert reverse("notices:pdf", args=[receipt.pk]) in body

    def test_opinion_missing_legal_basis_is_refused(self, client, hw):
        """XF-OPN-01: request, facts and reasons, opinion and legal basis."""
        matter = classified(hw)
        client.force_login(hw.town_officer)
        response = client.post(url("opinion", matter.pk), opinion_post(legal_basis=""))
        assert response.status_code == 200 and "XF-OPN-01" in page(response)
        assert OPINION["facts_reasons"] in page(response)
        assert not Opinion.objects.filter(matter=matter).exists()

    def test_opinion_before_classification_is_refused(self, client, hw):
        matter = accepted(hw)
        client.force_login(hw.town_officer)
        assert "请先依法分类处理" in page(client.get(detail_url(matter)))
        response = client.post(url("opinion", matter.pk), opinion_post())
        assert response.status_code == 200 and "请先确定处理途径" in page(response)
        assert not Opinion.objects.filter(matter=matter).exists()

    def test_delivery_missing_recipient_is_refused(self, client, hw):
        matter, opinion = replied(hw, deliver=False)
        client.force_login(hw.town_officer)
        response = client.post(url("deliver", matter.pk, opinion.pk), {"method": "hand", "delivered_at": stamp()})
        body = page(response)
        assert response.status_code == 200 and "请填写受送达人。" in body
        assert f'id="deliver-{opinion.pk}-recipient-errors"' in body
        opinion.refresh_from_db()
        assert opinion.delivered_at is None and not Delivery.objects.exists()

    def test_second_delivery_is_refused(self, client, hw):
        matter, opinion = replied(hw)
        client.force_login(hw.town_officer)
        data = {"method": "post", "delivered_at": stamp(), "recipient": "张三"}
        response = client.post(url("deliver", matter.pk, opinion.pk), data)
        assert response.status_code == 200 and "该意见书已经送达" in page(response)
        assert Delivery.objects.count() == 1


class MediationViewTests:
    def test_refer_then_agreement_concludes(self, client, hw):
        """XF-OPN-04: with consent into mediation; an agreement concludes the matter."""
        matter = classified(hw)
        client.force_login(hw.town_officer)
        form = page(client.get(url("mediation_refer", matter.pk)))
        assert hw.mediation.name in form  # the district's committee serves town A
        data = {"mediation_org": hw.mediation.pk, "consent_recorded": "on", "note": "双方同意调解。"}
        assert client.post(url("mediation_refer", matter.pk), data).status_code == 302
        matter.refresh_from_db()
        referral = MediationReferral.objects.get(matter=matter)
        assert matter.status == Status.IN_MEDIATION
        data = {"agreed": "1", "agreement_kind": "mediation", "result": "达成调解协议。"}
        assert client.post(url("mediation_result", matter.pk, referral.pk), data).status_code == 302
        matter.refresh_from_db()
        referral.refresh_from_db()
        assert matter.status == Status.CONCLUDED and referral.status == MediationStatus.AGREED

    def test_without_consent_is_refused(self, client, hw):
        matter = classified(hw)
        client.force_login(hw.town_officer)
        response = client.post(url("mediation_refer", matter.pk), {"mediation_org": hw.mediation.pk})
        assert response.status_code == 200 and "调解须经双方当事人同意" in page(response)
        matter.refresh_from_db()
        assert matter.status == Status.ACCEPTED and not MediationReferral.objects.exists()


class ReviewViewTests:
    def test_clerk_registers_review_and_body_decides(self, client, hw):
        """XF-REV-01/02: the request at the body one level up; its opinion (DOC-06)."""
        matter, _opinion = replied(hw)
        client.force_login(hw.clerk)
        form = page(client.get(url("review_request", matter.pk)))
        options = form.split('name="organisation"')[1].split("</select>")[0]
        assert hw.housing.name in options and hw.world.mini.town_b.name not in options
        data = {
            "stage": "review",
            "organisation": hw.housing.pk,
            "received_at": stamp(),
            "request": "不服处理意见，请求复查。",
        }
        assert client.post(url("review_request", matter.pk), data).status_code == 302
        matter.refresh_from_db()
        review = Review.objects.get(matter=matter)
        assert matter.status == Status.IN_REVIEW and review.organisation == hw.housing
        client.force_login(hw.housing_officer)
        body = page(client.get(detail_url(matter)))
        assert f'action="{url("review_decide", matter.pk, review.pk)}"' in body
        assert client.post(url("review_decide", matter.pk, review.pk), review_opinion_post()).status_code == 302
        matter.refresh_from_db()
        review.refresh_from_db()
        assert matter.status == Status.REVIEWED and review.status == ReviewStatus.DECIDED
        assert Document.objects.filter(matter=matter, kind=DocumentKind.REVIEW_OPINION).exists()

    def test_request_to_the_wrong_body_is_refused(self, client, hw):
        """XF-REV-01: review goes to the organ one level above the original handling organ."""
        matter, _opinion = replied(hw)
        client.force_login(hw.clerk)
        data = {
            "stage": "review",
            "organisation": hw.world.mini.town_b.pk,
            "received_at": stamp(),
            "request": "请求复查。",
        }
        response = client.post(url("review_request", matter.pk), data)
        body = page(response)
        assert response.status_code == 200 and "复查应当向原办理机关的上一级机关提出" in body
        assert 'id="review-organisation-errors"' in body
        matter.refresh_from_db()
        assert matter.status == Status.REPLIED and not Review.objects.exists()

    def test_rereview_is_offered_after_the_review_opinion(self, client, hw):
        """XF-REV-03: the re-review goes one level above the review body (the government)."""
        matter, _opinion = reviewed(hw)
        client.force_login(hw.clerk)
        form = page(client.get(url("review_request", matter.pk)))
        assert re.search(r'<input type="radio" name="stage" value="rereview"[^>]*checked', form)
        data = {
            "stage": "rereview",
            "organisation": hw.government.pk,
            "received_at": stamp(),
            "request": "不服复查意见，请求复核。",
        }
        assert client.post(url("review_request", matter.pk), data).status_code == 302
        matter.refresh_from_db()
        assert matter.status == Status.IN_REREVIEW and matter.rereview_org == hw.government

    def test_review_opinion_missing_findings_is_refused(self, client, hw):
        matter, review = in_review(hw)
        client.force_login(hw.housing_officer)
        response = client.post(url("review_decide", matter.pk, review.pk), review_opinion_post(findings=""))
        assert response.status_code == 200 and "XF-OPN-01" in page(response)
        review.refresh_from_db()
        assert review.status == ReviewStatus.PENDING


class ClosureViewTests:
    def test_conclude_needs_a_delivered_opinion(self, client, hw):
        """XF-REV-01: a reply without delivery cannot conclude; once delivered it can."""
        matter, opinion = replied(hw, deliver=False)
        client.force_login(hw.town_officer)
        response = client.post(url("conclude", matter.pk), {"note": "已答复。"})
        assert response.status_code == 200 and "意见书尚未登记送达，不能办结" in page(response)
        matter.refresh_from_db()
        assert matter.status == Status.REPLIED
        opinion_deliver(
            actor=hw.town_officer, opinion=opinion, method="online", delivered_at=timezone.now(), recipient="张三"
        )
        assert client.post(url("conclude", matter.pk), {"note": "已答复。"}).status_code == 302
        matter.refresh_from_db()
        assert matter.status == Status.CONCLUDED and matter.closure_note == "已答复。"

    def test_terminate_issues_the_termination_record(self, client, hw):
        """XF-END-01, DOC-11."""
        matter = classified(hw, "litigation", receiving_body="测试区人民法院")
        client.force_login(hw.town_officer)
        assert client.post(url("terminate", matter.pk), {"ground": "已依法终结。"}).status_code == 302
        matter.refresh_from_db()
        document = Document.objects.get(matter=matter, kind=DocumentKind.TERMINATION)
        assert matter.status == Status.TERMINATED
        assert reverse("notices:pdf", args=[document.pk]) in page(client.get(detail_url(matter)))

    def test_terminate_while_the_window_runs_is_refused(self, client, hw):
        """XF-REV-07: not before the 30-day review window has passed."""
        matter, _opinion = replied(hw)
        client.force_login(hw.town_officer)
        response = client.post(url("terminate", matter.pk), {"ground": "逾期未请求复查。"})
        assert response.status_code == 200 and "尚未届满，不能终结" in page(response)
        assert not Document.objects.filter(matter=matter, kind=DocumentKind.TERMINATION).exists()

    def test_withdraw_stops_the_clocks(self, client, hw):
        matter = classified(hw)
        client.force_login(hw.town_officer)
        assert client.post(url("withdraw", matter.pk), {"reason": "信访人书面撤回。"}).status_code == 302
        matter.refresh_from_db()
        assert matter.status == Status.WITHDRAWN and running_clock(matter, CLOCK_HANDLING) is None
        response = client.post(url("withdraw", matter.pk), {"reason": "再次撤回。"})
        assert response.status_code == 200 and "不能进行此操作" in page(response)


class FollowUpViewTests:
    def test_create_with_assignee_and_close(self, client, hw):
        """XF-END-01/02: a follow-up task after finality, assigned and closed with its result."""
        matter = final(hw)
        client.force_login(hw.town_officer)
        data = {
            "kind": "explanation",
            "organisation": hw.town.pk,
            "assignee": hw.town_head.pk,
            "description": "做好疏导教育工作。",
            "due_date": today(15),
        }
        assert client.post(url("follow_up_create", matter.pk), data).status_code == 302
        task = FollowUpTask.objects.get(matter=matter)
        assert task.assignee == hw.town_head and task.status == FollowUpStatus.OPEN
        client.force_login(hw.town_head)
        body = page(client.get(detail_url(matter)))
        assert f'action="{url("follow_up_close", matter.pk, task.pk)}"' in body
        assert client.post(url("follow_up_close", matter.pk, task.pk), {"result": "已疏导。"}).status_code == 302
        task.refresh_from_db()
        assert task.status == FollowUpStatus.DONE and task.closed_by == hw.town_head

    def test_past_due_date_and_outsider_assignee_are_refused(self, client, hw):
        matter = final(hw)
        client.force_login(hw.town_officer)
        data = {
            "kind": "assistance",
            "organisation": hw.town.pk,
            "assignee": hw.housing_officer.pk,
            "description": "协助申请救助。",
            "due_date": today(-1),
        }
        response = client.post(url("follow_up_create", matter.pk), data)
        body = page(response)
        assert response.status_code == 200
        assert "完成期限不能早于今天。" in body and "责任人须是责任单位的工作人员。" in body
        assert not FollowUpTask.objects.filter(matter=matter).exists()

    def test_not_before_closure(self, client, hw):
        """XF-END-01: follow-up after conclusion, termination or finality."""
        matter = classified(hw)
        client.force_login(hw.town_officer)
        data = {"kind": "assistance", "organisation": hw.town.pk, "description": "救助。", "due_date": today(5)}
        response = client.post(url("follow_up_create", matter.pk), data)
        assert response.status_code == 200 and "XF-END-01" in page(response)
        assert not FollowUpTask.objects.exists()


class EvaluationViewTests:
    def test_dissatisfied_evaluation_opens_a_follow_up(self, client, hw):
        """XF-SAT-01/02: recorded by staff; dissatisfaction opens a visible 回访 task."""
        matter, _opinion = replied(hw)
        client.force_login(hw.town_officer)
        form = page(client.get(url("evaluation", matter.pk)))
        assert "基本满意" in form
        data = {"stage": "handling", "value": "dissatisfied", "method": "phone", "comment": "认为补发不及时。"}
        assert client.post(url("evaluation", matter.pk), data).status_code == 302
        evaluation = Evaluation.objects.get(matter=matter)
        follow_up = evaluation.follow_up
        assert evaluation.is_dissatisfied and follow_up is not None
        assert follow_up.kind == FollowUpKind.DISSATISFACTION
        body = page(client.get(detail_url(matter)))
        assert "不满意回访" in body and "认为补发不及时。" in body

    def test_second_evaluation_of_a_stage_is_refused(self, client, hw):
        matter = classified(hw)
        client.force_login(hw.clerk)
        data = {"stage": "acceptance", "value": "satisfied", "method": "paper"}
        assert client.post(url("evaluation", matter.pk), data).status_code == 302
        response = client.post(url("evaluation", matter.pk), data)
        assert response.status_code == 200 and "该环节已经评价过。" in page(response)
        assert Evaluation.objects.filter(matter=matter).count() == 1


# --- The panel on the matter page ---------------------------------------------------------------------


def _forms_on(body: str, matter: Matter) -> set[str]:
    """The handling actions whose forms post from the page."""
    prefix = f"/matters/{matter.pk}/handling/"
    found = set()
    for chunk in body.split('action="')[1:]:
        target = chunk.split('"', 1)[0]
        if target.startswith(prefix):
            found.add(target[len(prefix) :].rstrip("/"))
    return found


class HandlingPanelTests:
    def test_accepted_matter_offers_the_handlers_forms(self, client, hw):
        matter = classified(hw)
        client.force_login(hw.town_officer)
        body = page(client.get(detail_url(matter)))
        assert 'id="h-handling"' in body and track("petition").name in body
        assert "办理期限（60日，D6）" in body
        assert _forms_on(body, matter) >= {
            "classify",
            "procedure",
            "records/new",
            "extensions/new",
            "opinion",
            "mediation",
            "withdraw",
            "evaluations/new",
        }
        assert "conclude" not in _forms_on(body, matter)  # a petition-track matter needs its opinion first

    def test_no_panel_before_acceptance(self, client, hw):
        matter, _routing = forwarded(hw.world)  # to the housing bureau, not yet accepted
        client.force_login(hw.housing_officer)
        body = page(client.get(detail_url(matter)))
        assert 'id="h-handling"' not in body and _forms_on(body, matter) == set()
        assert client.get(url("classify", matter.pk)).status_code == 200  # the service refuses a post
        response = client.post(url("classify", matter.pk), {"track": track("petition").pk})
        assert response.status_code == 200 and "不能进行此操作" in page(response)

    def test_overseer_sees_the_panel_without_forms(self, client, hw):
        matter, _opinion = replied(hw, deliver=False)
        client.force_login(hw.world.overseer)
        body = page(client.get(detail_url(matter)))
        assert 'id="h-handling"' in body and "未送达" in body
        assert _forms_on(body, matter) == set()

    def test_closed_matter_offers_follow_up_only_to_who_may_direct_it(self, client, hw):
        matter = final(hw)
        client.force_login(hw.town_officer)
        forms = _forms_on(page(client.get(detail_url(matter))), matter)
        assert "follow-ups/new" in forms and "conclude" not in forms and "withdraw" not in forms
        client.force_login(hw.clerk)  # registers, evaluates, but directs no follow-up
        forms = _forms_on(page(client.get(detail_url(matter))), matter)
        assert "follow-ups/new" not in forms and "evaluations/new" in forms

    def test_review_rows_show_window_and_late_flag(self, client, hw):
        """XF-REV-07: a late request with a good reason is accepted and flagged."""
        with frozen(timezone.now() - datetime.timedelta(days=45)):
            matter, _opinion = replied(hw)
        client.force_login(hw.clerk)
        data = {
            "stage": "review",
            "organisation": hw.housing.pk,
            "received_at": stamp(),
            "request": "请求复查。",
            "late_reason": "信访人住院治疗。",
        }
        assert client.post(url("review_request", matter.pk), data).status_code == 302
        review = Review.objects.get(matter=matter)
        body = page(client.get(detail_url(matter)))
        assert review.is_late and "逾期请求" in body and review.window_due.isoformat() in body
        assert "无正当理由逾期的不予受理" in body and "信访人住院治疗。" in body

    @pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
    def test_panel_renders_in_every_language(self, client, hw, language):
        matter, _extension = pending_extension(hw)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(hw.town_head)
        response = client.get(detail_url(matter))
        assert response.status_code == 200 and f'lang="{language}"' in page(response)
        assert 'id="h-handling"' in page(response)


def _fresh_calendar() -> None:
    """The shared calendar rechecks its version once a minute (one query): check it now, so that
    the recheck never falls inside a measured request of a long test run."""
    calendar_cache_clear()
    calendar_lookup()


def _page_queries(client: Any, matter: Matter) -> int:
    _fresh_calendar()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail_url(matter)).status_code == 200
    return len(queries.captured_queries)


def _accepted_with(hw: HandlingWorld, n: int) -> tuple[Matter, User]:
    matter = classified(hw)
    add_record(hw, matter, n=n)
    extension_request(actor=hw.town_officer, matter=matter, days=10, reason="调查取证。")
    return matter, hw.town_officer


def _replied_with(hw: HandlingWorld, n: int) -> tuple[Matter, User]:
    matter = classified(hw)
    add_record(hw, matter, n=n)
    opinion = opinion_issue(actor=hw.town_officer, matter=matter, **{**OPINION, "outcome": Outcome.SUPPORT})
    opinion_deliver(
        actor=hw.town_officer, opinion=opinion, method="hand", delivered_at=timezone.now(), recipient="张三"
    )
    matter.refresh_from_db()
    return matter, hw.town_officer


def _in_review_with(hw: HandlingWorld, n: int) -> tuple[Matter, User]:
    matter, _review = in_review(hw)
    add_record(hw, matter, actor=hw.housing_officer, n=n)
    return matter, hw.housing_officer


def _final_with(hw: HandlingWorld, n: int) -> tuple[Matter, User]:
    matter = final(hw)
    open_task(hw, matter, n=n)
    return matter, hw.town_officer


class PanelQueryCountTests:
    """The matter page with its handling panel reads in a constant number of queries: three
    records or follow-up tasks cost no more than one."""

    @pytest.mark.parametrize(
        "build",
        [_accepted_with, _replied_with, _in_review_with, _final_with],
        ids=["accepted", "replied", "in_review", "final"],
    )
    def test_count_does_not_grow(self, client, hw, build, django_assert_max_num_queries):
        one, user = build(hw, 1)
        many, _user = build(hw, 3)
        assert one.status == many.status
        client.force_login(user)
        body = page(client.get(detail_url(one)))  # warm the calendar and content-type caches
        assert 'id="h-handling"' in body and one.get_status_display() in body
        few = _page_queries(client, one)
        _fresh_calendar()
        with django_assert_max_num_queries(few):
            response = client.get(detail_url(many))
        assert response.status_code == 200
        rows = 'data-record="' if build is not _final_with else 'data-follow-up="'
        assert page(response).count(rows) >= 3


def _choices(form: Any, name: str) -> list[tuple[str, Any]]:
    return list(form.fields[name].choices)


class HandlingFormTests:
    def test_principle_choices_are_the_four_requirements(self):
        """XF-HDL-01: the opinion form offers the four requirements of Art. 27."""
        assert [value for value, _label in _choices(OpinionForm(), "principle")] == Principle.values

    def test_opinion_outcomes_are_the_three_of_art_32(self):
        """XF-OPN-02: support, explain, not support."""
        assert [value for value, _label in _choices(OpinionForm(), "outcome")] == Outcome.values

    def test_review_stage_choices(self):
        assert [value for value, _label in _choices(ReviewRequestForm(), "stage")] == ReviewStage.values


class HandlingTrackAdminTests:
    """The classified-handling list (XF-CLS-01..04) is reference data: system administrators edit
    it in the admin (powerlist.manage), every save is audited, nobody deletes a track."""

    def test_system_admin_edits_a_track_and_the_change_is_audited(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        assert client.get(reverse("admin:petitions_handlingtrack_changelist")).status_code == 200
        litigation = track("litigation")
        data = {
            "name": litigation.name,
            "name_en": litigation.name_en,
            "procedure": litigation.procedure,
            "legal_basis": litigation.legal_basis,
            "receiving_body_hint": "测试区人民法院",
            "petitioner_period": 6,
            "petitioner_period_unit": "month",
            "guidance": litigation.guidance,
            "is_active": "on",
            "sort_order": litigation.sort_order,
        }
        response = client.post(reverse("admin:petitions_handlingtrack_change", args=[litigation.pk]), data)
        assert response.status_code == 302, page(response)[:2000]
        litigation.refresh_from_db()
        assert litigation.receiving_body_hint == "测试区人民法院" and litigation.code == "litigation"
        event = AuditEvent.objects.get(action="handling_track.update", object_id=str(litigation.pk))
        assert event.summary["after"]["receiving_body_hint"] == "测试区人民法院"

    def test_staff_without_the_role_may_read_but_not_change(self, client, mini):
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau), is_staff=True))
        assert client.get(reverse("admin:petitions_handlingtrack_changelist")).status_code == 200
        change = reverse("admin:petitions_handlingtrack_change", args=[track("petition").pk])
        assert client.post(change, {"name": "改名"}).status_code == 403
        assert client.get(reverse("admin:petitions_handlingtrack_add")).status_code == 403
        assert track("petition").name != "改名"

    def test_nobody_deletes_a_track(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        delete = reverse("admin:petitions_handlingtrack_delete", args=[track("petition").pk])
        assert client.get(delete).status_code == 403
