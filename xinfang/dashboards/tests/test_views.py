"""The dashboard pages: permission per view (anonymous redirected, wrong organisation refused,
right role allowed), query counts that do not grow with the data, drill-down links, Excel export
through the one export path, the PDF report, the oversight report and the open statistics with
small counts suppressed. G1, G3; XF-SUP-06 (annual report figures); XF-TRI-01, XF-DL-01."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from xinfang.petitions.states import Channel
from xinfang.petitions.testing import register_walk_in

from .conftest import Stats

pytestmark = pytest.mark.django_db
URL = "/dashboards/"
OVERSIGHT = "/dashboards/oversight/"
PUBLIC = "/statistics/"


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", [URL, OVERSIGHT])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("url", [URL, OVERSIGHT])
def test_without_statistics_view_refused(client, stats: Stats, url):
    assert login(client, stats.officer).get(url).status_code == 403


@pytest.mark.parametrize("url", [URL, OVERSIGHT])
def test_wrong_organisation_refused(client, stats: Stats, url):
    """A town clerk (statistics.view over street B) cannot choose the district or town A."""
    login(client, stats.town_clerk)
    response = client.get(url, {"organisation": stats.mini.town_a.pk})
    assert response.status_code == 200
    assert response.context["form"].errors.get("organisation")
    assert response.context["form"].fields["organisation"].queryset.filter(pk=stats.mini.district.pk).count() == 0


def test_g1_district_dashboard_for_the_bureau_head(client, stats: Stats, django_assert_max_num_queries):
    """G1: the bureau head sees the district's figures; queries stay flat as matters grow."""
    for _n in range(3):
        register_walk_in(stats.mini)
    login(client, stats.bureau_head)
    client.get(URL)  # warm caches (sessions, scopes)
    with django_assert_max_num_queries(20):
        response = client.get(URL, {"organisation": stats.mini.district.pk})
    first = len(response.content)
    assert response.status_code == 200 and response.context["board"].total == 3
    for _n in range(5):
        register_walk_in(stats.mini, channel=Channel.LETTER)
    with django_assert_max_num_queries(20):
        response = client.get(URL, {"organisation": stats.mini.district.pk})
    assert response.context["board"].total == 8 and len(response.content) >= first
    page = response.content.decode()
    search = reverse("petitions:search")
    assert f"{search}?organisation={stats.mini.district.pk}&amp;received_from=" in page and "channel=letter" in page


def test_g1_drill_down_lists_the_same_matters(client, stats: Stats):
    """G1: the link behind a figure opens the matter list holding exactly those matters."""
    register_walk_in(stats.mini, channel=Channel.LETTER)
    register_walk_in(stats.mini)
    login(client, stats.bureau_head)
    board = client.get(URL, {"organisation": stats.mini.district.pk}).context["board"]
    letter = next(b for b in board.by_channel if b.key == Channel.LETTER)
    listed = client.get(letter.param)
    assert listed.status_code == 200 and listed.context["page"].paginator.count == letter.n == 1


def test_g1_drill_down_from_a_town_lists_only_the_towns_matters(client, stats: Stats):
    """G1: a town's dashboard counts the matters its subtree is responsible for; the links behind its
    figures carry the organisation, so the list holds those matters and not the district's others."""
    register_walk_in(stats.mini, organisation=stats.mini.town_b_office, channel=Channel.LETTER)
    register_walk_in(stats.mini, channel=Channel.LETTER)  # held by the district bureau
    login(client, stats.bureau_head)
    board = client.get(URL, {"organisation": stats.mini.town_b.pk}).context["board"]
    letter = next(b for b in board.by_channel if b.key == Channel.LETTER)
    assert board.total == letter.n == 1 and f"organisation={stats.mini.town_b.pk}" in letter.param
    listed = client.get(letter.param)
    assert listed.status_code == 200 and listed.context["page"].paginator.count == 1
    matter = listed.context["page"].object_list[0]
    assert matter.current_org == stats.mini.town_b_office
    district = client.get(URL, {"organisation": stats.mini.district.pk}).context["board"]
    every_letter = next(b for b in district.by_channel if b.key == Channel.LETTER)
    assert every_letter.n == 2 and client.get(every_letter.param).context["page"].paginator.count == 2


def test_xf_sup_06_matters_by_responsible_organisation_one_level_down(client, stats: Stats):
    """XF-SUP-06 (the organs most complained about): the district's matters by the organisation one
    level down responsible for them, most first, each linking to exactly its matters."""
    for _n in range(2):
        register_walk_in(stats.mini, organisation=stats.mini.town_b_office)
    register_walk_in(stats.mini)
    login(client, stats.bureau_head)
    board = client.get(URL, {"organisation": stats.mini.district.pk}).context["board"]
    assert [(b.label, b.n) for b in board.by_org] == [
        (stats.mini.town_b.name, 2),
        (stats.mini.petition_bureau.name, 1),
    ]
    assert sum(b.n for b in board.by_org) == board.total
    listed = client.get(board.by_org[0].param)
    assert listed.context["page"].paginator.count == 2
    xlsx = client.get(URL, {"organisation": stats.mini.district.pk, "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.iter_rows(values_only=True))
    assert ("按责任单位", stats.mini.town_b.name, 2) in [r[:3] for r in rows]


def test_xf_sup_06_export_xlsx_through_the_one_export_path(client, stats: Stats):
    """XF-SUP-06: the figures as Excel (statistics, 转送/交办 figures), one audit event."""
    register_walk_in(stats.mini)
    login(client, stats.bureau_head)
    response = client.get(URL, {"organisation": stats.mini.district.pk, "export": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "项目" and any(r[1] == "合计" and r[2] == 1 for r in rows)
    assert any(r[0] == "转送交办" for r in rows)


def test_xf_sup_06_pdf_report(client, stats: Stats, tmp_path):
    """XF-SUP-06: the printable report, with the Noto CJK font embedded (never boxes)."""
    register_walk_in(stats.mini)
    login(client, stats.bureau_head)
    response = client.get(URL, {"organisation": stats.mini.district.pk, "pdf": "1"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    assert any("Noto" in line and "CJK" in line and " yes " in line for line in fonts.splitlines())


def test_s6_oversight_report(client, stats: Stats, django_assert_max_num_queries):
    """S6 / XF-TRI-01: the oversight report renders for the congress overseer's district."""
    register_walk_in(stats.mini)
    login(client, stats.bureau_head)
    with django_assert_max_num_queries(25):
        response = client.get(OVERSIGHT, {"organisation": stats.mini.district.pk})
    assert response.status_code == 200 and response.context["report"] is not None


def test_g3_public_statistics_suppress_small_counts(client, stats: Stats):
    """G3: no login; counts under the threshold are not shown; no personal data on the page."""
    for _n in range(2):
        register_walk_in(stats.mini)
    response = client.get(PUBLIC)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["figures"].total is None and "张三" not in page and "13800001111" not in page
    with override_settings(XINFANG_STATISTICS_MIN_COUNT=2):
        assert client.get(PUBLIC).context["figures"].total == 2


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_g3_public_statistics_in_three_languages(client, stats: Stats, language, django_assert_max_num_queries):
    client.cookies["django_language"] = language
    with django_assert_max_num_queries(10):
        response = client.get(PUBLIC, {"year": timezone.localdate().year}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
