"""The home page (XF-CH-02: channels and reception points), the privacy page, the staff page that
hands a query code to a petitioner (XF-SAT-02), and the service account."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.core.text import to_traditional
from xinfang.orgs.services import reception_point_create
from xinfang.petitions.testing import register_walk_in
from xinfang.portal.credentials import (
    PortalUnavailableError,
    portal_actor,
    portal_user,
    registering_organisation,
)
from xinfang.portal.models import PortalAccount

from .portal_support import open_matter, submit

pytestmark = pytest.mark.django_db


class HomeTests:
    def test_home_lists_channels_and_reception_points(self, client, mini):
        """XF-CH-02: address, hours and phone of every active reception point; the bureau's phone
        and postal address; links to submit, track and verify."""
        reception_point_create(
            actor=SYSTEM,
            organisation=mini.petition_bureau,
            name="区群众来访接待中心",
            address="测试大道1号",
            hours="工作日 9:00-12:00, 14:00-17:30",
            phone="020-12345678",
        )
        inactive = reception_point_create(
            actor=SYSTEM, organisation=mini.town_a_office, name="已撤销的接待点", address="旧址", hours="无"
        )
        inactive.is_active = False
        inactive.save()
        html = client.get(reverse("portal:home")).content.decode()
        assert "区群众来访接待中心" in html and "测试大道1号" in html and "工作日 9:00-12:00" in html
        assert 'href="tel:020-12345678"' in html
        assert "已撤销的接待点" not in html
        for name in ("portal:submit", "portal:track", "notices:verify", "portal:privacy"):
            assert reverse(name) in html

    def test_home_in_traditional_script(self, mini):
        reception_point_create(
            actor=SYSTEM,
            organisation=mini.petition_bureau,
            name="区群众来访接待中心",
            address="测试大道1号",
            hours="工作日",
        )
        html = Client(HTTP_ACCEPT_LANGUAGE="zh-hant").get(reverse("portal:home")).content.decode()
        assert to_traditional("区群众来访接待中心") in html and "区群众来访接待中心" not in html

    def test_public_nav_links_appear(self, client, mini):
        html = client.get(reverse("portal:home")).content.decode()
        assert f'href="{reverse("portal:submit")}"' in html and f'href="{reverse("portal:track")}"' in html

    def test_privacy_page(self, client, mini):
        html = client.get(reverse("portal:privacy")).content.decode()
        assert "个人信息处理说明" in html and "30分钟" in html


class RegisteringOrganisationTests:
    def test_the_district_petition_bureau_by_default(self, mini):
        assert registering_organisation() == mini.petition_bureau

    def test_a_configured_code(self, mini, settings):
        settings.XINFANG_PORTAL_REGISTERING_ORG_CODE = mini.town_a_office.code
        assert registering_organisation() == mini.town_a_office
        settings.XINFANG_PORTAL_REGISTERING_ORG_CODE = "NOPE"
        with pytest.raises(PortalUnavailableError):
            registering_organisation()

    def test_without_a_bureau_the_form_says_so(self, client, db):
        response = client.get(reverse("portal:submit"))
        assert response.status_code == 503
        assert "暂时无法网上提交" in response.content.decode()
        assert client.get(reverse("portal:home")).status_code == 200


class ServiceAccountTests:
    def test_created_once_without_password_or_roles(self, mini):
        first = portal_user()
        assert portal_user().pk == first.pk
        assert not first.has_usable_password() and not first.memberships.exists()
        assert AuditEvent.objects.filter(action="user.create", object_id=str(first.pk)).count() == 1

    def test_the_acting_account_is_never_saved(self, mini):
        actor = portal_actor()
        assert isinstance(actor, PortalAccount) and actor.is_superuser
        with pytest.raises(RuntimeError):
            actor.save()
        assert not portal_user().is_superuser


@pytest.fixture
def clerk(mini: Any) -> Any:
    return make_user((Role.RECEPTION_CLERK, mini.petition_bureau))


class StaffQueryCodeTests:
    def test_a_clerk_hands_a_code_for_a_counter_matter(self, client, mini, clerk):
        """XF-SAT-02: a matter registered at the counter gets a reference and code, shown once."""
        matter = register_walk_in(mini)
        client.force_login(clerk)
        url = reverse("portal:staff_query_code", args=[matter.pk])
        assert "生成查询码" in client.get(url).content.decode()
        html = client.post(url).content.decode()
        matter.refresh_from_db()
        assert matter.public_ref and matter.query_code_hash
        code = html.split('font-monospace fs-4">')[2].split("<")[0]
        assert open_matter(Client(), matter.public_ref, code, phone_last4="1111").status_code == 302
        assert AuditEvent.objects.filter(action="matter.query_code_issue", object_id=str(matter.pk)).exists()

    def test_a_new_code_replaces_a_lost_one(self, client, mini, clerk):
        matter, ref, code = submit(Client())
        client.force_login(clerk)
        client.post(reverse("portal:staff_query_code", args=[matter.pk]))
        matter.refresh_from_db()
        assert matter.public_ref == ref.replace("-", "")  # the reference stays
        assert open_matter(Client(), ref, code).status_code == 200  # the old code no longer opens it

    def test_a_role_that_may_only_view_gets_403(self, client, mini):
        matter = register_walk_in(mini)
        overseer = make_user((Role.CONGRESS_OVERSEER, mini.district))
        client.force_login(overseer)
        assert client.get(reverse("portal:staff_query_code", args=[matter.pk])).status_code == 403
        assert client.post(reverse("portal:staff_query_code", args=[matter.pk])).status_code == 403
        matter.refresh_from_db()
        assert not matter.query_code_hash

    def test_a_matter_out_of_sight_is_not_found(self, client, mini):
        matter = register_walk_in(mini)
        other = make_user((Role.RECEPTION_CLERK, mini.town_b_office))
        client.force_login(other)
        assert client.get(reverse("portal:staff_query_code", args=[matter.pk])).status_code == 404

    def test_anonymous_is_sent_to_sign_in(self, client, mini):
        matter = register_walk_in(mini)
        response = client.get(reverse("portal:staff_query_code", args=[matter.pk]))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
