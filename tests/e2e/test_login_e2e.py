"""A clerk signs in on a phone, switches to English and traditional Chinese, and signs out."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from xinfang.accounts.roles import Role
from xinfang.core.testing import TEST_PASSWORD, build_mini_district, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_signs_in_switches_language_and_signs_out(live_server, phone_page: Page, screenshots_dir):
    mini = build_mini_district()
    make_user((Role.RECEPTION_CLERK, mini.town_a_office), username="clerk.e2e", display_name="测试登记员")
    page = phone_page
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    # Keyboard only: type, Tab, type, Enter.
    page.get_by_label("用户名").fill("clerk.e2e")
    page.keyboard.press("Tab")
    page.keyboard.type("wrong-password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("测试登记员")
    expect(page.get_by_text("甲镇信访办")).to_be_visible()
    page.screenshot(path=os.path.join(screenshots_dir, "home-zh-hans-phone.png"), full_page=True)

    page.get_by_role("button", name="展开菜单").click()
    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("heading", level=2).first).to_have_text("我的机构与角色")  # choosing alone changes nothing
    page.get_by_role("button", name="切换").click()  # WCAG 3.2.2: the button applies the choice
    expect(page.get_by_role("heading", level=2).first).to_have_text("My organisations and roles")
    expect(page.get_by_text("Reception clerk")).to_be_visible()
    page.screenshot(path=os.path.join(screenshots_dir, "home-en-phone.png"), full_page=True)

    page.get_by_role("button", name="Open menu").click()
    page.get_by_label("Language").select_option("zh-hant")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text("我的機構與角色")
    page.screenshot(path=os.path.join(screenshots_dir, "home-zh-hant-phone.png"), full_page=True)

    page.get_by_role("button", name="展開菜單").click()
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
