"""Shared set-up of the import tests: the mini district, people who may (and may not) import,
uploaded files kept in a temporary MEDIA_ROOT, and small CSV/XLSX files written in the test."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

import pytest

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.testing import MiniDistrict, make_user

MATTER_HEADER = [
    "收到时间",
    "渠道",
    "诉求",
    "事实",
    "理由",
    "记录人",
    "信访人姓名或名称",
    "证件号码",
    "联系电话",
    "住址",
]


def matter_row(n: int, **overrides: Any) -> list[Any]:
    """A walk-in received yesterday, one petitioner with an ID number of their own."""
    received = (datetime.date.today() - datetime.timedelta(days=1)).isoformat() + " 09:30"
    values = {
        "收到时间": received,
        "渠道": "走访",
        "诉求": f"请求支付拖欠的工资（{n}）。",
        "事实": f"在某工地务工，工资未发放（{n}）。",
        "理由": "劳动报酬应当按时足额支付。",
        "记录人": "王五",
        "信访人姓名或名称": f"张{n}",
        "证件号码": f"44011519900101{n:04d}",
        "联系电话": "138 0000 1111",
        "住址": "测试路1号",
    }
    values.update(overrides)
    return [values[h] for h in MATTER_HEADER]


def csv_bytes(header: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(header)
    writer.writerows(rows)
    return stream.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


@dataclass
class Importers:
    mini: MiniDistrict
    clerk: User  # reception clerk at the district petition bureau: matters and petitioners there
    town_clerk: User  # reception clerk at street B's petition office: not the district bureau
    admin: User  # system administrator: the power list; sees every job
    handler: User  # handling officer: may not import anything


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():  # type: ignore[no-untyped-def]
    """Rate-limit counters live in the cache, keyed by user id: ids repeat from test to test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def imp(mini) -> Importers:  # type: ignore[no-untyped-def]
    return Importers(
        mini=mini,
        clerk=make_user((Role.RECEPTION_CLERK, mini.petition_bureau)),
        town_clerk=make_user((Role.RECEPTION_CLERK, mini.town_b_office)),
        admin=make_user((Role.SYSTEM_ADMIN, mini.district)),
        handler=make_user((Role.HANDLING_OFFICER, mini.housing_bureau)),
    )
