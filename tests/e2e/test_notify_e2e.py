"""A unit head on a phone sees the unread badge, opens the notifications of a clock due soon and an
overdue one (S1), marks one read, then all."""

from __future__ import annotations

import datetime
import os

import pytest
from playwright.sync_api import Page, expect

from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import TEST_PASSWORD, build_mini_district, make_user
from xinfang.notify.services import clock_sweep
from xinfang.workcalendar.services import clock_start
from xinfang.workcalendar.testing import seed_test_calendar

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_s1_head_reads_clock_notifications_on_a_phone(live_server, phone_page: Page, screenshots_dir, settings):
    settings.XINFANG_NOTIFY_BADGE = True  # off in the other browser tests (config/settings/test.py)
    seed_test_calendar()  # a transactional test may follow another that flushed the calendar
    mini = build_mini_district()
    make_user((Role.UNIT_HEAD, mini.housing_bureau), username="head.e2e", display_name="住建局负责人")
    for n, due in enumerate((datetime.date(2026, 11, 18), datetime.date(2026, 11, 24))):
        clock_start(
            object_type="e2e.thing",
            object_id=str(n),
            kind="e2e_period",
            start_date=due - datetime.timedelta(days=1),
            period=1,
            unit="calendar",
            actor=SYSTEM,
            org_id=mini.housing_bureau.pk,
        )
    clock_sweep(actor=SYSTEM, today=datetime.date(2026, 11, 23))
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("head.e2e")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="展开菜单").click()
    badge = page.locator("#notify-badge")
    expect(badge).to_contain_text("2")
    badge.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的通知")
    expect(page.get_by_text("即将到期：")).to_be_visible()
    expect(page.get_by_text("已逾期：")).to_be_visible()
    page.screenshot(path=os.path.join(screenshots_dir, "notifications-phone.png"), full_page=True)
    page.get_by_role("button", name="标为已读", exact=True).first.click()
    expect(page.get_by_role("button", name="标为已读", exact=True)).to_have_count(1)
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.get_by_role("alert")).to_contain_text("已将 1 条通知标为已读")
    expect(page.get_by_role("button", name="标为已读", exact=True)).to_have_count(0)
