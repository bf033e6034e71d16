"""The district dashboard in a real browser (issue 8, item 7; G1): a bureau head opens it, sees the
figures and the ECharts bars, and follows a figure down to the matter list holding exactly those
matters; a click on a bar does the same. Then the open statistics page without login (G3)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from xinfang.accounts.roles import Role
from xinfang.core.testing import build_mini_district, make_user
from xinfang.petitions.states import Channel
from xinfang.petitions.testing import register_walk_in

from .test_handling_e2e import _login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_g1_district_dashboard_and_drill_down(live_server, page: Page):
    mini = build_mini_district()
    for _n in range(2):
        register_walk_in(mini, channel=Channel.LETTER)
    register_walk_in(mini)
    head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
    _login(page, live_server.url, head.username)
    page.goto(f"{live_server.url}/dashboards/?organisation={mini.district.pk}")
    expect(page.locator("#dash-total")).to_have_text("3")
    chart = page.locator('[data-chart="channel"]')
    expect(chart).to_be_visible()
    expect(chart.locator("svg")).to_have_count(1)
    # The figure behind "letter" opens the matter list with those two matters.
    page.locator('a[data-drill="channel"]', has_text="2").click()
    page.wait_for_load_state()
    assert "/matters/search/" in page.url and "channel=letter" in page.url
    expect(page.locator("body")).to_contain_text("工地拖欠工资")
    # A click on the first bar (the largest: letters) goes to the same list.
    page.go_back()
    page.wait_for_load_state()
    chart = page.locator('[data-chart="channel"]')
    expect(chart.locator("svg")).to_have_count(1)
    box = chart.bounding_box()
    assert box is not None
    # Two bars, the largest (letters) on top and as wide as the axis: click inside it.
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.25)
    page.wait_for_url("**/matters/search/**")
    assert "channel=letter" in page.url


def test_g3_open_statistics_without_login(live_server, phone_page: Page):
    """On a phone set to Chinese (the public site follows the browser's language)."""
    page = phone_page
    mini = build_mini_district()
    register_walk_in(mini)
    page.goto(f"{live_server.url}/statistics/")
    expect(page.locator("h1")).to_have_text("信访工作公开统计")
    expect(page.locator("#public-total")).to_contain_text("5")


def test_g1_town_dashboard_by_responsible_organisation_on_a_phone_in_traditional(live_server, browser):
    """G1 / XF-SUP-06 on a phone in 繁體: the district's figures by responsible organisation one level
    down; the town's figure opens the town's matters only (the drill-down carries the organisation)."""
    import os

    mini = build_mini_district()
    register_walk_in(mini, organisation=mini.town_b_office)
    register_walk_in(mini)
    head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    try:
        _login(page, live_server.url, head.username)  # clears the cookies: the language comes after
        context.add_cookies([{"name": "django_language", "value": "zh-hant", "url": live_server.url}])
        page.goto(f"{live_server.url}/dashboards/?organisation={mini.district.pk}")
        section = page.locator("section", has=page.locator("h2", has_text="按責任單位"))
        expect(section).to_contain_text("乙街道")
        os.makedirs(os.path.join("var", "screenshots"), exist_ok=True)
        section.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join("var", "screenshots", "dashboard-by-org-zh-hant-phone.png"), full_page=True)
        section.locator('a[data-drill="org"]').first.click()
        page.wait_for_url("**/matters/search/**")
        assert f"organisation={mini.town_b.pk}" in page.url or f"organisation={mini.petition_bureau.pk}" in page.url
        expect(page.locator("table tbody tr")).to_have_count(1)
    finally:
        context.close()
