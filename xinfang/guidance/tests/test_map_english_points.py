"""The reception points of the guidance map (A7, XF-CH-02) in the reader's language: the English map
shows a point's English name, address and hours (no Chinese left for a point that has them), the
zh-hant map the traditional script, and a point without English its Chinese text; the printable
map shows the same (it renders the same tree)."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.urls import reverse

from xinfang.core.actors import SYSTEM
from xinfang.core.text import to_traditional
from xinfang.guidance.selectors import guidance_map
from xinfang.orgs.services import organisation_update, reception_point_update

pytestmark = pytest.mark.django_db

MAP = reverse("guidance:map")
PDF = reverse("guidance:map_pdf")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
HALL_EN = ("Reception Hall of the Test District Petition Bureau", "1 Zhengwu Road, Test District", "Mon-Fri 9:00-17:00")


@pytest.fixture
def english(world):
    """The district hall in English (its bureau too); the town rooms without English."""
    hall = world.hall
    hall.name_en, hall.address_en, hall.hours_en = HALL_EN
    reception_point_update(actor=SYSTEM, point=hall)
    organisation_update(actor=SYSTEM, organisation=world.mini.petition_bureau, name_en="Test District Petition Bureau")
    return world


def _page(client, language: str, **query: object) -> str:
    client.cookies["django_language"] = language
    response = client.get(MAP, query)
    assert response.status_code == 200
    return response.content.decode()


def _point_item(html: str, marker: str) -> str:
    """The list item of the reception point whose heading contains `marker`."""
    start = html.rindex('<li class="gm-step', 0, html.index(marker))
    return html[start : html.index("</li>", start)]


class MapPointsInEnglishTests:
    def test_xf_ch_02_english_tree_has_the_english_texts_and_falls_back_per_point(self, english):
        tree = guidance_map(language="en")
        hall = next(p for p in tree.points if p.pk == english.hall.pk)
        assert (hall.name, hall.address, hall.hours) == HALL_EN
        assert hall.organisation == "Test District Petition Bureau"
        room = next(p for p in tree.points if p.pk == english.town_b_room.pk)
        assert (room.name, room.address) == ("乙街道信访接待室", "乙街道法治路1号")  # no English: the Chinese text

    def test_xf_ch_02_english_page_shows_no_chinese_for_a_point_that_has_english(self, client, english):
        html = _page(client, "en")
        item = _point_item(html, HALL_EN[0])
        for value in HALL_EN:
            assert value in item
        assert not CJK.search(item), item
        assert "测试区信访局接待大厅" not in html and "测试区政务路1号" not in html
        assert "乙街道信访接待室" in html  # the point without English, in Chinese

    def test_xf_ch_02_zh_hant_page_shows_the_traditional_script(self, client, english):
        html = _page(client, "zh-hant", point=english.hall.pk)
        item = _point_item(html, to_traditional("测试区信访局接待大厅"))
        assert to_traditional("测试区政务路1号") in item
        assert "测试区信访局接待大厅" not in html and HALL_EN[0] not in html

    def test_a7_printable_english_map_shows_the_english_point(self, client, english, pdf_tools):
        response = client.get(PDF, {"size": "a4", "lang": "en"})
        assert response.status_code == 200
        text = subprocess.run(
            ["pdftotext", "-", "-"],  # noqa: S607
            input=b"".join(response.streaming_content) if response.streaming else response.content,
            capture_output=True,
            check=True,
        ).stdout.decode()
        flat = "".join(text.split())
        for value in HALL_EN:
            assert "".join(value.split()) in flat, value
        assert "测试区信访局接待大厅" not in flat
