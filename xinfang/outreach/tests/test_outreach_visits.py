"""Visits and their items (XF-CH-03; OUT-06 each item ends once, resolved on the spot or passed on
as a petition, a grid event or a mediation case, linked both ways), assignments (OUT-07) and visit
plans (OUT-08); every write audited, bad input refused with nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.outreach.models import Assignment, OutreachVisit, VisitItem
from xinfang.outreach.services import (
    ItemData,
    assignment_create,
    plan_set,
    visit_item_resolve,
    visit_item_to_grid_event,
    visit_item_to_mediation,
    visit_item_to_petition,
)
from xinfang.outreach.states import ItemOutcome, VisitKind

from .conftest import World, today

pytestmark = pytest.mark.django_db


class VisitRecordTests:
    def test_a_visit_with_items_resolved_on_the_spot(self, world: World):
        visit = world.visit(
            items=[ItemData("路灯不亮。", resolution="当场联系电工，今晚修复。"), ItemData("低保申请没有答复。")],
        )
        assert visit.village == world.mini.village_a1  # a grid counts for its village
        items = list(visit.items.order_by("id"))
        assert [i.outcome for i in items] == [ItemOutcome.RESOLVED, ItemOutcome.OPEN]
        assert items[0].decided_by == world.leader
        event = AuditEvent.objects.get(action="outreach.visit_record")
        assert event.summary["after"]["items"] == 2 and event.summary["after"]["resolved"] == 1

    def test_bad_input_is_refused_and_nothing_written(self, world: World):
        with pytest.raises(ValidationError) as caught:
            world.visit(
                kind="party",
                date=today() + datetime.timedelta(days=2),
                items=[ItemData(""), ItemData("有事", raised_by_phone="12")],
            )
        assert {"kind", "date", "items[0]", "items[1]"} <= set(caught.value.error_dict)
        assert OutreachVisit.objects.count() == 0 and VisitItem.objects.count() == 0

    def test_outreach_manage_is_needed_over_the_place(self, world: World):
        with pytest.raises(PermissionDenied):
            world.visit(actor=world.outsider)
        with pytest.raises(PermissionDenied):
            world.visit(actor=world.worker)
        world.visit(actor=world.village_head, cadre=world.village_head)  # subtree of the village

    def test_out_07_a_baolian_visit_needs_the_cadres_assignment(self, world: World):
        with pytest.raises(ValidationError, match="OUT-07"):
            world.visit(kind=VisitKind.BAOLIAN)
        assignment = assignment_create(
            actor=world.leader, cadre=world.leader, organisation=world.mini.village_a1, start=today()
        )
        visit = world.visit(kind=VisitKind.BAOLIAN)  # a grid of the assigned village
        assert visit.assignment == assignment


class ItemOutcomeTests:
    def test_out_06_resolve_once(self, world: World):
        item = world.visit().items.get()
        with pytest.raises(ValidationError):
            visit_item_resolve(actor=world.leader, item=item, resolution="  ")
        item = visit_item_resolve(actor=world.leader, item=item, resolution="已协调村委会修复。")
        assert item.outcome == ItemOutcome.RESOLVED
        with pytest.raises(ValidationError, match="OUT-06"):
            visit_item_resolve(actor=world.leader, item=item, resolution="again")
        assert AuditEvent.objects.filter(action="outreach.item_resolve").count() == 1

    def test_to_petition_registers_a_matter_with_source_outreach_linked_both_ways(self, world: World):
        """XF-REG-03 through matter_register; the town office's clerk (matter.register) may do it."""
        from xinfang.petitions.states import Source

        item = world.visit().items.get()
        with pytest.raises(PermissionDenied):
            visit_item_to_petition(actor=world.leader, item=item, organisation=world.mini.town_a_office)
        matter = visit_item_to_petition(actor=world.clerk, item=item, organisation=world.mini.town_a_office)
        item.refresh_from_db()
        assert item.outcome == ItemOutcome.PETITION and item.matter == matter
        assert list(matter.outreach_items.all()) == [item]
        assert matter.source == Source.OUTREACH and matter.channel == "visit"
        assert matter.participants.get().petitioner.name == "张三"
        assert AuditEvent.objects.filter(action="outreach.item_to_petition").count() == 1
        with pytest.raises(ValidationError, match="OUT-06"):
            visit_item_to_petition(actor=world.clerk, item=item, organisation=world.mini.town_a_office)

    def test_to_grid_event_reports_in_the_visited_grid_linked_both_ways(self, world: World, grid_ready):
        item = world.visit().items.get()
        with pytest.raises(PermissionDenied):
            visit_item_to_grid_event(actor=world.outsider, item=item)
        event = visit_item_to_grid_event(actor=world.worker, item=item)
        item.refresh_from_db()
        assert item.grid_event == event and item.outcome == ItemOutcome.GRID_EVENT
        assert event.outreach_item == item and event.grid == world.mini.grid_a1_1
        assert "张三" in str(event.parties)

    def test_to_grid_event_needs_a_grid_for_a_village_visit(self, world: World, grid_ready):
        item = world.visit(organisation=world.mini.village_a1).items.get()
        with pytest.raises(ValidationError):
            visit_item_to_grid_event(actor=world.village_head, item=item)
        assert VisitItem.objects.get(pk=item.pk).outcome == ItemOutcome.OPEN

    def test_to_mediation_opens_a_case_linked_both_ways(self, world: World, mediation_ready):
        """MED-01: the parties' consent is recorded by mediation_case_open."""
        from xinfang.mediation.services import PartyData

        item = world.visit().items.get()
        parties = [PartyData("张三", "applicant", phone="13800000001"), PartyData("李四", "respondent")]
        with pytest.raises(PermissionDenied):
            visit_item_to_mediation(
                actor=world.leader, item=item, organisation=world.mini.town_a, parties=parties, consent_recorded=True
            )
        case = visit_item_to_mediation(
            actor=world.mediator, item=item, organisation=world.mini.town_a, parties=parties, consent_recorded=True
        )
        item.refresh_from_db()
        assert item.mediation_case == case and case.outreach_item == item
        assert case.source_kind == "outreach" and case.source_id == str(item.pk)

    def test_a_refused_conversion_leaves_the_item_open(self, world: World, mediation_ready):
        item = world.visit().items.get()
        with pytest.raises(ValidationError):
            visit_item_to_mediation(
                actor=world.mediator, item=item, organisation=world.mini.town_a, parties=[], consent_recorded=True
            )
        assert VisitItem.objects.get(pk=item.pk).outcome == ItemOutcome.OPEN


class AssignmentTests:
    def test_out_07_villages_communities_and_grids_only_no_overlap(self, world: World):
        with pytest.raises(ValidationError, match="OUT-07"):
            assignment_create(actor=world.leader, cadre=world.leader, organisation=world.mini.town_a, start=today())
        start = datetime.date(2026, 1, 1)
        assignment_create(
            actor=world.leader,
            cadre=world.leader,
            organisation=world.mini.village_a1,
            start=start,
            end=datetime.date(2026, 6, 30),
        )
        with pytest.raises(ValidationError, match="OUT-07"):
            assignment_create(
                actor=world.leader,
                cadre=world.leader,
                organisation=world.mini.village_a1,
                start=datetime.date(2026, 6, 1),
            )
        assignment_create(
            actor=world.leader, cadre=world.leader, organisation=world.mini.village_a1, start=datetime.date(2026, 7, 1)
        )
        with pytest.raises(PermissionDenied):
            assignment_create(
                actor=world.outsider, cadre=world.outsider, organisation=world.mini.village_a1, start=start
            )
        assert Assignment.objects.count() == 2
        assert AuditEvent.objects.filter(action="outreach.assignment_create").count() == 2

    def test_out_08_plan_dates_inside_the_assignment(self, world: World):
        assignment = assignment_create(
            actor=world.leader,
            cadre=world.leader,
            organisation=world.mini.grid_a1_1,
            start=datetime.date(2026, 3, 1),
            end=datetime.date(2026, 3, 31),
        )
        with pytest.raises(ValidationError, match="OUT-08"):
            plan_set(actor=world.leader, assignment=assignment, dates=[datetime.date(2026, 4, 2)])
        with pytest.raises(ValidationError):
            plan_set(actor=world.leader, assignment=assignment)
        plan = plan_set(
            actor=world.leader,
            assignment=assignment,
            visits_per_month=2,
            dates=[datetime.date(2026, 3, 5), datetime.date(2026, 3, 5), datetime.date(2026, 3, 20)],
        )
        assert plan.visits_per_month == 2 and plan.dates.count() == 2
        plan = plan_set(actor=world.leader, assignment=assignment, visits_per_month=4)
        assert plan.dates.count() == 0
        assert AuditEvent.objects.filter(action="outreach.plan_set").count() == 2
