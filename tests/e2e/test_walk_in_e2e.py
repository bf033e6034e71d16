"""Issue 3, end to end in a real browser: a walk-in registered at the counter from the keyboard
alone, triaged (three distinctions), forwarded, and accepted by the receiving unit."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from xinfang.accounts.roles import Role
from xinfang.core.testing import TEST_PASSWORD, build_mini_district, make_user
from xinfang.petitions.models import Matter
from xinfang.petitions.states import Status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def tab_to(page: Page, element_id: str, limit: int = 15) -> None:
    """Press Tab until the element has the focus: proves it is reachable from the keyboard."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} not reached with Tab")


def test_walk_in_registration_triage_forward_and_acceptance(live_server, browser, screenshots_dir):
    mini = build_mini_district()
    make_user((Role.RECEPTION_CLERK, mini.petition_bureau), username="clerk.e2e", display_name="王接待")
    make_user((Role.BUREAU_HEAD, mini.petition_bureau), username="head.e2e")
    make_user((Role.HANDLING_OFFICER, mini.housing_bureau), username="officer.e2e", display_name="李承办")
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()

    # 1. The counter: keyboard only.
    sign_in(page, base, "clerk.e2e")
    page.goto(f"{base}/matters/register/")
    page.locator("#id_channel").focus()
    page.keyboard.press("ArrowDown")  # 走访, the first channel
    expect(page.locator("#id_channel")).to_have_value("visit")
    tab_to(page, "id_oral_recorded_by")
    page.keyboard.type("王接待")
    tab_to(page, "id_petitioner_name")
    page.keyboard.type("赵六")
    tab_to(page, "id_petitioner_address")
    page.keyboard.type("测试区甲镇甲一村8号")
    tab_to(page, "id_request")
    page.keyboard.type("请求督促开发商维修漏水的房屋。")
    tab_to(page, "id_facts")
    page.keyboard.type("去年交付的房屋卫生间漏水，开发商多次推诿。")
    tab_to(page, "id_reasons")
    page.keyboard.type("房屋在保修期内。")
    tab_to(page, "intake-submit", limit=40)
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(rf"{mini.petition_bureau.code}-\d{{4}}-\d{{6}}")).first).to_be_visible()
    page.screenshot(path=os.path.join(screenshots_dir, "e2e-registered.png"), full_page=True)
    matter = Matter.objects.get()
    assert matter.status == Status.REGISTERED and matter.oral_recorded_by == "王接待"

    # 2. Triage: the three distinctions, then forward to the competent bureau.
    page.goto(f"{base}/matters/{matter.pk}/triage/")
    page.get_by_label("本级").first.check()
    page.get_by_label("申诉求决类").first.check()
    page.get_by_role("button", name="保存").first.click()
    expect(page.get_by_role("alert").or_(page.locator(".alert")).first).to_be_visible()
    forward = page.locator("#tab-forward")
    forward.locator("select").first.select_option(value=str(mini.housing_bureau.pk))
    forward.get_by_role("button", name="转送").click()
    matter.refresh_from_db()
    assert matter.status == Status.FORWARDED and matter.current_org_id == mini.housing_bureau.pk
    page.screenshot(path=os.path.join(screenshots_dir, "e2e-forwarded.png"), full_page=True)
    page.get_by_role("button", name="退出").click()

    # 3. The receiving unit accepts.
    sign_in(page, base, "officer.e2e")
    page.goto(f"{base}/matters/routings/")
    page.get_by_role("link", name=re.compile(matter.number)).first.click()
    page.get_by_role("button", name="受理").first.click()
    matter.refresh_from_db()
    assert matter.status == Status.ACCEPTED
    page.goto(f"{base}/matters/{matter.pk}/")
    expect(page.get_by_text("已受理").first).to_be_visible()
    page.screenshot(path=os.path.join(screenshots_dir, "e2e-accepted.png"), full_page=True)
    context.close()
