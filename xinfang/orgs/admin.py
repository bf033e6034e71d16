"""Admin for the organisation tree (reference data). Writes go through the services, so they are
checked by the role matrix and audited like any other write; organisations are deactivated,
never deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action

from . import services
from .models import Organisation, ReceptionPoint


class PolicyAdminMixin:
    """Admin permissions come from the role matrix, not from Django's model permissions."""

    view_action = Action.ORG_VIEW
    manage_action = Action.ORG_MANAGE

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_can(request.user, self.view_action)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_can(request.user, self.view_action)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return user_can(request.user, self.manage_action)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_can(request.user, self.manage_action)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReceptionPointInline(PolicyAdminMixin, admin.StackedInline):  # type: ignore[type-arg]
    model = ReceptionPoint
    extra = 0
    # Each Chinese field next to its English version (shown on the English public pages).
    fields = (("name", "name_en"), ("address", "address_en"), ("hours", "hours_en"), "phone", "is_active")


@admin.register(Organisation)
class OrganisationAdmin(PolicyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "code", "kind", "function", "level", "is_external", "is_active")
    list_filter = ("kind", "level", "function", "is_external", "is_active")
    search_fields = ("name", "short_name", "code", "division_code")
    readonly_fields = ("path", "depth", "level", "created_at", "updated_at")
    autocomplete_fields = ("parent", "successor")
    inlines = [ReceptionPointInline]
    list_per_page = 50
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return Organisation.objects.restrict(request.user, Action.ORG_VIEW).select_related("parent")

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        if not change:
            fields = {f: form.cleaned_data[f] for f in form.cleaned_data if f in services.EDITABLE_FIELDS}
            fields["is_external"] = form.cleaned_data.get("is_external", False)
            created = services.organisation_create(
                actor=request.user,
                name=obj.name,
                code=obj.code,
                kind=obj.kind,
                parent=obj.parent,
                **{k: v for k, v in fields.items() if k != "name"},
            )
            obj.pk = created.pk
            return
        original = Organisation.objects.get(pk=obj.pk)
        if obj.parent_id != original.parent_id and obj.parent is not None:
            services.organisation_move(actor=request.user, organisation=original, new_parent=obj.parent)
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS}
        if changes:
            services.organisation_update(actor=request.user, organisation=original, **changes)
        obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for point in formset.save(commit=False):
            if point.pk is None:
                services.reception_point_create(
                    actor=request.user,
                    organisation=form.instance,
                    name=point.name,
                    address=point.address,
                    hours=point.hours,
                    phone=point.phone,
                    name_en=point.name_en,
                    address_en=point.address_en,
                    hours_en=point.hours_en,
                )
            else:
                services.reception_point_update(actor=request.user, point=point)
