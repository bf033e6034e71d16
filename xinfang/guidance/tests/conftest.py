"""Fixtures of the guidance tests: the mini district with the bodies the map points to (a bureau
found by function and name keyword, the court, the procuratorate, the justice bureau, discipline
inspection, mediation committees, a town office), a small power list and reception points — all
built through the real services."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.orgs.models import Function, Kind, Level, Organisation, ReceptionPoint
from xinfang.orgs.services import organisation_create, reception_point_create
from xinfang.powerlist.models import MatterType, Power
from xinfang.powerlist.services import matter_type_create, power_add


def pdf_tools_missing() -> str:
    """Why the PDF checks cannot run here ('' when they can)."""
    for tool in ("pdfinfo", "pdffonts", "pdftotext"):
        if shutil.which(tool) is None:
            return f"poppler-utils ({tool}) is not installed: apt-get install poppler-utils"
    if shutil.which("fc-list") is None:
        return "fontconfig (fc-list) is not installed"
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout  # noqa: S607
    if not listed.strip():
        return "no CJK font installed (fc-list :lang=zh is empty): apt-get install fonts-noto-cjk"
    return ""


@pytest.fixture
def pdf_tools() -> None:
    """Skip without poppler or fonts locally, but fail in CI, where they must be present."""
    reason = pdf_tools_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PDF checks cannot run in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_cache():
    """The PDF cache and the rate-limit counters live in the cache: each test starts empty."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class GuideWorld:
    mini: MiniDistrict
    admin: User
    hr: Organisation  # 测试区人力资源和社会保障局 (functional, found by keyword)
    court: Organisation
    procuratorate: Organisation
    justice: Organisation
    discipline: Organisation
    mediation: Organisation
    town_a_social: Organisation
    town_b_social: Organisation
    town_a_mediation: Organisation
    wages: MatterType
    housing: MatterType
    wages_district: Power
    hall: ReceptionPoint  # the district petition bureau's hall
    town_a_room: ReceptionPoint
    town_b_room: ReceptionPoint
    since: datetime.date


def dept(parent: Organisation, name: str, function: str, code: str, **extra: object) -> Organisation:
    return organisation_create(
        actor=SYSTEM, name=name, code=code, kind=Kind.DEPARTMENT, parent=parent, function=function, **extra
    )


@pytest.fixture
def world(mini: MiniDistrict) -> GuideWorld:
    since = timezone.localdate() - datetime.timedelta(days=30)
    d, a, b = mini.district, mini.town_a, mini.town_b
    hr = dept(
        d,
        "测试区人力资源和社会保障局",
        Function.FUNCTIONAL,
        "GDHR",
        name_en="Test District Human Resources and Social Security Bureau",
        short_name="区人社局",
        phone="020-0000-1001",
        address="测试区政务路2号",
    )
    court = dept(
        d, "测试区人民法院", Function.COURT, "GDFY", name_en="Test District People's Court", phone="020-0000-1002"
    )
    procuratorate = dept(
        d, "测试区人民检察院", Function.PROCURATORATE, "GDJCY", name_en="Test District People's Procuratorate"
    )
    justice = dept(d, "测试区司法局", Function.JUSTICE, "GDSFJ", name_en="Test District Justice Bureau")
    discipline = dept(d, "测试区纪委监委", Function.DISCIPLINE, "GDJW", name_en="Test District Discipline Commission")
    mediation = dept(
        d, "测试区人民调解委员会", Function.MEDIATION, "GDTWH", name_en="Test District Mediation Committee"
    )
    town_a_social = dept(a, "甲镇社会事务办公室", Function.FUNCTIONAL, "GDASW", phone="020-0000-2001")
    town_b_social = dept(b, "乙街道社会事务办公室", Function.FUNCTIONAL, "GDBSW", phone="020-0000-3001")
    town_a_mediation = dept(a, "甲镇人民调解委员会", Function.MEDIATION, "GDATW")
    wages = matter_type_create(
        actor=SYSTEM, code="WAGE-ARREARS", name="拖欠工资", name_en="Wage arrears", keywords="欠薪", sort_order=1
    )
    housing = matter_type_create(
        actor=SYSTEM, code="HOUSING-QUALITY", name="房屋质量与交付", name_en="Housing quality", sort_order=2
    )
    wages_district = power_add(
        actor=SYSTEM,
        matter_type=wages,
        level=Level.DISTRICT,
        function=Function.FUNCTIONAL,
        department_keyword="人力资源",
        legal_basis="《劳动保障监察条例》第十一条",
        valid_from=since,
    )
    power_add(
        actor=SYSTEM,
        matter_type=wages,
        level=Level.TOWNSHIP,
        function=Function.FUNCTIONAL,
        department_keyword="社会事务",
        legal_basis="《保障农民工工资支付条例》",
        valid_from=since,
    )
    power_add(
        actor=SYSTEM,
        matter_type=housing,
        level=Level.DISTRICT,
        organisation=mini.housing_bureau,
        legal_basis="《建设工程质量管理条例》",
        valid_from=since,
    )
    return GuideWorld(
        mini=mini,
        admin=make_user((Role.SYSTEM_ADMIN, d), is_staff=True),
        hr=hr,
        court=court,
        procuratorate=procuratorate,
        justice=justice,
        discipline=discipline,
        mediation=mediation,
        town_a_social=town_a_social,
        town_b_social=town_b_social,
        town_a_mediation=town_a_mediation,
        wages=wages,
        housing=housing,
        wages_district=wages_district,
        hall=reception_point_create(
            actor=SYSTEM,
            organisation=mini.petition_bureau,
            name="测试区信访局接待大厅",
            address="测试区政务路1号",
            hours="周一至周五 9:00-17:00",
            phone="020-0000-0001",
        ),
        town_a_room=reception_point_create(
            actor=SYSTEM,
            organisation=mini.town_a_office,
            name="甲镇信访接待室",
            address="甲镇和谐路1号",
            hours="周一至周五 9:00-17:00",
        ),
        town_b_room=reception_point_create(
            actor=SYSTEM,
            organisation=mini.town_b_office,
            name="乙街道信访接待室",
            address="乙街道法治路1号",
            hours="周一至周五 9:00-17:00",
        ),
        since=since,
    )
