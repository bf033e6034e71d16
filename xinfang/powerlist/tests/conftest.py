"""Fixtures of the power-list tests: the mini district plus the departments the power list routes
to (built through the real services), an administrator, and a small list."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.orgs.models import Function, Kind, Level, Organisation
from xinfang.orgs.services import organisation_create
from xinfang.powerlist.models import MatterType
from xinfang.powerlist.services import matter_type_create

WAGE_BASIS = "《劳动保障监察条例》第十一条"


@dataclass
class PowerListWorld:
    mini: MiniDistrict
    admin: User
    district_hr: Organisation  # 测试区人力资源和社会保障局 (functional)
    district_gov: Organisation  # 测试区人民政府办公室 (government)
    district_planning: Organisation  # 测试区规划和自然资源局 (functional)
    town_a_social: Organisation  # 甲镇社会事务办公室 (functional)
    town_a_gov: Organisation  # 甲镇党政综合办公室 (government)
    town_b_social: Organisation  # 乙街道社会事务办公室 (functional)
    wages: MatterType
    building: MatterType


def _dept(name: str, parent: Organisation, function: str, code: str) -> Organisation:
    return organisation_create(
        actor=SYSTEM, name=name, code=code, kind=Kind.DEPARTMENT, parent=parent, function=function
    )


@pytest.fixture
def world(mini: MiniDistrict) -> PowerListWorld:
    return PowerListWorld(
        mini=mini,
        admin=make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True),
        district_hr=_dept("测试区人力资源和社会保障局", mini.district, Function.FUNCTIONAL, "PLHR"),
        district_gov=_dept("测试区人民政府办公室", mini.district, Function.GOVERNMENT, "PLGOV"),
        district_planning=_dept("测试区规划和自然资源局", mini.district, Function.FUNCTIONAL, "PLPLAN"),
        town_a_social=_dept("甲镇社会事务办公室", mini.town_a, Function.FUNCTIONAL, "PLASOC"),
        town_a_gov=_dept("甲镇党政综合办公室", mini.town_a, Function.GOVERNMENT, "PLAGOV"),
        town_b_social=_dept("乙街道社会事务办公室", mini.town_b, Function.FUNCTIONAL, "PLBSOC"),
        wages=matter_type_create(
            actor=SYSTEM, code="WAGE-ARREARS", name="拖欠工资", keywords="拖欠工资 欠薪 讨薪 工资 农民工"
        ),
        building=matter_type_create(actor=SYSTEM, code="ILLEGAL-BUILDING", name="违法建设", keywords="违建 违章建筑"),
    )


JAN_1 = datetime.date(2026, 1, 1)
D, T = Level.DISTRICT, Level.TOWNSHIP
