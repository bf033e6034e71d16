"""Issue 7 end to end in a real browser: a grid worker reports a neighbour dispute on a phone and
escalates it to the town; a town mediator takes it into mediation with the parties' consent,
accepts the case, records a session, records the agreement and issues the agreement as a PDF; the
result returns to the grid event, which is closed (GRID-09, MED-01, MED-04)."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from xinfang.accounts.roles import Role
from xinfang.core.testing import build_mini_district, make_user
from xinfang.grid.models import CategoryDue, DisputeCategory, GridEvent
from xinfang.grid.seed import categories_seed
from xinfang.grid.services import grid_profile_save
from xinfang.grid.states import EventStatus, Layer
from xinfang.mediation import services as mediation
from xinfang.mediation.models import MediationCase
from xinfang.mediation.states import BodyKind

from .test_walk_in_e2e import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_grid_worker_reports_and_escalates_a_town_mediator_settles_it_with_an_agreement_pdf(
    live_server, browser, screenshots_dir
):
    mini = build_mini_district()
    categories_seed(DisputeCategory, CategoryDue)
    admin = make_user((Role.SYSTEM_ADMIN, mini.district))
    grid_profile_save(
        actor=admin, grid=mini.grid_a1_1, boundary=square(113.50, 22.70), layers=[Layer.GOVERNANCE, Layer.SERVICE]
    )
    mediation.mediation_body_create(
        actor=admin, organisation=mini.town_a, name="甲镇人民调解委员会", kind=BodyKind.COMMITTEE_TOWN
    )
    make_user((Role.GRID_WORKER, mini.grid_a1_1), username="grid.e2e", display_name="网格员甲")
    make_user((Role.MEDIATOR, mini.town_a), username="mediator.e2e", display_name="调解员乙")
    base = live_server.url

    # 1. The grid worker, on a phone: report, then escalate to the town.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = phone.new_page()
    sign_in(page, base, "grid.e2e")
    page.goto(f"{base}/grid/report/")
    page.get_by_label("事发地点").fill("甲一村3巷5号")
    page.get_by_label("事件描述").fill("楼上住户水管漏水，渗到楼下，邻居协商不成，双方发生争吵。")
    page.locator("#id_parties-0-name").fill("张三")
    page.locator("#id_parties-0-role").select_option("applicant")
    page.locator("#id_parties-1-name").fill("李四")
    page.locator("#id_parties-1-role").select_option("respondent")
    page.screenshot(path=os.path.join(screenshots_dir, "grid-report-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("事件已上报")
    event = GridEvent.objects.get()
    assert event.suggested_category is not None  # "漏水 / 邻居" gave a keyword suggestion
    page.get_by_label("上报理由").fill("村里调解不成，请镇里调解。")
    page.get_by_role("button", name="上报上级").click()
    expect(page.get_by_role("alert")).to_contain_text("已上报上级处置")
    event.refresh_from_db()
    assert event.status == EventStatus.ESCALATED and event.current_org_id == mini.town_a.pk
    phone.close()

    # 2. The town mediator: into mediation with consent, accept, a session, the agreement, the PDF.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    sign_in(page, base, "mediator.e2e")
    page.goto(f"{base}/grid/events/{event.pk}/")
    page.get_by_label("当事人已同意调解").check()
    page.get_by_role("button", name="转为调解案件").click()
    case = MediationCase.objects.get()
    page.goto(f"{base}/mediation/{case.pk}/")
    for button in page.get_by_role("button", name="记录同意").all():
        button.click()
        page.wait_for_load_state()
    page.locator("summary", has_text=re.compile(r"^受理$")).click()
    page.locator("form[action$='/accept/'] button[type=submit]").click()
    page.locator("summary", has_text="记录调解").click()
    form = page.locator("form[action$='/session/']")
    form.get_by_label("调解时间").fill(re.sub(r"\..*", "", case.created_at.astimezone().strftime("%Y-%m-%dT%H:%M")))
    form.get_by_label("调解地点").fill("甲镇人民调解委员会调解室")
    form.get_by_label("调解情况").fill("双方到场，查明漏水原因为楼上水管老化。")
    form.locator("button[type=submit]").click()
    page.locator("summary", has_text="达成调解协议").click()
    form = page.locator("form[action$='/agree/']")
    form.get_by_label("纠纷的主要事实、争议事项及各方责任").fill("楼上水管老化漏水致楼下天花板受损，楼上负主要责任。")
    form.get_by_label("协议内容").fill("楼上住户七日内修复水管，并赔偿楼下维修费五百元。")
    form.get_by_label("履行方式和期限").fill("七日内修复；赔偿款当场付清。")
    form.locator("button[type=submit]").click()
    page.locator("summary", has_text="出具调解协议书").click()
    page.locator("form[action$='/issue/'] button[type=submit]").click()
    link = page.get_by_role("link", name=re.compile("PDF"))
    expect(link).to_be_visible()
    page.screenshot(path=os.path.join(screenshots_dir, "mediation-agreement-desk.png"), full_page=True)
    pdf = page.request.get(base + (link.get_attribute("href") or ""))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    desk.close()

    case.refresh_from_db()
    event.refresh_from_db()
    assert case.status == "agreed" and case.agreement_document is not None
    assert event.status == EventStatus.CLOSED  # the result came back to the event (GRID-09)
