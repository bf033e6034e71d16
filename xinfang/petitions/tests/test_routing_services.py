"""Forwarding and assigning, the recipient's answer and the bureau's decision on an objection
(XF-TRI-01, XF-TRI-02, XF-HDL-03, XF-CLS-03, XF-NOT-03 / D4 on the working calendar, D3, D5,
XF-JUR-01, CNT-08)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.errors import ServiceError
from xinfang.core.testing import make_user
from xinfang.orgs.services import organisation_update
from xinfang.petitions.models import Matter, Routing
from xinfang.petitions.services.routing import (
    ProposalCandidate,
    matter_assign,
    matter_forward,
    routing_accept,
    routing_mark_received,
    routing_object,
    routing_objection_decide,
)
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import (
    CLOCK_ASSIGN_REPORT,
    CLOCK_NOTICE,
    CLOCK_OBJECTION,
    CLOCK_RECIPIENT_NOTICE,
    CLOCK_TRIAGE,
    LevelDecision,
    Nature,
    RoutingKind,
    RoutingOutcome,
    Status,
)
from xinfang.petitions.testing import register_walk_in
from xinfang.workcalendar.models import Clock

from .triage_support import BASIS, assigned, at, build_world, forwarded, frozen, registered, triaged

pytestmark = pytest.mark.django_db

REASON = "该事项属于劳动保障监察职责，不属于本单位职权范围，请转人社部门办理。"


@pytest.fixture
def world(mini):
    return build_world(mini)


def running(matter: Matter, kind: str) -> Any:
    return Clock.objects.filter(object_id=str(matter.pk), kind=kind, stopped_at__isnull=True).first()


def forward(world, matter, to_org, **kwargs):
    return matter_forward(actor=world.clerk, matter=matter, to_org=to_org, basis=BASIS, **kwargs)


class ForwardTargetTests:
    """XF-TRI-01(a)(b): this level or a lower one in the bureau's own area, inside the tree."""

    def test_xf_tri_01_this_level_department(self, world):
        matter, routing = forwarded(world)
        assert matter.status == Status.FORWARDED and matter.current_org == world.housing
        assert (routing.kind, routing.from_org, routing.to_org) == (RoutingKind.FORWARD, world.bureau, world.housing)

    def test_xf_tri_01_lower_level(self, world):
        matter = triaged(world, level=LevelDecision.LOWER)
        routing = forward(world, matter, world.mini.town_a)
        assert routing.to_org == world.mini.town_a

    @pytest.mark.parametrize("target", ["city_petition_bureau", "city", "province"])
    def test_outside_the_tree_is_refused(self, world, target):
        """External bodies (city, province) are not in the bureau's tree: refused, rule cited."""
        matter = triaged(world)
        with pytest.raises(ValidationError) as exc:
            forward(world, matter, getattr(world.mini, target))
        assert "XF-TRI-01" in exc.value.message_dict["to_org"][0]
        assert not Routing.objects.exists()
        matter.refresh_from_db()
        assert matter.status == Status.REGISTERED and running(matter, CLOCK_TRIAGE) is not None

    def test_town_office_routes_only_inside_its_town(self, world):
        clerk = make_user((Role.RECEPTION_CLERK, world.mini.town_a_office))
        matter = register_walk_in(world.mini, organisation=world.mini.town_a_office)
        matter = matter_triage(actor=clerk, matter=matter, level=LevelDecision.LOWER, nature=Nature.GRIEVANCE)
        with pytest.raises(ValidationError) as exc:
            matter_forward(actor=clerk, matter=matter, to_org=world.mini.village_b1, basis=BASIS)
        assert "XF-TRI-01" in exc.value.message_dict["to_org"][0]
        routing = matter_forward(actor=clerk, matter=matter, to_org=world.mini.village_a1, basis=BASIS)
        assert routing.from_org == world.mini.town_a_office

    def test_inactive_and_grid_refused(self, world):
        matter = triaged(world, level=LevelDecision.LOWER)
        with pytest.raises(ValidationError) as exc:
            forward(world, matter, world.mini.grid_a1_1)
        assert "to_org" in exc.value.message_dict
        organisation_update(actor=SYSTEM, organisation=world.mini.village_a2, is_active=False)
        world.mini.village_a2.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            forward(world, matter, world.mini.village_a2)
        assert "第二十四条" in exc.value.message_dict["to_org"][0]

    def test_level_distinction_must_match_the_target(self, world):
        matter = triaged(world, level=LevelDecision.THIS_LEVEL)
        with pytest.raises(ValidationError):
            forward(world, matter, world.mini.town_a)
        matter = triaged(world, level=LevelDecision.LOWER)
        with pytest.raises(ValidationError):
            forward(world, matter, world.housing)

    def test_higher_level_matters_are_not_routed_down(self, world):
        matter = triaged(world, level=LevelDecision.HIGHER)
        with pytest.raises(ServiceError):
            forward(world, matter, world.housing)

    def test_xf_tri_02_litigation_goes_to_political_legal_bodies(self, world):
        matter = triaged(world, nature=Nature.LITIGATION)
        with pytest.raises(ValidationError) as exc:
            forward(world, matter, world.housing)
        assert "XF-TRI-02" in exc.value.message_dict["to_org"][0]
        assert forward(world, matter, world.court).to_org == world.court

    def test_xf_tri_02_reports_on_officials_go_to_discipline(self, world):
        matter = registered(world, nature_hint=Nature.REPORT)
        matter = matter_triage(
            actor=world.clerk,
            matter=matter,
            level=LevelDecision.THIS_LEVEL,
            nature=Nature.REPORT,
            reported_users=[world.housing_officer],
        )
        with pytest.raises(ValidationError) as exc:
            forward(world, matter, world.political_legal)
        assert "XF-TRI-02" in exc.value.message_dict["to_org"][0]
        routing = forward(world, matter, world.discipline)
        assert routing.to_org == world.discipline
        # XF-NOT-04: the discipline body's notices follow its own rules — no D3 clock.
        assert running(matter, CLOCK_RECIPIENT_NOTICE) is None and running(matter, CLOCK_OBJECTION) is not None

    def test_xf_cls_03_never_to_the_unit_reported_on(self, world):
        matter = registered(world, nature_hint=Nature.DISCIPLINE)
        matter = matter_triage(
            actor=world.clerk,
            matter=matter,
            level=LevelDecision.THIS_LEVEL,
            nature=Nature.DISCIPLINE,
            reported_users=[world.discipline_head],
        )
        with pytest.raises(ValidationError) as exc:
            forward(world, matter, world.discipline)  # the reported person works there
        assert "XF-CLS-03" in exc.value.message_dict["to_org"][0]
        matter = registered(world, nature_hint=Nature.REPORT)
        matter = matter_triage(
            actor=world.clerk,
            matter=matter,
            level=LevelDecision.LOWER,
            nature=Nature.REPORT,
            reported_orgs=[world.mini.town_a],
        )
        with pytest.raises(ValidationError) as exc:
            forward(world, matter, world.town_a_discipline)  # inside the unit reported on
        assert "XF-CLS-03" in exc.value.message_dict["to_org"][0]
        assert forward(world, matter, world.discipline).to_org == world.discipline

    def test_xf_tri_02_report_on_a_town_cadre_goes_up_to_the_district_discipline_body(self, world):
        """By cadre management authority: the town office may send it to the district's discipline
        commission (above its own area), but not to another district department."""
        clerk = make_user((Role.RECEPTION_CLERK, world.mini.town_a_office))
        matter = register_walk_in(world.mini, organisation=world.mini.town_a_office, nature_hint=Nature.REPORT)
        matter = matter_triage(
            actor=clerk,
            matter=matter,
            level=LevelDecision.THIS_LEVEL,
            nature=Nature.REPORT,
            reported_users=[world.town_a_head],
        )
        with pytest.raises(ValidationError) as exc:
            matter_forward(actor=clerk, matter=matter, to_org=world.housing, basis=BASIS)
        assert "XF-TRI-01" in exc.value.message_dict["to_org"][0]
        routing = matter_forward(actor=clerk, matter=matter, to_org=world.discipline, basis=BASIS)
        assert routing.to_org == world.discipline


class ForwardTests:
    def test_clocks_of_the_recipient_start_on_electronic_receipt(self, world):
        with frozen(at(2026, 9, 29, 9)):
            matter, routing = forwarded(world, sent_at=None)
        assert routing.received_at == routing.sent_at
        assert running(matter, CLOCK_TRIAGE) is None
        assert running(matter, CLOCK_OBJECTION).due_date == datetime.date(2026, 10, 12)  # 5 WD over National Day
        assert running(matter, CLOCK_RECIPIENT_NOTICE).due_date == datetime.date(2026, 10, 14)  # 15 days
        assert running(matter, CLOCK_NOTICE) is not None  # the bureau still owes its own notice
        assert running(matter, CLOCK_OBJECTION).org_id == world.housing.pk

    def test_paper_delivery_waits_for_receipt(self, world):
        matter, routing = forwarded(world, electronic=False)
        assert routing.received_at is None and running(matter, CLOCK_OBJECTION) is None

    def test_forward_before_received_is_refused(self, world):
        matter = triaged(world)
        with pytest.raises(ValidationError) as exc:
            forward(world, matter, world.housing, sent_at=matter.received_at - datetime.timedelta(hours=2))
        assert "sent_at" in exc.value.message_dict
        assert not Routing.objects.exists()

    def test_forward_in_the_future_is_refused(self, world):
        matter = triaged(world)
        with pytest.raises(ValidationError) as exc:
            forward(world, matter, world.housing, sent_at=at(2099, 1, 1))
        assert "sent_at" in exc.value.message_dict

    def test_xf_tri_01_late_forward_needs_a_reason_and_stays_late(self, world):
        with frozen(at(2026, 9, 14)):
            matter = triaged(world, received_at=at(2026, 9, 14, 9))
        with frozen(at(2026, 10, 9)):
            with pytest.raises(ValidationError) as exc:
                forward(world, matter, world.housing)
            assert "late_reason" in exc.value.message_dict
            routing = forward(world, matter, world.housing, late_reason="节假日期间人员不足")
        assert routing.is_late and routing.triage_due == datetime.date(2026, 9, 29)
        assert routing.late_reason == "节假日期间人员不足"

    def test_only_bureau_staff_route(self, world):
        matter = triaged(world)
        for user in (world.housing_head, world.overseer, world.town_b_clerk):
            with pytest.raises(PermissionDenied):
                matter_forward(actor=user, matter=matter, to_org=world.housing, basis=BASIS)
        assert not Routing.objects.exists()

    def test_double_submit_is_harmless(self, world):
        matter, _routing = forwarded(world)
        with pytest.raises(ServiceError) as exc:
            forward(world, matter, world.housing)
        assert exc.value.code == "stale"
        assert Routing.objects.count() == 1

    def test_basis_required(self, world):
        matter = triaged(world)
        with pytest.raises(ValidationError) as exc:
            matter_forward(actor=world.clerk, matter=matter, to_org=world.housing, basis=" ")
        assert "basis" in exc.value.message_dict


class AssignTests:
    """XF-TRI-01(c), D5: the assignee reports by the deadline set in the 交办单."""

    def test_report_deadline_required_and_after_the_day_of_assignment(self, world):
        matter = triaged(world)
        with pytest.raises(ValidationError) as exc:
            matter_assign(actor=world.clerk, matter=matter, to_org=world.housing, report_due=None, basis=BASIS)
        assert "report_due" in exc.value.message_dict
        with pytest.raises(ValidationError):
            matter_assign(
                actor=world.clerk,
                matter=matter,
                to_org=world.housing,
                report_due=datetime.date(2020, 1, 1),
                basis=BASIS,
            )

    def test_d5_clock(self, world):
        with frozen(at(2026, 11, 2)):
            matter, routing = assigned(world, report_due=datetime.date(2026, 11, 30))
        assert matter.status == Status.ASSIGNED and routing.report_due == datetime.date(2026, 11, 30)
        assert running(matter, CLOCK_ASSIGN_REPORT).due_date == datetime.date(2026, 11, 30)


class ReceiptTests:
    """CNT-08: clocks are recomputed when their start event (the recipient's receipt) is corrected."""

    def test_receipt_recorded_then_corrected_recomputes_the_clocks(self, world):
        with frozen(at(2026, 9, 29, 9)):
            matter, routing = forwarded(world, electronic=False)
        with frozen(at(2026, 10, 9, 9)):
            routing = routing_mark_received(actor=world.housing_officer, routing=routing, received_at=at(2026, 9, 30))
            assert running(matter, CLOCK_OBJECTION).due_date == datetime.date(2026, 10, 13)
            routing = routing_mark_received(actor=world.housing_officer, routing=routing, received_at=at(2026, 10, 8))
        first, second = Clock.objects.filter(object_id=str(matter.pk), kind=CLOCK_OBJECTION).order_by("pk")
        assert first.stopped_at is not None and first.stop_reason == "routing.receive"
        assert second.due_date == datetime.date(2026, 10, 14) and second.stopped_at is None
        assert running(matter, CLOCK_RECIPIENT_NOTICE).due_date == datetime.date(2026, 10, 23)
        event = AuditEvent.objects.filter(action="routing.receive", object_id=str(routing.pk)).latest("pk")
        assert event.summary["before"]["received_at"].startswith("2026-09-30")

    def test_receipt_before_sending_or_in_the_future_is_refused(self, world):
        _matter, routing = forwarded(world, electronic=False)
        with pytest.raises(ValidationError) as exc:
            routing_mark_received(
                actor=world.housing_officer, routing=routing, received_at=routing.sent_at - datetime.timedelta(days=1)
            )
        assert "received_at" in exc.value.message_dict
        with pytest.raises(ValidationError):
            routing_mark_received(actor=world.housing_officer, routing=routing, received_at=at(2099, 1, 1))

    def test_only_recipient_or_sender(self, world):
        _matter, routing = forwarded(world, electronic=False)
        with pytest.raises(PermissionDenied):
            routing_mark_received(actor=world.pl_head, routing=routing, received_at=routing.sent_at)
        routing_mark_received(actor=world.clerk, routing=routing, received_at=routing.sent_at)


class AcceptObjectTests:
    def test_recipient_accepts(self, world):
        matter, routing = forwarded(world)
        routing = routing_accept(actor=world.housing_officer, routing=routing)
        matter.refresh_from_db()
        assert routing.outcome == RoutingOutcome.ACCEPTED
        assert matter.status == Status.ACCEPTED and matter.accepted_at is not None
        assert running(matter, CLOCK_OBJECTION) is None
        assert running(matter, CLOCK_RECIPIENT_NOTICE) is not None  # D3 still owed

    def test_accepting_a_paper_routing_records_its_receipt(self, world):
        matter, routing = forwarded(world, electronic=False)
        routing = routing_accept(actor=world.housing_head, routing=routing)
        assert routing.received_at is not None and running(matter, CLOCK_RECIPIENT_NOTICE) is not None

    def test_only_the_recipient_answers(self, world):
        _matter, routing = forwarded(world)
        for user in (world.clerk, world.pl_head, world.town_a_head):
            with pytest.raises(PermissionDenied):
                routing_accept(actor=user, routing=routing)
            with pytest.raises(PermissionDenied):
                routing_object(actor=user, routing=routing, reason=REASON)

    def test_xf_not_03_objection_on_working_day_5_across_national_day_is_accepted(self, world):
        """Received Tue 2026-09-29; working days 9-30, 10-8, 10-9, 10-10 (make-up Saturday), 10-12."""
        with frozen(at(2026, 9, 29, 9)):
            matter, routing = forwarded(world)
        with frozen(at(2026, 10, 12, 17, 30)):
            routing = routing_object(actor=world.housing_head, routing=routing, reason=REASON)
        matter.refresh_from_db()
        assert routing.outcome == RoutingOutcome.OBJECTED and matter.status == Status.OBJECTED
        assert running(matter, CLOCK_OBJECTION) is None

    def test_xf_not_03_objection_on_working_day_6_is_refused(self, world):
        with frozen(at(2026, 9, 29, 9)):
            matter, routing = forwarded(world)
        with frozen(at(2026, 10, 13, 9)), pytest.raises(ServiceError) as exc:
            routing_object(actor=world.housing_head, routing=routing, reason=REASON)
        assert exc.value.code == "objection_window"
        assert "2026-10-12" in exc.value.messages[0] and "XF-NOT-03" in exc.value.messages[0]
        routing.refresh_from_db()
        matter.refresh_from_db()
        assert routing.outcome == RoutingOutcome.PENDING and matter.status == Status.FORWARDED
        routing_accept(actor=world.housing_head, routing=routing)  # it must handle the matter

    def test_xf_not_03_window_counts_from_a_corrected_receipt(self, world):
        with frozen(at(2026, 9, 29, 9)):
            _matter, routing = forwarded(world, electronic=False)
        with frozen(at(2026, 10, 13, 9)):
            routing = routing_mark_received(actor=world.housing_head, routing=routing, received_at=at(2026, 9, 30, 16))
            routing = routing_object(actor=world.housing_head, routing=routing, reason=REASON)
        assert routing.outcome == RoutingOutcome.OBJECTED

    def test_objection_needs_detailed_reasons(self, world):
        _matter, routing = forwarded(world)
        with pytest.raises(ValidationError) as exc:
            routing_object(actor=world.housing_head, routing=routing, reason="不归我们")
        assert "reason" in exc.value.message_dict

    def test_double_answer_is_harmless(self, world):
        _matter, routing = forwarded(world)
        routing_accept(actor=world.housing_head, routing=routing)
        with pytest.raises(ServiceError):
            routing_accept(actor=world.housing_head, routing=routing)
        with pytest.raises(ServiceError):
            routing_object(actor=world.housing_head, routing=routing, reason=REASON)


class ObjectionDecisionTests:
    def objected(self, world, **kwargs):
        matter, routing = assigned(world) if kwargs.pop("assign", False) else forwarded(world)
        routing = routing_object(actor=world.housing_head, routing=routing, reason=REASON)
        return matter, routing

    def test_upheld_returns_the_matter_to_the_bureau(self, world):
        matter, routing = self.objected(world, assign=True)
        routing = routing_objection_decide(actor=world.head, routing=routing, upheld=True, note="经核实属实")
        matter.refresh_from_db()
        assert routing.outcome == RoutingOutcome.OBJECTION_UPHELD and routing.decided_at is not None
        assert matter.status == Status.REGISTERED and matter.current_org == world.bureau
        assert running(matter, CLOCK_RECIPIENT_NOTICE) is None and running(matter, CLOCK_ASSIGN_REPORT) is None
        assert running(matter, CLOCK_TRIAGE) is not None  # [I] a new 15-day clock for the re-routing
        event = AuditEvent.objects.get(action="routing.objection_decide", object_id=str(routing.pk))
        assert event.summary["materials_returned"] is True
        # Re-routed later from "registered", to someone else.
        matter_triage(actor=world.clerk, matter=matter, level=LevelDecision.LOWER, nature=Nature.GRIEVANCE)
        assert forward(world, matter, world.mini.town_a).to_org == world.mini.town_a

    def test_upheld_and_rerouted_at_once(self, world):
        matter, routing = self.objected(world)
        routing_objection_decide(
            actor=world.head, routing=routing, upheld=True, note="属于镇街职责", reroute_to=world.mini.town_a
        )
        matter.refresh_from_db()
        assert matter.status == Status.FORWARDED and matter.current_org == world.mini.town_a
        assert matter.level_decision == LevelDecision.LOWER  # the re-routing corrects the level
        assert running(matter, CLOCK_OBJECTION).org_id == world.mini.town_a.pk

    def test_upheld_cannot_go_back_to_the_objector(self, world):
        _matter, routing = self.objected(world)
        with pytest.raises(ValidationError) as exc:
            routing_objection_decide(actor=world.head, routing=routing, upheld=True, note="x", reroute_to=world.housing)
        assert "reroute_to" in exc.value.message_dict

    def test_rejected_recipient_must_handle(self, world):
        matter, routing = self.objected(world)
        routing = routing_objection_decide(actor=world.head, routing=routing, upheld=False, note="属于住建职责")
        matter.refresh_from_db()
        assert routing.outcome == RoutingOutcome.OBJECTION_REJECTED
        assert matter.status == Status.ACCEPTED and matter.current_org == world.housing and matter.accepted_at

    def test_only_the_sending_bureau_decides_and_only_once(self, world):
        _matter, routing = self.objected(world)
        with pytest.raises(PermissionDenied):
            routing_objection_decide(actor=world.housing_head, routing=routing, upheld=False, note="x")
        with pytest.raises(ValidationError):
            routing_objection_decide(actor=world.head, routing=routing, upheld=False, note=" ")
        routing_objection_decide(actor=world.head, routing=routing, upheld=False, note="不成立")
        with pytest.raises(ServiceError):
            routing_objection_decide(actor=world.head, routing=routing, upheld=True, note="成立")


class JurisdictionProposalTests:
    """XF-JUR-01: a joint-conference decision in the power list's proposal binds the routing."""

    def test_xf_jur_01_decision_binds(self, world):
        matter = triaged(world)
        proposal = [
            ProposalCandidate(
                organisation=world.government, reason="联席会议决定", binding=True, decision_ref="〔2026〕3号"
            )
        ]
        with pytest.raises(ValidationError) as exc:
            forward(world, matter, world.housing, proposal=proposal)
        assert "XF-JUR-01" in exc.value.message_dict["to_org"][0]
        routing = forward(world, matter, world.government, proposal=proposal)
        event = AuditEvent.objects.get(action="matter.forward", object_id=str(matter.pk))
        assert event.summary["proposal"] == {"proposed": [world.government.pk], "followed": True, "decision": True}
        assert routing.to_org == world.government

    def test_plain_proposal_is_advice(self, world):
        matter = triaged(world)
        proposal = [{"organisation": world.government, "reason": "权责清单第12项"}]
        forward(world, matter, world.housing, proposal=proposal)
        event = AuditEvent.objects.get(action="matter.forward", object_id=str(matter.pk))
        assert event.summary["proposal"]["followed"] is False
