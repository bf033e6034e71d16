"""Fixtures of the one-stop platform's tests: service points at three levels of the mini district,
built through the real services, and helpers that fill in the public form like a person would."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict
from xinfang.legalservices.abuse import issue_form_token
from xinfang.legalservices.models import ServiceKind, ServicePoint
from xinfang.legalservices.seed import seed_kinds
from xinfang.legalservices.services import service_point_save
from xinfang.orgs.models import Function, Kind, Organisation
from xinfang.orgs.services import organisation_create

REQUEST_URL = reverse("legalservices:request")
STATUS_URL = reverse("legalservices:status")
INBOX_URL = reverse("legalservices:staff_inbox")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and used form tokens live in the cache: each test starts without them."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Points:
    mini: MiniDistrict
    kinds: dict[str, ServiceKind]
    justice_bureau: Organisation  # 测试区司法局 (district)
    town_a_justice: Organisation  # 甲镇司法所
    town_b_justice: Organisation  # 乙街道司法所
    village_committee: Organisation  # 甲一村人民调解委员会
    centre: ServicePoint  # district public legal service centre (legal aid, notarisation …)
    town_a: ServicePoint
    town_b: ServicePoint
    village: ServicePoint


def _dept(name: str, parent: Organisation, function: str, code: str) -> Organisation:
    return organisation_create(
        actor=SYSTEM, name=name, code=code, kind=Kind.DEPARTMENT, parent=parent, function=function
    )


def make_point(org: Organisation, name: str, kinds: list[ServiceKind], **extra: Any) -> ServicePoint:
    values = {"address": f"{org.name}一楼", "hours": "周一至周五 9:00-17:00", "phone": "020-0000-9999", **extra}
    return service_point_save(actor=SYSTEM, point=ServicePoint(organisation=org, name=name, **values), kinds=kinds)


@pytest.fixture
def points(mini: MiniDistrict) -> Points:
    seed_kinds(ServiceKind)  # the data migration's kinds (again, should a flush have removed them)
    kinds = {k.code: k for k in ServiceKind.objects.all()}
    justice = _dept("测试区司法局", mini.district, Function.JUSTICE, "LS-SFJ")
    town_a_justice = _dept("甲镇司法所", mini.town_a, Function.JUSTICE, "LS-A-SFS")
    town_b_justice = _dept("乙街道司法所", mini.town_b, Function.JUSTICE, "LS-B-SFS")
    committee = _dept("甲一村人民调解委员会", mini.village_a1, Function.MEDIATION, "LS-A1-TWH")
    everything = list(kinds.values())
    return Points(
        mini=mini,
        kinds=kinds,
        justice_bureau=justice,
        town_a_justice=town_a_justice,
        town_b_justice=town_b_justice,
        village_committee=committee,
        centre=make_point(
            justice, "测试区公共法律服务中心", everything, name_en="Test District Public Legal Service Centre"
        ),
        town_a=make_point(town_a_justice, "甲镇公共法律服务工作站", [kinds["consultation"], kinds["legal_aid"]]),
        town_b=make_point(town_b_justice, "乙街道公共法律服务工作站", [kinds["consultation"], kinds["legal_aid"]]),
        village=make_point(committee, "甲一村公共法律服务工作室", [kinds["consultation"], kinds["people_mediation"]]),
    )


def form_data(point: ServicePoint, kind: ServiceKind, **overrides: Any) -> dict[str, Any]:
    """What a person fills in, with a form token issued ten seconds ago (people take that long)."""
    data = {
        "point": point.pk,
        "form_token": issue_form_token(now=time.time() - 10),
        "kind": kind.pk,
        "preferred_date": (timezone.localdate()).isoformat(),
        "time_slot": "morning",
        "name": "梁秀英",
        "phone": "13800009001",
        "description": "包工头拖欠工资一万二千元，想申请法律援助。",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def submit(client: Any, point: ServicePoint, kind: ServiceKind, **overrides: Any) -> Any:
    return client.post(REQUEST_URL, form_data(point, kind, **overrides))


def book(client: Any, point: ServicePoint, kind: ServiceKind, **overrides: Any) -> tuple[str, str]:
    """Submit and read the receipt page: (reference, access code) as the person sees them."""
    response = submit(client, point, kind, **overrides)
    assert response.status_code == 302, response.content.decode()[:2000]
    receipt = client.get(response.url)
    assert receipt.status_code == 200
    context = receipt.context
    return context["reference"], context["code"]
