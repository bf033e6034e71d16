"""Writes to users and memberships: policy check, validation, write and audit in one transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.orgs.models import Organisation

from .models import Membership, User
from .policies import forget_cached_scopes, require
from .roles import Action, Role


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    is_staff: bool = False,
    validate: bool = True,
) -> User:
    """Create a user. The password is checked against the password rules unless `validate` is
    False (only the demo loader passes False, for its documented demo passwords)."""
    require(actor, Action.USER_MANAGE)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("用户名“%(username)s”已被使用。") % {"username": username}}, code="duplicate"
        )
    user = User(username=username, display_name=display_name, phone=phone, email=email, is_staff=is_staff)
    if password is None:
        user.set_unusable_password()
    else:
        if validate:
            validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action="user.create", target=user, summary={"after": {"username": username}})
    return user


@transaction.atomic
def membership_grant(*, actor: Any, user: User, organisation: Organisation, role: str, title: str = "") -> Membership:
    """Give a user a role in an organisation. Only people allowed to manage users may do it."""
    require(actor, Action.USER_MANAGE, organisation)
    if role not in Role.values:
        raise ValidationError({"role": _("未知的角色。")}, code="role")
    if not organisation.is_active:
        raise ValidationError({"organisation": _("该机构已撤销。")}, code="organisation_inactive")
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role, defaults={"title": title}
    )
    if not created:
        if membership.is_active:
            raise ValidationError(_("该用户在此机构已有这个角色。"), code="duplicate")
        membership.is_active = True
        membership.title = title or membership.title
        membership.save(update_fields=["is_active", "title"])
    forget_cached_scopes(user)
    audit_record(
        actor=actor,
        action="membership.grant",
        target=membership,
        org_id=organisation.pk,
        summary={"after": {"user": user.pk, "organisation": organisation.pk, "role": role}},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: Any, membership: Membership) -> Membership:
    """End a membership; the row stays for the record."""
    require(actor, Action.USER_MANAGE, membership.organisation)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    forget_cached_scopes(membership.user)
    audit_record(
        actor=actor,
        action="membership.revoke",
        target=membership,
        org_id=membership.organisation_id,
        summary={"before": {"role": membership.role, "active": True}, "after": {"active": False}},
    )
    return membership
