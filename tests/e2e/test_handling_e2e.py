"""Handling in a real browser (issue 4): from acceptance through the extension, the reply and its
delivery, review and re-review (with a hearing) to the final status and a follow-up task. Every
instrument issued on the way is downloaded from the matter page and checked: its text
(`pdftotext`) and its embedded Chinese font (`pdffonts`). Rules: XF-DL-01/02, XF-OPN-01/02,
XF-REV-01..06, XF-END-01, DOC-04..08, DOC-13 (delivery receipt)."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import tempfile

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from xinfang.core.testing import TEST_PASSWORD, build_mini_district
from xinfang.notices.models import Document
from xinfang.petitions.models import HandlingTrack, Matter
from xinfang.petitions.services.handling import running_clock
from xinfang.petitions.services.routing import matter_forward
from xinfang.petitions.states import CLOCK_HANDLING, CLOCK_REREVIEW, LevelDecision, Status
from xinfang.petitions.tests.handling_support import build_handling_world
from xinfang.petitions.tests.triage_support import BASIS, triaged
from xinfang.petitions.tracks import tracks_seed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

POPPLER = ("pdftotext", "pdffonts")


def _require_poppler() -> None:
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not found: apt-get install poppler-utils to check the PDFs"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _poppler(tool: str, *args: str) -> str:
    executable = shutil.which(tool)
    assert executable is not None
    return subprocess.run([executable, *args], capture_output=True, text=True, check=True).stdout  # noqa: S603


def _login(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state()


def _submit(page: Page) -> None:
    page.locator("form[novalidate] button[type=submit]").last.click()
    page.wait_for_load_state()


def _expect_success(page: Page, matter: Matter) -> None:
    expect(page).to_have_url(re.compile(rf"/matters/{matter.pk}/(#.*)?$"))
    expect(page.locator(".alert-success").first).to_be_visible()


def _pdf_checked(page: Page, base: str, document: Document, *needles: str) -> None:
    """Download the PDF through the matter page's link and check its text and embedded fonts."""
    link = page.locator(f'a[href="/documents/{document.pk}/pdf/"]').first
    expect(link).to_be_visible()
    response = page.request.get(f"{base}/documents/{document.pk}/pdf/")
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("application/pdf")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(response.body())
        handle.flush()
        text = _poppler("pdftotext", "-layout", handle.name, "-")
        fonts = _poppler("pdffonts", handle.name)
    flat = re.sub(r"\s+", "", text)
    assert document.number.replace(" ", "") in flat, document.number
    for needle in needles:
        assert re.sub(r"\s+", "", needle) in flat, (document.kind, needle)
    font_rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert font_rows and all(" yes " in row for row in font_rows), fonts  # embedded (emb column)
    assert any("Noto" in row for row in font_rows), fonts


def _document(matter: Matter, kind: str) -> Document:
    return Document.objects.filter(matter=matter, kind=kind).latest("issued_at")


def test_acceptance_extension_reply_review_rereview_and_closure(live_server, browser, screenshots_dir):
    _require_poppler()
    base = live_server.url
    tracks_seed()  # reference data of a migration: a transactional test before this one flushed it
    mini = build_mini_district()
    hw = build_handling_world(mini)
    for user, name in (
        (hw.clerk, "e2e.clerk"),
        (hw.town_head, "e2e.townhead"),
        (hw.town_officer, "e2e.townofficer"),
        (hw.housing_officer, "e2e.housing"),
        (hw.gov_officer, "e2e.gov"),
    ):
        user.username = name
        user.save(update_fields=["username"])
    matter = triaged(hw.world, level=LevelDecision.LOWER)
    matter_forward(actor=hw.clerk, matter=matter, to_org=hw.town, basis=BASIS)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    detail = f"{base}/matters/{matter.pk}/"

    # Acceptance by the town (XF-DL-01: the 60-day clock starts).
    _login(page, base, "e2e.townhead")
    page.goto(f"{base}/matters/routings/")
    page.get_by_role("link", name=re.compile(matter.number)).first.click()
    page.get_by_role("button", name="受理").first.click()
    page.wait_for_load_state()
    matter.refresh_from_db()
    assert matter.status == Status.ACCEPTED
    handling_clock = running_clock(matter, CLOCK_HANDLING)
    assert handling_clock is not None and handling_clock.period == 60

    # Classified onto the petition track by the officer.
    _login(page, base, "e2e.townofficer")
    page.goto(f"{detail}handling/classify/")
    page.locator("form[novalidate] [name=track]").select_option(str(HandlingTrack.objects.get(code="petition").pk))
    _submit(page)
    _expect_success(page, matter)

    # Extension: 31 days is refused with a translated error and nothing written (XF-DL-02) …
    page.goto(f"{detail}handling/extensions/new/")
    page.locator("form[novalidate] [name=days]").fill("31")
    page.locator("form[novalidate] [name=reason]").fill("需要补充调查用人单位的工资发放记录")
    _submit(page)
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_contain_text("30")
    assert not matter.extensions.exists()
    # … 20 days is asked, and the head approves it: the notice (DOC-04) is issued.
    page.locator("form[novalidate] [name=days]").fill("20")
    _submit(page)
    _expect_success(page, matter)
    _login(page, base, "e2e.townhead")
    extension = matter.extensions.get()
    page.goto(f"{detail}handling/extensions/{extension.pk}/decide/")
    page.locator("input[name=approve][value='1']").check()
    _submit(page)
    _expect_success(page, matter)
    extension.refresh_from_db()
    assert extension.status == "approved" and extension.new_due is not None
    handling_clock.refresh_from_db()
    assert handling_clock.due_date == extension.new_due

    # The reply (DOC-05) and its delivery by hand with the delivery receipt (XF-OPN-01, XF-REV-01).
    _login(page, base, "e2e.townofficer")
    page.goto(f"{detail}handling/opinion/")
    page.locator("input[name=outcome][value=explain]").check()
    page.locator("form[novalidate] [name=principle]").select_option("educated")
    page.locator("form[novalidate] [name=facts_reasons]").fill("经调查，用人单位已补发部分工资，其余部分正在协商。")
    page.locator("form[novalidate] [name=opinion]").fill("督促用人单位在一个月内补发剩余工资。")
    page.locator("form[novalidate] [name=legal_basis]").fill("《保障农民工工资支付条例》第十五条")
    _submit(page)
    _expect_success(page, matter)
    opinion = matter.opinions.get(stage="handling")
    page.goto(f"{detail}handling/opinions/{opinion.pk}/deliver/")
    page.locator("form[novalidate] [name=method]").select_option("hand")
    page.locator("form[novalidate] [name=recipient]").fill("张三")
    _submit(page)
    _expect_success(page, matter)
    page.screenshot(path=os.path.join(screenshots_dir, "handling-replied-phone.png"), full_page=True)

    # Review requested of the housing bureau (one level above the town), registered by the clerk.
    _login(page, base, "e2e.clerk")
    page.goto(f"{detail}handling/review/")
    page.locator("input[name=stage][value=review]").check()
    page.locator("form[novalidate] [name=organisation]").select_option(str(hw.housing.pk))
    page.locator("form[novalidate] [name=request]").fill("对处理意见不服，请求复查。")
    _submit(page)
    _expect_success(page, matter)
    matter.refresh_from_db()
    assert matter.status == Status.IN_REVIEW and matter.current_org == hw.housing

    # The review opinion (DOC-06), delivered by post.
    _login(page, base, "e2e.housing")
    review = matter.reviews.get(stage="review")
    page.goto(f"{detail}handling/reviews/{review.pk}/decide/")
    page.locator("input[name=outcome][value=not_support]").check()
    page.locator("form[novalidate] [name=principle]").select_option("educated")
    page.locator("form[novalidate] [name=findings]").fill("原处理意见认定事实清楚。")
    page.locator("form[novalidate] [name=opinion]").fill("维持原处理意见。")
    page.locator("form[novalidate] [name=legal_basis]").fill("《信访工作条例》第三十五条")
    _submit(page)
    _expect_success(page, matter)
    review_opinion = matter.opinions.get(stage="review")
    page.goto(f"{detail}handling/opinions/{review_opinion.pk}/deliver/")
    page.locator("form[novalidate] [name=method]").select_option("post")
    page.locator("form[novalidate] [name=recipient]").fill("张三")
    _submit(page)
    _expect_success(page, matter)

    # Re-review requested of the district government office (one level above a district department).
    _login(page, base, "e2e.clerk")
    page.goto(f"{detail}handling/review/")
    page.locator("input[name=stage][value=rereview]").check()
    page.locator("form[novalidate] [name=organisation]").select_option(str(hw.government.pk))
    page.locator("form[novalidate] [name=request]").fill("对复查意见不服，请求复核。")
    _submit(page)
    _expect_success(page, matter)
    matter.refresh_from_db()
    assert matter.status == Status.IN_REREVIEW

    # A two-day hearing with its notice (DOC-08): the re-review clock moves by two days (XF-REV-05).
    _login(page, base, "e2e.gov")
    rereview_clock = running_clock(matter, CLOCK_REREVIEW)
    assert rereview_clock is not None
    due_before = rereview_clock.due_date
    hearing_day = timezone.localdate() + datetime.timedelta(days=7)
    page.goto(f"{detail}handling/records/new/")
    page.locator("form[novalidate] [name=kind]").select_option("hearing")
    page.locator("form[novalidate] [name=occurred_on]").fill(hearing_day.isoformat())
    page.locator("form[novalidate] [name=end_date]").fill((hearing_day + datetime.timedelta(days=1)).isoformat())
    page.locator("form[novalidate] [name=place]").fill("区信访局听证室")
    page.locator("form[novalidate] [name=summary]").fill("公开听证，听取信访人和用人单位意见。")
    page.locator("form[novalidate] [name=issue_notice]").check()
    _submit(page)
    _expect_success(page, matter)
    rereview_clock.refresh_from_db()
    assert rereview_clock.due_date > due_before

    # The re-review opinion (DOC-07): final (XF-REV-06).
    rereview = matter.reviews.get(stage="rereview")
    page.goto(f"{detail}handling/reviews/{rereview.pk}/decide/")
    page.locator("input[name=outcome][value=not_support]").check()
    page.locator("form[novalidate] [name=principle]").select_option("educated")
    page.locator("form[novalidate] [name=findings]").fill("经听证，原处理意见和复查意见认定事实清楚。")
    page.locator("form[novalidate] [name=opinion]").fill("维持复查意见。")
    page.locator("form[novalidate] [name=legal_basis]").fill("《信访工作条例》第三十六条")
    _submit(page)
    _expect_success(page, matter)
    matter.refresh_from_db()
    assert matter.status == Status.FINAL

    # Closure: a follow-up task (XF-END-01), assigned and closed.
    page.goto(f"{detail}handling/follow-ups/new/")
    page.locator("form[novalidate] [name=kind]").select_option("explanation")
    page.locator("form[novalidate] [name=organisation]").select_option(str(hw.government.pk))
    page.locator("form[novalidate] [name=description]").fill("上门做好疏导教育工作。")
    page.locator("form[novalidate] [name=due_date]").fill(
        (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    )
    _submit(page)
    _expect_success(page, matter)
    task = matter.follow_ups.get(kind="explanation", organisation=hw.government)
    page.goto(f"{detail}handling/follow-ups/{task.pk}/close/")
    page.locator("form[novalidate] [name=result]").fill("已上门疏导，信访人表示理解。")
    _submit(page)
    _expect_success(page, matter)
    task.refresh_from_db()
    assert task.status == "done"

    # Every instrument, downloaded from the matter page: text and embedded fonts.
    page.goto(detail)
    page.screenshot(path=os.path.join(screenshots_dir, "handling-final-phone.png"), full_page=True)
    checks = {
        "extension": ("延期办理告知书", "需要补充调查用人单位的工资发放记录", extension.new_due.isoformat()[:4]),
        "handling_opinion": ("信访处理意见书", "督促用人单位在一个月内补发剩余工资", "解释说明"),
        "delivery_receipt": ("送达回证", "张三"),
        "review_opinion": ("信访复查意见书", "维持原处理意见"),
        "hearing_notice": ("听证通知书", "区信访局听证室"),
        "rereview_opinion": ("信访复核意见书", "维持复查意见", "不再受理"),
    }
    for kind, needles in checks.items():
        _pdf_checked(page, base, _document(matter, kind), *needles)
    assert Document.objects.filter(matter=matter, kind="delivery_receipt").count() == 2

    # The same page in the other two languages (labels translated; data stays as stored).
    for language, heading, final_label in (("en", "Handling", "Re-review opinion"), ("zh-hant", "辦理", "處理途徑")):
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page.goto(detail)
        expect(page.locator("#h-handling")).to_have_text(heading)
        expect(page.locator("#handling")).to_contain_text(final_label)
        page.locator("#handling").screenshot(path=os.path.join(screenshots_dir, f"handling-panel-{language}-phone.png"))
    context.close()
