"""Service points in the reader's language (P1, issue 5): the catalogue, the point page and the
booking form show the English name, address and hours to English readers (no Chinese left in the
card of a point that has them), the traditional script to zh-hant readers, and the Chinese text of
a point without English; every demo service point has English texts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from xinfang.core.actors import SYSTEM
from xinfang.core.text import to_traditional
from xinfang.legalservices.demo import point_specs
from xinfang.legalservices.services import service_point_save
from xinfang.orgs.services import organisation_update

from .conftest import REQUEST_URL, Points

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("legalservices:catalogue")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CENTRE_EN = ("Test District Public Legal Service Centre", "1/F, 5 Zhengwu Road, Test District", "Mon-Fri 9:00-17:00")


@pytest.fixture
def english(points: Points) -> Points:
    centre = points.centre
    centre.address_en, centre.hours_en = CENTRE_EN[1:]
    service_point_save(actor=SYSTEM, point=centre, changed={"address_en", "hours_en"})
    organisation_update(actor=SYSTEM, organisation=points.justice_bureau, name_en="Test District Justice Bureau")
    return points


def _get(client, language: str, url: str, query: dict | None = None) -> str:
    client.cookies["django_language"] = language
    response = client.get(url, query or {})
    assert response.status_code == 200
    return response.content.decode()


def _card(html: str, marker: str) -> str:
    start = html.rindex("<article", 0, html.index(marker))
    return html[start : html.index("</article>", start)]


class CatalogueLanguageTests:
    def test_p1_english_catalogue_card_has_no_chinese(self, client, english: Points):
        html = _get(client, "en", CATALOGUE)
        card = _card(html, CENTRE_EN[0])
        for value in CENTRE_EN:
            assert value in card
        assert not CJK.search(card), card
        assert english.centre.address not in html

    def test_p1_a_point_without_english_falls_back_to_chinese(self, client, english: Points):
        card = _card(_get(client, "en", CATALOGUE), "甲镇公共法律服务工作站")
        assert english.town_a.address in card and english.town_a.hours in card

    def test_p1_zh_hant_catalogue_in_traditional_script(self, client, english: Points):
        html = _get(client, "zh-hant", CATALOGUE)
        card = _card(html, to_traditional(english.centre.name))
        assert to_traditional(english.centre.address) in card and to_traditional(english.centre.hours) in card
        assert english.centre.address not in html and CENTRE_EN[1] not in html

    def test_p1_point_page_and_booking_form_in_english(self, client, english: Points):
        centre = english.centre
        page = _get(client, "en", reverse("legalservices:point", args=[centre.pk]))
        for value in (*CENTRE_EN, "Test District Justice Bureau"):
            assert value in page
        form = _get(client, "en", REQUEST_URL, {"point": centre.pk})
        assert CENTRE_EN[1] in form and CENTRE_EN[2] in form and centre.address not in form
        hant = _get(client, "zh-hant", reverse("legalservices:point", args=[centre.pk]))
        assert to_traditional(centre.address) in hant and CENTRE_EN[1] not in hant


class DemoPointsEnglishTests:
    def test_every_demo_service_point_has_an_english_name_address_and_hours(self):
        specs = point_specs()
        assert len(specs) == 42
        for spec in specs:
            for value in (spec.name_en, spec.address_en, spec.hours_en):
                assert value and not CJK.search(value), (spec.name, value)
