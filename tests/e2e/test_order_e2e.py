"""Order in a real browser on a phone (issue 8 item 6; XF-BEH-01, XF-BEH-02, O1): a clerk opens a
matter, records conduct from the matter's panel (the system records, never sanctions), then opens
the cluster warning the matter belongs to and acknowledges it with a note."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from xinfang.accounts.roles import Role
from xinfang.core.testing import TEST_PASSWORD, build_mini_district, make_user
from xinfang.petitions.testing import register_walk_in
from xinfang.publicorder.services import order_warning_check

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_records_conduct_and_acknowledges_a_warning(live_server, phone_page: Page, screenshots_dir, settings):
    settings.XINFANG_ORDER_WARNING = {"THRESHOLD": 3}
    mini = build_mini_district()
    make_user((Role.RECEPTION_CLERK, mini.petition_bureau), username="clerk.order", display_name="接访员")
    matters = [register_walk_in(mini) for _ in range(3)]
    order_warning_check()
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("clerk.order")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("接访员")
    page.goto(live_server.url + reverse("petitions:matter_detail", args=[matters[0].pk]))
    panel = page.locator("#order-panel")
    expect(panel).to_contain_text("聚集预警")
    panel.get_by_role("link", name="记录信访秩序情况").click()
    page.get_by_label("行为类型（条例第二十六条）").select_option("lingering")
    page.get_by_label("发生时间").fill("2026-01-05T10:00")
    page.get_by_label("详细地点").fill("区信访局接待大厅")
    page.get_by_label("经过", exact=True).fill("接待结束后拒绝离开。")
    page.get_by_role("checkbox", name="教育").check()
    page.screenshot(path=os.path.join(screenshots_dir, "order-conduct-form-phone.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("滞留滋事")
    expect(page.get_by_text("本系统只作记录，不作出任何处罚（XF-BEH-02）。")).to_be_visible()
    page.goto(live_server.url + reverse("petitions:matter_detail", args=[matters[0].pk]))
    page.locator("#order-panel").get_by_role("link", name="同一类问题 · 拖欠工资").click()
    expect(page.locator("tr[data-matter]")).to_have_count(3)
    page.get_by_label("处理情况").fill("已约谈用工单位，督促支付。")
    page.get_by_role("button", name="标记为已知悉").click()
    expect(page.get_by_text("已知悉").first).to_be_visible()
    page.screenshot(path=os.path.join(screenshots_dir, "order-warning-phone.png"), full_page=True)
