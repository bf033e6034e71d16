"""The reception points on the portal's home page (XF-CH-02) in the reader's language: English name,
address and hours for English readers (no Chinese left in the card of a point that has them),
traditional script for zh-hant readers, the Chinese text of a point without English."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from xinfang.core.actors import SYSTEM
from xinfang.core.text import to_traditional
from xinfang.orgs.services import organisation_update, reception_point_create

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
HALL = ("区信访局群众来访接待大厅", "测试区政务路1号区行政服务中心一楼", "周一至周五 9:00-12:00，14:00-17:30")
HALL_EN = (
    "Petition Reception Hall of the District Petition Bureau",
    "1/F, District Administrative Service Centre, 1 Zhengwu Road",
    "Mon-Fri 9:00-12:00, 14:00-17:30",
)


@pytest.fixture
def points(mini):
    organisation_update(actor=SYSTEM, organisation=mini.petition_bureau, name_en="Test District Petition Bureau")
    name, address, hours = HALL
    name_en, address_en, hours_en = HALL_EN
    reception_point_create(
        actor=SYSTEM,
        organisation=mini.petition_bureau,
        name=name,
        address=address,
        hours=hours,
        phone="020-0000-0001",
        name_en=name_en,
        address_en=address_en,
        hours_en=hours_en,
    )
    reception_point_create(
        actor=SYSTEM, organisation=mini.town_a_office, name="甲镇信访接待室", address="甲镇和谐路1号", hours="工作日"
    )
    return mini


def _home(client, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


def _card(html: str, marker: str) -> str:
    start = html.rindex('<div class="card h-100">', 0, html.index(marker))
    return html[start : html.index("</dl>", start)]


class HomePointsLanguageTests:
    def test_xf_ch_02_english_home_shows_the_english_point_without_chinese(self, client, points):
        html = _home(client, "en")
        card = _card(html, HALL_EN[0])
        for value in HALL_EN:
            assert value in card
        assert not CJK.search(card), card
        for value in HALL:
            assert value not in html

    def test_xf_ch_02_a_point_without_english_falls_back_to_chinese(self, client, points):
        card = _card(_home(client, "en"), "甲镇信访接待室")
        assert "甲镇和谐路1号" in card and "工作日" in card

    def test_xf_ch_02_zh_hant_home_shows_the_traditional_script(self, client, points):
        html = _home(client, "zh-hant")
        card = _card(html, to_traditional(HALL[0]))
        for value in HALL:
            assert to_traditional(value) in card
        assert HALL[0] not in html and HALL_EN[0] not in html
