"""Review (复查) and re-review (复核) through the services: the window from delivery (XF-REV-01/03),
the body one level up, the 30-day clocks (XF-REV-02/04), late requests under each configured
policy (XF-REV-07), hearings that pause the re-review clock (XF-REV-05) and finality at intake
(XF-REV-06)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.errors import ServiceError
from xinfang.core.testing import make_user
from xinfang.notices.kinds import DocumentKind
from xinfang.notices.models import Document
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import HandlingRecord, Matter, Review
from xinfang.petitions.services.handling import (
    handling_record_add,
    matter_conclude,
    matter_withdraw,
    opinion_deliver,
    running_clock,
)
from xinfang.petitions.services.repeats import matter_link, repeat_candidates
from xinfang.petitions.services.review import legal_organ, review_bodies, review_decide, review_request
from xinfang.petitions.states import (
    CLOCK_REREVIEW,
    CLOCK_REREVIEW_WINDOW,
    CLOCK_REVIEW,
    CLOCK_REVIEW_WINDOW,
    LateReviewPolicy,
    LinkKind,
    NonAcceptanceGround,
    OpinionStage,
    RecordKind,
    ReviewStage,
    ReviewStatus,
    Status,
)
from xinfang.petitions.testing import register_walk_in
from xinfang.workcalendar.models import ClockAdjustment

from .handling_support import (
    REVIEW_OPINION,
    HandlingWorld,
    build_handling_world,
    calendar_due,
    clock_of,
    final,
    in_rereview,
    in_review,
    matter_events,
    pdf_text,
    replied,
    reviewed,
    status_moves,
    the,
)
from .triage_support import at, frozen

pytestmark = pytest.mark.django_db

REQUEST = "不服处理意见，请求复查。"


@pytest.fixture
def hw(mini: Any) -> HandlingWorld:
    return build_handling_world(mini)


def request_review(
    hw: HandlingWorld, matter: Matter, *, org: Organisation | None = None, actor: Any = None, **kwargs: Any
) -> Review:
    params: dict[str, Any] = {
        "actor": actor or hw.housing_officer,
        "matter": matter,
        "stage": ReviewStage.REVIEW,
        "organisation": org or hw.housing,
        "received_at": timezone.now(),
        "request": REQUEST,
    }
    params.update(kwargs)
    return review_request(**params)


def day_at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return at(day.year, day.month, day.day, hour)


# --- XF-REV-01/02: review ------------------------------------------------------------------------


class ReviewRequestTests:
    def test_xf_rev_01_delivery_starts_the_30_day_window(self, hw):
        matter, opinion = replied(hw)
        window = clock_of(matter, CLOCK_REVIEW_WINDOW)
        delivered = timezone.localdate(opinion.delivered_at)
        assert (window.start_date, window.period) == (delivered, 30)
        assert window.due_date == calendar_due(delivered, 30)
        assert Document.objects.filter(matter=matter, kind=DocumentKind.DELIVERY_RECEIPT).count() == 1
        event = matter_events(matter, "matter.opinion_deliver")[-1]
        assert event.summary["window_due"] == window.due_date.isoformat()

    def test_xf_rev_01_reply_without_delivery_record_refused(self, hw):
        matter, _opinion = replied(hw, deliver=False)
        with pytest.raises(ServiceError) as exc:
            request_review(hw, matter)
        assert exc.value.code == "not_delivered" and "送达" in exc.value.messages[0]
        assert not Review.objects.filter(matter=matter).exists()

    def test_xf_rev_01_02_request_in_time_moves_the_matter_to_the_review_body(self, hw):
        matter, _opinion = replied(hw)
        received = timezone.now()
        review = request_review(hw, matter, received_at=received)
        matter.refresh_from_db()
        assert (review.status, review.is_late, review.policy) == (ReviewStatus.PENDING, False, "")
        assert matter.status == Status.IN_REVIEW
        assert matter.review_org == hw.housing and matter.current_org == hw.housing
        assert matter.handling_org == hw.town  # the accepting organ keeps sight of it
        assert running_clock(matter, CLOCK_REVIEW_WINDOW) is None
        clock = clock_of(matter, CLOCK_REVIEW)
        start = timezone.localdate(received)
        assert (clock.start_date, clock.period) == (start, 30)
        assert clock.due_date == calendar_due(start, 30)
        assert status_moves(matter)[-1] == (Status.REPLIED, Status.IN_REVIEW)
        assert matter_events(matter, "matter.review_request")[-1].summary["due"] == clock.due_date.isoformat()

    def test_xf_rev_01_request_from_a_concluded_matter_reopens_it(self, hw):
        matter, _opinion = replied(hw)
        matter_conclude(actor=hw.town_officer, matter=matter, note="已送达处理意见书。")
        request_review(hw, matter)
        matter.refresh_from_db()
        assert matter.status == Status.IN_REVIEW and matter.closed_at is None

    @pytest.mark.parametrize("wrong", ["town_a_office", "town_b", "town_b_office", "city", "province", "court"])
    def test_xf_rev_01_only_a_body_one_level_up(self, hw, wrong):
        matter, _opinion = replied(hw)
        orgs = {
            "town_a_office": hw.mini.town_a_office,  # an office of the handling organ itself
            "town_b": hw.mini.town_b,  # the same level: another town
            "town_b_office": hw.mini.town_b_office,
            "city": hw.mini.city,  # two levels up
            "province": hw.mini.province,
            "court": hw.world.court,  # one level up, but courts do not review petition opinions
        }
        org = orgs[wrong]
        actor = make_user((Role.RECEPTION_CLERK, org))
        with pytest.raises(ValidationError) as exc:
            request_review(hw, matter, org=org, actor=actor)
        [message] = exc.value.message_dict["organisation"]
        for right in (hw.mini.district, hw.mini.petition_bureau, hw.housing, hw.government):
            assert right.name in message
        assert org.name not in message
        assert not Review.objects.filter(matter=matter).exists()

    def test_xf_rev_01_review_bodies_of_a_town_and_of_a_department(self, hw):
        mini = hw.mini
        assert legal_organ(mini.town_a_office) == mini.town_a
        assert legal_organ(hw.housing) == hw.housing
        assert legal_organ(hw.government) == mini.district
        assert set(review_bodies(mini.town_a)) == {mini.district, mini.petition_bureau, hw.housing, hw.government}
        assert set(review_bodies(hw.housing)) == {mini.district, mini.petition_bureau, hw.government}

    def test_xf_rev_01_request_only_by_the_body_and_dated_sensibly(self, hw):
        matter, opinion = replied(hw)
        with pytest.raises(PermissionDenied):
            request_review(hw, matter, actor=hw.town_officer)
        with pytest.raises(ValidationError):
            request_review(hw, matter, received_at=timezone.now() + datetime.timedelta(hours=2))
        with pytest.raises(ValidationError):
            request_review(hw, matter, received_at=the(opinion.delivered_at) - datetime.timedelta(hours=1))
        with pytest.raises(ValidationError) as exc:
            request_review(hw, matter, request=" ")
        assert "request" in exc.value.message_dict
        matter.refresh_from_db()
        assert matter.status == Status.REPLIED

    def test_xf_rev_02_decision_within_30_days_stops_the_clock(self, hw, tmp_path):
        matter, review = in_review(hw)
        opinion = review_decide(actor=hw.housing_officer, review=review, **REVIEW_OPINION)
        matter.refresh_from_db()
        review.refresh_from_db()
        assert matter.status == Status.REVIEWED and review.status == ReviewStatus.DECIDED
        assert (opinion.stage, opinion.organisation, opinion.review) == (OpinionStage.REVIEW, hw.housing, review)
        assert the(opinion.document).kind == DocumentKind.REVIEW_OPINION
        text = pdf_text(the(opinion.document), tmp_path)
        assert hw.government.name in text  # where to ask for re-review
        assert running_clock(matter, CLOCK_REVIEW) is None
        assert matter_events(matter, "matter.review_decide")[-1].summary["late"] is False
        with pytest.raises(ServiceError):
            review_decide(actor=hw.housing_officer, review=review, **REVIEW_OPINION)

    def test_xf_rev_02_late_decision_is_flagged(self, hw):
        with frozen(at(2026, 6, 1)):
            matter, review = in_review(hw)
        with frozen(at(2026, 7, 20)):
            review_decide(actor=hw.housing_officer, review=review, **REVIEW_OPINION)
        assert matter_events(matter, "matter.review_decide")[-1].summary["late"] is True

    def test_xf_rev_02_only_the_review_body_decides(self, hw):
        _matter, review = in_review(hw)
        with pytest.raises(PermissionDenied):
            review_decide(actor=hw.town_officer, review=review, **REVIEW_OPINION)
        with pytest.raises(ValidationError) as exc:
            review_decide(actor=hw.housing_officer, review=review, **{**REVIEW_OPINION, "legal_basis": ""})
        assert "legal_basis" in exc.value.message_dict

    def test_xf_rev_01_review_only_once(self, hw):
        matter, _opinion = reviewed(hw)
        matter_conclude(actor=hw.housing_officer, matter=matter, note="已送达复查意见书。")
        with pytest.raises(ServiceError) as exc:
            request_review(hw, matter)
        assert exc.value.code == "repeated"

    def test_xf_rev_02_withdrawing_the_review_request(self, hw):
        matter, review = in_review(hw)
        matter_withdraw(actor=hw.housing_officer, matter=matter, reason="信访人撤回复查请求。")
        review.refresh_from_db()
        matter.refresh_from_db()
        assert review.status == ReviewStatus.WITHDRAWN and matter.status == Status.WITHDRAWN
        assert running_clock(matter, CLOCK_REVIEW) is None


# --- XF-REV-07: late requests under the configured policy -----------------------------------------


class LateRequestTests:
    def _late(self, hw: HandlingWorld) -> tuple[Matter, datetime.date]:
        with frozen(at(2026, 6, 1)):
            matter, _opinion = replied(hw)
        due = clock_of(matter, CLOCK_REVIEW_WINDOW).due_date
        return matter, due + datetime.timedelta(days=3)

    @override_settings(XINFANG_LATE_REVIEW_POLICY=LateReviewPolicy.REFUSE_WITHOUT_GOOD_REASON)
    def test_xf_rev_07_refused_without_good_reason(self, hw):
        matter, late = self._late(hw)
        with frozen(day_at(late, 15)):
            refused = request_review(hw, matter, received_at=day_at(late))
            matter.refresh_from_db()
            assert (refused.status, refused.is_late, refused.policy) == (
                ReviewStatus.REFUSED,
                True,
                LateReviewPolicy.REFUSE_WITHOUT_GOOD_REASON,
            )
            assert matter.status == Status.REPLIED and matter.current_org == hw.town
            assert matter_events(matter, "matter.review_refuse")[-1].summary["late"] is True
            accepted = request_review(hw, matter, received_at=day_at(late), late_reason="信访人住院治疗，有医院证明。")
        matter.refresh_from_db()
        assert (accepted.status, accepted.is_late, accepted.late_reason) == (
            ReviewStatus.PENDING,
            True,
            "信访人住院治疗，有医院证明。",
        )
        assert matter.status == Status.IN_REVIEW
        assert Review.objects.filter(matter=matter).count() == 2

    @override_settings(XINFANG_LATE_REVIEW_POLICY=LateReviewPolicy.TERMINATE)
    def test_xf_rev_07_terminate(self, hw):
        matter, late = self._late(hw)
        with frozen(day_at(late, 15)):
            review = request_review(hw, matter, received_at=day_at(late), late_reason="不知道期限")
        matter.refresh_from_db()
        assert (review.status, review.policy) == (ReviewStatus.REFUSED, LateReviewPolicy.TERMINATE)
        assert matter.status == Status.TERMINATED and matter.closed_at is not None
        document = Document.objects.get(matter=matter, kind=DocumentKind.TERMINATION)
        # The receiving body applied the rule: it holds the ended matter and issued the record.
        assert document.organisation == hw.housing and matter.current_org == hw.housing
        assert matter.handling_org == hw.town
        assert running_clock(matter, CLOCK_REVIEW_WINDOW) is None
        assert status_moves(matter)[-1] == (Status.REPLIED, Status.TERMINATED)

    @override_settings(XINFANG_LATE_REVIEW_POLICY=LateReviewPolicy.TERMINATE)
    def test_xf_rev_07_terminate_a_concluded_matter(self, hw):
        matter, late = self._late(hw)
        matter_conclude(actor=hw.town_officer, matter=matter, note="已送达。")
        with frozen(day_at(late, 15)):
            request_review(hw, matter, received_at=day_at(late))
        matter.refresh_from_db()
        assert matter.status == Status.TERMINATED

    @override_settings(XINFANG_LATE_REVIEW_POLICY=LateReviewPolicy.ACCEPT)
    def test_xf_rev_07_accept(self, hw):
        matter, late = self._late(hw)
        with frozen(day_at(late, 15)):
            review = request_review(hw, matter, received_at=day_at(late))
        matter.refresh_from_db()
        assert (review.status, review.is_late, review.policy) == (ReviewStatus.PENDING, True, LateReviewPolicy.ACCEPT)
        assert matter.status == Status.IN_REVIEW

    def test_xf_rev_07_last_day_of_the_window_is_in_time(self, hw):
        with frozen(at(2026, 6, 1)):
            matter, _opinion = replied(hw)
        due = clock_of(matter, CLOCK_REVIEW_WINDOW).due_date
        with frozen(day_at(due, 18)):
            review = request_review(hw, matter, received_at=day_at(due, 17))
        assert review.is_late is False and review.window_due == due


# --- XF-REV-03/04: re-review ----------------------------------------------------------------------


class RereviewTests:
    def test_xf_rev_03_only_after_a_review_opinion(self, hw):
        matter, _opinion = replied(hw)
        with pytest.raises(ServiceError) as exc:
            request_review(hw, matter, stage=ReviewStage.REREVIEW, org=hw.government, actor=hw.gov_officer)
        assert exc.value.code == "status"
        matter_conclude(actor=hw.town_officer, matter=matter, note="已送达。")
        with pytest.raises(ServiceError) as exc:
            request_review(hw, matter, stage=ReviewStage.REREVIEW, org=hw.government, actor=hw.gov_officer)
        assert exc.value.code == "no_opinion" and "XF-REV-03" in exc.value.messages[0]

    def test_xf_rev_03_review_opinion_delivery_starts_the_rereview_window(self, hw):
        matter, opinion = reviewed(hw)
        window = clock_of(matter, CLOCK_REREVIEW_WINDOW)
        assert window.start_date == timezone.localdate(opinion.delivered_at)
        assert window.due_date == calendar_due(window.start_date, 30)

    @pytest.mark.parametrize("wrong", ["housing", "town_a", "city_petition_bureau"])
    def test_xf_rev_03_to_the_body_one_level_above_the_review_body(self, hw, wrong):
        matter, _opinion = reviewed(hw)
        org = {"housing": hw.housing, "town_a": hw.town, "city_petition_bureau": hw.mini.city_petition_bureau}[wrong]
        actor = make_user((Role.HANDLING_OFFICER, org))
        with pytest.raises(ValidationError) as exc:
            request_review(hw, matter, stage=ReviewStage.REREVIEW, org=org, actor=actor)
        [message] = exc.value.message_dict["organisation"]
        assert hw.government.name in message and hw.mini.petition_bureau.name in message

    def test_xf_rev_03_04_rereview_decision_is_final_with_doc_07(self, hw, tmp_path):
        matter, review = in_rereview(hw)
        matter.refresh_from_db()
        assert matter.status == Status.IN_REREVIEW
        assert matter.rereview_org == hw.government and matter.current_org == hw.government
        clock = clock_of(matter, CLOCK_REREVIEW)
        assert clock.due_date == calendar_due(timezone.localdate(review.received_at), 30)
        opinion = review_decide(actor=hw.gov_officer, review=review, **REVIEW_OPINION)
        matter.refresh_from_db()
        assert matter.status == Status.FINAL and matter.closed_at is not None
        assert opinion.stage == OpinionStage.REREVIEW and opinion.hearing_held is False
        assert the(opinion.document).kind == DocumentKind.REREVIEW_OPINION
        assert "未举行听证" in pdf_text(the(opinion.document), tmp_path)
        assert running_clock(matter, CLOCK_REREVIEW) is None
        assert status_moves(matter)[-1] == (Status.IN_REREVIEW, Status.FINAL)
        # The re-review opinion opens no further window.
        opinion_deliver(
            actor=hw.gov_officer, opinion=opinion, method="sms", delivered_at=timezone.now(), recipient="张三"
        )
        assert not [c for c in (CLOCK_REVIEW_WINDOW, CLOCK_REREVIEW_WINDOW) if running_clock(matter, c) is not None]

    def test_xf_rev_03_rereview_from_a_concluded_matter(self, hw):
        matter, _opinion = reviewed(hw)
        matter_conclude(actor=hw.housing_officer, matter=matter, note="已送达复查意见书。")
        request_review(hw, matter, stage=ReviewStage.REREVIEW, org=hw.government, actor=hw.gov_officer)
        matter.refresh_from_db()
        assert matter.status == Status.IN_REREVIEW


# --- XF-REV-05: hearings during re-review --------------------------------------------------------


class HearingTests:
    def _hearing(self, hw: HandlingWorld, matter: Matter, start: datetime.date, days: int, **kwargs: Any) -> Any:
        return handling_record_add(
            actor=hw.gov_officer,
            matter=matter,
            kind=RecordKind.HEARING,
            occurred_on=start,
            end_date=start + datetime.timedelta(days=days - 1),
            place="区政府第一会议室",
            summary="复核听证",
            **kwargs,
        )

    def test_xf_rev_05_hearing_pauses_the_rereview_clock(self, hw):
        matter, review = in_rereview(hw)
        clock = clock_of(matter, CLOCK_REREVIEW)
        start = clock.start_date
        record = self._hearing(hw, matter, start + datetime.timedelta(days=2), 3)
        clock.refresh_from_db()
        assert record.review == review
        assert clock.due_date == calendar_due(start, 33)
        [pause] = ClockAdjustment.objects.filter(clock=clock)
        assert (pause.kind, pause.days) == ("pause", 3)
        assert matter_events(matter, "matter.record")[-1].summary["clock_paused"] is True
        opinion = review_decide(actor=hw.gov_officer, review=review, **REVIEW_OPINION)
        assert opinion.hearing_held is True

    def test_xf_rev_05_overlapping_hearing_refused(self, hw):
        matter, _review = in_rereview(hw)
        start = clock_of(matter, CLOCK_REREVIEW).start_date + datetime.timedelta(days=1)
        self._hearing(hw, matter, start, 3)
        before = (HandlingRecord.objects.count(), AuditEvent.objects.count())
        with pytest.raises(ValidationError):
            self._hearing(hw, matter, start + datetime.timedelta(days=2), 2)
        assert (HandlingRecord.objects.count(), AuditEvent.objects.count()) == before
        self._hearing(hw, matter, start + datetime.timedelta(days=3), 1)  # the next day is free

    def test_xf_rev_05_hearing_in_handling_or_review_leaves_the_clock(self, hw):
        matter, _review = in_review(hw)
        clock = clock_of(matter, CLOCK_REVIEW)
        handling_record_add(
            actor=hw.housing_officer,
            matter=matter,
            kind=RecordKind.HEARING,
            occurred_on=clock.start_date,
            end_date=clock.start_date + datetime.timedelta(days=2),
            place="住建局会议室",
            summary="复查听证",
        )
        clock.refresh_from_db()
        assert clock.due_date == calendar_due(clock.start_date, 30)

    def test_xf_rev_05_hearing_notice_doc_08(self, hw, tmp_path):
        matter, _review = in_rereview(hw)
        start = clock_of(matter, CLOCK_REREVIEW).start_date + datetime.timedelta(days=5)
        record = self._hearing(hw, matter, start, 1, issue_notice=True)
        document = Document.objects.get(matter=matter, kind=DocumentKind.HEARING_NOTICE)
        assert document.object_id == str(record.pk) and document.organisation == hw.government
        assert "区政府第一会议室" in pdf_text(document, tmp_path)
        assert matter_events(matter, "matter.record")[-1].summary["document"] == document.pk
        self._hearing(hw, matter, start + datetime.timedelta(days=3), 1)
        assert Document.objects.filter(matter=matter, kind=DocumentKind.HEARING_NOTICE).count() == 1


# --- XF-REV-06: finality at intake ----------------------------------------------------------------


class FinalityTests:
    def test_xf_rev_06_same_matter_after_rereview_is_not_accepted(self, hw):
        earlier = final(hw)
        again = register_walk_in(hw.mini)  # same petitioner, same facts and reasons
        candidates = repeat_candidates(user=hw.clerk, matter=again)
        [candidate] = [c for c in candidates if c.matter == earlier]
        assert candidate.label == LinkKind.AFTER_RE_REVIEW and candidate.is_decisive
        matter_link(actor=hw.clerk, matter=again, other=earlier, kind=LinkKind.AFTER_RE_REVIEW, reason="同一事实和理由")
        again.refresh_from_db()
        assert again.status == Status.NOT_ACCEPTED
        assert again.non_acceptance_ground == NonAcceptanceGround.AFTER_RE_REVIEW
        earlier.refresh_from_db()
        assert earlier.status == Status.FINAL

    def test_xf_rev_06_final_matter_takes_no_further_request(self, hw):
        matter = final(hw)
        with pytest.raises(ServiceError):
            request_review(hw, matter, stage=ReviewStage.REREVIEW, org=hw.government, actor=hw.gov_officer)
        with pytest.raises(ServiceError):
            matter_withdraw(actor=hw.gov_officer, matter=matter, reason="撤回")
