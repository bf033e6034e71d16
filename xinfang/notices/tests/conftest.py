"""Fixtures for the instrument tests: a matter at the district petition bureau and one at the
housing bureau, with the people who may (and may not) issue, built through the real services."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import pytest

from xinfang.accounts.roles import Role
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.petitions.testing import register_walk_in


def pdf_tools_missing() -> str:
    """Why PDF checks cannot run here ('' when they can)."""
    if shutil.which("pdffonts") is None or shutil.which("pdftotext") is None:
        return "poppler-utils (pdffonts, pdftotext) is not installed"
    if shutil.which("fc-list") is None:
        return "fontconfig (fc-list) is not installed"
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout  # noqa: S607
    if not listed.strip():
        return "no CJK font installed (fc-list :lang=zh is empty): apt-get install fonts-noto-cjk"
    return ""


@pytest.fixture
def pdf_tools() -> None:
    """Skip without fonts or poppler locally, but fail in CI, where they must be present."""
    reason = pdf_tools_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PDF checks cannot run in CI: {reason}")
        pytest.skip(reason)


@dataclass
class World:
    mini: MiniDistrict
    clerk: Any  # reception clerk at the district petition bureau (matter.triage, area)
    matter: Any  # registered at the petition bureau
    housing_matter: Any  # registered at the housing bureau
    handler: Any  # unit head at the housing bureau (matter.handle)
    outsider: Any  # handling officer at town B's office: no scope over either matter
    admin: Any  # system administrator (org.manage)


@pytest.fixture
def world(mini: MiniDistrict) -> World:
    return World(
        mini=mini,
        clerk=make_user((Role.RECEPTION_CLERK, mini.petition_bureau)),
        matter=register_walk_in(mini),
        housing_matter=register_walk_in(mini, organisation=mini.housing_bureau),
        handler=make_user((Role.UNIT_HEAD, mini.housing_bureau)),
        outsider=make_user((Role.HANDLING_OFFICER, mini.town_b_office)),
        admin=make_user((Role.SYSTEM_ADMIN, mini.district)),
    )


ACCEPTANCE = {
    "petitioner_name": "张三",
    "acceptance_status": "经审查，本机关依法予以受理。",
    "handling_route": "本机关依照《信访工作条例》规定的程序办理。",
    "time_limit": "自受理之日起60日内办结",
}

HANDLING_OPINION = {
    "petitioner_name": "张三",
    "request": "请求责令施工单位支付拖欠的三个月工资。",
    "facts_reasons": "经调查，施工单位拖欠工资属实。",
    "outcome": "support",
    "legal_basis": "《保障农民工工资支付条例》第三条",
}
