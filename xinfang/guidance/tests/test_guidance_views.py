"""The public guidance-map page (A7): open to everyone without login, in the reader's language,
localised to a town or a reception point, bad input answered with a translated message, small
(under 100 KB of HTML and own CSS) and a bounded number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.guidance import views

pytestmark = pytest.mark.django_db

MAP = reverse("guidance:map")
PDF = reverse("guidance:map_pdf")
MAX_PAGE_BYTES = 100 * 1024


def _in(client, language):
    client.cookies["django_language"] = language
    return client


def text(response) -> str:
    return response.content.decode()


class MapPageTests:
    def test_a7_anonymous_reader_sees_the_map_of_the_district(self, client, world):
        response = client.get(MAP)
        assert response.status_code == 200
        page = text(response)
        for expected in (
            "拖欠工资",
            "测试区人力资源和社会保障局",
            "各镇街的社会事务办公室",
            "导入诉讼程序",
            "测试区人民法院",
        ):
            assert expected in page, expected
        assert "测试区信访局接待大厅" in page and 'href="tel:020-0000-0001"' in page
        # The PDF links of the page keep the reader's language.
        assert f"{PDF}?size=a4&amp;lang=zh-hans" in page and f"{PDF}?size=a3&amp;lang=zh-hans" in page
        # … and the printable map in the other two languages is one click away.
        assert f"{PDF}?size=a4&amp;lang=en" in page and f"{PDF}?size=a3&amp;lang=zh-hant" in page

    def test_a7_page_localised_to_a_town_and_to_a_reception_point(self, client, world):
        page = text(client.get(MAP, {"org": world.mini.town_a.pk}))
        assert "甲镇社会事务办公室" in page and "乙街道社会事务办公室" not in page
        page = text(client.get(MAP, {"point": world.town_b_room.pk}))
        assert "乙街道社会事务办公室" in page and "您在这里" in page
        assert f"point={world.town_b_room.pk}" in page  # the PDF links print the same map

    @pytest.mark.parametrize(
        ("language", "expected"),
        [("zh-hans", "测试区人力资源和社会保障局"), ("zh-hant", "測試區人力資源和社會保障局"), ("en", "Wage arrears")],
    )
    def test_a7_three_languages(self, client, world, language, expected):
        response = _in(client, language).get(MAP)
        assert response.status_code == 200
        assert f'<html lang="{language}">' in text(response)
        assert expected in text(response)

    def test_bad_place_is_a_translated_error_and_the_district_map_is_still_shown(self, client, world):
        response = client.get(MAP, {"org": "abc"})
        assert response.status_code == 400
        assert "地区编号无效。" in text(response) and "拖欠工资" in text(response)
        response = client.get(MAP, {"point": "999999"})
        assert response.status_code == 404 and "未找到该接待场所。" in text(response)
        response = _in(client, "en").get(MAP, {"org": str(world.mini.city.pk)})
        assert response.status_code == 404

    def test_a_fresh_installation_without_organisations_still_shows_the_legal_channels(self, client, db):
        response = client.get(MAP)
        assert response.status_code == 200
        assert "导入诉讼程序" in text(response) and "人民法院" in text(response)

    def test_staff_read_the_public_page_like_everyone(self, client, world):
        client.force_login(make_user((Role.GRID_WORKER, world.mini.grid_a1_1)))
        assert client.get(MAP).status_code == 200

    def test_only_get(self, client, world):
        assert client.post(MAP).status_code == 405
        assert client.post(PDF).status_code == 405

    def test_page_is_small_and_accessible(self, client, world):
        page = text(client.get(MAP))
        assert len(page.encode()) < MAX_PAGE_BYTES
        assert page.count("<h1") == 1 and "<h2" in page and "<h3" in page
        assert '<label class="form-label mb-1" for="gm-org">' in page
        assert "<script" not in page  # works without script

    def test_query_count_is_bounded(self, client, world):
        client.get(MAP)  # warm the per-process caches (OpenCC, sessions)
        with CaptureQueriesContext(connection) as queries:
            client.get(MAP, {"org": world.mini.town_a.pk})
        assert len(queries) <= 14, [q["sql"] for q in queries.captured_queries]


class MapPdfRequestTests:
    """Bad PDF requests; the PDF itself is checked in test_guidance_pdf.py."""

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"size": "a5"}, "纸张规格只能是 A4 或 A3。"),
            ({"lang": "fr"}, "不支持该语言。"),
            ({"org": "x"}, "地区编号无效。"),
        ],
    )
    def test_bad_parameters_are_refused_with_a_translated_message(self, client, world, params, message):
        response = client.get(PDF, params)
        assert response.status_code == 400
        assert message in text(response)

    def test_unknown_place_is_not_found(self, client, world):
        response = client.get(PDF, {"point": "424242"})
        assert response.status_code == 404 and "未找到该接待场所。" in text(response)

    def test_downloads_are_rate_limited_per_address(self, client, world, monkeypatch):
        monkeypatch.setattr(views, "PDF_LIMIT", 2)
        for _ in range(2):
            assert client.get(PDF, {"size": "a5"}).status_code == 400  # counted before the work
        response = client.get(PDF, {"size": "a4"})
        assert response.status_code == 429
        assert "下载过于频繁" in text(response)
        assert client.get(PDF, {"size": "a5"}, REMOTE_ADDR="10.0.0.9").status_code == 400  # another address
