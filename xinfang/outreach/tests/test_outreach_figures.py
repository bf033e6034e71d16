"""Per-cadre and per-village figures over a period (P8): visits planned vs made, people met,
matters raised / resolved on the spot / registered as petitions, grid events or mediation cases —
exact on a small fixture, restricted to what the user may see, in a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest

from xinfang.mediation.services import PartyData
from xinfang.outreach.selectors import figures, months_overlapping
from xinfang.outreach.services import (
    ItemData,
    assignment_create,
    plan_set,
    visit_item_to_grid_event,
    visit_item_to_mediation,
    visit_item_to_petition,
)
from xinfang.outreach.states import VisitKind

from .conftest import World

pytestmark = pytest.mark.django_db

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def d(day: int, month: int = 3) -> datetime.date:
    return datetime.date(2026, month, day)


def build(world: World) -> None:
    mini = world.mini
    a1 = assignment_create(actor=world.leader, cadre=world.leader, organisation=mini.village_a1, start=d(1))
    plan_set(actor=world.leader, assignment=a1, visits_per_month=2, dates=[d(10), d(5, 4)])
    a2 = assignment_create(
        actor=world.leader, cadre=world.village_head, organisation=mini.grid_a1_2, start=d(1), end=d(31)
    )
    plan_set(actor=world.leader, assignment=a2, visits_per_month=1, dates=[d(20)])
    v1 = world.visit(
        date=d(10),
        people_met=10,
        items=[
            ItemData("路灯坏了", resolution="当场报修"),
            ItemData("征地补偿不到位", raised_by="张三"),
            ItemData("邻居违建挡路", raised_by="李四"),
            ItemData("低保没有答复"),
        ],
    )
    open_items = list(v1.items.filter(outcome="open").order_by("id"))
    visit_item_to_petition(actor=world.clerk, item=open_items[0], organisation=mini.town_a_office)
    visit_item_to_grid_event(actor=world.worker, item=open_items[1])
    world.visit(organisation=mini.town_a, date=d(25), people_met=30, items=[ItemData("集市噪音", resolution="已协调")])
    v3 = world.visit(
        kind=VisitKind.BAOLIAN,
        cadre=world.village_head,
        actor=world.village_head,
        organisation=mini.grid_a1_2,
        date=d(20),
        people_met=5,
        items=[ItemData("土地边界纠纷"), ItemData("老人赡养问题")],
    )
    visit_item_to_mediation(
        actor=world.mediator,
        item=v3.items.order_by("id")[0],
        organisation=mini.town_a,
        parties=[PartyData("王五", "applicant"), PartyData("赵六", "respondent")],
        consent_recorded=True,
    )
    # Outside the period, and outside the viewer's area: not counted.
    world.visit(organisation=mini.village_a2, date=d(27, 2), people_met=7, items=[ItemData("旧事", resolution="好")])
    world.visit(
        actor=world.outsider, cadre=world.outsider, organisation=mini.village_b1, date=d(5), people_met=4, items=[]
    )


def as_dict(row) -> dict[str, object]:  # type: ignore[no-untyped-def]
    names = ("label", "planned", "visits", "people_met", "raised", "resolved", "petitions", "grid_events")
    return {n: getattr(row, n) for n in (*names, "mediation_cases", "open")}


def test_figures_are_exact_per_cadre_per_village_and_in_total(world: World, grid_ready, mediation_ready):
    build(world)
    result = figures(user=world.leader, date_from=MARCH[0], date_to=MARCH[1])
    by_cadre = {r.label: as_dict(r) for r in result.by_cadre}
    assert by_cadre == {
        "王镇长": {"label": "王镇长", "planned": 3.0, "visits": 2, "people_met": 40, "raised": 5, "resolved": 2,
                   "petitions": 1, "grid_events": 1, "mediation_cases": 0, "open": 1},
        "李书记": {"label": "李书记", "planned": 2.0, "visits": 1, "people_met": 5, "raised": 2, "resolved": 0,
                   "petitions": 0, "grid_events": 0, "mediation_cases": 1, "open": 1},
    }  # fmt: skip
    assert [as_dict(r) for r in result.by_village] == [
        {"label": "甲一村", "planned": 5.0, "visits": 2, "people_met": 15, "raised": 6, "resolved": 1,
         "petitions": 1, "grid_events": 1, "mediation_cases": 1, "open": 2},
    ]  # fmt: skip
    assert as_dict(result.total) == {
        "label": "", "planned": 5.0, "visits": 3, "people_met": 45, "raised": 7,
        "resolved": 2, "petitions": 1, "grid_events": 1, "mediation_cases": 1, "open": 2,
    }  # fmt: skip


def test_figures_of_another_area_are_not_shown(world: World):
    world.visit(date=d(10))
    assert figures(user=world.outsider, date_from=MARCH[0], date_to=MARCH[1]).by_cadre == []
    assert figures(user=world.worker, date_from=MARCH[0], date_to=MARCH[1]).by_cadre == []


def test_figures_take_a_fixed_number_of_queries(world: World, django_assert_max_num_queries):
    for n in range(12):
        world.visit(date=d(1 + n), items=[ItemData(f"事项{n}"), ItemData(f"事项{n}b", resolution="好")])
    with django_assert_max_num_queries(10):
        result = figures(user=world.leader, date_from=MARCH[0], date_to=MARCH[1])
    assert result.total.visits == 12 and result.total.raised == 24 and result.total.resolved == 12


def test_months_overlapping_counts_part_months_by_days():
    assert months_overlapping(d(1), d(31)) == 1
    assert months_overlapping(d(1, 1), d(31, 3)) == 3
    assert round(months_overlapping(d(17), d(31)), 4) == round(15 / 31, 4)
    assert round(months_overlapping(d(16), d(15, 4)), 4) == round(16 / 31 + 15 / 30, 4)
