"""Registered clients: the key shown once and only its digest kept, a new key replacing the old,
the client's service account that never signs in and holds no role, and the admin for those who
manage users."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.open311.models import Open311Account, Open311Client
from xinfang.open311.services import acting_account, open311_client_key_rotate

from .support import get

pytestmark = pytest.mark.django_db


class ClientTests:
    def test_the_command_prints_the_key_once_and_keeps_its_digest(self, client, setup):
        out = StringIO()
        call_command(
            "open311_client_create",
            "区微信小程序",
            organisation=setup.mini.district.code,
            stdout=out,
            stderr=StringIO(),
        )
        key = out.getvalue().strip()
        made = Open311Client.objects.get(name="区微信小程序")
        assert made.key_digest == hashlib.sha256(key.encode()).hexdigest()
        assert key not in str(Open311Client.objects.filter(pk=made.pk).values().get())
        assert key.startswith(made.key_prefix) and len(key) >= 40
        assert made.requests_per_hour == 60
        assert get(client, "requests.json", key).status_code == 200
        events = " ".join(str(e.summary) for e in AuditEvent.objects.filter(action="open311.client_create"))
        assert key not in events
        with pytest.raises(CommandError):
            call_command("open311_client_create", "x", organisation="NOPE", stdout=StringIO())

    def test_a_new_key_replaces_the_old_one(self, client, setup):
        issued = open311_client_key_rotate(actor=SYSTEM, client=setup.client)
        assert get(client, "requests.json", setup.key).status_code == 403
        assert get(client, "requests.json", issued.api_key).status_code == 200

    def test_the_service_account_cannot_sign_in_and_holds_no_role(self, setup):
        account = setup.client.account
        assert account.is_active and not account.is_superuser and not account.is_staff
        assert not account.has_usable_password()
        assert not account.memberships.exists()
        acting = acting_account(setup.client)
        assert acting.is_superuser and isinstance(acting, Open311Account)
        with pytest.raises(RuntimeError):
            acting.save()
        account.refresh_from_db()
        assert not account.is_superuser

    def test_admin_creates_a_client_and_shows_the_key_once(self, client, setup):
        admin = make_user((Role.SYSTEM_ADMIN, setup.mini.district), is_staff=True)
        client.force_login(admin)
        response = client.post(
            "/admin/open311/open311client/add/",
            {"name": "网格通", "organisation": setup.mini.town_a.pk, "requests_per_hour": 30, "is_active": "on"},
            follow=True,
        )
        assert response.status_code == 200
        made = Open311Client.objects.get(name="网格通")
        page = response.content.decode()
        assert made.key_prefix in page and "只显示这一次" in page
        assert made.account.username.startswith("open311-")
        assert client.get("/admin/open311/open311client/").status_code == 200

    def test_admin_refused_to_those_who_do_not_manage_users(self, client, setup):
        clerk = make_user((Role.RECEPTION_CLERK, setup.mini.petition_bureau), is_staff=True)
        client.force_login(clerk)
        assert client.get("/admin/open311/open311client/").status_code == 403
