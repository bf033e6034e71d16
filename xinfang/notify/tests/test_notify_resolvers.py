"""Who answers for a clock of each object type (XINFANG_NOTIFY_RESPONSIBLE), through real objects."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.grid.tests import conftest as grid_conftest
from xinfang.mediation.tests import conftest as mediation_conftest
from xinfang.notify.models import Notification
from xinfang.notify.services import clock_sweep
from xinfang.notify.states import Stage
from xinfang.petitions.testing import register_walk_in
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import deadline_compute

from .conftest import TUE

pytestmark = pytest.mark.django_db

# The grid and mediation apps' own fixtures (their real services build the events and cases).
categories = grid_conftest.categories
gw = grid_conftest.gw
med = mediation_conftest.med


def clock_of(object_type: str, object_id: int, kind: str) -> Clock:
    return Clock.objects.get(object_type=object_type, object_id=str(object_id), kind=kind, stopped_at__isnull=True)


def alerted(clock: Clock) -> set[int]:
    return set(
        Notification.objects.filter(object_type=clock.object_type, object_id=clock.object_id).values_list(
            "recipient_id", flat=True
        )
    )


class MatterTests:
    def test_triage_clock_goes_to_the_petition_department(self, watch):
        """S1, D1 (XF-TRI-01): the 15-day triage clock alerts those who triage where the matter is."""
        matter = register_walk_in(watch.mini)
        clock = clock_of("petitions.matter", matter.pk, "triage_15d")
        clerk = matter.registered_by
        clock_sweep(actor=SYSTEM, today=clock.due_date)
        assert alerted(clock) == {clerk.pk, watch.bureau_head.pk}
        note = Notification.objects.filter(object_id=str(matter.pk)).first()
        assert note is not None and note.params["label"] == matter.number
        assert note.url == reverse("petitions:matter_detail", args=[matter.pk])

    def test_report_on_officials_never_alerts_the_reported(self, watch):
        """XF-CLS-03: nobody the matter reports on is alerted, at the responsible level or one level up."""
        matter = register_walk_in(watch.mini)
        insider = make_user((Role.RECEPTION_CLERK, watch.mini.petition_bureau))
        reported_leader = make_user((Role.LEADER, watch.mini.district))
        matter.reported_users.add(watch.bureau_head, reported_leader)
        clock = clock_of("petitions.matter", matter.pk, "triage_15d")
        clock_sweep(actor=SYSTEM, today=clock.due_date)
        assert insider.pk in alerted(clock) and watch.bureau_head.pk not in alerted(clock)
        clock_sweep(actor=SYSTEM, today=deadline_compute(start=clock.due_date, period=5, unit="working").due_date)
        escalated = set(Notification.objects.filter(kind=Stage.ESCALATED).values_list("recipient_id", flat=True))
        assert escalated == {watch.leader.pk}  # one level up, but not the reported leader

    def test_report_on_a_unit_alerts_none_of_its_members(self, watch):
        """XF-CLS-03: a unit reported on is not told, through any of its members."""
        matter = register_walk_in(watch.mini)
        matter.reported_orgs.add(watch.mini.petition_bureau)
        clock = clock_of("petitions.matter", matter.pk, "triage_15d")
        clock_sweep(actor=SYSTEM, today=clock.due_date)
        assert alerted(clock) == set()


class MediationTests:
    def test_case_clock_goes_to_its_mediators(self, med):
        """S1, D35: the mediation period alerts the case's own mediators."""
        case = med.accepted()
        clock = clock_of("mediation.mediationcase", case.pk, "mediation_period")
        clock_sweep(actor=SYSTEM, today=clock.due_date)
        assert alerted(clock) == {med.mediator_user.pk}
        assert Notification.objects.get(object_id=str(case.pk)).params["label"] == case.number


class GridTests:
    def test_event_clock_goes_to_the_handlers_and_the_grid_workers(self, gw):
        """S1: a grid event's clock alerts who handles it where it is now and the grid's workers."""
        event = gw.report()
        clock = clock_of("grid.gridevent", event.pk, "grid_due")
        clock_sweep(actor=SYSTEM, today=clock.due_date)
        found = alerted(clock)
        assert gw.worker.pk in found and gw.other_worker.pk not in found and gw.outsider.pk not in found


class OtherTypesTests:
    def test_hotline_and_legal_service_clocks_go_to_the_handlers_where_they_run(self, watch):
        """S1, D46: a work order's or a service request's clock alerts who handles it in the clock's
        organisation (matter.handle, legalservice.handle), not the organisation's outsiders."""
        order = watch.clock("999", object_type="hotline.hotlineorder", kind="hotline_reply")
        request = watch.clock("998", object_type="legalservices.servicerequest", kind="legal_aid_7calendar")
        clock_sweep(actor=SYSTEM, today=TUE)
        assert alerted(order) == alerted(request) == {watch.head.pk, watch.officer.pk}
        assert Notification.objects.filter(object_id="999").earliest("id").params["label"] == "hotline.hotlineorder 999"
