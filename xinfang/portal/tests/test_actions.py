"""Evaluation and review requests from the tracking page (H7, H4; XF-SAT-01/02, XF-REV-01/03/07):
the rows are created through the petitions services, only in the states that allow them, and
only for the browser that opened the matter."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats

from xinfang.notices.kinds import DocumentKind
from xinfang.notices.models import Document
from xinfang.petitions.models import Evaluation, FollowUpTask, Matter, Review
from xinfang.petitions.states import (
    CLOCK_REVIEW_WINDOW,
    EvaluationMethod,
    EvaluationStage,
    LateReviewPolicy,
    ReviewStage,
    ReviewStatus,
    Status,
)
from xinfang.petitions.tests.handling_support import (
    HandlingWorld,
    accepted_here,
    build_handling_world,
    clock_of,
    replied,
    reviewed,
)
from xinfang.petitions.tests.triage_support import at, frozen
from xinfang.portal.services import matter_query_code_issue

from .portal_support import open_matter, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def hw(mini: Any) -> HandlingWorld:
    return build_handling_world(mini)


def opened(hw: HandlingWorld, matter: Matter, client: Client | None = None) -> Client:
    """A browser that opened `matter` with the query code staff handed over."""
    client = client or Client()
    credentials = matter_query_code_issue(actor=hw.clerk, matter=matter)
    response = open_matter(client, credentials.public_ref, credentials.query_code or "")
    assert response.status_code == 302
    return client


def evaluate(client: Client, stage: str, value: str = "satisfied", comment: str = "") -> Any:
    return client.post(reverse("portal:evaluate"), {"stage": stage, "value": value, "comment": comment})


class EvaluationTests:
    def test_acceptance_is_evaluated_online(self, hw):
        """XF-SAT-01/02: recorded with method online and no staff recorder (actor SYSTEM)."""
        matter = accepted_here(hw)
        client = opened(hw, matter)
        page = client.get(reverse("portal:track_detail")).content.decode()
        assert "对受理的评价" in page
        response = evaluate(client, EvaluationStage.ACCEPTANCE, comment="接待热情")
        assert response.status_code == 302
        evaluation = Evaluation.objects.get(matter=matter)
        assert (evaluation.stage, evaluation.method, evaluation.recorded_by_id) == (
            EvaluationStage.ACCEPTANCE,
            EvaluationMethod.ONLINE,
            None,
        )
        assert evaluation.comment == "接待热情"
        page = client.get(reverse("portal:track_detail")).content.decode()
        assert "感谢您的评价" in page and "对受理的评价" not in page

    def test_a_stage_is_evaluated_once(self, hw):
        matter = accepted_here(hw)
        client = opened(hw, matter)
        evaluate(client, EvaluationStage.ACCEPTANCE)
        response = evaluate(client, EvaluationStage.ACCEPTANCE, value="dissatisfied")
        assert response.status_code == 400
        assert "该环节已经评价过" in response.content.decode()
        assert Evaluation.objects.filter(matter=matter).count() == 1

    def test_handling_is_not_evaluated_before_the_reply(self, hw):
        matter = accepted_here(hw)
        client = opened(hw, matter)
        response = evaluate(client, EvaluationStage.HANDLING)
        assert response.status_code == 400
        assert "事项尚未答复或办结，不能评价办理情况" in response.content.decode()
        assert not Evaluation.objects.filter(matter=matter).exists()

    def test_nothing_is_evaluated_before_acceptance(self, client, mini):
        matter, ref, code = submit(client)
        open_matter(client, ref, code)
        assert "对受理的评价" not in client.get(reverse("portal:track_detail")).content.decode()
        assert evaluate(client, EvaluationStage.ACCEPTANCE).status_code == 400
        assert not Evaluation.objects.filter(matter=matter).exists()

    def test_dissatisfaction_opens_a_follow_up(self, hw):
        matter, _opinion = replied(hw)
        client = opened(hw, matter)
        evaluate(client, EvaluationStage.HANDLING, value="dissatisfied", comment="没有解决")
        evaluation = Evaluation.objects.get(matter=matter, stage=EvaluationStage.HANDLING)
        assert evaluation.is_dissatisfied and evaluation.follow_up is not None
        assert FollowUpTask.objects.filter(matter=matter).count() == 1

    def test_an_unknown_value_is_refused(self, hw):
        matter = accepted_here(hw)
        client = opened(hw, matter)
        response = evaluate(client, EvaluationStage.ACCEPTANCE, value="ecstatic")
        assert response.status_code == 400
        assert not Evaluation.objects.filter(matter=matter).exists()

    def test_no_evaluation_without_the_lookup(self, hw):
        matter = accepted_here(hw)
        response = evaluate(Client(), EvaluationStage.ACCEPTANCE)
        assert response.status_code == 302
        assert not Evaluation.objects.filter(matter=matter).exists()


def ask_review(client: Client, organisation: Any, request: str = "不服处理意见，请求复查。", **extra: str) -> Any:
    return client.post(reverse("portal:review"), {"organisation": organisation.pk, "request": request, **extra})


class ReviewRequestTests:
    def test_review_is_requested_within_the_window(self, hw):
        """XF-REV-01: to a body one level above (offered from review_bodies), the window's last day
        shown; the request starts the review (in_review, held by the body)."""
        matter, _opinion = replied(hw)
        client = opened(hw, matter)
        page = client.get(reverse("portal:track_detail")).content.decode()
        due = clock_of(matter, CLOCK_REVIEW_WINDOW).due_date
        assert formats.date_format(due, "DATE_FORMAT") in page
        assert hw.housing.name in page
        response = ask_review(client, hw.housing)
        assert response.status_code == 302
        review = Review.objects.get(matter=matter)
        assert (review.stage, review.status, review.organisation) == (
            ReviewStage.REVIEW,
            ReviewStatus.PENDING,
            hw.housing,
        )
        assert review.recorded_by.username == "portal"
        matter.refresh_from_db()
        assert (matter.status, matter.current_org) == (Status.IN_REVIEW, hw.housing)
        page = client.get(reverse("portal:track_detail")).content.decode()
        assert "您的复查请求已提交" in page

    def test_the_accept_policy_says_so_and_accepts(self, hw, settings):
        settings.XINFANG_LATE_REVIEW_POLICY = LateReviewPolicy.ACCEPT
        with frozen(at(2026, 6, 1)):
            matter, _opinion = replied(hw)
        due = clock_of(matter, CLOCK_REVIEW_WINDOW).due_date + datetime.timedelta(days=3)
        with frozen(at(due.year, due.month, due.day, 15)):
            client = opened(hw, matter)
            assert "逾期请求仍予受理" in client.get(reverse("portal:track_detail")).content.decode()
            ask_review(client, hw.housing)
            page = client.get(reverse("portal:track_detail")).content.decode()
        review = Review.objects.get(matter=matter)
        assert (review.status, review.is_late) == (ReviewStatus.PENDING, True)
        assert "虽已超过期限，按照规定仍予受理" in page

    def test_re_review_goes_to_the_body_above_the_reviewer(self, hw):
        matter, _opinion = reviewed(hw)
        client = opened(hw, matter)
        response = ask_review(client, hw.government, request="不服复查意见，请求复核。")
        assert response.status_code == 302
        review = Review.objects.get(matter=matter, stage=ReviewStage.REREVIEW)
        assert review.organisation == hw.government

    def test_a_body_not_offered_is_refused(self, hw):
        matter, _opinion = replied(hw)
        client = opened(hw, matter)
        response = ask_review(client, hw.mini.city_petition_bureau)
        assert response.status_code == 400
        assert not Review.objects.filter(matter=matter).exists()

    def test_a_request_needs_its_reasons(self, hw):
        matter, _opinion = replied(hw)
        client = opened(hw, matter)
        response = ask_review(client, hw.housing, request="")
        assert response.status_code == 400
        assert not Review.objects.filter(matter=matter).exists()

    def test_no_review_before_an_opinion(self, client, mini):
        matter, ref, code = submit(client)
        open_matter(client, ref, code)
        assert "请求复查" not in client.get(reverse("portal:track_detail")).content.decode()
        response = ask_review(client, mini.housing_bureau)
        assert response.status_code == 400
        assert "该事项当前不能在网上请求复查或复核" in response.content.decode()
        assert not Review.objects.filter(matter=matter).exists()

    def test_no_review_without_the_lookup(self, hw):
        matter, _opinion = replied(hw)
        response = ask_review(Client(), hw.housing)
        assert response.status_code == 302
        assert not Review.objects.filter(matter=matter).exists()


class LateReviewTests:
    """XF-REV-07: outside the window the request is recorded and the configured policy applies;
    the page says which, and what came of it."""

    def _late(self, hw: HandlingWorld) -> tuple[Matter, datetime.datetime]:
        with frozen(at(2026, 6, 1)):
            matter, _opinion = replied(hw)
        due = clock_of(matter, CLOCK_REVIEW_WINDOW).due_date + datetime.timedelta(days=3)
        return matter, at(due.year, due.month, due.day, 15)

    def test_refused_without_a_good_reason_then_accepted_with_one(self, hw, settings):
        settings.XINFANG_LATE_REVIEW_POLICY = LateReviewPolicy.REFUSE_WITHOUT_GOOD_REASON
        matter, late = self._late(hw)
        with frozen(late):
            client = opened(hw, matter)
            page = client.get(reverse("portal:track_detail")).content.decode()
            assert "请求期限已经届满" in page and "逾期的正当理由" in page
            ask_review(client, hw.housing)
            refused = Review.objects.get(matter=matter)
            assert (refused.status, refused.is_late) == (ReviewStatus.REFUSED, True)
            page = client.get(reverse("portal:track_detail")).content.decode()
            assert "该请求不予受理" in page
            ask_review(client, hw.housing, late_reason="住院治疗，有医院证明。")
        accepted = Review.objects.exclude(pk=refused.pk).get(matter=matter)
        assert (accepted.status, accepted.late_reason) == (ReviewStatus.PENDING, "住院治疗，有医院证明。")

    def test_the_terminate_policy_ends_the_matter(self, hw, settings):
        settings.XINFANG_LATE_REVIEW_POLICY = LateReviewPolicy.TERMINATE
        matter, late = self._late(hw)
        with frozen(late):
            client = opened(hw, matter)
            before = client.get(reverse("portal:track_detail")).content.decode()
            assert "逾期未请求的，该事项办理终结" in before and "逾期的正当理由" not in before
            ask_review(client, hw.housing)
            page = client.get(reverse("portal:track_detail")).content.decode()
        matter.refresh_from_db()
        assert matter.status == Status.TERMINATED
        assert "该事项办理终结" in page
        termination = Document.objects.get(matter=matter, kind=DocumentKind.TERMINATION)
        assert termination.issued_by.username == "portal"
        assert "信访事项终结记录" in page
