"""Organisation pages: permission (allowed and denied) and constant query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.orgs.models import Kind
from xinfang.orgs.services import organisation_create

pytestmark = pytest.mark.django_db


class OrganisationViewTests:
    def test_anonymous_is_sent_to_login(self, client, mini):
        for url in (reverse("orgs:tree"), reverse("orgs:detail", args=[mini.town_a.pk]), reverse("core:home")):
            response = client.get(url)
            assert response.status_code == 302 and reverse("accounts:login") in response.url

    def test_staff_see_tree_and_detail(self, client, mini):
        client.force_login(make_user((Role.GRID_WORKER, mini.grid_a1_1)))
        tree = client.get(reverse("orgs:tree")).content.decode()
        assert "测试区" in tree and "甲镇" in tree
        assert "甲一村第1网格" not in tree  # grids open from their village's page
        detail = client.get(reverse("orgs:detail", args=[mini.village_a1.pk])).content.decode()
        assert "甲一村第1网格" in detail

    def test_user_without_memberships_sees_nothing(self, client, mini):
        client.force_login(make_user())
        assert client.get(reverse("orgs:detail", args=[mini.town_a.pk])).status_code == 404
        assert "测试区" not in client.get(reverse("orgs:tree")).content.decode()

    def test_tree_query_count_is_constant(self, client, mini, django_assert_max_num_queries):
        client.force_login(make_user((Role.LEADER, mini.district)))
        with django_assert_max_num_queries(12) as small:
            client.get(reverse("orgs:tree"))
        for i in range(30):
            organisation_create(actor=SYSTEM, name=f"新镇{i}", code=f"NEWT{i}", kind=Kind.TOWN, parent=mini.district)
        with django_assert_max_num_queries(len(small.captured_queries)):
            page = client.get(reverse("orgs:tree"))
        assert "新镇29" in page.content.decode()


class ErrorPageTests:
    def test_unknown_organisation_is_a_translated_404(self, client, mini, settings):
        settings.DEBUG = False
        client.force_login(make_user((Role.LEADER, mini.district)))
        response = client.get(reverse("orgs:detail", args=[999999]))
        assert response.status_code == 404
        assert "不在您的查看范围内" in response.content.decode()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        assert "Not found" in client.get(reverse("orgs:detail", args=[999999])).content.decode()
