"""Supervision in a real browser on a phone (issue 8 item 2; XF-SUP-03, XF-SUP-05): a supervisor opens
a matter, opens a supervision order from the matter's panel, and sees the order with its instrument;
the supervised unit's officer then answers it in writing."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from xinfang.accounts.roles import Role
from xinfang.core.testing import TEST_PASSWORD, build_mini_district, make_user
from xinfang.petitions.services.routing import matter_forward
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import LevelDecision, Nature
from xinfang.petitions.testing import register_walk_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page: Page, url: str, username: str, name: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def test_supervisor_opens_an_order_and_the_unit_answers(live_server, phone_page: Page, screenshots_dir):
    mini = build_mini_district()
    clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
    make_user((Role.SUPERVISOR, mini.petition_bureau), username="sup.e2e", display_name="督查专员")
    make_user((Role.HANDLING_OFFICER, mini.housing_bureau), username="officer.e2e", display_name="承办人")
    matter = register_walk_in(mini)
    matter_triage(actor=clerk, matter=matter, level=LevelDecision.THIS_LEVEL, nature=Nature.GRIEVANCE)
    matter_forward(actor=clerk, matter=matter, to_org=mini.housing_bureau, basis="属住建职责。")
    page = phone_page
    _login(page, live_server.url, "sup.e2e", "督查专员")
    page.goto(live_server.url + reverse("petitions:matter_detail", args=[matter.pk]))
    panel = page.locator("section[aria-labelledby=h-supervision]")
    expect(panel).to_contain_text("暂无督办")
    panel.get_by_role("link", name="发起督办").click()
    page.get_by_label("被督办单位").select_option(label="测试区住建局")
    page.get_by_label("督办事由").select_option("overdue")
    page.get_by_label("督办要求").fill("请于期限内办结并书面反馈。")
    page.screenshot(path=os.path.join(screenshots_dir, "supervision-order-form-phone.png"), full_page=True)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("督办 DB")
    expect(page.locator("a[href*='/documents/']")).to_be_visible()  # the 督办单 PDF
    page.screenshot(path=os.path.join(screenshots_dir, "supervision-order-phone.png"), full_page=True)
    order_url = page.url
    page.context.clear_cookies()
    _login(page, live_server.url, "officer.e2e", "承办人")
    page.goto(order_url)
    page.get_by_role("link", name="书面反馈").click()
    page.get_by_label("书面反馈").fill("已督促施工单位支付工资。")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("dl")).to_contain_text("已反馈")


def test_dis_04_real_name_reporter_notices_in_english_on_a_phone(live_server, browser, screenshots_dir):
    """DIS-04 in a real browser, in English: after receipt the bureau records what the real-name
    reporter was told; the notice shows on the referral and the form for it is gone."""
    from xinfang.core.actors import SYSTEM
    from xinfang.orgs.models import Function, Kind
    from xinfang.orgs.services import organisation_create
    from xinfang.supervision.services import referral_create, referral_receive

    mini = build_mini_district()
    discipline = organisation_create(
        actor=SYSTEM,
        name="测试区纪委监委",
        code="TDIS01",
        kind=Kind.DEPARTMENT,
        parent=mini.district,
        function=Function.DISCIPLINE,
    )
    head = make_user((Role.BUREAU_HEAD, mini.petition_bureau), username="head.e2e", display_name="Head")
    clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
    matter = register_walk_in(mini)
    matter = matter_triage(actor=clerk, matter=matter, level=LevelDecision.THIS_LEVEL, nature=Nature.REPORT)
    referral = referral_create(
        actor=head,
        matter=matter,
        sending_org=mini.petition_bureau,
        discipline_org=discipline,
        reason="反映公职人员违纪问题。",
        is_real_name=True,
    )
    referral_receive(actor=head, referral=referral)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("User name").fill("head.e2e")
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)  # signed in before going on
        page.goto(live_server.url + reverse("supervision:referral_detail", args=[referral.pk]))
        form = page.locator("form", has_text="Record the notice of acceptance to the real-name reporter")
        form.get_by_label("What the reporter was told, and how").fill("Told by telephone: accepted for verification.")
        page.screenshot(path=os.path.join(screenshots_dir, "referral-dis04-phone-en.png"), full_page=True)
        form.get_by_role("button", name="Submit").click()
        expect(page.locator("dl")).to_contain_text("Told by telephone: accepted for verification.")
        expect(page.get_by_text("Record the notice of acceptance to the real-name reporter")).to_have_count(0)
    finally:
        context.close()
