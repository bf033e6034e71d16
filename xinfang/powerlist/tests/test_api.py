"""The power list over the API: read-only for whoever may read it (org.view) and nothing for an
account without a role, the filters, bounded queries, and the routing question "where does this
go" answered by the same suggestion and proposal the intake and triage use (XF-TRI-01(b),
XF-JUR-01)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.orgs.models import Function, Level
from xinfang.powerlist.routing import matter_type_suggest, powerlist_propose
from xinfang.powerlist.services import jurisdiction_dispute_decide, matter_type_update, power_add

from .conftest import WAGE_BASIS

pytestmark = pytest.mark.django_db

TYPES = "/api/v1/matter-types/"
POWERS = "/api/v1/powers/"
DECISIONS = "/api/v1/jurisdiction-decisions/"
SUGGEST = "/api/v1/matter-types/suggest/"
LONG_AGO = datetime.timedelta(days=200)


def token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def entries(world) -> None:  # type: ignore[no-untyped-def]
    """District HR leads wages at district level; each town's social affairs office at town level;
    the housing bureau leads illegal building."""
    start = timezone.localdate() - LONG_AGO
    common = {"actor": world.admin, "valid_from": start}
    power_add(
        matter_type=world.wages,
        level=Level.DISTRICT,
        function=Function.FUNCTIONAL,
        department_keyword="人力资源",
        legal_basis=WAGE_BASIS,
        **common,
    )
    power_add(
        matter_type=world.wages,
        level=Level.TOWNSHIP,
        function=Function.FUNCTIONAL,
        department_keyword="社会事务",
        legal_basis="《保障农民工工资支付条例》",
        **common,
    )
    power_add(
        matter_type=world.building,
        level=Level.DISTRICT,
        organisation=world.mini.housing_bureau,
        legal_basis="《城乡规划法》第六十四条",
        **common,
    )


class ReadPermissionTests:
    def test_every_staff_role_reads_the_whole_list(self, world):
        entries(world)
        clerk = token_client(make_user((Role.RECEPTION_CLERK, world.mini.village_a1)))
        assert clerk.get(TYPES).json()["count"] == 2
        assert clerk.get(POWERS).json()["count"] == 3
        one = clerk.get(f"{TYPES}{world.wages.pk}/")
        assert one.status_code == 200 and one.json()["code"] == "WAGE-ARREARS" and one["ETag"]

    def test_an_account_without_a_role_sees_nothing_and_may_not_ask(self, world):
        entries(world)
        nobody = token_client(make_user())
        assert nobody.get(TYPES).json()["count"] == 0
        assert nobody.get(POWERS).json()["count"] == 0
        assert nobody.get(f"{TYPES}{world.wages.pk}/").status_code == 404
        response = nobody.post(SUGGEST, {"text": "拖欠工资"}, format="json")
        assert response.status_code == 403
        assert response.json()["errors"][0]["detail"] == "您没有权限查看权责清单。"

    def test_read_only(self, world):
        api = token_client(world.admin)
        assert api.post(TYPES, {"code": "X", "name": "X"}, format="json").status_code == 405
        assert api.delete(f"{TYPES}{world.wages.pk}/").status_code == 405
        assert api.put(f"{POWERS}1/", {}, format="json").status_code == 405


class FilterTests:
    def test_powers_by_organisation_matter_type_code_level_and_active(self, world):
        entries(world)
        api = token_client(world.admin)
        by_org = api.get(POWERS, {"organisation": world.mini.housing_bureau.pk}).json()["results"]
        assert [row["matter_type_code"] for row in by_org] == ["ILLEGAL-BUILDING"]
        assert by_org[0]["organisation_name"] == "测试区住建局" and by_org[0]["competent_label"] == "测试区住建局"
        wages = api.get(POWERS, {"matter_type_code": "WAGE-ARREARS"}).json()["results"]
        assert {row["level"] for row in wages} == {Level.DISTRICT, Level.TOWNSHIP}
        assert all(row["organisation"] is None and row["function"] == Function.FUNCTIONAL for row in wages)
        town = api.get(POWERS, {"matter_type_code": "WAGE-ARREARS", "level": Level.TOWNSHIP}).json()["results"]
        assert [row["legal_basis"] for row in town] == ["《保障农民工工资支付条例》"]
        assert api.get(POWERS, {"active": "true"}).json()["count"] == 3
        assert api.get(POWERS, {"active": "false"}).json()["count"] == 0
        before = (timezone.localdate() - LONG_AGO - datetime.timedelta(days=1)).isoformat()
        assert api.get(POWERS, {"on": before}).json()["count"] == 0
        bad = api.get(POWERS, {"level": "district"})
        assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "level"

    def test_matter_types_by_code_active_and_organisation(self, world):
        entries(world)
        matter_type_update(actor=SYSTEM, matter_type=world.building, is_active=False)
        api = token_client(world.admin)
        assert [r["code"] for r in api.get(TYPES, {"is_active": "true"}).json()["results"]] == ["WAGE-ARREARS"]
        assert [r["code"] for r in api.get(TYPES, {"is_active": "false"}).json()["results"]] == ["ILLEGAL-BUILDING"]
        assert api.get(TYPES, {"code": "ILLEGAL-BUILDING"}).json()["count"] == 1
        by_org = api.get(TYPES, {"organisation": world.mini.housing_bureau.pk}).json()["results"]
        assert [r["code"] for r in by_org] == ["ILLEGAL-BUILDING"]

    def test_list_queries_do_not_grow_with_the_rows(self, world, django_assert_max_num_queries):
        entries(world)
        api = token_client(world.admin)
        with django_assert_max_num_queries(10):
            assert api.get(POWERS, {"page_size": 100}).json()["count"] == 3
        with django_assert_max_num_queries(10):
            api.get(TYPES)


class SuggestTests:
    def test_xf_tri_01b_text_and_place_give_the_towns_department(self, world):
        """XF-TRI-01(b) 属地管理、分级负责: the same suggestion the intake makes and the same proposal
        triage shows — wages owed in village A1 go to town A's social affairs office."""
        entries(world)
        api = token_client(make_user((Role.RECEPTION_CLERK, world.mini.town_a_office)))
        text = "工地老板拖欠工资三个月，农民工讨薪无果"
        response = api.post(SUGGEST, {"text": text, "place": world.mini.village_a1.pk}, format="json")
        assert response.status_code == 200
        body = response.json()
        expected = matter_type_suggest(text=text)
        assert [row["matter_type"]["code"] for row in body] == [s.matter_type.code for s in expected]
        first = body[0]
        assert first["matter_type"]["code"] == "WAGE-ARREARS" and "拖欠工资" in first["matched"]
        proposals = powerlist_propose(matter_type=world.wages, area=world.mini.village_a1, on_date=timezone.localdate())
        assert [p["organisation"] for p in first["proposals"]] == [p.organisation.pk for p in proposals]
        [proposal] = first["proposals"]
        assert proposal["organisation"] == world.town_a_social.pk
        assert proposal["organisation_name"] == "甲镇社会事务办公室"
        assert proposal["is_lead"] and not proposal["disputed"] and proposal["level"] == Level.TOWNSHIP
        assert proposal["source"] == "power_list" and proposal["power"] is not None

    def test_without_a_place_only_matter_types(self, world):
        entries(world)
        api = token_client(world.admin)
        body = api.post(SUGGEST, {"text": "隔壁违章建筑挡光", "limit": 1}, format="json").json()
        assert [row["matter_type"]["code"] for row in body] == ["ILLEGAL-BUILDING"]
        assert body[0]["proposals"] == []
        assert api.post(SUGGEST, {"text": "天气很好"}, format="json").json() == []

    def test_xf_jur_01_a_decision_on_a_dispute_wins(self, world):
        """XF-JUR-01: a decision of the common superior or the joint conference binds the routing."""
        entries(world)
        decision = jurisdiction_dispute_decide(
            actor=world.admin,
            matter_type=world.wages,
            area=world.mini.town_a,
            disputing=[world.town_a_social, world.district_hr],
            competent=world.district_hr,
            decided_by=world.mini.district,
            decision_ref="测联席〔2026〕1号",
            reason="涉及多个村，由区人社局牵头。",
            decided_on=timezone.localdate() - datetime.timedelta(days=10),
        )
        api = token_client(world.admin)
        body = api.post(SUGGEST, {"text": "拖欠工资", "place": world.mini.village_a1.pk}, format="json").json()
        [proposal] = body[0]["proposals"]
        assert proposal["organisation"] == world.district_hr.pk and proposal["source"] == "decision"
        assert proposal["decision"] == decision.pk and "测联席〔2026〕1号" in proposal["reason"]
        listed = api.get(DECISIONS, {"matter_type": world.wages.pk}).json()["results"]
        assert [row["id"] for row in listed] == [decision.pk]
        assert sorted(listed[0]["disputing"]) == sorted([world.town_a_social.pk, world.district_hr.pk])

    def test_bad_input_is_refused_per_field(self, world):
        api = token_client(world.admin)
        response = api.post(SUGGEST, {"text": "", "place": 10**9, "limit": 0}, format="json")
        assert response.status_code == 400
        assert {e["attr"] for e in response.json()["errors"]} == {"text", "place", "limit"}
