"""The public catalogue (P1): service points by level with where, when and how, in the three
languages, small and fast; the point page; filters."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xinfang.core.actors import SYSTEM
from xinfang.legalservices.models import ServicePoint
from xinfang.legalservices.services import service_point_save
from xinfang.orgs.models import Function, Kind
from xinfang.orgs.services import organisation_create

from .conftest import Points, make_point

pytestmark = pytest.mark.django_db
CATALOGUE = reverse("legalservices:catalogue")
PAGE_LIMIT = 100 * 1024


def get(client, url, language="zh-hans"):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


class CatalogueTests:
    def test_levels_points_and_how_in_simplified_chinese(self, client, points: Points):
        """P1: district, town/street and village/community levels, each point with address, hours,
        phone, its kinds and a booking link; the kinds with what to bring and the time limit."""
        response = get(client, CATALOGUE)
        assert response.status_code == 200
        html = response.content.decode()
        for level in ("区县级", "镇街级", "村居级"):
            assert level in html
        groups = {g.level: {p.pk for p in g.points} for g in response.context["groups"]}
        assert groups == {3: {points.centre.pk}, 4: {points.town_a.pk, points.town_b.pk}, 5: {points.village.pk}}
        assert "测试区公共法律服务中心" in html and "甲一村公共法律服务工作室" in html
        assert "测试区司法局一楼" in html and "周一至周五 9:00-17:00" in html and "tel:020-0000-9999" in html
        assert f"{reverse('legalservices:request')}?point={points.town_a.pk}" in html
        assert "法律援助" in html and "七日内" in html  # D38 in the legal-aid entry
        assert "《公证法》第三十条" in html  # D41

    def test_traditional_chinese_reader(self, client, points: Points):
        html = get(client, CATALOGUE, "zh-hant").content.decode()
        assert "法律諮詢" in html and "人民調解" in html and "公證" in html  # kind names in OpenCC's script
        assert "測試區公共法律服務中心" in html  # the point's name, converted
        assert "鎮街級" in html

    def test_english_reader(self, client, points: Points):
        html = get(client, CATALOGUE, "en").content.decode()
        assert "Legal consultation" in html and "Legal aid" in html and "Notarisation" in html
        assert "Cross-border (Hong Kong and Macao) legal services" in html
        assert "Test District Public Legal Service Centre" in html  # name_en
        assert "within 7 days of receiving the application" in html  # the English time-limit text

    @pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
    def test_under_100_kb_with_a_district_of_points(self, client, points: Points, language):
        """Issue 5 item 7: with 60 points (the demo district has 42) the page stays under 100 KB."""
        town = points.mini.town_b
        for n in range(56):
            org = organisation_create(
                actor=SYSTEM,
                name=f"乙街道第{n}社区人民调解委员会",
                code=f"LS-V{n:03d}",
                kind=Kind.DEPARTMENT,
                parent=town,
                function=Function.MEDIATION,
            )
            make_point(
                org,
                f"第{n}社区公共法律服务工作室",
                [points.kinds["consultation"], points.kinds["people_mediation"]],
                address=f"广州市南沙区乙街道幸福路{n}号社区服务中心二楼",
                hours="周一至周六 9:00-17:00（法定节假日除外）",
            )
        response = get(client, CATALOGUE, language)
        assert response.status_code == 200
        assert len(response.content) < PAGE_LIMIT, len(response.content)
        assert response.context["count"] == 60

    def test_query_count_does_not_grow_with_the_points(self, client, points: Points, django_assert_num_queries):
        with CaptureQueriesContext(connection) as few:
            get(client, CATALOGUE)
        org = points.village_committee
        for n in range(5):
            make_point(org, f"加开窗口{n}", list(points.kinds.values()))
        with django_assert_num_queries(len(few.captured_queries)):
            assert get(client, CATALOGUE).context["count"] == 9

    def test_filters_by_kind_level_and_town(self, client, points: Points):
        def shown(query):
            response = client.get(CATALOGUE, query)
            assert response.status_code == 200
            return {p.pk for g in response.context["groups"] for p in g.points}

        assert shown({"kind": "notarisation"}) == {points.centre.pk}
        assert shown({"kind": "legal_aid"}) == {points.centre.pk, points.town_a.pk, points.town_b.pk}
        assert shown({"level": 4}) == {points.town_a.pk, points.town_b.pk}
        assert shown({"town": points.mini.town_a.pk}) == {points.town_a.pk, points.village.pk}
        assert shown({"kind": "no-such-kind"}) == shown({})  # a bad filter shows everything, no error

    def test_inactive_points_are_not_listed(self, client, points: Points):
        point = points.village
        point.is_active = False
        service_point_save(actor=SYSTEM, point=point, changed={"is_active"})
        assert points.village.name not in get(client, CATALOGUE).content.decode()
        assert client.get(reverse("legalservices:point", args=[point.pk])).status_code == 404


class PointPageTests:
    def test_where_when_how_and_booking_links(self, client, points: Points):
        response = get(client, reverse("legalservices:point", args=[points.centre.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "测试区公共法律服务中心" in html and "测试区司法局" in html
        assert "需携带材料" in html and "身份证件" in html
        assert f"?point={points.centre.pk}&amp;kind=legal_aid" in html
        assert len(response.content) < PAGE_LIMIT

    @pytest.mark.parametrize("language,expected", [("zh-hant", "法律援助"), ("en", "Legal aid")])
    def test_other_languages(self, client, points: Points, language, expected):
        html = get(client, reverse("legalservices:point", args=[points.town_a.pk]), language).content.decode()
        assert expected in html
        assert ("甲鎮公共法律服務工作站" if language == "zh-hant" else "甲镇公共法律服务工作站") in html

    def test_unknown_point_is_404(self, client, points: Points):
        missing = max(ServicePoint.objects.values_list("pk", flat=True)) + 100
        assert client.get(reverse("legalservices:point", args=[missing])).status_code == 404
