"""Test harness shared by the apps: a small organisation tree and users with roles, built through
the real services (so the audit log and the permission path are exercised, never mocked)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from xinfang.accounts.models import User
from xinfang.accounts.services import membership_grant, user_create
from xinfang.core.actors import SYSTEM
from xinfang.orgs.models import Function, Kind, Organisation
from xinfang.orgs.services import organisation_create

TEST_PASSWORD = "correct-horse-battery-9"  # noqa: S105 (tests only)
_counter = itertools.count(1)


@dataclass
class MiniDistrict:
    """province(ext) > city(ext) > district > towns A, B > villages > grids, with departments."""

    province: Organisation
    city: Organisation
    city_petition_bureau: Organisation
    district: Organisation
    petition_bureau: Organisation
    housing_bureau: Organisation
    congress: Organisation
    town_a: Organisation
    town_a_office: Organisation
    village_a1: Organisation
    grid_a1_1: Organisation
    grid_a1_2: Organisation
    village_a2: Organisation
    town_b: Organisation
    town_b_office: Organisation
    village_b1: Organisation
    grid_b1_1: Organisation

    def all(self) -> list[Organisation]:
        return [v for v in vars(self).values() if isinstance(v, Organisation)]


def _org(name: str, kind: str, parent: Organisation | None = None, **extra: object) -> Organisation:
    return organisation_create(
        actor=SYSTEM, name=name, code=f"T{next(_counter):05d}", kind=kind, parent=parent, **extra
    )


def build_mini_district() -> MiniDistrict:
    province = _org("测试省", Kind.PROVINCE, is_external=True)
    city = _org("测试市", Kind.CITY, province, is_external=True)
    city_pb = _org("测试市信访局", Kind.DEPARTMENT, city, function=Function.PETITION_BUREAU, is_external=True)
    district = _org("测试区", Kind.DISTRICT, city)
    pb = _org("测试区信访局", Kind.DEPARTMENT, district, function=Function.PETITION_BUREAU)
    housing = _org("测试区住建局", Kind.DEPARTMENT, district, function=Function.FUNCTIONAL)
    congress = _org("测试区人大常委会", Kind.DEPARTMENT, district, function=Function.CONGRESS)
    town_a = _org("甲镇", Kind.TOWN, district)
    town_a_office = _org("甲镇信访办", Kind.DEPARTMENT, town_a, function=Function.PETITION_BUREAU)
    village_a1 = _org("甲一村", Kind.VILLAGE, town_a)
    grid_a1_1 = _org("甲一村第1网格", Kind.GRID, village_a1)
    grid_a1_2 = _org("甲一村第2网格", Kind.GRID, village_a1)
    village_a2 = _org("甲二村", Kind.VILLAGE, town_a)
    town_b = _org("乙街道", Kind.STREET, district)
    town_b_office = _org("乙街道信访办", Kind.DEPARTMENT, town_b, function=Function.PETITION_BUREAU)
    village_b1 = _org("乙一社区", Kind.COMMUNITY, town_b)
    grid_b1_1 = _org("乙一社区第1网格", Kind.GRID, village_b1)
    return MiniDistrict(
        province,
        city,
        city_pb,
        district,
        pb,
        housing,
        congress,
        town_a,
        town_a_office,
        village_a1,
        grid_a1_1,
        grid_a1_2,
        village_a2,
        town_b,
        town_b_office,
        village_b1,
        grid_b1_1,
    )


def make_user(*roles: tuple[str, Organisation], username: str | None = None, **extra: object) -> User:
    """A user holding each (role, organisation) pair given."""
    user = user_create(
        actor=SYSTEM,
        username=username or f"user{next(_counter)}",
        password=TEST_PASSWORD,
        **extra,  # type: ignore[arg-type]
    )
    for role, org in roles:
        membership_grant(actor=SYSTEM, user=user, organisation=org, role=role)
    return user
