"""The demo district as a plan: every organisation, reception point and staff member, computed from
the tables in `data` with a fixed seed. Building the plan touches no database, so the same plan
comes out on every run and the loader can compare it with what is already there."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from xinfang.accounts.roles import Role
from xinfang.orgs.models import Function, Kind

from . import data
from .data import DepartmentRow, TownRow


@dataclass(frozen=True)
class OrgSpec:
    """One organisation; `parent` is the parent's code (parents come before children in the plan)."""

    code: str
    name: str
    kind: str
    parent: str | None
    short_name: str = ""
    name_en: str = ""
    division_code: str = ""
    function: str = ""
    is_external: bool = False
    phone: str = ""
    address: str = ""
    sort_order: int = 0


@dataclass(frozen=True)
class PointSpec:
    """A reception point of the organisation with code `org`, with its English name, address and
    hours (shown on the English public pages)."""

    org: str
    name: str
    address: str
    hours: str
    phone: str = ""
    name_en: str = ""
    address_en: str = ""
    hours_en: str = ""


@dataclass(frozen=True)
class StaffSpec:
    """A staff member with one role in the organisation with code `org`. Demo logins get the demo
    password; everybody else is created without a usable password."""

    username: str
    display_name: str
    role: str
    org: str
    title: str
    phone: str
    is_login: bool = False
    is_staff: bool = False


@dataclass(frozen=True)
class DemoPlan:
    """The whole demo: organisations in parent-first order, reception points and staff."""

    district_code: str
    organisations: tuple[OrgSpec, ...]
    reception_points: tuple[PointSpec, ...]
    staff: tuple[StaffSpec, ...]

    @property
    def logins(self) -> tuple[StaffSpec, ...]:
        """The demo logins: the district's ("clerk") before the towns' ("clerk.hengli")."""
        return tuple(sorted((s for s in self.staff if s.is_login), key=lambda s: "." in s.username))


# Short names of the roles, used in generated usernames ("officer.440115-zjj.2").
ROLE_SLUGS = {
    Role.RECEPTION_CLERK: "clerk",
    Role.BUREAU_HEAD: "bureau",
    Role.HANDLING_OFFICER: "officer",
    Role.UNIT_HEAD: "unithead",
    Role.SUPERVISOR: "supervisor",
    Role.GRID_WORKER: "grid",
    Role.MEDIATOR: "mediator",
    Role.LEADER: "leader",
    Role.CONGRESS_OVERSEER: "overseer",
    Role.SYSTEM_ADMIN: "admin",
}


class _Builder:
    """Accumulates the plan; one random generator, used in a fixed order, makes every name."""

    def __init__(self) -> None:
        self.rng = random.Random(data.DEMO_SEED)  # noqa: S311 - reproducible demo names, not security
        self.orgs: list[OrgSpec] = []
        self.points: list[PointSpec] = []
        self.staff: list[StaffSpec] = []
        self.usernames: set[str] = set()
        self.org_phone_seq = 0
        self.mobile_seq = 0
        self.serial: dict[tuple[str, str], int] = {}
        self.place_names: set[str] = set()
        self.village_committees: list[str] = []

    # --- helpers -----------------------------------------------------------------------------
    def org_phone(self) -> str:
        # 020-0000-xxxx cannot be a real number: Guangzhou local numbers never start with 0.
        self.org_phone_seq += 1
        return f"020-0000-{self.org_phone_seq:04d}"

    def mobile(self) -> str:
        self.mobile_seq += 1
        return f"1380000{self.mobile_seq:04d}"

    def person_name(self) -> str:
        return self.rng.choice(data.SURNAMES) + self.rng.choice(data.GIVEN_NAMES)

    def add_org(self, spec: OrgSpec) -> OrgSpec:
        self.orgs.append(spec)
        return spec

    def add_departments(
        self, parent: OrgSpec, rows: tuple[DepartmentRow, ...], *, prefix: str = "", address: str = ""
    ) -> None:
        for order, row in enumerate(rows, start=1):
            self.add_org(
                OrgSpec(
                    code=f"{parent.code}-{row.abbr}",
                    name=f"{prefix}{row.name}",
                    kind=Kind.DEPARTMENT,
                    parent=parent.code,
                    short_name=row.short_name,
                    name_en=f"{parent.name_en} {row.name_en}" if prefix else row.name_en,
                    function=row.function,
                    is_external=parent.is_external,
                    phone=self.org_phone(),
                    address=address,
                    sort_order=order,
                )
            )

    def add_person(
        self,
        role: str,
        org: str,
        title: str,
        *,
        username: str | None = None,
        is_staff: bool = False,
    ) -> StaffSpec:
        """A staff member; without `username` one is generated from the role and organisation."""
        is_login = username is not None
        if username is None:
            key = (ROLE_SLUGS[Role(role)], org.lower())
            self.serial[key] = self.serial.get(key, 0) + 1
            username = f"{key[0]}.{key[1]}.{self.serial[key]}"
        assert username not in self.usernames, username
        self.usernames.add(username)
        spec = StaffSpec(
            username=username,
            display_name=self.person_name(),
            role=role,
            org=org,
            title=title,
            phone=self.mobile(),
            is_login=is_login,
            is_staff=is_staff,
        )
        self.staff.append(spec)
        return spec

    def place_names_for(self, count: int) -> list[str]:
        """`count` two-character place names, distinct across the whole district."""
        names: list[str] = []
        while len(names) < count:
            name = self.rng.choice(data.VILLAGE_FIRST) + self.rng.choice(data.VILLAGE_SECOND)
            if name[0] != name[1] and name not in self.place_names:
                self.place_names.add(name)
                names.append(name)
        return names


def _external_bodies(b: _Builder) -> None:
    province = b.add_org(
        OrgSpec(
            code=data.PROVINCE_CODE,
            name="广东省",
            kind=Kind.PROVINCE,
            parent=None,
            name_en="Guangdong Province",
            division_code=data.PROVINCE_CODE,
            is_external=True,
        )
    )
    b.add_departments(province, data.PROVINCE_DEPARTMENTS)
    city = b.add_org(
        OrgSpec(
            code=data.CITY_CODE,
            name="广州市",
            kind=Kind.CITY,
            parent=province.code,
            name_en="Guangzhou",
            division_code=data.CITY_CODE,
            is_external=True,
        )
    )
    b.add_departments(city, data.CITY_DEPARTMENTS)


def _district(b: _Builder) -> OrgSpec:
    district = b.add_org(
        OrgSpec(
            code=data.DISTRICT_CODE,
            name="南沙区",
            kind=Kind.DISTRICT,
            parent=data.CITY_CODE,
            short_name="南沙",
            name_en="Nansha District",
            division_code=data.DISTRICT_CODE,
        )
    )
    b.add_departments(district, data.DISTRICT_DEPARTMENTS, address="广州市南沙区政务路1号")
    for abbr, name, address, hours, name_en, address_en, hours_en in data.DISTRICT_RECEPTION_POINTS:
        b.points.append(
            PointSpec(f"{district.code}-{abbr}", name, address, hours, b.org_phone(), name_en, address_en, hours_en)
        )
    return district


def _town(b: _Builder, district: OrgSpec, order: int, row: TownRow) -> list[OrgSpec]:
    """A town or street with its departments, villages, grids and reception points; returns the
    villages and communities."""
    office_address = f"广州市南沙区{row.name}{row.road}1号"
    office_address_en = f"1 {row.road_en}, {row.name_en}, {data.DISTRICT_EN}"
    town = b.add_org(
        OrgSpec(
            code=row.division_code,
            name=row.name,
            kind=row.kind,
            parent=district.code,
            name_en=row.name_en,
            division_code=row.division_code,
            address=office_address,
            sort_order=order,
        )
    )
    b.add_departments(town, data.TOWN_DEPARTMENTS, prefix=row.name, address=office_address)
    b.points += [
        PointSpec(
            f"{town.code}-XFB",
            f"{row.name}信访接待室",
            f"{office_address}一楼",
            data.OFFICE_HOURS,
            b.org_phone(),
            f"Petition Reception Room of {row.name_en}",
            f"1/F, {office_address_en}",
            data.OFFICE_HOURS_EN,
        ),
        PointSpec(
            f"{town.code}-TWH",
            f"和谐南沙调解点（{row.name}）",
            f"{office_address}二楼",
            data.MEDIATION_HOURS,
            b.org_phone(),
            f"Harmonious Nansha Mediation Point ({row.name_en})",
            f"2/F, {office_address_en}",
            data.MEDIATION_HOURS_EN,
        ),
    ]
    villages: list[OrgSpec] = []
    # Towns list villages first, streets communities first; communities are numbered 001.., villages
    # 201.. (居委会 and 村委会 ranges of the statistical division codes).
    groups = [
        (Kind.VILLAGE, row.villages, 201, "村", "Village"),
        (Kind.COMMUNITY, row.communities, 1, "社区", "Community"),
    ]
    if row.kind == Kind.STREET:
        groups.reverse()
    addresses_en: dict[str, str] = {}
    for kind, count, first_number, suffix, suffix_en in groups:
        for index, base in enumerate(b.place_names_for(count)):
            number = first_number + index
            village = b.add_org(
                OrgSpec(
                    code=f"{row.division_code}{number:03d}",
                    name=f"{base}{suffix}",
                    kind=kind,
                    parent=town.code,
                    name_en=f"{data.place_name_en(base)} {suffix_en}",
                    division_code=f"{row.division_code}{number:03d}",
                    address=f"广州市南沙区{row.name}{base}{suffix}",
                    sort_order=len(villages) + 1,
                )
            )
            addresses_en[village.code] = f"{village.name_en}, {row.name_en}, {data.DISTRICT_EN}"
            villages.append(village)
    for village in villages:
        low, high = data.GRIDS_PER_VILLAGE
        for n in range(1, b.rng.randint(low, high) + 1):
            b.add_org(
                OrgSpec(
                    code=f"{village.code}-G{n:02d}",
                    name=f"{village.name}第{n}网格",
                    kind=Kind.GRID,
                    parent=village.code,
                    sort_order=n,
                )
            )
    # A village-level mediation committee in the first village or community of each kind: rare on
    # purpose (most villages are served by the town's committee).
    first_of_each = [next(v for v in villages if v.kind == kind) for kind, count, *_ in groups if count]
    for village in first_of_each:
        committee = b.add_org(
            OrgSpec(
                code=f"{village.code}-TWH",
                name=f"{village.name}人民调解委员会",
                kind=Kind.DEPARTMENT,
                parent=village.code,
                short_name="村（居）调委会",
                name_en=f"People's Mediation Committee of {village.name_en}",
                function=Function.MEDIATION,
                phone=b.org_phone(),
                address=village.address,
                sort_order=1,
            )
        )
        b.village_committees.append(committee.code)
        if row.slug in data.HARMONY_VILLAGE_TOWNS and village is first_of_each[0]:
            b.points.append(
                PointSpec(
                    committee.code,
                    f"和谐南沙调解点（{village.name}）",
                    village.address,
                    data.MEDIATION_HOURS,
                    b.org_phone(),
                    f"Harmonious Nansha Mediation Point ({village.name_en})",
                    addresses_en[village.code],
                    data.MEDIATION_HOURS_EN,
                )
            )
    return villages


def _district_staff(b: _Builder, district: OrgSpec) -> None:
    d = district.code
    R = Role
    # The demo logins first, so that they get the first (lowest) phone numbers and stable names.
    b.add_person(R.SYSTEM_ADMIN, f"{d}-XFJ", "系统管理员", username="admin", is_staff=True)
    b.add_person(R.RECEPTION_CLERK, f"{d}-XFJ", "接访窗口工作人员", username="clerk")
    b.add_person(R.BUREAU_HEAD, f"{d}-XFJ", "局长", username="bureau")
    b.add_person(R.HANDLING_OFFICER, f"{d}-ZJJ", "办公室科员（信访工作）", username="officer")
    b.add_person(R.UNIT_HEAD, f"{d}-ZJJ", "副局长（分管信访工作）", username="unithead")
    b.add_person(R.SUPERVISOR, f"{d}-XFJ", "信访督查专员（挂任）", username="supervisor")
    b.add_person(R.MEDIATOR, f"{d}-TWH", "人民调解员（驻区信访局接待大厅）", username="mediator")
    b.add_person(R.LEADER, d, "副区长（分管信访工作）", username="leader")
    b.add_person(R.CONGRESS_OVERSEER, f"{d}-RD", "监察和司法工作委员会副主任", username="overseer")
    # Everybody else.
    for _ in range(3):
        b.add_person(R.RECEPTION_CLERK, f"{d}-XFJ", "接访窗口工作人员")
    b.add_person(R.BUREAU_HEAD, f"{d}-XFJ", "副局长")
    for _ in range(2):
        b.add_person(R.HANDLING_OFFICER, f"{d}-XFJ", "办信科科员")
    for _ in range(4):
        b.add_person(R.SUPERVISOR, f"{d}-XFJ", "信访督查专员（挂任）")
    b.add_person(R.LEADER, d, "区委副书记")
    b.add_person(R.LEADER, d, "区委常委、政法委书记")
    b.add_person(R.CONGRESS_OVERSEER, f"{d}-RD", "监察和司法工作委员会委员")
    for _ in range(3):
        b.add_person(R.MEDIATOR, f"{d}-TWH", "专职人民调解员")
    for row in data.DISTRICT_DEPARTMENTS:
        if row.abbr in data.NON_HANDLING_DISTRICT_DEPARTMENTS:
            continue
        org = f"{d}-{row.abbr}"
        if row.abbr != "ZJJ":  # the demo logins already hold the unit head and one officer there
            b.add_person(R.UNIT_HEAD, org, "分管信访工作负责人")
            b.add_person(R.HANDLING_OFFICER, org, "信访工作联络员")
        b.add_person(R.HANDLING_OFFICER, org, "业务科室承办人")


def _town_staff(b: _Builder, row: TownRow, villages: list[OrgSpec]) -> None:
    t = row.division_code
    R = Role
    is_street = row.kind == Kind.STREET
    b.add_person(R.RECEPTION_CLERK, f"{t}-XFB", "信访接待员", username=f"clerk.{row.slug}")
    b.add_person(R.BUREAU_HEAD, f"{t}-XFB", "信访办主任", username=f"bureau.{row.slug}")
    if row.slug == "hengli":
        # The district-wide grid login works in Hengli, next to the Hengli clerk.
        b.add_person(R.GRID_WORKER, f"{villages[0].code}-G01", "专职网格员", username="grid")
    b.add_person(R.RECEPTION_CLERK, f"{t}-XFB", "信访接待员")
    b.add_person(R.LEADER, t, "街道党工委副书记" if is_street else "镇党委副书记")
    b.add_person(R.LEADER, t, "街道办事处副主任（分管信访工作）" if is_street else "副镇长（分管信访工作）")
    for abbr in data.TOWN_HANDLING_DEPARTMENTS:
        b.add_person(R.UNIT_HEAD, f"{t}-{abbr}", "负责人")
        b.add_person(R.HANDLING_OFFICER, f"{t}-{abbr}", "承办人")
    for _ in range(2):
        b.add_person(R.MEDIATOR, f"{t}-TWH", "专职人民调解员")


def _grid_and_village_staff(b: _Builder) -> None:
    """One grid worker for every grid, one mediator for every village-level mediation committee."""
    for code in b.village_committees:
        b.add_person(Role.MEDIATOR, code, "村（居）人民调解员")
    for org in [o for o in b.orgs if o.kind == Kind.GRID]:
        b.add_person(Role.GRID_WORKER, org.code, "专职网格员")


@cache
def demo_plan() -> DemoPlan:
    """The demo district, built once per process (it is the same every time)."""
    b = _Builder()
    _external_bodies(b)
    district = _district(b)
    _district_staff(b, district)
    towns: list[tuple[TownRow, list[OrgSpec]]] = []
    for order, row in enumerate(data.TOWNS, start=1):
        towns.append((row, _town(b, district, order, row)))
    for row, villages in towns:
        _town_staff(b, row, villages)
    _grid_and_village_staff(b)
    return DemoPlan(
        district_code=district.code,
        organisations=tuple(b.orgs),
        reception_points=tuple(b.points),
        staff=tuple(b.staff),
    )
