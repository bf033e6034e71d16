"""Stored clocks: start, recompute, stop, and the in-memory calendar they use."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.workcalendar.choices import Unit
from xinfang.workcalendar.deadlines import MemoryCalendar
from xinfang.workcalendar.holidays import build_year
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import (
    calendar_day,
    calendar_lookup,
    clock_get,
    clock_list_due,
    clock_list_for_object,
    deadline_compute,
)
from xinfang.workcalendar.services import (
    clock_recompute,
    clock_recompute_provisional,
    clock_start,
    clock_stop,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def start(object_id: str = "7", kind: str = "triage_15d", **kwargs: object) -> Clock:
    params: dict[str, object] = {
        "object_type": "petitions.petition",
        "object_id": object_id,
        "kind": kind,
        "start_date": D(2026, 9, 16),
        "period": 15,
        "unit": Unit.CALENDAR,
        "actor": SYSTEM,
        "org_id": 3,
    }
    params.update(kwargs)
    return clock_start(**params)  # type: ignore[arg-type]


class ClockStartTests:
    def test_start_computes_and_audits(self) -> None:
        clock = start()
        assert clock.due_date == D(2026, 10, 8)
        assert not clock.is_provisional
        assert (clock.examined_from, clock.examined_to) == (D(2026, 10, 1), D(2026, 10, 8))
        event = AuditEvent.objects.get(action="clock.start")
        assert (event.object_type, event.object_id, event.org_id) == ("petitions.petition", "7", 3)
        assert event.summary["after"]["due_date"] == "2026-10-08"

    def test_provisional_clock(self) -> None:
        clock = start(start_date=D(2026, 12, 20))
        assert (clock.due_date, clock.is_provisional) == (D(2027, 1, 4), True)

    def test_one_running_clock_per_kind(self) -> None:
        clock = start()
        with pytest.raises(ValidationError):
            start()
        start(kind="handle_60d", period=60)
        clock_stop(clock=clock, actor=SYSTEM, reason="已分流")
        again = start(start_date=D(2026, 10, 9))
        assert clock_get(object_type="petitions.petition", object_id="7", kind="triage_15d") == again
        assert clock_list_for_object(object_type="petitions.petition", object_id="7").count() == 2
        assert clock_list_for_object(object_type="petitions.petition", object_id="7", include_stopped=True).count() == 3
        with pytest.raises(ValidationError):
            clock_stop(clock=clock, actor=SYSTEM, reason="again")

    @pytest.mark.parametrize(
        "kwargs",
        [{"period": 0}, {"unit": "week"}, {"kind": ""}, {"object_type": "x" * 65}, {"start_date": D(2003, 1, 1)}],
    )
    def test_bad_input_writes_nothing(self, kwargs: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            start(**kwargs)
        assert not Clock.objects.exists()
        assert not AuditEvent.objects.filter(action="clock.start").exists()

    def test_list_due(self) -> None:
        start(object_id="1")
        start(object_id="2", start_date=D(2026, 11, 1))
        assert [c.object_id for c in clock_list_due(on_or_before=D(2026, 10, 31))] == ["1"]


class ClockRecomputeTests:
    def test_unchanged_due_date_writes_no_event(self) -> None:
        clock = start()
        assert clock_recompute(clock=clock, actor=SYSTEM) is False
        assert not AuditEvent.objects.filter(action="clock.recompute").exists()

    def test_changed_due_date_is_audited(self) -> None:
        clock = start()
        # A calendar of weekends only: the last day (Thursday 1 October) stands.
        plain = MemoryCalendar(build_year(2026, holidays={}, makeup_workdays={}, provisional=False))
        assert clock_recompute(clock=clock, actor=SYSTEM, calendar=plain, reason="test") is True
        clock.refresh_from_db()
        assert clock.due_date == D(2026, 10, 1)
        event = AuditEvent.objects.get(action="clock.recompute")
        assert event.summary["before"]["due_date"] == "2026-10-08"
        assert event.summary["after"]["due_date"] == "2026-10-01"
        assert event.summary["reason"] == "test"

    def test_recompute_provisional_clocks(self) -> None:
        start(start_date=D(2026, 12, 20))
        start(object_id="8")
        assert clock_recompute_provisional(actor=SYSTEM) == (1, 0)


class CachedCalendarTests:
    """After the first load, a deadline costs no query (bench/calendar_deadlines.py measures it)."""

    def test_no_query_once_loaded(self, django_assert_num_queries: object) -> None:
        calendar_lookup()
        with django_assert_num_queries(0):  # type: ignore[operator]
            for day in range(1, 29):
                deadline_compute(start=D(2026, 2, day), period=15, unit=Unit.WORKING)
            assert calendar_day(date=D(2026, 2, 14)).is_working_day
