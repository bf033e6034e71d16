"""User and membership services: password rules, duplicates, permissions, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.accounts.models import Membership, User
from xinfang.accounts.roles import Role
from xinfang.accounts.services import membership_grant, membership_revoke, user_create
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user

pytestmark = pytest.mark.django_db


class UserCreateTests:
    def test_password_rules_apply(self, mini):
        with pytest.raises(ValidationError):
            user_create(actor=SYSTEM, username="weak", password="12345678")
        assert not User.objects.filter(username="weak").exists()

    def test_duplicate_username_case_insensitive(self, mini):
        make_user(username="zhang.san")
        with pytest.raises(ValidationError) as exc:
            user_create(actor=SYSTEM, username="Zhang.San", password="another-good-pass-1")
        assert "username" in exc.value.message_dict

    def test_audit_holds_no_password(self, mini):
        user = make_user(username="li.si")
        event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
        assert "password" not in str(event.summary)

    def test_only_user_managers(self, mini):
        head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        with pytest.raises(PermissionDenied):
            user_create(actor=head, username="x.y", password="good-password-123")


class MembershipTests:
    def test_grant_and_revoke(self, mini):
        user = make_user()
        m = membership_grant(actor=SYSTEM, user=user, organisation=mini.town_a_office, role=Role.RECEPTION_CLERK)
        with pytest.raises(ValidationError):
            membership_grant(actor=SYSTEM, user=user, organisation=mini.town_a_office, role=Role.RECEPTION_CLERK)
        membership_revoke(actor=SYSTEM, membership=m)
        assert not Membership.objects.get(pk=m.pk).is_active
        again = membership_grant(actor=SYSTEM, user=user, organisation=mini.town_a_office, role=Role.RECEPTION_CLERK)
        assert again.pk == m.pk and again.is_active
        actions = list(
            AuditEvent.objects.filter(object_type="accounts.membership", object_id=str(m.pk))
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == ["membership.grant", "membership.revoke", "membership.grant"]

    def test_unknown_role(self, mini):
        with pytest.raises(ValidationError):
            membership_grant(actor=SYSTEM, user=make_user(), organisation=mini.town_a, role="king")
