"""The guidance map (A7) is generated from the data: every active matter type with its competent
departments (power list in force today), every active legal channel (the classified-handling list,
XF-CLS-04, regulations §4) with its receiving body and time limit, and the reception points
(XF-CH-02). Changing the data changes the map: nothing is drawn by hand, so nothing drifts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.core.actors import SYSTEM
from xinfang.guidance.selectors import LocalisationError, guidance_map, map_localisation
from xinfang.orgs.models import Function, Level
from xinfang.petitions.models_handling import HandlingTrack
from xinfang.powerlist.services import (
    jurisdiction_dispute_decide,
    matter_type_create,
    matter_type_update,
    power_add,
    power_end,
)

from .conftest import dept

pytestmark = pytest.mark.django_db


def _step(tree, key):
    return next(step for group in tree.groups for step in group.steps if step.key == key)


def _names(step):
    return [place.name for place in step.places]


def _keys(tree):
    return {step.key for group in tree.groups for step in group.steps}


class MapFromPowerListTests:
    def test_a7_every_active_matter_type_with_its_departments(self, world):
        tree = guidance_map(language="zh-hans")
        assert tree.area_name == "测试区"
        wages = _step(tree, "WAGE-ARREARS")
        assert wages.title == "拖欠工资"
        # The district bureau is found by function and keyword; the town level is shown for every town.
        assert "测试区人力资源和社会保障局" in _names(wages)
        assert "各镇街的社会事务办公室" in _names(wages)
        hr = next(p for p in wages.places if p.name == "测试区人力资源和社会保障局")
        assert (hr.role, hr.phone, hr.address, hr.short_name) == (
            "牵头",
            "020-0000-1001",
            "测试区政务路2号",
            "区人社局",
        )
        assert "《劳动保障监察条例》第十一条" in hr.basis
        assert _names(_step(tree, "HOUSING-QUALITY")) == ["测试区住建局"]

    def test_a7_inactive_matter_type_is_left_out_and_one_without_entries_goes_to_the_petition_bureau(self, world):
        matter_type_update(actor=SYSTEM, matter_type=world.housing, is_active=False)
        matter_type_create(actor=SYSTEM, code="NOISE", name="噪声扰民")
        tree = guidance_map(language="zh-hans")
        assert "HOUSING-QUALITY" not in _keys(tree)
        noise = _step(tree, "NOISE")
        assert noise.places == () and noise.receiving_body == "由信访部门受理后转送有权处理的机关"

    def test_a7_no_drift_a_new_power_list_entry_shows_at_once(self, world):
        before = guidance_map(language="zh-hans")
        assert "测试区住建局" not in _names(_step(before, "WAGE-ARREARS"))
        power_add(
            actor=SYSTEM,
            matter_type=world.wages,
            level=Level.DISTRICT,
            organisation=world.mini.housing_bureau,
            is_lead=False,
            legal_basis="《保障农民工工资支付条例》（工程建设领域）",
            valid_from=timezone.localdate(),
        )
        after = guidance_map(language="zh-hans")
        housing = next(p for p in _step(after, "WAGE-ARREARS").places if p.name == "测试区住建局")
        assert housing.role == "协同"
        assert after.fingerprint != before.fingerprint

    def test_a7_an_entry_ended_or_not_yet_in_force_is_not_on_the_map(self, world):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        power_add(
            actor=SYSTEM,
            matter_type=world.housing,
            level=Level.DISTRICT,
            function=Function.FUNCTIONAL,
            department_keyword="人力资源",
            legal_basis="《某条例》",
            valid_from=tomorrow,
        )
        assert _names(_step(guidance_map(language="zh-hans"), "HOUSING-QUALITY")) == ["测试区住建局"]
        power_end(actor=SYSTEM, power=world.wages_district, on_date=timezone.localdate())
        assert "测试区人力资源和社会保障局" not in _names(_step(guidance_map(language="zh-hans"), "WAGE-ARREARS"))
        # The map of another day reads the list of that day.
        future = guidance_map(language="zh-hans", on_date=tomorrow)
        assert "测试区人力资源和社会保障局" in _names(_step(future, "HOUSING-QUALITY"))

    def test_xf_jur_01_a_decision_of_the_joint_conference_names_the_competent_body(self, world):
        jurisdiction_dispute_decide(
            actor=SYSTEM,
            matter_type=world.wages,
            area=world.mini.district,
            disputing=[world.hr, world.mini.housing_bureau],
            competent=world.mini.housing_bureau,
            decided_by=world.mini.petition_bureau,
            decision_ref="联席会议纪要〔2026〕1号",
            reason="工程建设领域欠薪由住建部门牵头",
            decided_on=world.since,
        )
        wages = _step(guidance_map(language="zh-hans"), "WAGE-ARREARS")
        assert _names(wages) == ["测试区住建局"]
        assert "联席会议纪要〔2026〕1号" in wages.places[0].note

    def test_xf_jur_02_a_merged_department_is_replaced_by_its_successor(self, world):
        successor = dept(world.mini.district, "测试区人力资源局", Function.OTHER, "GDHR2")
        world.hr.is_active = False
        world.hr.successor = successor
        world.hr.save()
        assert "测试区人力资源局" in _names(_step(guidance_map(language="zh-hans"), "WAGE-ARREARS"))


class MapLocalisedTests:
    def test_a7_town_map_names_the_towns_own_office_with_its_phone(self, world):
        tree = guidance_map(organisation=world.mini.town_a, language="zh-hans")
        assert tree.area_name == "甲镇"
        wages = _step(tree, "WAGE-ARREARS")
        assert _names(wages)[:2] == ["甲镇社会事务办公室", "测试区人力资源和社会保障局"]  # nearest first
        assert wages.places[0].phone == "020-0000-2001"
        assert "乙街道社会事务办公室" not in _names(wages)

    def test_xf_ch_02_reception_points_of_the_district_and_the_town(self, world):
        tree = guidance_map(organisation=world.mini.town_a, language="zh-hans", point_pk=world.town_a_room.pk)
        names = [p.name for p in tree.points]
        assert names[0] == "甲镇信访接待室" and tree.points[0].is_here
        assert "测试区信访局接待大厅" in names and "乙街道信访接待室" not in names
        hall = next(p for p in tree.points if p.name == "测试区信访局接待大厅")
        assert (hall.address, hall.hours, hall.phone) == ("测试区政务路1号", "周一至周五 9:00-17:00", "020-0000-0001")
        district = guidance_map(language="zh-hans")
        assert {"甲镇信访接待室", "乙街道信访接待室", "测试区信访局接待大厅"} <= {p.name for p in district.points}

    def test_localisation_from_a_point_or_an_organisation(self, world):
        assert map_localisation(point_pk=str(world.town_b_room.pk)) == (world.mini.town_b, world.town_b_room.pk)
        assert map_localisation(org_pk=str(world.mini.town_a.pk)) == (world.mini.town_a, None)
        # A department stands for its area.
        assert map_localisation(org_pk=str(world.town_a_social.pk)) == (world.mini.town_a, None)
        assert map_localisation() == (None, None)

    @pytest.mark.parametrize("value", ["abc", "-1", "1" * 30, "１２"])
    def test_malformed_numbers_are_refused_with_a_translated_message(self, world, value):
        with pytest.raises(LocalisationError) as raised:
            map_localisation(org_pk=value)
        assert raised.value.status == 400 and raised.value.message == "地区编号无效。"

    def test_places_outside_the_district_or_grids_are_not_found(self, world):
        for org in (world.mini.city, world.mini.city_petition_bureau, world.mini.grid_a1_1):
            with pytest.raises(LocalisationError) as raised:
                map_localisation(org_pk=str(org.pk))
            assert raised.value.status == 404
        with pytest.raises(LocalisationError):
            map_localisation(point_pk="999999")


class MapLegalChannelTests:
    def test_regs_4_every_active_track_with_receiving_body_and_time_limit(self, world):
        tree = guidance_map(language="zh-hans")
        tracks = list(HandlingTrack.objects.filter(is_active=True))
        assert tracks, "the classified-handling list is seeded by migration"
        assert {t.code for t in tracks} <= _keys(tree)
        for track in tracks:
            step = _step(tree, track.code)
            assert step.title == track.name
            assert step.receiving_body == track.receiving_body_hint
        reconsideration = _step(tree, "admin_reconsideration")
        assert reconsideration.time_limit == "60日内"  # REC-01, from the track row
        assert _step(tree, "labour_arbitration").time_limit == "1年内"  # ARB-01
        assert "测试区人民法院" in _names(_step(tree, "litigation"))
        assert "测试区人民检察院" in _names(_step(tree, "procuratorial"))
        assert "测试区纪委监委" in _names(_step(tree, "report"))
        assert "测试区司法局" in _names(_step(tree, "legal_aid"))
        mediation = _names(_step(tree, "people_mediation"))
        assert "测试区人民调解委员会" in mediation and "各镇街的人民调解委员会" in mediation

    def test_xf_cls_03_reports_are_in_their_own_group_with_the_confidentiality_promise(self, world):
        tree = guidance_map(language="zh-hans")
        group = next(g for g in tree.groups if g.key == "report")
        assert [s.key for s in group.steps] == ["report"]
        assert "保密" in group.intro

    def test_an_administrators_edit_of_a_track_shows_on_the_map(self, world):
        track = HandlingTrack.objects.get(code="litigation")
        track.receiving_body_hint = "测试区人民法院诉讼服务中心"
        track.petitioner_period, track.petitioner_period_unit = 6, "month"
        track.guidance = "请到诉讼服务中心立案窗口。"
        track.save()
        HandlingTrack.objects.filter(code="arbitration").update(is_active=False)
        tree = guidance_map(language="zh-hans")
        step = _step(tree, "litigation")
        assert (step.receiving_body, step.time_limit, step.action) == (
            "测试区人民法院诉讼服务中心",
            "6个月内",
            "请到诉讼服务中心立案窗口。",
        )
        assert "arbitration" not in _keys(tree)

    def test_a_body_is_also_found_by_the_receiving_body_name(self, world):
        dept(world.mini.district, "测试区劳动人事争议仲裁委员会", Function.OTHER, "GDLDZC")
        step = _step(guidance_map(language="zh-hans"), "labour_arbitration")
        assert "测试区劳动人事争议仲裁委员会" in _names(step)

    def test_town_map_lists_the_towns_mediation_committee_first(self, world):
        step = _step(guidance_map(organisation=world.mini.town_a, language="zh-hans"), "people_mediation")
        assert _names(step)[:2] == ["甲镇人民调解委员会", "测试区人民调解委员会"]


class MapLanguageTests:
    def test_a7_english_uses_the_english_names(self, world):
        tree = guidance_map(language="en")
        assert tree.language == "en"
        wages = _step(tree, "WAGE-ARREARS")
        assert wages.title == "Wage arrears"
        assert "Test District Human Resources and Social Security Bureau" in _names(wages)
        assert _step(tree, "litigation").title == "Routed into litigation"
        assert "Test District People's Court" in _names(_step(tree, "litigation"))
        # The legal channel's receiving body and legal basis in English too (tracks' English fields).
        labour = _step(tree, "labour_arbitration")
        assert labour.receiving_body == "Labour and personnel dispute arbitration commission"
        assert labour.legal_basis.startswith("Regulations on Petition Work, Art. 31(2)")

    def test_a7_traditional_chinese_is_converted_from_the_stored_names(self, world):
        tree = guidance_map(language="zh-hant")
        wages = _step(tree, "WAGE-ARREARS")
        assert wages.title == "拖欠工資"
        assert "測試區人力資源和社會保障局" in _names(wages)
        assert any(p.name == "測試區信訪局接待大廳" for p in tree.points)

    def test_the_callers_language_is_left_alone(self, world):
        from django.utils import translation

        guidance_map(language="en")
        assert translation.get_language() == "zh-hans"


class MapQueryTests:
    def test_query_count_does_not_grow_with_the_power_list(self, world):
        with CaptureQueriesContext(connection) as small:
            guidance_map(organisation=world.mini.town_a, language="zh-hans")
        for n in range(12):
            matter_type = matter_type_create(actor=SYSTEM, code=f"EXTRA-{n}", name=f"事项{n}")
            power_add(
                actor=SYSTEM,
                matter_type=matter_type,
                level=Level.TOWNSHIP if n % 2 else Level.DISTRICT,
                function=Function.FUNCTIONAL,
                department_keyword="社会事务" if n % 2 else "人力资源",
                legal_basis="《某条例》",
                valid_from=world.since,
            )
        with CaptureQueriesContext(connection) as large:
            tree = guidance_map(organisation=world.mini.town_a, language="zh-hans")
        assert tree.step_count() >= 12 + 2
        assert len(large) == len(small) <= 10, [q["sql"] for q in large.captured_queries]
        with CaptureQueriesContext(connection) as district:
            guidance_map(language="zh-hans")
        assert len(district) <= 10
