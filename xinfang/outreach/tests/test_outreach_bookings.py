"""Reception days and bookings: publication, the booking rules (OUT-01 unpublished or past days are
not bookable, OUT-02 one booking per phone per day, OUT-03 capacity under a row lock, also under
concurrency), cancellation by reference and query code (OUT-04), attendance (OUT-05); every write
audited."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.outreach.codes import format_code
from xinfang.outreach.models import Booking, ReceptionDay
from xinfang.outreach.services import (
    ReceptionDayData,
    booking_cancel,
    booking_create,
    booking_lookup,
    booking_mark,
    reception_day_create,
    reception_day_publish,
)
from xinfang.outreach.states import BookingStatus

from .conftest import World, today

pytestmark = pytest.mark.django_db


def book(day: ReceptionDay, phone: str = "13800001111", name: str = "赵六"):  # type: ignore[no-untyped-def]
    return booking_create(day=day, name=name, phone=phone, subject="宅基地确权有争议，想当面反映。")


class ReceptionDayTests:
    def test_create_and_publish_are_audited_and_need_outreach_manage(self, world: World):
        day = world.day(published=False)
        assert not day.is_published
        with pytest.raises(PermissionDenied):
            reception_day_publish(actor=world.outsider, day=day)
        with pytest.raises(PermissionDenied):
            reception_day_publish(actor=world.clerk, day=day)
        day = reception_day_publish(actor=world.leader, day=day)
        assert day.is_published and day.published_at is not None
        actions = list(
            AuditEvent.objects.filter(object_id=str(day.pk), object_type="outreach.receptionday").values_list(
                "action", flat=True
            )
        )
        assert actions == ["outreach.reception_day_create", "outreach.reception_day_publish"]

    def test_bad_input_is_refused_with_every_error_and_nothing_written(self, world: World):
        data = ReceptionDayData(
            leader_name="",
            leader_title="",
            place="",
            date=today() - datetime.timedelta(days=1),
            start_time=datetime.time(11),
            end_time=datetime.time(9),
            capacity=0,
        )
        with pytest.raises(ValidationError) as caught:
            reception_day_create(actor=world.leader, organisation=world.mini.town_a, data=data)
        assert set(caught.value.error_dict) == {"leader_name", "leader_title", "place", "date", "end_time", "capacity"}
        assert ReceptionDay.objects.count() == 0

    def test_the_place_defaults_to_the_reception_points_address(self, world: World):
        from xinfang.orgs.services import reception_point_create

        point = reception_point_create(
            actor=SYSTEM,
            organisation=world.mini.town_a_office,
            name="甲镇信访接待室",
            address="甲镇政府大院2号楼",
            hours="工作日 9:00-17:00",
        )
        day = world.day(place="", reception_point=point)
        assert day.place == "甲镇政府大院2号楼"


class BookingRuleTests:
    def test_a_booking_gets_a_reference_and_code_and_is_audited(self, world: World):
        day = world.day()
        booked = book(day, phone="138 0000-1111")
        booking = booked.booking
        assert booking.reference.startswith("JF-") and len(booked.code) == 8
        assert booking.phone == "13800001111" and booking.phone_masked == "138****1111"
        assert booked.code not in booking.code_hash
        assert booking_lookup(reference=booking.reference.lower(), code=format_code(booked.code)) == booking
        assert booking_lookup(reference=booking.reference, code="WRONG123") is None
        assert AuditEvent.objects.filter(action="outreach.booking_create", object_id=str(booking.pk)).count() == 1

    def test_out_01_an_unpublished_day_is_not_bookable(self, world: World):
        day = world.day(published=False)
        with pytest.raises(ValidationError) as caught:
            book(day)
        assert "OUT-01" in caught.value.messages[0]
        assert Booking.objects.count() == 0

    def test_out_01_a_past_day_is_not_bookable(self, world: World):
        day = world.day()
        ReceptionDay.objects.filter(pk=day.pk).update(date=today() - datetime.timedelta(days=1))
        with pytest.raises(ValidationError, match="OUT-01"):
            book(day)

    def test_out_02_one_booking_per_phone_per_day(self, world: World):
        day = world.day()
        first = book(day, phone="13800001111")
        with pytest.raises(ValidationError) as caught:
            book(day, phone="138-0000-1111", name="另一人")
        assert "OUT-02" in caught.value.message_dict["phone"][0]
        other_day = world.day(days_ahead=8)
        book(other_day, phone="13800001111")  # another day is fine
        booking_cancel(reference=first.booking.reference, code=first.code)
        book(day, phone="13800001111")  # after cancelling, the number may book again
        assert Booking.objects.filter(reception_day=day).count() == 2

    def test_out_03_capacity_is_enforced(self, world: World):
        day = world.day(capacity=2)
        book(day, phone="13800000001")
        cancelled = book(day, phone="13800000002")
        booking_cancel(reference=cancelled.booking.reference, code=cancelled.code)
        book(day, phone="13800000003")
        with pytest.raises(ValidationError, match="OUT-03"):
            book(day, phone="13800000004")
        assert Booking.objects.filter(reception_day=day).exclude(status="cancelled").count() == 2

    def test_bad_input_gives_errors_by_field(self, world: World):
        day = world.day()
        with pytest.raises(ValidationError) as caught:
            booking_create(day=day, name="", phone="12", subject="", preferred_time=datetime.time(15))
        assert set(caught.value.error_dict) == {"name", "phone", "subject", "preferred_time"}
        assert Booking.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_out_03_capacity_holds_under_concurrent_bookings(mini):  # type: ignore[no-untyped-def]
    """Eight people book the last three places at once; the day's row lock lets exactly three in.
    On SQLite (whose in-memory test database cannot run concurrent writers) the bookings run in
    turn: in production every SQLite transaction is BEGIN IMMEDIATE, which serialises them the same way."""
    from xinfang.accounts.roles import Role
    from xinfang.core.testing import make_user

    world = World(mini, make_user((Role.LEADER, mini.town_a)), *[None] * 5)  # type: ignore[arg-type]
    day = world.day(capacity=3)
    if connection.vendor == "sqlite":
        # No row locks: every write transaction begins IMMEDIATE (the database write lock), so
        # bookings queue one after another. Check that setting, then the capacity rule in sequence.
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        outcomes_in_turn: list[str] = []
        for n in range(8):
            try:
                book(day, phone=f"1390000{n:04d}")
                outcomes_in_turn.append("booked")
            except ValidationError as exc:
                outcomes_in_turn.append("full" if "OUT-03" in str(exc) else str(exc))
        assert outcomes_in_turn == ["booked"] * 3 + ["full"] * 5
        assert Booking.objects.filter(reception_day=day).count() == 3
        return
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=30)
            book(day, phone=f"1390000{n:04d}")
            outcomes.append("booked")
        except ValidationError as exc:
            outcomes.append("full" if "OUT-03" in str(exc) else str(exc))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["booked"] * 3 + ["full"] * 5
    assert Booking.objects.filter(reception_day=day).count() == 3


class CancelAndMarkTests:
    def test_out_04_cancel_with_reference_and_code_only(self, world: World):
        day = world.day()
        booked = book(day)
        with pytest.raises(ValidationError, match="预约编号或查询码不正确"):
            booking_cancel(reference=booked.booking.reference, code="AAAAAAAA")
        booking = booking_cancel(reference=booked.booking.reference, code=booked.code)
        assert booking.status == BookingStatus.CANCELLED
        with pytest.raises(ValidationError, match="不能取消"):
            booking_cancel(reference=booked.booking.reference, code=booked.code)
        assert AuditEvent.objects.filter(action="outreach.booking_cancel").count() == 1

    def test_out_04_no_cancelling_after_the_day(self, world: World):
        day = world.day()
        booked = book(day)
        ReceptionDay.objects.filter(pk=day.pk).update(date=today() - datetime.timedelta(days=1))
        with pytest.raises(ValidationError, match="OUT-04"):
            booking_cancel(reference=booked.booking.reference, code=booked.code)

    def test_out_05_attendance_is_marked_on_or_after_the_day_by_staff(self, world: World):
        day = world.day()
        booked = book(day)
        with pytest.raises(ValidationError, match="OUT-05"):
            booking_mark(actor=world.leader, booking=booked.booking, status=BookingStatus.ATTENDED)
        ReceptionDay.objects.filter(pk=day.pk).update(date=today())
        with pytest.raises(PermissionDenied):
            booking_mark(actor=world.outsider, booking=booked.booking, status=BookingStatus.ATTENDED)
        booking = booking_mark(actor=world.leader, booking=booked.booking, status=BookingStatus.NO_SHOW)
        booking = booking_mark(actor=world.leader, booking=booking, status=BookingStatus.ATTENDED)
        assert booking.status == BookingStatus.ATTENDED and booking.marked_by == world.leader
        assert AuditEvent.objects.filter(action="outreach.booking_mark").count() == 2
