"""Power-list pages and admin: permissions (allowed and denied), the list on a past date, the
routing trial, admin writes going through the versioning services, constant query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.orgs.models import Function, Level
from xinfang.powerlist.models import JurisdictionDecision, MatterType, Power
from xinfang.powerlist.services import (
    jurisdiction_dispute_decide,
    matter_type_create,
    power_add,
    power_end,
    power_revise,
)

from .conftest import WAGE_BASIS

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def add_hr(world, **extra):
    values = {
        "actor": SYSTEM,
        "matter_type": world.wages,
        "level": Level.DISTRICT,
        "function": Function.FUNCTIONAL,
        "department_keyword": "人力资源",
        "legal_basis": WAGE_BASIS,
        "valid_from": today() - datetime.timedelta(days=100),
    } | extra
    return power_add(**values)


class PowerListPageTests:
    def test_anonymous_is_sent_to_login(self, client, world):
        for url in (reverse("powerlist:list"), reverse("powerlist:matter_type", args=[world.wages.pk])):
            response = client.get(url)
            assert response.status_code == 302 and reverse("accounts:login") in response.url

    def test_user_without_memberships_is_refused(self, client, world):
        client.force_login(make_user())
        assert client.get(reverse("powerlist:list")).status_code == 403
        assert client.get(reverse("powerlist:matter_type", args=[world.wages.pk])).status_code == 403

    def test_staff_read_the_list_in_force(self, client, world):
        add_hr(world)
        client.force_login(make_user((Role.GRID_WORKER, world.mini.grid_a1_1)))
        page = client.get(reverse("powerlist:list")).content.decode()
        assert "拖欠工资" in page and WAGE_BASIS in page and "人力资源" in page
        assert 'name="viewport"' in page  # the base layout: readable on a phone

    def test_date_picker_shows_the_list_as_it_stood(self, client, world):
        first = add_hr(world)
        power_revise(actor=SYSTEM, power=first, on_date=today(), legal_basis="《保障农民工工资支付条例》")
        client.force_login(make_user((Role.RECEPTION_CLERK, world.mini.petition_bureau)))
        yesterday = (today() - datetime.timedelta(days=1)).isoformat()
        past = client.get(reverse("powerlist:list"), {"on": yesterday}).content.decode()
        now = client.get(reverse("powerlist:list")).content.decode()
        assert WAGE_BASIS in past and "《保障农民工工资支付条例》" not in past
        assert "《保障农民工工资支付条例》" in now and WAGE_BASIS not in now
        long_ago = client.get(reverse("powerlist:list"), {"on": "2020-01-01"}).content.decode()
        assert "该日没有施行中的权责事项" in long_ago

    def test_filters_by_matter_type_and_level(self, client, world):
        add_hr(world)
        add_hr(world, level=Level.TOWNSHIP, department_keyword="社会事务")
        other = matter_type_create(actor=SYSTEM, code="OTHER", name="其他事项")
        client.force_login(make_user((Role.LEADER, world.mini.district)))
        page = client.get(reverse("powerlist:list"), {"level": Level.TOWNSHIP}).content.decode()
        assert "社会事务" in page and "人力资源" not in page
        page = client.get(reverse("powerlist:list"), {"matter_type": other.pk}).content.decode()
        assert "该日没有施行中的权责事项" in page
        bad = client.get(reverse("powerlist:list"), {"on": "not-a-date", "level": "9"})
        assert bad.status_code == 200  # invalid filters fall back to today's full list

    def test_matter_type_page_with_history_decisions_and_routing_trial(self, client, world):
        first = add_hr(world)
        power_revise(actor=SYSTEM, power=first, on_date=today(), is_lead=False)
        add_hr(world, level=Level.TOWNSHIP, department_keyword="社会事务")
        client.force_login(make_user((Role.RECEPTION_CLERK, world.mini.town_a_office)))
        url = reverse("powerlist:matter_type", args=[world.wages.pk])
        page = client.get(url, {"area": world.mini.town_a.pk}).content.decode()
        assert "全部版本（3）" in page
        assert "甲镇社会事务办公室" in page and "属地管理" in page
        assert client.get(reverse("powerlist:matter_type", args=[999999])).status_code == 404

    def test_decisions_are_shown(self, client, world):
        jurisdiction_dispute_decide(
            actor=SYSTEM,
            matter_type=world.building,
            area=world.mini.district,
            disputing=[world.district_planning, world.mini.housing_bureau],
            competent=world.mini.housing_bureau,
            decided_by=world.mini.petition_bureau,
            decision_ref="联席会议纪要〔2026〕1号",
            reason="由住建部门查处。",
            decided_on=today(),
        )
        client.force_login(make_user((Role.LEADER, world.mini.district)))
        page = client.get(reverse("powerlist:list")).content.decode()
        assert "联席会议纪要〔2026〕1号" in page and "测试区规划和自然资源局" in page
        detail = client.get(reverse("powerlist:matter_type", args=[world.building.pk])).content.decode()
        assert "联席会议纪要〔2026〕1号" in detail

    def test_list_query_count_is_constant(self, client, world, django_assert_max_num_queries):
        client.force_login(make_user((Role.LEADER, world.mini.district)))

        def fill(start: int, stop: int) -> None:
            for i in range(start, stop):
                mt = matter_type_create(actor=SYSTEM, code=f"MT{i:03d}", name=f"事项{i}")
                add_hr(world, matter_type=mt)
                power_add(
                    actor=SYSTEM,
                    matter_type=mt,
                    level=Level.TOWNSHIP,
                    organisation=world.town_a_social,
                    legal_basis="依据",
                    valid_from=today(),
                    is_lead=False,
                )

        fill(0, 5)
        with django_assert_max_num_queries(15) as small:
            client.get(reverse("powerlist:list"))
        fill(5, 30)
        with django_assert_max_num_queries(len(small.captured_queries)):
            page = client.get(reverse("powerlist:list"))
        assert page.content.decode().count("事项29") >= 1

    def test_matter_type_page_query_count_is_constant(self, client, world, django_assert_max_num_queries):
        client.force_login(make_user((Role.LEADER, world.mini.district)))
        first = add_hr(world, valid_from=today() - datetime.timedelta(days=200))
        url = reverse("powerlist:matter_type", args=[world.wages.pk])
        with django_assert_max_num_queries(20) as small:
            client.get(url)
        current = first
        for i in range(30):
            current = power_revise(
                actor=SYSTEM, power=current, on_date=today() + datetime.timedelta(days=i), is_lead=i % 2 == 0
            )
        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get(url)


class PowerListAdminTests:
    def login_admin(self, client, world):
        client.force_login(world.admin)

    def test_system_admin_adds_an_entry_through_the_service(self, client, world):
        self.login_admin(client, world)
        assert client.get(reverse("admin:powerlist_power_changelist")).status_code == 200
        response = client.post(
            reverse("admin:powerlist_power_add"),
            {
                "matter_type": world.wages.pk,
                "level": Level.DISTRICT,
                "function": Function.FUNCTIONAL,
                "department_keyword": "人力资源",
                "is_lead": "on",
                "legal_basis": WAGE_BASIS,
                "valid_from": today().isoformat(),
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        power = Power.objects.get()
        assert AuditEvent.objects.filter(action="powerlist.power.add", object_id=str(power.pk)).exists()

    def test_admin_shows_validation_errors_next_to_the_fields(self, client, world):
        self.login_admin(client, world)
        response = client.post(
            reverse("admin:powerlist_power_add"),
            {
                "matter_type": world.wages.pk,
                "level": Level.DISTRICT,
                "function": Function.FUNCTIONAL,
                "organisation": world.district_hr.pk,
                "legal_basis": " ",
                "valid_from": today().isoformat(),
            },
        )
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "function" in errors and "legal_basis" in errors
        assert Power.objects.count() == 0

    def test_admin_change_makes_a_new_version(self, client, world):
        power = add_hr(world)
        self.login_admin(client, world)
        url = reverse("admin:powerlist_power_change", args=[power.pk])
        assert client.get(url).status_code == 200
        response = client.post(
            url,
            {
                "level": Level.DISTRICT,
                "function": Function.FUNCTIONAL,
                "department_keyword": "人力资源",
                "is_lead": "on",
                "legal_basis": "《保障农民工工资支付条例》",
                "valid_to": "",
                "revision_date": "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        power.refresh_from_db()
        new = Power.objects.get(previous=power)
        assert power.valid_to == today() and power.legal_basis == WAGE_BASIS
        assert new.legal_basis == "《保障农民工工资支付条例》" and new.valid_from == today()

    def test_admin_ends_an_entry_and_refuses_backdating(self, client, world):
        power = add_hr(world)
        self.login_admin(client, world)
        url = reverse("admin:powerlist_power_change", args=[power.pk])
        form = {
            "level": Level.DISTRICT,
            "function": Function.FUNCTIONAL,
            "department_keyword": "人力资源",
            "is_lead": "on",
            "legal_basis": WAGE_BASIS,
            "revision_date": "",
        }
        yesterday = (today() - datetime.timedelta(days=1)).isoformat()
        response = client.post(url, form | {"valid_to": yesterday})
        assert response.status_code == 200 and "valid_to" in response.context["adminform"].form.errors
        response = client.post(url, form | {"valid_to": (today() + datetime.timedelta(days=7)).isoformat()})
        assert response.status_code == 302, response.content.decode()[:3000]
        power.refresh_from_db()
        assert power.valid_to == today() + datetime.timedelta(days=7) and Power.objects.count() == 1
        assert AuditEvent.objects.filter(action="powerlist.power.end", object_id=str(power.pk)).exists()
        ended = add_hr(world, level=Level.TOWNSHIP, department_keyword="社会事务")
        power_end(actor=SYSTEM, power=ended, on_date=today())
        page = client.get(reverse("admin:powerlist_power_change", args=[ended.pk])).content.decode()
        assert 'name="revision_date"' not in page and 'name="legal_basis"' not in page  # history is read-only

    def test_admin_matter_type_and_decision(self, client, world):
        self.login_admin(client, world)
        response = client.post(
            reverse("admin:powerlist_mattertype_add"),
            {"code": "NOISE", "name": "噪声扰民", "keywords": "噪声 噪音", "sort_order": 0, "is_active": "on"},
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        noise = MatterType.objects.get(code="NOISE")
        assert AuditEvent.objects.filter(action="powerlist.matter_type.create", object_id=str(noise.pk)).exists()
        add_hr(world, matter_type=noise)
        change_url = reverse("admin:powerlist_mattertype_change", args=[noise.pk])
        assert "人力资源" in client.get(change_url).content.decode()  # its entries, read-only
        response = client.post(
            change_url,
            {
                "name": "噪声污染扰民",
                "keywords": "噪声 噪音",
                "sort_order": 0,
                "is_active": "on",
                "powers-TOTAL_FORMS": "1",
                "powers-INITIAL_FORMS": "1",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        noise.refresh_from_db()
        assert noise.name == "噪声污染扰民" and noise.powers.count() == 1
        assert AuditEvent.objects.filter(action="powerlist.matter_type.update", object_id=str(noise.pk)).exists()
        response = client.post(
            reverse("admin:powerlist_jurisdictiondecision_add"),
            {
                "matter_type": noise.pk,
                "area": world.mini.district.pk,
                "disputing": [world.district_planning.pk, world.mini.housing_bureau.pk],
                "competent": world.mini.housing_bureau.pk,
                "decided_by": world.town_a_gov.pk,
                "decision_ref": "纪要",
                "reason": "理由",
                "decided_on": today().isoformat(),
            },
        )
        assert response.status_code == 200 and "decided_by" in response.context["adminform"].form.errors
        response = client.post(
            reverse("admin:powerlist_jurisdictiondecision_add"),
            {
                "matter_type": noise.pk,
                "area": world.mini.district.pk,
                "disputing": [world.district_planning.pk, world.mini.housing_bureau.pk],
                "competent": world.mini.housing_bureau.pk,
                "decided_by": world.district_gov.pk,
                "decision_ref": "纪要",
                "reason": "理由",
                "decided_on": today().isoformat(),
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        decision = JurisdictionDecision.objects.get()
        assert decision.disputing.count() == 2
        assert AuditEvent.objects.filter(action="powerlist.jurisdiction.decide").count() == 1
        change_url = reverse("admin:powerlist_jurisdictiondecision_change", args=[decision.pk])
        assert client.get(change_url).status_code == 200
        response = client.post(change_url, {"valid_to": (today() + datetime.timedelta(days=1)).isoformat()})
        assert response.status_code == 302, response.content.decode()[:3000]
        decision.refresh_from_db()
        assert decision.valid_to == today() + datetime.timedelta(days=1) and decision.disputing.count() == 2
        assert AuditEvent.objects.filter(action="powerlist.jurisdiction.end").count() == 1

    def test_staff_without_the_role_are_refused(self, client, world):
        client.force_login(make_user((Role.BUREAU_HEAD, world.mini.petition_bureau), is_staff=True))
        assert client.get(reverse("admin:powerlist_power_changelist")).status_code == 200  # org.view
        assert client.get(reverse("admin:powerlist_power_add")).status_code == 403
        assert client.get(reverse("admin:powerlist_mattertype_add")).status_code == 403
        assert client.get(reverse("admin:powerlist_jurisdictiondecision_add")).status_code == 403

    def test_nobody_deletes(self, client, world):
        power = add_hr(world)
        self.login_admin(client, world)
        assert client.get(reverse("admin:powerlist_power_delete", args=[power.pk])).status_code == 403
        assert client.get(reverse("admin:powerlist_mattertype_delete", args=[world.wages.pk])).status_code == 403
