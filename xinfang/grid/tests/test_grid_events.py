"""Grid events: report, keyword suggestion, workflow, escalation with clocks, conversion
(GRID-03 .. GRID-09; MED-01 for the consent before mediation)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.audit.models import AuditEvent
from xinfang.core.errors import ServiceError
from xinfang.grid import services
from xinfang.grid.models import DisputeCategory, GridEvent
from xinfang.grid.services import GridEventData
from xinfang.grid.states import CLOCK_DUE, CLOCK_OBJECT_TYPE, EventLevel, EventStatus
from xinfang.grid.suggest import category_suggest
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import deadline_compute

from .conftest import GridWorld

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def clocks(event: GridEvent) -> list[Clock]:
    return list(
        Clock.objects.filter(object_type=CLOCK_OBJECT_TYPE, object_id=str(event.pk), kind=CLOCK_DUE).order_by("id")
    )


def running(event: GridEvent) -> Clock:
    return Clock.objects.get(object_type=CLOCK_OBJECT_TYPE, object_id=str(event.pk), kind=CLOCK_DUE, stopped_at=None)


class ReportTests:
    def test_grid_03_report_starts_at_the_village_with_its_clock_and_audit(self, gw: GridWorld):
        event = gw.report(photos=[SimpleUploadedFile("p.png", PNG, content_type="image/png")])
        assert event.status == EventStatus.REPORTED
        assert (event.level, event.current_org) == (EventLevel.VILLAGE, gw.mini.village_a1)
        assert event.number.startswith(f"{gw.mini.grid_a1_1.code}-")
        assert event.parties[0] == {"name": "张三", "role": "applicant", "phone": "13800000001"}
        assert event.photos.get().content_type == "image/png"
        clock = running(event)
        assert clock.org_id == gw.mini.village_a1.pk
        assert (clock.period, clock.unit) == (5, "working")  # neighbour dispute at the village: 5 WD
        audit = AuditEvent.objects.get(action="grid_event.report", object_id=str(event.pk))
        assert "张三" not in str(audit.summary) and "1380000" not in str(audit.summary)

    def test_grid_03_a_point_outside_every_grid_is_refused_and_nothing_is_written(self, gw):
        with pytest.raises(ValidationError) as caught:
            gw.report(lon="113.600000", lat="22.705000")
        assert "不在任何网格" in " ".join(caught.value.message_dict["lon"])
        assert not GridEvent.objects.exists()

    def test_grid_03_a_point_in_another_grid_is_refused_a_point_inside_accepted(self, gw):
        with pytest.raises(ValidationError) as caught:
            gw.report(lon=113.515, lat=22.705)
        assert "甲一村第2网格" in " ".join(caught.value.message_dict["lon"])
        event = gw.report(lon=113.505, lat=22.705)
        assert (float(event.lon), float(event.lat)) == (113.505, 22.705)

    def test_bad_input_is_refused_with_every_reason(self, gw):
        data = GridEventData(place_text="", description=" ", lon="abc", lat="1")
        data.photos = [io.BytesIO(b"MZ\x90\x00 not a photo")]
        data.photos[0].name = "virus.exe"  # type: ignore[attr-defined]
        with pytest.raises(ValidationError) as caught:
            services.grid_event_report(actor=gw.worker, grid=gw.mini.grid_a1_1, data=data)
        assert {"place_text", "description", "lon", "photos"} <= set(caught.value.message_dict)

    def test_a_pdf_is_not_a_photo(self, gw):
        with pytest.raises(ValidationError) as caught:
            gw.report(photos=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", content_type="application/pdf")])
        assert "JPEG" in " ".join(caught.value.message_dict["photos"])

    def test_only_the_grids_worker_reports(self, gw):
        with pytest.raises(PermissionDenied):
            gw.report(actor=gw.other_worker)
        with pytest.raises(PermissionDenied):
            gw.report(actor=gw.village_head)


class SuggestionTests:
    def test_grid_04_an_uncategorised_event_gets_a_suggestion_with_score_and_words(self, gw):
        event = gw.report("包工头拖欠工资三个月，十几名农民工讨薪。")
        assert event.category is None
        assert getattr(event.suggested_category, "code", None) == "wage_arrears"
        assert 0 < event.suggestion_score <= 1
        assert "拖欠工资" in event.suggestion_words

    def test_grid_04_a_chosen_category_is_kept_and_not_suggested(self, gw):
        labour = DisputeCategory.objects.get(code="labour")
        event = gw.report("包工头拖欠工资。", category=labour)
        assert event.category == labour and event.suggested_category is None

    def test_grid_04_no_keyword_no_suggestion_and_rules_are_configurable(self, gw):
        assert category_suggest("今天天气很好") is None
        consumer = DisputeCategory.objects.get(code="consumer")
        consumer.keywords += "\n奶茶店"
        consumer.save()
        suggestion = category_suggest("奶茶店不给退")
        assert suggestion is not None and suggestion.category == consumer
        consumer.is_active = False
        consumer.save()
        assert category_suggest("奶茶店不给退") is None

    def test_grid_07_the_clock_uses_the_suggested_category_until_one_is_set(self, gw):
        event = gw.report("包工头拖欠工资三个月。")
        assert running(event).period == 3  # wage arrears: 3 working days at the village
        services.grid_event_categorise(
            actor=gw.village_head, event=event, category=DisputeCategory.objects.get(code="neighbour")
        )
        assert running(event).period == 5
        assert running(event).start_date == clocks(event)[0].start_date


class WorkflowTests:
    def test_grid_05_reported_accepted_handled_closed_verified(self, gw):
        event = gw.report()
        event = services.grid_event_accept(actor=gw.village_head, event=event)
        assert event.status == EventStatus.ACCEPTED
        event = services.grid_event_handle(actor=gw.village_head, event=event, result="双方调和，楼上修复水管。")
        assert event.status == EventStatus.HANDLED
        assert clocks(event)[-1].stopped_at is not None  # GRID-07: stopped when handled
        event = services.grid_event_close(actor=gw.village_head, event=event)
        event = services.grid_event_verify(actor=gw.worker, event=event, note="回访确认已修复。")
        assert event.status == EventStatus.VERIFIED
        actions = list(
            AuditEvent.objects.filter(object_id=str(event.pk), action__startswith="grid_event.")
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == [
            "grid_event.report",
            "grid_event.accept",
            "grid_event.handle",
            "grid_event.close",
            "grid_event.verify",
        ]

    def test_grid_05_steps_out_of_order_are_refused(self, gw):
        event = gw.report()
        with pytest.raises(ServiceError):
            services.grid_event_handle(actor=gw.village_head, event=event, result="x")
        with pytest.raises(ServiceError):
            services.grid_event_close(actor=gw.village_head, event=event)
        with pytest.raises(ServiceError):
            services.grid_event_verify(actor=gw.worker, event=event, note="x")

    def test_grid_05_a_result_and_a_verification_note_are_required(self, gw):
        event = services.grid_event_accept(actor=gw.village_head, event=gw.report())
        with pytest.raises(ValidationError):
            services.grid_event_handle(actor=gw.village_head, event=event, result="  ")
        assert GridEvent.objects.get(pk=event.pk).status == EventStatus.ACCEPTED

    def test_grid_05_permissions_of_each_step(self, gw):
        event = gw.report()
        for user in (gw.worker, gw.outsider, gw.other_worker, gw.town_mediator):
            with pytest.raises(PermissionDenied):
                services.grid_event_accept(actor=user, event=event)
        services.grid_event_accept(actor=gw.town_head, event=event)  # subtree of the town
        event = services.grid_event_handle(actor=gw.bureau_head, event=event, result="已处置")  # area
        event = services.grid_event_close(actor=gw.village_head, event=event)
        with pytest.raises(PermissionDenied):
            services.grid_event_verify(actor=gw.other_worker, event=event, note="x")


class EscalationTests:
    def test_grid_06_village_to_town_to_district_moves_level_org_and_clock(self, gw):
        event = gw.report("包工头拖欠工资三个月。")
        first = running(event)
        event = services.grid_event_escalate(actor=gw.worker, event=event, reason="村里无法协调")
        assert (event.status, event.level, event.current_org) == (
            EventStatus.ESCALATED,
            EventLevel.TOWN,
            gw.mini.town_a,
        )
        first.refresh_from_db()
        assert first.stopped_at is not None and first.stop_reason == "escalated"
        second = running(event)
        assert (second.period, second.org_id) == (5, gw.mini.town_a.pk)  # wage arrears at the town: 5 WD
        assert second.due_date == deadline_compute(start=second.start_date, period=5, unit="working").due_date
        # The grid worker may escalate only from the village.
        with pytest.raises(PermissionDenied):
            services.grid_event_escalate(actor=gw.worker, event=event, reason="再上报")
        event = services.grid_event_accept(actor=gw.town_head, event=event)
        event = services.grid_event_escalate(actor=gw.town_head, event=event, reason="涉及多个部门")
        assert (event.level, event.current_org) == (EventLevel.DISTRICT, gw.mini.district)
        assert running(event).period == 10
        with pytest.raises(PermissionDenied):  # no longer the town's
            services.grid_event_accept(actor=gw.town_head, event=event)
        with pytest.raises(ServiceError):
            services.grid_event_escalate(actor=gw.bureau_head, event=event, reason="再上报")
        assert AuditEvent.objects.filter(action="grid_event.escalate", object_id=str(event.pk)).count() == 2

    def test_grid_06_a_reason_is_required(self, gw):
        with pytest.raises(ValidationError):
            services.grid_event_escalate(actor=gw.worker, event=gw.report(), reason="")


class PetitionConversionTests:
    def test_grid_08_to_petition_links_both_ways(self, gw):
        event = gw.report()
        matter = services.grid_event_to_petition(
            actor=gw.bureau_head, event=event, organisation=gw.mini.petition_bureau
        )
        event.refresh_from_db()
        assert event.matter == matter and matter.grid_event == event  # type: ignore[attr-defined]
        assert event.status == EventStatus.CONVERTED
        assert matter.channel == "visit" and matter.source == "other"
        assert matter.place_org == gw.mini.grid_a1_1
        assert matter.oral_recorded_by == "网格员甲"
        assert list(matter.participants.values_list("petitioner__name", flat=True)) == ["张三"]
        assert clocks(event)[-1].stopped_at is not None
        with pytest.raises(ServiceError):
            services.grid_event_to_petition(actor=gw.bureau_head, event=event, organisation=gw.mini.petition_bureau)

    def test_grid_08_needs_a_named_applicant_and_the_right_to_register(self, gw):
        event = gw.report(parties=[])
        with pytest.raises(ValidationError):
            services.grid_event_to_petition(actor=gw.bureau_head, event=event, organisation=gw.mini.petition_bureau)
        with pytest.raises(PermissionDenied):  # a village head may handle, not register petitions
            services.grid_event_to_petition(
                actor=gw.village_head, event=gw.report(), organisation=gw.mini.petition_bureau
            )
        assert not GridEvent.objects.filter(matter__isnull=False).exists()


def test_event_numbers_are_consecutive_per_grid_and_year(gw):
    numbers = services.event_numbers_reserve(grid=gw.mini.grid_a1_2, year=2026, count=3)
    assert numbers == [f"{gw.mini.grid_a1_2.code}-2026-0000{n}" for n in (1, 2, 3)]
    assert services.event_numbers_reserve(grid=gw.mini.grid_a1_2, year=2026)[0].endswith("00004")
    assert isinstance(datetime.date.today(), datetime.date)
