"""CNT-08: correcting the receipt time recomputes the clocks that start from it, with audit."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.petitions.services.intake import matter_correct_received_at
from xinfang.petitions.states import CLOCK_NOTICE, CLOCK_TRIAGE
from xinfang.petitions.testing import register_walk_in
from xinfang.workcalendar.models import Clock

pytestmark = pytest.mark.django_db


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


class CorrectReceivedAtTests:
    def test_cnt_08_clocks_follow_the_corrected_start(self, mini):
        matter = register_walk_in(mini)
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        corrected = _aware(datetime.date(2026, 9, 16))
        matter_correct_received_at(actor=clerk, matter=matter, received_at=corrected, reason="登记时误填日期")
        triage = Clock.objects.get(object_id=str(matter.pk), kind=CLOCK_TRIAGE)
        notice = Clock.objects.get(object_id=str(matter.pk), kind=CLOCK_NOTICE)
        # 2026-09-16 + 15 calendar days rolls over National Day to 2026-10-08 (CNT-03).
        assert triage.start_date == datetime.date(2026, 9, 16) and triage.due_date == datetime.date(2026, 10, 8)
        assert notice.due_date == datetime.date(2026, 10, 8)
        assert AuditEvent.objects.filter(action="clock.correct_start", object_id=str(matter.pk)).count() == 2
        event = AuditEvent.objects.get(action="matter.correct_received_at", object_id=str(matter.pk))
        assert event.summary["after"]["received_at"].startswith("2026-09-16")

    def test_future_time_and_missing_reason_are_refused(self, mini):
        matter = register_walk_in(mini)
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        with pytest.raises(ValidationError) as exc:
            matter_correct_received_at(
                actor=clerk, matter=matter, received_at=timezone.now() + datetime.timedelta(days=2), reason=""
            )
        assert {"received_at", "reason"} <= set(exc.value.message_dict)
        assert not AuditEvent.objects.filter(action="matter.correct_received_at").exists()

    def test_only_the_registering_side_may_correct(self, mini):
        matter = register_walk_in(mini)
        officer = make_user((Role.HANDLING_OFFICER, mini.housing_bureau))
        with pytest.raises(PermissionDenied):
            matter_correct_received_at(
                actor=officer, matter=matter, received_at=_aware(datetime.date(2026, 9, 16)), reason="x"
            )


class CorrectReceivedViewTests:
    def test_clerk_corrects_from_the_matter_page(self, client, mini):
        from django.urls import reverse

        matter = register_walk_in(mini)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.petition_bureau)))
        url = reverse("petitions:triage_correct_received", args=[matter.pk])
        assert url in client.get(reverse("petitions:matter_detail", args=[matter.pk])).content.decode()
        bad = client.post(url, {"received_at": "2026-09-16T10:00", "reason": ""})
        assert bad.status_code == 200 and "更正" in bad.content.decode()
        done = client.post(url, {"received_at": "2026-09-16T10:00", "reason": "登记时误填日期"})
        assert done.status_code == 302
        assert Clock.objects.get(object_id=str(matter.pk), kind=CLOCK_TRIAGE).due_date == datetime.date(2026, 10, 8)

    def test_other_towns_clerk_is_refused(self, client, mini):
        from django.urls import reverse

        matter = register_walk_in(mini)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_b_office)))
        response = client.post(
            reverse("petitions:triage_correct_received", args=[matter.pk]),
            {"received_at": "2026-09-16T10:00", "reason": "x"},
        )
        assert response.status_code in (403, 404)
