"""Triage services: the three distinctions and the decisions without routing (XF-TRI-01/02,
XF-HDL-03, XF-CLS-03, XF-LEG-01, XF-NOT-01, XF-URG-01/02)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.core.errors import ServiceError
from xinfang.petitions.models import Matter, Routing
from xinfang.petitions.services.triage import (
    matter_accept_here,
    matter_flag_urgent,
    matter_guide_elsewhere,
    matter_not_accept,
    matter_triage,
    urgent_report_targets,
)
from xinfang.petitions.states import CLOCK_NOTICE, CLOCK_TRIAGE, LevelDecision, Nature, NonAcceptanceGround, Status
from xinfang.workcalendar.models import Clock

from .triage_support import at, build_world, frozen, registered, triaged

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(mini):
    return build_world(mini)


def clock(matter: Matter, kind: str) -> Any:
    return Clock.objects.filter(object_id=str(matter.pk), kind=kind).order_by("-pk").first()


class TriageDistinctionsTests:
    def test_level_and_nature_recorded_with_audit(self, world):
        matter = registered(world)
        matter = matter_triage(
            actor=world.clerk, matter=matter, level=LevelDecision.LOWER, nature=Nature.GRIEVANCE, note="属地"
        )
        assert (matter.level_decision, matter.nature, matter.status) == ("lower", "grievance", Status.REGISTERED)
        event = AuditEvent.objects.get(action="matter.triage", object_id=str(matter.pk))
        assert event.summary["after"]["level"] == "lower" and event.summary["before"]["nature"] == ""

    def test_same_values_again_write_nothing(self, world):
        """A double submit of the same distinctions is harmless: no second event."""
        matter = triaged(world)
        matter_triage(actor=world.clerk, matter=matter, level=LevelDecision.THIS_LEVEL, nature=Nature.GRIEVANCE)
        assert AuditEvent.objects.filter(action="matter.triage", object_id=str(matter.pk)).count() == 1

    def test_bad_choices_are_refused_per_field(self, world):
        matter = registered(world)
        with pytest.raises(ValidationError) as exc:
            matter_triage(actor=world.clerk, matter=matter, level="sideways", nature="gossip")
        assert {"level", "nature"} <= set(exc.value.message_dict)
        matter.refresh_from_db()
        assert matter.level_decision == "" and matter.nature == ""

    def test_anonymous_matter_is_a_report_or_nothing(self, world):
        matter = registered(world, petitioners=[], is_anonymous=True, nature_hint=Nature.REPORT)
        with pytest.raises(ValidationError) as exc:
            matter_triage(actor=world.clerk, matter=matter, level=LevelDecision.THIS_LEVEL, nature=Nature.GRIEVANCE)
        assert "nature" in exc.value.message_dict
        matter_triage(actor=world.clerk, matter=matter, level=LevelDecision.THIS_LEVEL, nature=Nature.DISCIPLINE)

    def test_reported_people_only_on_reports(self, world):
        matter = registered(world)
        with pytest.raises(ValidationError) as exc:
            matter_triage(
                actor=world.clerk,
                matter=matter,
                level=LevelDecision.THIS_LEVEL,
                nature=Nature.GRIEVANCE,
                reported_names="李四",
            )
        assert "reported_names" in exc.value.message_dict

    def test_xf_cls_03_reported_user_and_unit_lose_sight_of_the_matter(self, world):
        matter = registered(world, nature_hint=Nature.REPORT)
        assert Matter.objects.restrict(world.head, "matter.view").filter(pk=matter.pk).exists()
        matter_triage(
            actor=world.clerk,
            matter=matter,
            level=LevelDecision.THIS_LEVEL,
            nature=Nature.REPORT,
            reported_users=[world.head],
            reported_orgs=[world.housing],
            reported_names="王某（局长）",
        )
        assert not Matter.objects.restrict(world.head, "matter.view").filter(pk=matter.pk).exists()
        assert Matter.objects.restrict(world.clerk, "matter.view").filter(pk=matter.pk).exists()
        # The audit summary holds no names, only counts and organisation ids.
        event = AuditEvent.objects.get(action="matter.triage", object_id=str(matter.pk))
        assert "王某" not in str(event.summary)
        assert event.summary["after"]["reported_orgs"] == [world.housing.pk]

    def test_only_where_the_user_triages(self, world):
        matter = registered(world)
        for user in (world.town_b_clerk, world.housing_head, world.overseer):
            with pytest.raises(PermissionDenied):
                matter_triage(actor=user, matter=matter, level=LevelDecision.THIS_LEVEL, nature=Nature.GRIEVANCE)

    def test_not_after_the_decision(self, world):
        matter = triaged(world)
        matter_accept_here(actor=world.clerk, matter=matter)
        with pytest.raises(ServiceError) as exc:
            matter_triage(actor=world.clerk, matter=matter, level=LevelDecision.LOWER, nature=Nature.GRIEVANCE)
        assert exc.value.code == "stale"


class TriageDeadlineTests:
    """XF-TRI-01: the decision within 15 days of receipt; later only with a recorded reason."""

    def test_xf_tri_01_on_day_15_no_reason_needed(self, world):
        with frozen(at(2026, 9, 14)):
            matter = triaged(world, received_at=at(2026, 9, 14, 9))
        assert clock(matter, CLOCK_TRIAGE).due_date == datetime.date(2026, 9, 29)
        with frozen(at(2026, 9, 29, 17)):
            matter = matter_accept_here(actor=world.clerk, matter=matter)
        assert matter.triage_late_reason == ""
        stopped = clock(matter, CLOCK_TRIAGE)
        assert stopped.stopped_at is not None and stopped.stop_reason == "matter.accept"

    def test_xf_tri_01_after_day_15_needs_a_reason_and_stays_late(self, world):
        with frozen(at(2026, 9, 14)):
            matter = triaged(world, received_at=at(2026, 9, 14, 9))
        with frozen(at(2026, 9, 30, 9)):
            with pytest.raises(ValidationError) as exc:
                matter_accept_here(actor=world.clerk, matter=matter)
            assert "late_reason" in exc.value.message_dict
            assert "XF-TRI-01" in exc.value.message_dict["late_reason"][0]
            matter.refresh_from_db()
            assert matter.status == Status.REGISTERED and clock(matter, CLOCK_TRIAGE).stopped_at is None
            matter = matter_accept_here(actor=world.clerk, matter=matter, late_reason="材料补正用时较长")
        assert matter.triage_late_reason == "材料补正用时较长"
        stopped = clock(matter, CLOCK_TRIAGE)
        assert stopped.stopped_at.date() > stopped.due_date  # visible as late on the matter's clocks
        event = AuditEvent.objects.get(action="matter.accept", object_id=str(matter.pk))
        assert event.summary["late"] is True and event.summary["triage_due"] == "2026-09-29"

    def test_decision_needs_level_and_nature_first(self, world):
        matter = registered(world)
        with pytest.raises(ServiceError) as exc:
            matter_accept_here(actor=world.clerk, matter=matter)
        assert exc.value.code == "not_triaged"


class AcceptHereTests:
    def test_accept_sets_accepted_at_and_keeps_the_notice_clock(self, world):
        matter = triaged(world)
        matter = matter_accept_here(actor=world.clerk, matter=matter, note="本机关职权范围")
        assert matter.status == Status.ACCEPTED and matter.accepted_at is not None
        assert clock(matter, CLOCK_NOTICE).stopped_at is None  # the petitioner is still owed the notice

    def test_higher_or_outside_cannot_be_accepted_here(self, world):
        matter = triaged(world, level=LevelDecision.HIGHER)
        with pytest.raises(ServiceError):
            matter_accept_here(actor=world.clerk, matter=matter)

    def test_xf_hdl_03_litigation_is_not_accepted_by_the_bureau(self, world):
        matter = triaged(world, nature=Nature.LITIGATION)
        with pytest.raises(ValidationError) as exc:
            matter_accept_here(actor=world.clerk, matter=matter)
        assert "XF-HDL-03" in str(exc.value)

    def test_double_submit_finds_the_state_changed(self, world):
        matter = triaged(world)
        matter_accept_here(actor=world.clerk, matter=matter)
        with pytest.raises(ServiceError) as exc:
            matter_accept_here(actor=world.clerk, matter=matter)
        assert exc.value.code == "stale" and "已受理" in exc.value.messages[0]
        assert AuditEvent.objects.filter(action="matter.accept", object_id=str(matter.pk)).count() == 1


class NotAcceptTests:
    """XF-LEG-01 / DOC-02: ground, proper channel and legal basis are required."""

    def test_xf_leg_01_ground_channel_and_basis_required(self, world):
        matter = triaged(world)
        with pytest.raises(ValidationError) as exc:
            matter_not_accept(actor=world.clerk, matter=matter, ground="whim", proper_channel=" ", legal_basis="")
        assert {"ground", "proper_channel", "legal_basis"} <= set(exc.value.message_dict)
        matter.refresh_from_db()
        assert matter.status == Status.REGISTERED

    def test_xf_leg_01_recorded(self, world):
        matter = triaged(world)
        matter = matter_not_accept(
            actor=world.clerk,
            matter=matter,
            ground=NonAcceptanceGround.STATUTORY_PROCEDURE,
            proper_channel="向区劳动人事争议仲裁委员会申请仲裁",
            legal_basis="《信访工作条例》第三十一条第二项",
        )
        assert matter.status == Status.NOT_ACCEPTED
        assert matter.non_acceptance_ground == "statutory_procedure" and "仲裁" in matter.proper_channel
        assert clock(matter, CLOCK_TRIAGE).stop_reason == "matter.not_accept"


class GuideTests:
    def test_xf_not_01_outside_the_system_is_guided(self, world):
        matter = triaged(world, level=LevelDecision.OUTSIDE)
        with pytest.raises(ValidationError) as exc:
            matter_guide_elsewhere(actor=world.clerk, matter=matter, proper_channel="")
        assert "proper_channel" in exc.value.message_dict
        matter = matter_guide_elsewhere(actor=world.clerk, matter=matter, proper_channel="向市场监管部门投诉")
        assert matter.status == Status.GUIDED

    def test_xf_tri_02_litigation_visitor_is_guided_to_the_political_legal_bodies(self, world):
        matter = triaged(world, nature=Nature.LITIGATION)
        matter = matter_guide_elsewhere(
            actor=world.clerk,
            matter=matter,
            proper_channel="向测试区人民法院申请再审",
            legal_basis="《信访工作条例》第二十条第二款",
        )
        assert matter.status == Status.GUIDED

    def test_xf_tri_01_this_level_matters_are_not_sent_away(self, world):
        matter = triaged(world)
        with pytest.raises(ServiceError) as exc:
            matter_guide_elsewhere(actor=world.clerk, matter=matter, proper_channel="别处")
        assert "XF-TRI-01" in exc.value.messages[0]


class UrgentTests:
    """XF-URG-01: report to the same-level Party committee and government; XF-URG-02: and to the
    petition bureau one level up (and the national bureau)."""

    def test_xf_urg_targets_found_by_function(self, world):
        targets = urgent_report_targets(organisation=world.bureau)
        assert {o.pk for o in targets["same_level"]} == {world.party_committee.pk, world.government.pk}
        assert [o.pk for o in targets["petition_bureau_above"]] == [world.mini.city_petition_bureau.pk]

    def test_xf_urg_town_reports_to_its_town_and_the_district_bureau(self, world):
        targets = urgent_report_targets(organisation=world.mini.town_a_office)
        assert [o.pk for o in targets["same_level"]] == [world.mini.town_a.pk]  # the area stands for its government
        assert [o.pk for o in targets["petition_bureau_above"]] == [world.bureau.pk]

    def test_xf_urg_01_02_flag_records_the_report(self, world):
        matter = registered(world)
        with pytest.raises(ValidationError):
            matter_flag_urgent(actor=world.clerk, matter=matter, reason="  ")
        matter = matter_flag_urgent(actor=world.clerk, matter=matter, reason="三十余人聚集，可能引发群体性事件")
        assert matter.is_urgent and matter.urgent_reported_at is not None
        event = AuditEvent.objects.get(action="matter.flag_urgent", object_id=str(matter.pk))
        reported = event.summary["reported_to"]
        assert set(reported["same_level"]) == {world.party_committee.pk, world.government.pk}
        assert reported["petition_bureau_above"] == [world.mini.city_petition_bureau.pk]
        assert reported["national_bureau"] is True
        assert "三十余人" not in str(event.summary)

    def test_flag_twice_is_harmless(self, world):
        matter = registered(world)
        matter_flag_urgent(actor=world.clerk, matter=matter, reason="紧急")
        with pytest.raises(ServiceError):
            matter_flag_urgent(actor=world.clerk, matter=matter, reason="紧急")
        assert AuditEvent.objects.filter(action="matter.flag_urgent", object_id=str(matter.pk)).count() == 1

    def test_flag_needs_triage_permission(self, world):
        matter = registered(world)
        with pytest.raises(PermissionDenied):
            matter_flag_urgent(actor=world.overseer, matter=matter, reason="紧急")
        assert not Routing.objects.exists()
