"""The one-stop service platform in a real browser (issue 5 item 3; P1), in each language: a person
finds a point in the catalogue, books legal aid there on a phone, keeps the reference and the
access code; the staff of that point accept the request and complete it with an outcome in the
staff inbox; the person's status page shows the outcome. A screenshot of every page is saved."""

from __future__ import annotations

import datetime
import os
import re
import time

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import TEST_PASSWORD, build_mini_district, make_user
from xinfang.core.text import to_traditional
from xinfang.legalservices.models import RequestStatus, ServiceKind, ServicePoint, ServiceRequest
from xinfang.legalservices.seed import seed_kinds
from xinfang.legalservices.selectors import status_explanation
from xinfang.legalservices.services import service_point_save
from xinfang.orgs.models import Function, Kind, Organisation
from xinfang.orgs.services import organisation_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

LANGUAGES = ("zh-hans", "zh-hant", "en")
FORM_MIN_SECONDS = 3.3  # legalservices.abuse.MIN_SECONDS (3) and a margin
NOTE = "请于预约当天上午九点携带身份证和欠薪证据到中心二楼窗口。"
OUTCOME = "经审查符合法律援助条件，已指派律师王明代理追索劳动报酬，律师将在三日内与您联系。"


def _department(name: str, parent: Organisation, code: str, **extra: object) -> Organisation:
    return organisation_create(
        actor=SYSTEM, name=name, code=code, kind=Kind.DEPARTMENT, parent=parent, function=Function.JUSTICE, **extra
    )


def _point(org: Organisation, name: str, kinds: list[ServiceKind], **extra: str) -> ServicePoint:
    point = ServicePoint(
        organisation=org,
        name=name,
        address=f"{org.name}一楼",
        hours="周一至周五 9:00-17:00",
        phone="020-0000-9999",
        **extra,
    )
    return service_point_save(actor=SYSTEM, point=point, kinds=kinds)


def _shown(language: str, text: str) -> str:
    """Stored Chinese text as the reader sees it (OpenCC for zh-hant; as stored otherwise)."""
    return to_traditional(text) if language == "zh-hant" else text


def _in(language: str, value):
    with translation.override(language):
        return str(value())


def _status(page: Page, reference: str, code: str) -> None:
    page.goto(page.url.split("/services/")[0] + "/services/status/")
    page.locator("#id_reference").fill(reference)
    page.locator("#id_code").fill(code)
    page.locator("main form[action$='/services/status/'] button[type=submit]").last.click()
    page.wait_for_load_state()
    expect(page.locator("#result-title")).to_contain_text(reference)


@pytest.mark.parametrize("language", LANGUAGES)
def test_p1_legal_aid_booked_handled_by_the_point_and_the_outcome_shown(
    language, live_server, browser, public_phone, public_shot, public_screenshots_dir
):
    cache.clear()  # rate limits (5 bookings an hour per address) and used form tokens
    seed_kinds(ServiceKind)  # the data migration's kinds: a transactional test before this one flushed them
    kinds = {kind.code: kind for kind in ServiceKind.objects.all()}
    mini = build_mini_district()
    justice = _department("测试区司法局", mini.district, "E2E-SFJ", name_en="Test District Justice Bureau")
    town_justice = _department("甲镇司法所", mini.town_a, "E2E-A-SFS")
    centre = _point(
        justice,
        "测试区公共法律服务中心",
        list(kinds.values()),
        name_en="Test District Public Legal Service Centre",
        hours_en="Monday to Friday 9:00-17:00",
    )
    _point(town_justice, "甲镇公共法律服务工作站", [kinds["consultation"], kinds["legal_aid"]])
    officer = make_user((Role.HANDLING_OFFICER, justice), username="e2e.legalaid")
    other_town = make_user((Role.HANDLING_OFFICER, town_justice), username="e2e.townjustice")
    centre_name = _in(language, lambda: centre.local_name)
    legal_aid = kinds["legal_aid"]

    # The catalogue: the point with where, when and how; then the point and its legal-aid entry.
    page = public_phone(language, "/services/")
    main = page.locator("main")
    expect(main).to_contain_text(centre_name)
    expect(main).to_contain_text(_in(language, lambda: legal_aid.local_name))
    public_shot(page, "services-catalogue", language)
    main.locator(f"a[href$='/services/points/{centre.pk}/']").first.click()
    expect(page.locator("h1")).to_have_text(centre_name)
    expect(main).to_contain_text(_shown(language, centre.address))
    public_shot(page, "services-point", language)
    main.locator("a[href*='kind=legal_aid']").click()

    # The booking form, the kind chosen; filled in as a person would, not faster than 3 s.
    expect(page).to_have_url(re.compile(r"/services/request/\?point=\d+&kind=legal_aid$"))
    shown_at = time.monotonic()
    expect(page.locator("#id_kind")).to_have_value(str(legal_aid.pk))
    preferred = timezone.localdate() + datetime.timedelta(days=2)
    page.locator("#id_preferred_date").fill(preferred.isoformat())
    page.locator("input[name=time_slot][value=afternoon]").check()
    page.locator("#id_name").fill("梁秀英")
    page.locator("#id_phone").fill("13800009001")
    page.locator("#id_description").fill("包工头拖欠工资一万二千元，想申请法律援助。")
    page.locator("#id_consent").check()
    public_shot(page, "services-request", language)
    time.sleep(max(0.0, FORM_MIN_SECONDS - (time.monotonic() - shown_at)))
    page.locator("main form[action$='/services/request/'] button[type=submit]").click()

    # The receipt: reference and access code, shown once; the 7-day decision date (D38).
    expect(page).to_have_url(re.compile(r"/services/request/done/$"))
    values = page.locator("main .alert-success dd.font-monospace")
    expect(values).to_have_count(2)
    reference, code = (text.strip() for text in values.all_inner_texts())
    assert re.fullmatch(r"LS-[0-9A-Z]{4}-[0-9A-Z]{4}", reference), reference
    public_shot(page, "services-done", language)
    booked = ServiceRequest.objects.get(reference=reference)
    assert (booked.point, booked.kind, booked.status, booked.preferred_date, booked.time_slot) == (
        centre,
        legal_aid,
        RequestStatus.REQUESTED,
        preferred,
        "afternoon",
    )
    assert booked.language == language
    assert booked.access_code_hash and code.replace("-", "") not in booked.access_code_hash  # a keyed hash only

    # The person's status page: received.
    page.locator("main a[href$='/services/status/']").first.click()
    public_shot(page, "services-status-form", language)
    _status(page, reference, code)
    expect(main).to_contain_text(_in(language, lambda: status_explanation(booked)))
    public_shot(page, "services-status-requested", language)

    # Staff of another point do not see it; the point's own officer accepts and completes it.
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    desk = staff.new_page()
    _login(desk, live_server.url, other_town.username)
    desk.goto(f"{live_server.url}/services/staff/")
    expect(desk.locator(f"a:text-is('{reference}')")).to_have_count(0)
    assert desk.goto(f"{live_server.url}/services/staff/{booked.pk}/").status == 404
    _login(desk, live_server.url, officer.username)
    desk.goto(f"{live_server.url}/services/staff/")
    expect(desk.locator("html")).to_have_attribute("lang", language)
    desk.screenshot(path=os.path.join(public_screenshots_dir, f"services-staff-inbox-{language}.png"))
    desk.locator(f"a:text-is('{reference}')").click()
    expect(desk).to_have_url(re.compile(rf"/services/staff/{booked.pk}/$"))
    desk.locator("form[action$='/accept/'] [name=note]").fill(NOTE)
    desk.locator("form[action$='/accept/'] button[type=submit]").click()
    expect(desk.locator(".alert-success").first).to_be_visible()
    booked.refresh_from_db()
    assert booked.status == RequestStatus.ACCEPTED and booked.handled_by == officer
    desk.locator("form[action$='/complete/'] [name=outcome]").fill(OUTCOME)
    desk.locator("form[action$='/complete/'] button[type=submit]").click()
    expect(desk.locator(".alert-success").first).to_be_visible()
    desk.screenshot(path=os.path.join(public_screenshots_dir, f"services-staff-detail-{language}.png"))
    staff.close()
    booked.refresh_from_db()
    assert (booked.status, booked.outcome, booked.public_note) == (RequestStatus.COMPLETED, OUTCOME, NOTE)
    assert booked.closed_at is not None

    # The person looks again: completed, with the point's note and the outcome in plain words.
    _status(page, reference, code)
    expect(main).to_contain_text(_in(language, lambda: status_explanation(booked)))
    expect(main).to_contain_text(_shown(language, OUTCOME))
    expect(main).to_contain_text(_shown(language, NOTE))
    expect(main.locator("button[name=action][value=cancel]")).to_have_count(0)  # done: no cancelling
    public_shot(page, "services-status-completed", language)


def _login(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies(name="sessionid")
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


WALK_IN_OUTCOME = "已当面解答：拖欠的工资可以向劳动监察部门投诉，也可以申请劳动仲裁；已为您填写法律援助申请表。"


def test_p1_walk_in_registered_by_staff_completed_and_seen_by_the_person(
    live_server, browser, public_phone, public_shot, public_screenshots_dir
):
    """P1: a person walks into a town's service point; the clerk registers the request (the kinds
    offered follow the chosen point), accepts it on the spot, prints the slip with the reference and
    access code, completes it; the person, reading English, finds the outcome on the status page."""
    cache.clear()
    seed_kinds(ServiceKind)  # the data migration's kinds: a transactional test before this one flushed them
    kinds = {kind.code: kind for kind in ServiceKind.objects.all()}
    mini = build_mini_district()
    justice = _department("测试区司法局", mini.district, "E2E-W-SFJ", name_en="Test District Justice Bureau")
    town_justice = _department("甲镇司法所", mini.town_a, "E2E-W-A-SFS", name_en="Town A Justice Office")
    _point(justice, "测试区公共法律服务中心", list(kinds.values()), name_en="Test District Public Legal Service Centre")
    station = _point(
        town_justice,
        "甲镇公共法律服务工作站",
        [kinds["consultation"], kinds["legal_aid"]],
        name_en="Town A Public Legal Service Station",
        address_en="1/F, Town A Government, 1 Hexie Road",
        hours_en="Monday to Friday 9:00-17:00",
    )
    clerk = make_user((Role.BUREAU_HEAD, mini.petition_bureau), username="e2e.walkin")  # every point of the district

    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk = staff.new_page()
    _login(desk, live_server.url, clerk.username)
    desk.goto(f"{live_server.url}/services/staff/")
    desk.locator("main a[href$='/services/staff/new/']").click()
    expect(desk).to_have_url(re.compile(r"/services/staff/new/$"))

    # The kinds offered follow the chosen point: the town station has two of the six.
    desk.locator("#id_point").select_option(str(station.pk))
    offered = desk.locator("#id_kind option:not([hidden]):not([value=''])")
    expect(offered).to_have_count(2)
    desk.locator("#id_channel_0").check()  # walk-in
    desk.locator("#id_kind").select_option(str(kinds["consultation"].pk))
    desk.locator("#id_name").fill("黄国华")
    desk.locator("#id_phone").fill("13800009004")
    desk.locator("#id_description").fill("工资被拖欠两个月，想咨询怎么办。")
    desk.locator("#id_language").select_option("en")
    desk.locator("#id_accept_now").check()
    desk.locator("#id_note").fill("请到二楼窗口等候叫号。")
    desk.locator("#id_informed").check()
    desk.screenshot(path=os.path.join(public_screenshots_dir, "services-staff-new-zh-hans.png"), full_page=True)
    desk.locator("main form button[type=submit]").click()

    # The slip: reference and code to hand over, in the person's language (English), shown once.
    expect(desk).to_have_url(re.compile(r"/services/staff/new/slip/$"))
    reference = desk.locator("#slip-reference").inner_text().strip()
    code = desk.locator("#slip-code").inner_text().strip()
    assert re.fullmatch(r"LS-[0-9A-Z]{4}-[0-9A-Z]{4}", reference), reference
    expect(desk.locator("section.slip")).to_have_attribute("lang", "en")
    expect(desk.locator("section.slip")).to_contain_text("Town A Public Legal Service Station")
    expect(desk.locator("section.slip")).to_contain_text("1/F, Town A Government, 1 Hexie Road")
    expect(desk.locator("[data-slip-print]")).to_be_visible()
    desk.emulate_media(media="print")
    expect(desk.locator("nav.navbar")).to_be_hidden()  # the slip prints alone
    desk.screenshot(path=os.path.join(public_screenshots_dir, "services-staff-slip-print.png"), full_page=True)
    desk.emulate_media(media="screen")
    registered = ServiceRequest.objects.get(reference=reference)
    assert (registered.channel, registered.status, registered.point) == ("walk_in", RequestStatus.ACCEPTED, station)

    # The clerk completes it from the request's page.
    desk.locator(f"main a[href$='/services/staff/{registered.pk}/']").click()
    desk.locator("form[action$='/complete/'] [name=outcome]").fill(WALK_IN_OUTCOME)
    desk.locator("form[action$='/complete/'] button[type=submit]").click()
    expect(desk.locator(".alert-success").first).to_be_visible()
    desk.screenshot(path=os.path.join(public_screenshots_dir, "services-staff-walk-in-detail-zh-hans.png"))
    assert desk.goto(f"{live_server.url}/services/staff/new/slip/").url.endswith("/services/staff/")  # shown once
    staff.close()
    registered.refresh_from_db()
    assert registered.status == RequestStatus.COMPLETED

    # The person, on their phone in English, looks it up with the slip's reference and code.
    page = public_phone("en", "/services/status/")
    _status(page, reference, code)
    main = page.locator("main")
    expect(main).to_contain_text(_in("en", lambda: status_explanation(registered)))
    expect(main).to_contain_text(WALK_IN_OUTCOME)
    expect(main).to_contain_text("Town A Public Legal Service Station")
    public_shot(page, "services-status-walk-in", "en")
