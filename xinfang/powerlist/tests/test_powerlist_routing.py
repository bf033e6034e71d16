"""Routing proposals from the power list: 属地管理、分级负责 (XF-TRI-01(b)), successors of merged or
abolished bodies (XF-JUR-02), decisions on disputes over competence (XF-JUR-01), competing lead
entries flagged as disputed, and keyword suggestion of matter types."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from xinfang.core.actors import SYSTEM
from xinfang.orgs.models import Function, Kind, Level
from xinfang.orgs.services import organisation_create, organisation_update
from xinfang.powerlist.routing import matter_type_suggest, powerlist_propose
from xinfang.powerlist.services import jurisdiction_dispute_decide, matter_type_create, matter_type_update, power_add

from .conftest import WAGE_BASIS

pytestmark = pytest.mark.django_db

D, T = Level.DISTRICT, Level.TOWNSHIP


def today() -> datetime.date:
    return timezone.localdate()


START = datetime.timedelta(days=200)


def entry(world, *, matter_type=None, level=D, is_lead=True, basis=WAGE_BASIS, valid_from=None, **who):
    return power_add(
        actor=world.admin,
        matter_type=matter_type or world.wages,
        level=level,
        is_lead=is_lead,
        legal_basis=basis,
        valid_from=valid_from or today() - START,
        **who,
    )


def propose(world, area, *, matter_type=None, on_date=None, level=None):
    return powerlist_propose(matter_type=matter_type or world.wages, area=area, on_date=on_date or today(), level=level)


def hr_and_town_entries(world):
    entry(world, function=Function.FUNCTIONAL, department_keyword="人力资源")
    entry(
        world, level=T, function=Function.FUNCTIONAL, department_keyword="社会事务", basis="《保障农民工工资支付条例》"
    )


class TerritorialResolutionTests:
    """XF-TRI-01(b) 属地管理、分级负责."""

    def test_xf_tri_01b_village_goes_to_its_own_towns_department(self, world):
        hr_and_town_entries(world)
        [a] = propose(world, world.mini.village_a1)
        [b] = propose(world, world.mini.village_b1)
        assert a.organisation == world.town_a_social and a.is_lead and not a.disputed
        assert b.organisation == world.town_b_social
        assert "甲镇" in a.reason and "《保障农民工工资支付条例》" in a.reason
        assert a.legal_basis == "《保障农民工工资支付条例》" and a.level == T and a.source == "power_list"

    def test_xf_tri_01b_grid_resolves_through_its_village(self, world):
        hr_and_town_entries(world)
        [p] = propose(world, world.mini.grid_a1_2)
        assert p.organisation == world.town_a_social

    def test_xf_tri_01b_district_level_on_request_and_for_district_matters(self, world):
        hr_and_town_entries(world)
        [p] = propose(world, world.mini.village_a1, level=D)
        assert p.organisation == world.district_hr
        start = (today() - START).isoformat()
        assert p.reason == (
            f"按权责清单（{start}起施行）：拖欠工资属测试区人力资源和社会保障局主管，依据《劳动保障监察条例》第十一条"
        )
        [q] = propose(world, world.mini.district)  # a matter of the whole district: no town level
        assert q.organisation == world.district_hr

    def test_xf_tri_01b_district_answers_where_the_town_has_no_lead(self, world):
        entry(world, function=Function.FUNCTIONAL, department_keyword="人力资源")
        entry(world, level=T, function=Function.FUNCTIONAL, department_keyword="社会事务", is_lead=False)
        [p] = propose(world, world.mini.village_a1)
        assert p.organisation == world.district_hr and p.level == D
        [co] = propose(world, world.mini.village_a1, level=T)
        assert co.organisation == world.town_a_social and not co.is_lead and "协同办理" in co.reason

    def test_co_competent_entries_follow_the_lead(self, world):
        entry(world, function=Function.FUNCTIONAL, department_keyword="人力资源")
        entry(world, organisation=world.mini.housing_bureau, is_lead=False, basis="《保障农民工工资支付条例》")
        lead, co = propose(world, world.mini.village_b1)
        assert (lead.organisation, lead.is_lead) == (world.district_hr, True)
        assert (co.organisation, co.is_lead, co.disputed) == (world.mini.housing_bureau, False, False)

    def test_named_town_office_serves_only_its_own_town(self, world):
        entry(world, level=T, organisation=world.town_a_social)
        assert [p.organisation for p in propose(world, world.mini.village_a2)] == [world.town_a_social]
        assert propose(world, world.mini.village_b1) == []

    def test_nothing_in_the_list_gives_no_proposal(self, world):
        assert propose(world, world.mini.village_a1) == []

    def test_list_on_the_matters_date_is_used(self, world):
        hr_and_town_entries(world)
        assert propose(world, world.mini.village_a1, on_date=today() - START - datetime.timedelta(days=1)) == []


class SuccessorTests:
    """XF-JUR-02: the successor of a split, merged or abolished body accepts the matter."""

    def test_xf_jur_02_named_organisation_merged_into_successor(self, world):
        entry(world, organisation=world.district_hr)
        merged = organisation_create(
            actor=SYSTEM,
            name="测试区人力资源和社会保障局（新）",
            code="PLHR2",
            kind=Kind.DEPARTMENT,
            parent=world.mini.district,
            function=Function.FUNCTIONAL,
        )
        organisation_update(actor=SYSTEM, organisation=world.district_hr, is_active=False, successor=merged)
        [p] = propose(world, world.mini.village_a1)
        assert p.organisation == merged and p.successor_of == world.district_hr
        assert "承继机关" in p.reason and "第二十四条第二款" in p.reason

    def test_xf_jur_02_function_department_replaced_by_successor(self, world):
        entry(world, level=T, function=Function.FUNCTIONAL, department_keyword="社会事务")
        centre = organisation_create(
            actor=SYSTEM,
            name="甲镇公共服务中心",
            code="PLACTR",
            kind=Kind.DEPARTMENT,
            parent=world.mini.town_a,
            function=Function.FUNCTIONAL,
        )
        organisation_update(actor=SYSTEM, organisation=world.town_a_social, is_active=False, successor=centre)
        [p] = propose(world, world.mini.village_a1)
        assert p.organisation == centre and p.successor_of == world.town_a_social

    def test_xf_jur_02_successor_chain_is_followed(self, world):
        entry(world, organisation=world.district_hr)
        second = organisation_create(
            actor=SYSTEM,
            name="测试区人社局二",
            code="PLHR2",
            kind=Kind.DEPARTMENT,
            parent=world.mini.district,
            function=Function.FUNCTIONAL,
        )
        third = organisation_create(
            actor=SYSTEM,
            name="测试区人社局三",
            code="PLHR3",
            kind=Kind.DEPARTMENT,
            parent=world.mini.district,
            function=Function.FUNCTIONAL,
        )
        organisation_update(actor=SYSTEM, organisation=world.district_hr, is_active=False, successor=second)
        organisation_update(actor=SYSTEM, organisation=second, is_active=False, successor=third)
        assert [p.organisation for p in propose(world, world.mini.village_b1)] == [third]

    def test_xf_jur_02_abolished_without_successor_goes_to_the_same_level_government(self, world):
        entry(world, organisation=world.district_hr)
        organisation_update(actor=SYSTEM, organisation=world.district_hr, is_active=False)
        [p] = propose(world, world.mini.village_a1)
        assert p.organisation == world.district_gov
        assert "职责不清" in p.reason


class DisputeTests:
    """XF-JUR-01: competing lead entries are flagged; a recorded decision settles them."""

    def two_leads(self, world):
        entry(world, matter_type=world.building, organisation=world.district_planning, basis="《城乡规划法》第六十四条")
        entry(world, matter_type=world.building, organisation=world.mini.housing_bureau, basis="《城乡规划法》")

    def test_xf_jur_01_competing_leads_are_all_returned_and_flagged(self, world):
        self.two_leads(world)
        proposals = propose(world, world.mini.village_a1, matter_type=world.building)
        assert {p.organisation for p in proposals} == {world.district_planning, world.mini.housing_bureau}
        assert all(p.disputed and p.is_lead for p in proposals)
        assert all("联席会议" in p.reason for p in proposals)

    def test_xf_jur_01_decision_overrides_the_list_from_its_date(self, world):
        self.two_leads(world)
        decided_on = today() - datetime.timedelta(days=30)
        decision = jurisdiction_dispute_decide(
            actor=world.admin,
            matter_type=world.building,
            area=world.mini.district,
            disputing=[world.district_planning, world.mini.housing_bureau],
            competent=world.mini.housing_bureau,
            decided_by=world.mini.petition_bureau,
            decision_ref="测试区信访工作联席会议纪要〔2026〕1号",
            reason="违法建设由住建部门查处。",
            decided_on=decided_on,
        )
        [p] = propose(world, world.mini.grid_a1_1, matter_type=world.building)
        assert p.organisation == world.mini.housing_bureau and p.decision == decision and not p.disputed
        assert "测试区信访工作联席会议纪要〔2026〕1号" in p.reason and "测试区信访局" in p.reason
        assert "信访工作联席会议" in p.reason and p.source == "decision"
        before = propose(
            world, world.mini.grid_a1_1, matter_type=world.building, on_date=decided_on - datetime.timedelta(days=1)
        )
        assert len(before) == 2 and all(p.disputed for p in before)

    def test_xf_jur_01_decision_for_a_town_wins_over_the_districts(self, world):
        self.two_leads(world)
        common = {
            "actor": world.admin,
            "matter_type": world.building,
            "decision_ref": "纪要",
            "reason": "理由",
            "decided_on": today(),
        }
        jurisdiction_dispute_decide(
            area=world.mini.district,
            disputing=[world.district_planning, world.mini.housing_bureau],
            competent=world.mini.housing_bureau,
            decided_by=world.mini.district,
            **common,
        )
        jurisdiction_dispute_decide(
            area=world.mini.town_a,
            disputing=[world.town_a_gov, world.mini.housing_bureau],
            competent=world.town_a_gov,
            decided_by=world.mini.district,
            **common,
        )
        assert [p.organisation for p in propose(world, world.mini.village_a1, matter_type=world.building)] == [
            world.town_a_gov
        ]
        assert [p.organisation for p in propose(world, world.mini.village_b1, matter_type=world.building)] == [
            world.mini.housing_bureau
        ]


class SuggestionTests:
    def test_keywords_rank_matter_types(self, world):
        matter_type_create(actor=SYSTEM, code="SOCIAL-INSURANCE", name="社会保险", keywords="社保 养老保险")
        suggestions = matter_type_suggest(text="老板拖欠工资三个月，农民工讨薪无门，社保也没交")
        assert [s.matter_type.code for s in suggestions] == ["WAGE-ARREARS", "SOCIAL-INSURANCE"]
        assert set(suggestions[0].matched) == {"拖欠工资", "工资", "农民工", "讨薪"}
        assert suggestions[0].score > suggestions[1].score

    def test_traditional_script_and_empty_text(self, world):
        assert [s.matter_type.code for s in matter_type_suggest(text="鄰居家違建擋住採光")] == ["ILLEGAL-BUILDING"]
        assert matter_type_suggest(text="   ") == []
        assert matter_type_suggest(text="天气很好") == []

    def test_inactive_matter_types_are_not_suggested(self, world):
        matter_type_update(actor=SYSTEM, matter_type=world.wages, is_active=False)
        assert matter_type_suggest(text="拖欠工资") == []
