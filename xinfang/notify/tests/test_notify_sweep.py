"""The clock sweep (S1): due soon, overdue and escalated alerts, once per clock, stage and due date."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.errors import PermissionDenied
from xinfang.notify.models import ClockAlert, Notification, OutboxMessage
from xinfang.notify.services import clock_sweep, sweep_plan
from xinfang.notify.states import Stage
from xinfang.notify.tasks import clock_sweep_task
from xinfang.workcalendar.services import clock_extend, clock_stop

from .conftest import FRI, MON, NEXT_MON, THU, TUE, WED

pytestmark = pytest.mark.django_db


def recipients(stage: str) -> set[int]:
    return set(Notification.objects.filter(kind=stage).values_list("recipient_id", flat=True))


class PlanTests:
    def test_lead_and_grace_are_working_days(self, settings):
        """S1: the lead and the grace count working days through the working calendar."""
        plan = sweep_plan(FRI)
        assert plan.horizon == datetime.date(2026, 11, 24)  # Fri 20 + 2 working days = Tue 24
        settings.XINFANG_NOTIFY = {"DUE_SOON_WORKING_DAYS": 0}
        assert sweep_plan(FRI).horizon == FRI

    def test_negative_settings_are_refused(self, settings):
        settings.XINFANG_NOTIFY = {"ESCALATE_AFTER_WORKING_DAYS": -1}
        with pytest.raises(Exception, match="负数"):
            sweep_plan(FRI)


class SweepTests:
    def test_due_soon_goes_to_the_organisations_managers(self, watch):
        """S1: a clock due within the lead is alerted to whoever answers for it (here: the fallback,
        the managing users of the clock's organisation), not to an officer or an outsider."""
        watch.clock()
        result = clock_sweep(actor=SYSTEM, today=TUE)
        assert result.alerts[Stage.DUE_SOON] == 1
        assert recipients(Stage.DUE_SOON) == {watch.head.pk}
        assert result.alerts[Stage.OVERDUE] == result.alerts[Stage.ESCALATED] == 0

    def test_not_yet_due_soon(self, watch):
        watch.clock(due=NEXT_MON)
        assert clock_sweep(actor=SYSTEM, today=MON).alerts[Stage.DUE_SOON] == 0
        assert not ClockAlert.objects.exists()

    def test_overdue_before_the_grace(self, watch):
        """S1: overdue the day after the due date; not escalated within the grace (2 working days)."""
        watch.clock(due=WED)
        result = clock_sweep(actor=SYSTEM, today=FRI)
        assert result.alerts[Stage.OVERDUE] == 1 and result.alerts[Stage.ESCALATED] == 0
        assert recipients(Stage.OVERDUE) == {watch.head.pk}

    def test_escalated_one_level_up_after_the_grace(self, watch):
        """S1, XF-SUP-03: past the grace the clock goes one level up: the district's leader and the
        heads and supervisors of its petition department (督办), never back to the bureau itself."""
        watch.clock(due=WED)
        result = clock_sweep(actor=SYSTEM, today=NEXT_MON)  # Thu, Fri passed: 2 working days overdue
        assert result.alerts[Stage.OVERDUE] == 1 and result.alerts[Stage.ESCALATED] == 1
        assert recipients(Stage.ESCALATED) == {watch.leader.pk, watch.bureau_head.pk, watch.supervisor.pk}
        alert = ClockAlert.objects.get(stage=Stage.ESCALATED)
        assert alert.escalated_to_id == watch.mini.district.pk and alert.recipients == 3
        note = Notification.objects.filter(kind=Stage.ESCALATED).first()
        assert note is not None and note.params["org"] == watch.mini.district.name

    def test_petition_department_is_not_escalated_to_itself(self, watch):
        watch.clock(due=WED, org=watch.mini.petition_bureau)
        clock_sweep(actor=SYSTEM, today=NEXT_MON)
        assert recipients(Stage.ESCALATED) == {watch.leader.pk}

    def test_exactly_once_per_stage(self, watch):
        """S1: a second sweep, the same day or later, repeats nothing."""
        watch.clock(due=WED)
        first = clock_sweep(actor=SYSTEM, today=TUE)
        again = clock_sweep(actor=SYSTEM, today=TUE)
        later = clock_sweep(actor=SYSTEM, today=WED)
        assert first.notifications == 1 and again.notifications == 0 and later.notifications == 0
        clock_sweep(actor=SYSTEM, today=NEXT_MON)
        clock_sweep(actor=SYSTEM, today=NEXT_MON)
        assert ClockAlert.objects.count() == 3
        assert Notification.objects.count() == 1 + 1 + 3
        assert OutboxMessage.objects.count() == 3  # e-mail: the head (due soon, overdue), the leader
        assert sorted(OutboxMessage.objects.values_list("address", flat=True)) == [
            "head@example.org",
            "head@example.org",
            "leader@example.org",
        ]

    def test_extended_clock_is_alerted_again_for_its_new_date(self, watch):
        """S1 with 条例 Art. 34: an extension moves the due date; the new date is watched afresh."""
        clock = watch.clock(due=WED)
        clock_sweep(actor=SYSTEM, today=TUE)
        clock_extend(clock=clock, days=7, actor=SYSTEM, reason="情况复杂")
        clock.refresh_from_db()
        clock_sweep(actor=SYSTEM, today=clock.due_date)
        assert list(ClockAlert.objects.order_by("id").values_list("stage", "due_date")) == [
            (Stage.DUE_SOON, WED),
            (Stage.DUE_SOON, clock.due_date),
        ]

    def test_stopped_and_ignored_clocks_are_not_watched(self, watch):
        clock = watch.clock(due=WED)
        clock_stop(clock=clock, actor=SYSTEM, reason="办结")
        watch.clock("2", kind="review_window_30d")  # the petitioner's own period
        assert clock_sweep(actor=SYSTEM, today=NEXT_MON).clocks == 0
        assert not Notification.objects.exists()

    def test_judicial_confirmation_window_is_a_reminder_only(self, watch):
        """MED-05: the 30-day window for the joint application is the parties' own; the mediators are
        reminded before it closes, and nothing is overdue or escalated after."""
        watch.clock(object_type="mediation.mediationcase", kind="mediation_jc_window", due=WED)
        assert clock_sweep(actor=SYSTEM, today=TUE).alerts[Stage.DUE_SOON] == 1
        result = clock_sweep(actor=SYSTEM, today=NEXT_MON)
        assert result.alerts[Stage.OVERDUE] == result.alerts[Stage.ESCALATED] == 0

    def test_batches_and_audit(self, watch):
        """Each batch is one transaction with one audit event as its last write."""
        for n in range(5):
            watch.clock(str(n))
        before = AuditEvent.objects.filter(action="notify.clock_alerts").count()
        result = clock_sweep(actor=SYSTEM, today=TUE, batch_size=2)
        assert result.clocks == 5 and result.alerts[Stage.DUE_SOON] == 5
        assert AuditEvent.objects.filter(action="notify.clock_alerts").count() - before == 3

    def test_only_the_system_or_an_administrator_sweeps(self, watch):
        with pytest.raises(PermissionDenied):
            clock_sweep(actor=watch.head, today=TUE)


class EntryPointTests:
    def test_command_prints_the_result(self, watch, capsys):
        watch.clock()
        call_command("clock_sweep", today=TUE.isoformat(), no_progress=True)
        assert '"due_soon": 1' in capsys.readouterr().out

    def test_command_refuses_a_bad_date(self):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError):
            call_command("clock_sweep", today="27/11", no_progress=True)

    def test_task_runs_the_sweep(self, watch):
        watch.clock(due=THU)
        result = clock_sweep_task.enqueue()
        assert result.status == "SUCCESSFUL"
        assert "alerts" in (result.return_value or {})
