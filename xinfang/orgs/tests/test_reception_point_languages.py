"""Reception points in English (issue 5): the English name, address and hours are stored beside the
Chinese ones, written through the service and the admin, shown to English readers (the Chinese text
when no English has been written), in traditional script to zh-hant readers; every reception point
of the demo district has them, and a demo loaded before them gets them on the next load (XF-CH-02:
the reception points are published with address and hours)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.core.text import to_traditional
from xinfang.orgs.demo import data as demo_data
from xinfang.orgs.demo import demo_district_load, demo_plan
from xinfang.orgs.demo.plan import DemoPlan, OrgSpec, PointSpec
from xinfang.orgs.models import Function, Kind, ReceptionPoint
from xinfang.orgs.services import reception_point_create, reception_point_update

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
NAME, ADDRESS, HOURS = (
    "区信访局群众来访接待大厅",
    "测试区政务路1号区行政服务中心一楼",
    "周一至周五 9:00-12:00，14:00-17:30",
)
NAME_EN = "Petition Reception Hall of the District Petition Bureau"
ADDRESS_EN = "1/F, District Administrative Service Centre, 1 Zhengwu Road"
HOURS_EN = "Mon-Fri 9:00-12:00, 14:00-17:30"


def _hall(mini, **english: str) -> ReceptionPoint:
    return reception_point_create(
        actor=SYSTEM, organisation=mini.petition_bureau, name=NAME, address=ADDRESS, hours=HOURS, **english
    )


def _shown(point: ReceptionPoint, language: str) -> tuple[str, str, str]:
    with translation.override(language):
        return point.local_name, point.local_address, point.local_hours


class ReceptionPointLanguageTests:
    def test_xf_ch_02_english_reader_sees_the_english_texts(self, mini):
        point = _hall(mini, name_en=NAME_EN, address_en=ADDRESS_EN, hours_en=HOURS_EN)
        assert _shown(point, "en") == (NAME_EN, ADDRESS_EN, HOURS_EN)

    def test_xf_ch_02_traditional_script_for_zh_hant_and_simplified_as_stored(self, mini):
        point = _hall(mini, name_en=NAME_EN, address_en=ADDRESS_EN, hours_en=HOURS_EN)
        assert _shown(point, "zh-hant") == (to_traditional(NAME), to_traditional(ADDRESS), to_traditional(HOURS))
        assert to_traditional(NAME) != NAME and to_traditional(ADDRESS) != ADDRESS  # the test means something
        assert _shown(point, "zh-hans") == (NAME, ADDRESS, HOURS)

    def test_xf_ch_02_without_english_the_english_reader_sees_the_chinese_text(self, mini):
        point = _hall(mini)
        assert _shown(point, "en") == (NAME, ADDRESS, HOURS)
        # Each field falls back on its own: only the hours written in English.
        point.hours_en = HOURS_EN
        assert _shown(point, "en") == (NAME, ADDRESS, HOURS_EN)


class ReceptionPointServiceTests:
    def test_create_and_update_store_the_english_texts_with_an_audit_event(self, mini):
        point = _hall(mini, name_en=NAME_EN, address_en=ADDRESS_EN, hours_en=HOURS_EN)
        point.refresh_from_db()
        assert (point.name_en, point.address_en, point.hours_en) == (NAME_EN, ADDRESS_EN, HOURS_EN)
        assert AuditEvent.objects.filter(action="org.reception_point.create", object_id=str(point.pk)).exists()
        point.hours_en = "Weekdays 9:00-17:00"
        reception_point_update(actor=SYSTEM, point=point)
        assert ReceptionPoint.objects.get(pk=point.pk).hours_en == "Weekdays 9:00-17:00"
        assert AuditEvent.objects.filter(action="org.reception_point.update", object_id=str(point.pk)).exists()

    def test_english_is_optional(self, mini):
        point = _hall(mini)
        assert (point.name_en, point.address_en, point.hours_en) == ("", "", "")

    def test_admin_inline_writes_the_english_texts_through_the_service(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        office = mini.town_a_office
        url = reverse("admin:orgs_organisation_change", args=[office.pk])
        form = client.get(url)
        assert form.status_code == 200
        html = form.content.decode()
        for field in ("name_en", "address_en", "hours_en"):
            assert f'name="reception_points-__prefix__-{field}"' in html
        response = client.post(
            url,
            {
                "name": office.name,
                "code": office.code,
                "kind": office.kind,
                "parent": office.parent_id,
                "function": office.function,
                "sort_order": 0,
                "is_active": "on",
                "reception_points-TOTAL_FORMS": "1",
                "reception_points-INITIAL_FORMS": "0",
                "reception_points-0-name": "甲镇信访接待室",
                "reception_points-0-name_en": "Petition Reception Room of Town A",
                "reception_points-0-address": "甲镇政府一楼",
                "reception_points-0-address_en": "1/F, Town A Government",
                "reception_points-0-hours": "工作日 8:30-12:00",
                "reception_points-0-hours_en": "Weekdays 8:30-12:00",
                "reception_points-0-is_active": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        point = office.reception_points.get()
        assert (point.name_en, point.address_en, point.hours_en) == (
            "Petition Reception Room of Town A",
            "1/F, Town A Government",
            "Weekdays 8:30-12:00",
        )
        assert AuditEvent.objects.filter(action="org.reception_point.create", object_id=str(point.pk)).exists()

    def test_organisation_page_shows_the_point_in_the_readers_language(self, client, mini):
        _hall(mini, name_en=NAME_EN, address_en=ADDRESS_EN, hours_en=HOURS_EN)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.petition_bureau)))
        client.cookies["django_language"] = "en"
        html = client.get(reverse("orgs:detail", args=[mini.petition_bureau.pk])).content.decode()
        assert NAME_EN in html and ADDRESS_EN in html and NAME not in html


def _tiny_plan(point: PointSpec) -> DemoPlan:
    """A demo plan of one district with one bureau and its reception point (the loader's logic on a
    small tree: the full demo takes seconds)."""
    orgs = (
        OrgSpec("T-PROV", "测试省", Kind.PROVINCE, None, is_external=True),
        OrgSpec("T-CITY", "测试市", Kind.CITY, "T-PROV", is_external=True),
        OrgSpec("T-DIST", "测试区", Kind.DISTRICT, "T-CITY"),
        OrgSpec("T-DIST-XFJ", "测试区信访局", Kind.DEPARTMENT, "T-DIST", function=Function.PETITION_BUREAU),
    )
    return DemoPlan(district_code="T-DIST", organisations=orgs, reception_points=(point,), staff=())


class DemoEnglishTests:
    def test_every_demo_reception_point_has_an_english_name_address_and_hours(self):
        points = demo_plan().reception_points
        assert len(points) > 20
        for point in points:
            for value in (point.name_en, point.address_en, point.hours_en):
                assert value and not CJK.search(value), (point.name, value)
        names = {p.name: p.name_en for p in points}
        assert names["南沙区信访局接待大厅"] == "Reception Hall of the Nansha District Petition Bureau"
        assert names["横沥镇信访接待室"] == "Petition Reception Room of Hengli Town"

    def test_every_syllable_of_the_generated_village_names_has_its_pinyin(self):
        assert set(demo_data.VILLAGE_FIRST + demo_data.VILLAGE_SECOND) <= set(demo_data.SYLLABLES_EN)
        assert demo_data.place_name_en("新沙") == "Xinsha"
        assert demo_data.place_name_en("西安") == "Xi'an"  # an apostrophe before a vowel syllable
        villages = [o for o in demo_plan().organisations if o.kind in (Kind.VILLAGE, Kind.COMMUNITY)]
        assert all(re.fullmatch(r"[A-Z][a-z']+ (Village|Community)", v.name_en) for v in villages)

    def test_a_demo_loaded_before_the_english_texts_gets_them_and_keeps_an_administrators_own(self):
        old = PointSpec("T-DIST-XFJ", "测试区信访局接待大厅", "测试区政务路1号", "工作日", "020-0000-0001")
        demo_district_load(plan=_tiny_plan(old))
        point = ReceptionPoint.objects.get(name="测试区信访局接待大厅")
        assert (point.name_en, point.address_en, point.hours_en) == ("", "", "")
        point.hours_en = "Our own wording"
        reception_point_update(actor=SYSTEM, point=point)
        new = PointSpec(
            old.org, old.name, old.address, old.hours, old.phone, "Reception Hall", "1 Zhengwu Road", "Weekdays"
        )
        result = demo_district_load(plan=_tiny_plan(new))
        assert result.created["reception_point.english"] == 1 and ReceptionPoint.objects.count() == 1
        point.refresh_from_db()
        assert (point.name_en, point.address_en, point.hours_en) == (
            "Reception Hall",
            "1 Zhengwu Road",
            "Our own wording",
        )
        # Once filled, a further load writes nothing.
        assert not demo_district_load(plan=_tiny_plan(new)).created_anything
