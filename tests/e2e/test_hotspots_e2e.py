"""Hot spots and the reply check in a real browser (issue 9 items 3 and 4): a bureau head opens the
hot-spot page, sees the ECharts bars and follows a hot spot down to its matters (O1); a handling
officer writes a template reply on the opinion form and the htmx check flags it as perfunctory
(XF-HDL-02) without leaving the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from xinfang.accounts.roles import Role
from xinfang.core.testing import TEST_PASSWORD, build_mini_district, make_user
from xinfang.petitions.services.intake import PetitionerData
from xinfang.petitions.testing import register_walk_in
from xinfang.petitions.tests.handling_support import build_handling_world, classified
from xinfang.workcalendar.testing import seed_test_calendar

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _login(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state()


def test_o1_hot_spot_page_and_drill_down(live_server, page: Page):
    seed_test_calendar()
    mini = build_mini_district()
    for i in range(3):
        register_walk_in(
            mini,
            title=f"丽景花园小区停车收费问题{i}",
            request="请求纠正丽景花园物业擅自上调停车费。",
            facts="丽景花园物业将停车费每月上调至300元。",
            petitioners=[PetitionerData(name=f"业主{i}", id_number=f"44011519900101{i:04d}", address="丽景花园")],
        )
    head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
    _login(page, live_server.url, head.username)
    page.goto(f"{live_server.url}/text/hotspots/")
    expect(page.locator("#hotspot-chart svg")).to_have_count(1)
    page.get_by_role("link", name="丽景花园").click()
    page.wait_for_load_state()
    expect(page.locator(".list-group-item")).to_have_count(3)
    page.locator(".list-group-item a").first.click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("丽景花园小区停车收费问题")


def test_xf_hdl_02_reply_check_on_the_opinion_form(live_server, phone_page: Page):
    """On a phone set to Chinese: an officer's page follows the browser's language."""
    page = phone_page
    seed_test_calendar()
    mini = build_mini_district()
    hw = build_handling_world(mini)
    matter = classified(hw)
    _login(page, live_server.url, hw.town_officer.username)
    page.goto(f"{live_server.url}/matters/{matter.pk}/handling/opinion/")
    page.locator("#opinion-opinion").fill("我们高度重视，已转交相关部门，将进一步加强管理。")
    page.get_by_role("button", name="检查答复质量").click()
    flag = page.locator('#reply-check-result [data-flag="perfunctory"]')
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("敷衍")
    assert page.url.endswith(f"/matters/{matter.pk}/handling/opinion/")
