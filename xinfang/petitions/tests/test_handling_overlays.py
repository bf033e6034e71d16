"""Provincial overlays and simplified-procedure limits that are configuration (regulations.md
§1.19, §2): D13 / XF-REV-08 (decide acceptance of a review request in N working days, off by
default) and D15 / XF-SIMP-06 (decide acceptance of a simplified matter in 3 working days)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.core.errors import ServiceError
from xinfang.petitions.services.handling import matter_procedure_set, running_clock, simplified_acceptance_due
from xinfang.petitions.services.review import review_accept, review_decide
from xinfang.petitions.states import CLOCK_REVIEW_ACCEPT, Procedure
from xinfang.workcalendar.deadlines import compute_deadline
from xinfang.workcalendar.selectors import calendar_lookup

from .handling_support import REVIEW_OPINION, build_handling_world, classified, in_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def hw(mini):
    return build_handling_world(mini)


class ReviewAcceptanceOverlayTests:
    def test_xf_rev_08_off_by_default_no_acceptance_clock(self, hw):
        matter, review = in_review(hw)
        assert running_clock(matter, CLOCK_REVIEW_ACCEPT) is None
        with pytest.raises(ServiceError):
            review_accept(actor=hw.housing_officer, review=review)

    @override_settings(XINFANG_REVIEW_ACCEPTANCE_WORKING_DAYS=3)
    def test_xf_rev_08_d13_overlay_starts_a_working_day_clock_that_acceptance_stops(self, hw):
        matter, review = in_review(hw)
        clock = running_clock(matter, CLOCK_REVIEW_ACCEPT)
        assert clock is not None and (clock.period, clock.unit) == (3, "working")
        expected = compute_deadline(
            start=timezone.localdate(review.received_at), period=3, unit="working", calendar=calendar_lookup()
        ).due_date
        assert clock.due_date == expected
        with pytest.raises(PermissionDenied):
            review_accept(actor=hw.town_officer, review=review)
        review_accept(actor=hw.housing_officer, review=review)
        assert running_clock(matter, CLOCK_REVIEW_ACCEPT) is None
        event = AuditEvent.objects.filter(action="matter.review_accept").get()
        assert event.summary["late"] is False

    @override_settings(XINFANG_REVIEW_ACCEPTANCE_WORKING_DAYS=3)
    def test_xf_rev_08_deciding_the_review_also_ends_the_acceptance_clock(self, hw):
        matter, review = in_review(hw)
        review_decide(actor=hw.housing_officer, review=review, **REVIEW_OPINION)
        assert running_clock(matter, CLOCK_REVIEW_ACCEPT) is None


class SimplifiedAcceptanceTests:
    def test_xf_simp_06_d15_acceptance_within_3_working_days_is_recorded(self, hw):
        matter = classified(hw)
        matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.SIMPLIFIED, reason="事实清楚")
        event = AuditEvent.objects.filter(action="matter.procedure").latest("id")
        due = simplified_acceptance_due(matter)
        assert event.summary["accept_due"] == due.isoformat()
        assert event.summary["accepted_in_time"] is True

    def test_xf_simp_06_the_limit_is_configuration(self, hw, settings):
        settings.XINFANG_PETITION_PERIODS = {**settings.XINFANG_PETITION_PERIODS, "simple_accept_3wd": (5, "working")}
        matter = classified(hw)
        routing = matter.routings.get()
        expected = compute_deadline(
            start=timezone.localdate(routing.received_at or routing.sent_at),
            period=5,
            unit="working",
            calendar=calendar_lookup(),
        ).due_date
        assert simplified_acceptance_due(matter) == expected
