"""Admin for users and memberships. Permissions come from the role matrix (user.manage); every
save is audited in the same transaction (field names only: no personal data in the log)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from xinfang.audit.services import audit_record
from xinfang.orgs.admin import PolicyAdminMixin

from .models import Membership, User
from .policies import forget_cached_scopes
from .roles import Action


class MembershipInline(PolicyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    autocomplete_fields = ("organisation",)
    view_action = Action.USER_VIEW
    manage_action = Action.USER_MANAGE


@admin.register(User)
class UserAdmin(PolicyAdminMixin, DjangoUserAdmin):  # type: ignore[type-arg]
    view_action = Action.USER_VIEW
    manage_action = Action.USER_MANAGE
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    search_fields = ("username", "display_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("display_name", "email", "phone", "preferred_language")}),
        (_("状态"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return User.objects.restrict(request.user, Action.USER_VIEW)

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="user.update" if change else "user.create",
            target=obj,
            summary={"fields": sorted(form.changed_data)},
        )

    @transaction.atomic
    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save()
        for membership in instances:
            audit_record(
                actor=request.user,
                action="membership.grant" if membership.is_active else "membership.revoke",
                target=membership,
                org_id=membership.organisation_id,
                summary={"after": {"role": membership.role, "active": membership.is_active}},
            )
        forget_cached_scopes(form.instance)
