"""The public portal in a real browser, on a phone, in each language (issue 5 items 1, 2, 6; H7):
a person submits a petition through the guided form and its check step, reads the reference and
the query code on the receipt, tracks the matter with them; staff (through the services) forward
and accept it, then issue and deliver the handling opinion; the person tracks again, reads the
status and the due dates in plain words, downloads the opinion, evaluates online (XF-SAT-01/02) and
requests review within the window (XF-REV-01). A screenshot of every page is saved per language."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
from django.core.cache import cache
from django.utils import formats, timezone, translation
from playwright.sync_api import Page, expect

from xinfang.core.actors import SYSTEM
from xinfang.core.testing import build_mini_district
from xinfang.notices.kinds import DocumentKind
from xinfang.orgs.services import reception_point_create
from xinfang.petitions.models import Evaluation, Matter, Review
from xinfang.petitions.services.handling import matter_classify, opinion_deliver, opinion_issue, running_clock
from xinfang.petitions.services.notices import notice_give
from xinfang.petitions.services.routing import matter_forward, routing_accept
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import (
    CLOCK_HANDLING,
    CLOCK_REVIEW_WINDOW,
    Channel,
    EvaluationMethod,
    EvaluationStage,
    LevelDecision,
    Nature,
    NoticeKind,
    NoticeMethod,
    ReviewStage,
    ReviewStatus,
    Source,
    Status,
)
from xinfang.petitions.tests.handling_support import OPINION, build_handling_world, track
from xinfang.petitions.tests.triage_support import BASIS
from xinfang.petitions.tracks import tracks_seed
from xinfang.portal.wording import clock_sentence, status_sentence

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

LANGUAGES = ("zh-hans", "zh-hant", "en")
FORM_MIN_SECONDS = 3.3  # XINFANG_PORTAL_FORM_MIN_SECONDS (3) and a margin: people take that long


def _pdftotext(pdf: bytes) -> str:
    """The PDF's text without whitespace (poppler). Skips when poppler is missing, except in CI."""
    if shutil.which("pdftotext") is None:
        message = "pdftotext not found: apt-get install poppler-utils to check the downloaded notice"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        text = subprocess.run(  # noqa: S603
            [shutil.which("pdftotext") or "pdftotext", "-enc", "UTF-8", handle.name, "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return "".join(text.split())


def _in(language: str, value):
    with translation.override(language):
        return str(value() if callable(value) else value)


def _date(language: str, day) -> str:
    with translation.override(language):
        return formats.date_format(day, "DATE_FORMAT")


def _track(page: Page, ref: str, code: str) -> None:
    """Open the matter on the tracking page with its reference and query code."""
    page.locator("header a[href$='/portal/track/']").click()
    expect(page).to_have_url(re.compile(r"/portal/track/$"))
    page.locator("#id_public_ref").fill(ref)
    page.locator("#id_query_code").fill(code)
    page.locator("main form[action$='/portal/track/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/track/matter/$"))


def _evaluate(page: Page, stage: str, value: str, comment: str) -> None:
    form = page.locator("form[action$='/portal/track/evaluate/']").filter(
        has=page.locator(f"input[name=stage][value={stage}]")
    )
    form.locator(f"input[name=value][value={value}]").check()
    form.locator("textarea[name=comment]").fill(comment)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/track/matter/$"))
    expect(page.locator("main .alert-success").first).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_h7_submit_track_download_evaluate_and_request_review(language, live_server, public_phone, public_shot):
    cache.clear()  # the rate-limit counters of the client address (127.0.0.1), shared by the tests
    tracks_seed()  # migration data: a transactional test before this one flushed it
    mini = build_mini_district()
    hw = build_handling_world(mini)
    reception_point_create(
        actor=SYSTEM,
        organisation=mini.petition_bureau,
        name="测试区信访局接待大厅",
        address="测试区政务路1号",
        hours="周一至周五 9:00-17:00",
        phone="020-0000-0001",
    )
    title = f"村口道路破损多年未修 {language}"
    base = live_server.url

    # Home (XF-CH-02: reception points with address and hours), in the chosen language.
    page = public_phone(language, "/portal/")
    expect(page.locator("main")).to_contain_text("测试区政务路1号" if language != "zh-hant" else "測試區政務路1號")
    public_shot(page, "portal-home", language)

    # The guided form (steps 1-4): who, what happened, what is asked, where.
    page.locator("header a[href$='/portal/submit/']").click()
    expect(page).to_have_url(re.compile(r"/portal/submit/$"))
    shown_at = time.monotonic()
    page.locator("input[name=petitioner_kind][value=person]").check()
    page.locator("#id_name").fill("李四")
    page.locator("#id_phone").fill("13900002222")
    page.locator("#id_address").fill("测试区甲镇幸福路8号")
    page.locator("#id_title").fill(title)
    page.locator("#id_facts").fill("甲一村村口道路自去年起坑洼不平，雨天积水，多次有老人摔倒。")
    page.locator("#id_request").fill("请求尽快修复村口道路。")
    page.locator("#id_reasons").fill("道路破损影响出行安全。")
    page.locator("input[name=problem_kind][value=general]").check()
    # portal.js made two selects of the place: the town, then its villages.
    page.locator("#id_place_town").select_option(label=_in(language, lambda: mini.town_a.local_name))
    page.locator("#id_place").select_option(str(mini.village_a1.pk))
    page.locator("#id_place_text").fill("村口")
    public_shot(page, "portal-submit", language)
    time.sleep(max(0.0, FORM_MIN_SECONDS - (time.monotonic() - shown_at)))  # the time token
    page.locator("button[name=step][value=check]").click()

    # The check step: other channels, similar matters, the summary; then consent and submit.
    expect(page.locator("#channels-heading")).to_be_visible()
    expect(page.locator("#summary-heading")).to_be_visible()
    expect(page.locator("main dl")).to_contain_text(title)
    public_shot(page, "portal-check", language)
    page.locator("input[name=consent]").check()
    page.locator("button[name=step][value=submit]").click()

    # The receipt: reference and query code, shown once.
    expect(page).to_have_url(re.compile(r"/portal/submit/receipt/$"))
    ref = page.locator("#receipt-ref").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z-]{10,13}", ref) and re.fullmatch(r"[0-9A-Z-]{8,10}", code), (ref, code)
    public_shot(page, "portal-receipt", language)
    matter = Matter.objects.get(public_ref=ref.replace("-", ""))
    assert (matter.title, matter.channel, matter.source, matter.registered_org) == (
        title,
        Channel.ONLINE,
        Source.PORTAL,
        mini.petition_bureau,
    )
    assert matter.place_org == mini.village_a1
    assert matter.query_code_hash and code.replace("-", "") not in matter.query_code_hash

    # Tracking with the reference and the code: registered.
    page.locator("header a[href$='/portal/track/']").click()
    public_shot(page, "portal-track", language)
    _track(page, ref, code)
    expect(page.locator("main")).to_contain_text(_in(language, lambda: status_sentence(Status.REGISTERED)))
    public_shot(page, "portal-matter-registered", language)
    page.locator("form[action$='/portal/track/leave/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))

    # Staff, through the services: the bureau forwards it to town A, which accepts it (60 days);
    # each gives its written notice (XF-NOT-01/03), online.
    matter = matter_triage(actor=hw.clerk, matter=matter, level=LevelDecision.LOWER, nature=Nature.GRIEVANCE)
    routing = matter_forward(actor=hw.clerk, matter=matter, to_org=hw.town, basis=BASIS)
    matter.refresh_from_db()
    notice_give(actor=hw.clerk, matter=matter, kind=NoticeKind.FORWARDED_TO, method=NoticeMethod.ONLINE)
    routing_accept(actor=hw.town_head, routing=routing)
    matter.refresh_from_db()
    notice_give(actor=hw.town_head, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.ONLINE)
    handling_clock = running_clock(matter, CLOCK_HANDLING)
    assert matter.status == Status.ACCEPTED and handling_clock is not None

    # The person tracks again: accepted, by town A, the reply due by <date> in the reader's format.
    _track(page, ref, code)
    main = page.locator("main")
    expect(main).to_contain_text(_in(language, lambda: status_sentence(Status.ACCEPTED)))
    expect(main).to_contain_text(_in(language, lambda: mini.town_a.local_name))
    due_sentence = _in(language, lambda: clock_sentence(CLOCK_HANDLING, handling_clock.due_date))
    assert _date(language, handling_clock.due_date) in due_sentence
    expect(main).to_contain_text(due_sentence)
    expect(main.locator("#status-heading ~ ul li")).to_have_count(1)  # the notices given: their clocks stopped
    _evaluate(page, EvaluationStage.ACCEPTANCE, "satisfied", "接待及时")
    public_shot(page, "portal-matter-accepted", language)

    # Staff: classified onto the petition track, the handling opinion issued and delivered by hand.
    matter = matter_classify(actor=hw.town_officer, matter=matter, track=track("petition"))
    opinion = opinion_issue(actor=hw.town_officer, matter=matter, **{**OPINION, "request": matter.request})
    opinion = opinion_deliver(
        actor=hw.town_officer, opinion=opinion, method="hand", delivered_at=timezone.now(), recipient="李四"
    )
    matter.refresh_from_db()
    assert matter.status == Status.REPLIED and opinion.document is not None
    assert opinion.document.kind == DocumentKind.HANDLING_OPINION
    window = running_clock(matter, CLOCK_REVIEW_WINDOW)
    assert window is not None

    # The person: replied, the review window in plain words, the opinion among the notices.
    page.reload()
    expect(main).to_contain_text(_in(language, lambda: status_sentence(Status.REPLIED)))
    expect(main).to_contain_text(_in(language, lambda: clock_sentence(CLOCK_REVIEW_WINDOW, window.due_date)))
    link = page.locator(f"a[href$='/portal/track/documents/{opinion.document.pk}/']")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    pdf_path = download.path()
    assert pdf_path is not None
    with open(pdf_path, "rb") as handle:
        downloaded = handle.read()
    assert downloaded.startswith(b"%PDF-")
    response = page.request.get(f"{base}/portal/track/documents/{opinion.document.pk}/")
    assert response.ok and response.headers["content-type"].startswith("application/pdf"), response.headers
    assert response.body() == downloaded
    # The handling opinion (DOC-05) names the matter by its number and its request (the title is
    # not part of the instrument's text), and is addressed to the petitioner.
    text = _pdftotext(downloaded)
    for needle in (matter.number, matter.request, opinion.document.number, "李四"):
        assert "".join(needle.split()) in text, (needle, text[:500])

    # Evaluation of the handling, online (XF-SAT-02).
    value = "basically_satisfied" if language == "zh-hant" else "satisfied"
    _evaluate(page, EvaluationStage.HANDLING, value, "")
    evaluations = {e.stage: e for e in Evaluation.objects.filter(matter=matter)}
    assert set(evaluations) == {EvaluationStage.ACCEPTANCE, EvaluationStage.HANDLING}
    assert all(e.method == EvaluationMethod.ONLINE and e.recorded_by_id is None for e in evaluations.values())
    assert evaluations[EvaluationStage.HANDLING].value == value
    assert evaluations[EvaluationStage.ACCEPTANCE].comment == "接待及时"

    # Review within the window (XF-REV-01): the last day shown; the body chosen in the form.
    review_form = page.locator("form[action$='/portal/track/review/']")
    expect(page.locator("main")).to_contain_text(_date(language, window.due_date))
    public_shot(page, "portal-matter-replied", language)
    review_form.locator(f"input[name=organisation][value='{hw.housing.pk}']").check()
    review_form.locator("textarea[name=request]").fill("对处理意见不服：道路至今未修，请求复查。")
    review_form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/track/matter/$"))
    expect(page.locator("main .alert-success").first).to_be_visible()
    review = Review.objects.get(matter=matter)
    assert (review.stage, review.status, review.organisation, review.is_late) == (
        ReviewStage.REVIEW,
        ReviewStatus.PENDING,
        hw.housing,
        False,
    )
    assert review.recorded_by.username == "portal"
    matter.refresh_from_db()
    assert (matter.status, matter.current_org) == (Status.IN_REVIEW, hw.housing)
    expect(page.locator("main")).to_contain_text(_in(language, lambda: status_sentence(Status.IN_REVIEW)))
    expect(page.locator("form[action$='/portal/track/review/']")).to_have_count(0)
    public_shot(page, "portal-matter-in-review", language)
