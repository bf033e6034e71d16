"""Admin for the one-stop platform. Kinds and points are reference data: every staff member may read
them (org.view), system administrators edit them (org.manage), and each save goes through the
services, so it is validated and audited. Requests are read-only here, restricted like the inbox
(legalservice.handle); they are handled on the staff pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.orgs.admin import PolicyAdminMixin

from . import services
from .models import ServiceKind, ServicePoint, ServiceRequest


@admin.register(ServiceKind)
class ServiceKindAdmin(PolicyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "name_en", "code", "limit_period", "limit_unit", "limit_from", "sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_en")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "sort_order", "is_active")}),
        (None, {"fields": ("description", "description_en", "what_to_bring", "what_to_bring_en")}),
        (None, {"fields": ("legal_basis", "legal_basis_en", "time_limit_text", "time_limit_text_en")}),
        (None, {"fields": ("limit_period", "limit_unit", "limit_from")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: ServiceKind, form: Any, change: bool) -> None:
        services.service_kind_save(actor=request.user, kind=obj, changed=set(form.changed_data))


@admin.register(ServicePoint)
class ServicePointAdmin(PolicyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "organisation", "address", "phone", "is_active")
    list_filter = ("is_active", "organisation__level", "kinds")
    search_fields = ("name", "name_en", "address", "organisation__name")
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("kinds",)
    list_select_related = ("organisation",)
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServicePoint]:
        return ServicePoint.objects.restrict(request.user, Action.ORG_VIEW).select_related("organisation")

    def save_model(self, request: HttpRequest, obj: ServicePoint, form: Any, change: bool) -> None:
        services.service_point_save(
            actor=request.user, point=obj, kinds=list(form.cleaned_data["kinds"]), changed=set(form.changed_data)
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The kinds were saved (and audited) by the service in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the requests the user may handle."""

    list_display = ("reference", "kind", "point", "status", "channel", "preferred_date", "created_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("reference",)
    list_select_related = ("kind", "point")
    exclude = ("access_code_hash",)
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceRequest]:
        return ServiceRequest.objects.restrict(request.user, Action.LEGALSERVICE_HANDLE).select_related("kind", "point")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_can(request.user, Action.LEGALSERVICE_HANDLE)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_can(request.user, Action.LEGALSERVICE_HANDLE)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
