"""Admin for reference data: the role matrix decides, and admin writes are audited services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.orgs.models import Organisation

pytestmark = pytest.mark.django_db


class OrganisationAdminTests:
    def test_system_admin_may_use_it(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        assert client.get(reverse("admin:orgs_organisation_changelist")).status_code == 200
        response = client.post(
            reverse("admin:orgs_organisation_add"),
            {
                "name": "丙镇",
                "code": "BINGZHEN",
                "kind": "town",
                "parent": mini.district.pk,
                "level": 4,
                "sort_order": 0,
                "is_active": "on",
                "reception_points-TOTAL_FORMS": "1",
                "reception_points-INITIAL_FORMS": "0",
                "reception_points-0-name": "丙镇信访接待室",
                "reception_points-0-address": "丙镇政府一楼",
                "reception_points-0-hours": "工作日 8:30-12:00, 14:30-17:30",
                "reception_points-0-is_active": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        town = Organisation.objects.get(code="BINGZHEN")
        assert town.path == f"{mini.district.path}{town.pk}/"
        assert town.reception_points.get().name == "丙镇信访接待室"
        assert AuditEvent.objects.filter(action="org.create", object_id=str(town.pk)).exists()
        assert AuditEvent.objects.filter(action="org.reception_point.create").exists()

    def test_staff_without_the_role_are_refused(self, client, mini):
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau), is_staff=True))
        assert client.get(reverse("admin:orgs_organisation_add")).status_code == 403
        assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200  # user.view (area)
        assert client.get(reverse("admin:accounts_user_add")).status_code == 403

    def test_non_staff_are_sent_to_admin_login(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district)))
        assert client.get(reverse("admin:orgs_organisation_changelist")).status_code == 302

    def test_nobody_deletes_organisations(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        url = reverse("admin:orgs_organisation_delete", args=[mini.village_a2.pk])
        assert client.get(url).status_code == 403
