"""The guidance map and the complaint and appeal guides in a real browser, on a phone, in each
language (issue 5 items 4-6; A7, O2): the map names the competent department from the power list
and the legal channels from the classified-handling list with their bodies; its print link gives a
one-page PDF; the guides read in the reader's language. A screenshot of every page is saved."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from playwright.sync_api import expect

from xinfang.core.actors import SYSTEM
from xinfang.core.testing import build_mini_district
from xinfang.guidance.models import Guide
from xinfang.guidance.services import seed_guides
from xinfang.orgs.models import Function, Kind, Level
from xinfang.orgs.services import organisation_create, reception_point_create
from xinfang.petitions.models import HandlingTrack
from xinfang.petitions.tracks import tracks_seed
from xinfang.powerlist.services import matter_type_create, power_add

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

LANGUAGES = ("zh-hans", "zh-hant", "en")
POPPLER = ("pdfinfo", "pdftotext")


def _poppler(tool: str, pdf: bytes) -> str:
    missing = [name for name in POPPLER if shutil.which(name) is None]
    if missing:
        message = f"{', '.join(missing)} not found: apt-get install poppler-utils to check the printable map"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        args = [shutil.which(tool) or tool, *(("-enc", "UTF-8") if tool == "pdftotext" else ()), handle.name]
        if tool == "pdftotext":
            args.append("-")
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout  # noqa: S603


def _flat(text: str) -> str:
    return "".join(text.split())


def _in(language: str, value):
    with translation.override(language):
        return str(value())


@pytest.mark.parametrize("language", LANGUAGES)
def test_a7_o2_guidance_map_its_one_page_pdf_and_the_guides(language, live_server, public_phone, public_shot):
    cache.clear()  # the PDF cache and its rate limit (20 a minute per address)
    tracks_seed()  # the classified-handling list: migration data a flush removed
    seed_guides()  # migration data: a transactional test before this one flushed it
    mini = build_mini_district()
    since = timezone.localdate().replace(day=1)
    hr = organisation_create(
        actor=SYSTEM,
        name="测试区人力资源和社会保障局",
        code="E2E-HR",
        kind=Kind.DEPARTMENT,
        parent=mini.district,
        function=Function.FUNCTIONAL,
        name_en="Test District Human Resources and Social Security Bureau",
        phone="020-0000-1001",
    )
    court = organisation_create(
        actor=SYSTEM,
        name="测试区人民法院",
        code="E2E-FY",
        kind=Kind.DEPARTMENT,
        parent=mini.district,
        function=Function.COURT,
        name_en="Test District People's Court",
    )
    wages = matter_type_create(
        actor=SYSTEM, code="WAGE-ARREARS", name="拖欠工资", name_en="Wage arrears", keywords="欠薪", sort_order=1
    )
    power_add(
        actor=SYSTEM,
        matter_type=wages,
        level=Level.DISTRICT,
        organisation=hr,
        legal_basis="《劳动保障监察条例》第十一条",
        valid_from=since,
    )
    reception_point_create(
        actor=SYSTEM,
        organisation=mini.petition_bureau,
        name="测试区信访局接待大厅",
        address="测试区政务路1号",
        hours="周一至周五 9:00-17:00",
        phone="020-0000-0001",
    )
    litigation = HandlingTrack.objects.get(code="litigation")
    names = {
        "department": _in(language, lambda: hr.local_name),
        "matter type": _in(language, lambda: wages.local_name),
        "channel": _in(language, lambda: litigation.local_name),
        "court": _in(language, lambda: court.local_name),
    }
    if language == "en":
        assert names["department"] == "Test District Human Resources and Social Security Bureau"
        assert names["channel"] == "Routed into litigation"
    elif language == "zh-hant":
        assert names["department"] == "測試區人力資源和社會保障局" and names["channel"] == "導入訴訟程序"

    # The map of the district: the department of the power list, the legal channel and its court.
    page = public_phone(language, "/guide/")
    main = page.locator("main")
    for what, name in names.items():
        expect(main, what).to_contain_text(name)
    expect(main).to_contain_text("020-0000-0001")  # the reception point's telephone
    public_shot(page, "guide-map", language)

    # The printable map of the page's language (A4): one page, the same department and channel.
    link = main.locator(f"a[href*='map.pdf'][href*='size=a4'][href*='lang={language}']").first
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href is not None
    response = page.request.get(f"{live_server.url}{href}")
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("application/pdf")
    pdf = response.body()
    info = _poppler("pdfinfo", pdf)
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    text = _flat(_poppler("pdftotext", pdf))
    assert _flat(names["channel"]) in text, text[:400]
    assert _flat(names["matter type"]) in text, text[:400]

    # The map of one town, chosen on the page.
    page.locator("#gm-org").select_option(str(mini.town_a.pk))
    page.locator("#gm-org").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/guide/\?org={mini.town_a.pk}$"))
    expect(page.locator("main p.lead")).to_have_text(_in(language, lambda: mini.town_a.local_name))
    public_shot(page, "guide-map-town", language)

    # The complaint and appeal guides, in the reader's language (O2).
    page.locator("header a[href$='/guide/guides/']").click()
    expect(page).to_have_url(re.compile(r"/guide/guides/$"))
    guide = Guide.objects.get(slug="court-petitions")
    title = {"zh-hans": guide.title_zh_hans, "zh-hant": guide.title_zh_hant, "en": guide.title_en}[language]
    assert title
    public_shot(page, "guide-guides", language)
    page.locator("main").get_by_role("link", name=title).click()
    expect(page).to_have_url(re.compile(r"/guide/guides/court-petitions/$"))
    expect(page.locator("main h1")).to_have_text(title)
    expect(page.locator("main .alert-info")).to_have_count(0)  # no fallback: the text exists in this language
    public_shot(page, "guide-guide", language)
