"""Admin for 12345 work orders: read-only, restricted like the staff list (matter.view); orders are
received through the API or the file import and handled on the staff pages. The caller's name and
phone are not shown here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action

from .models import HotlineOrder


@admin.register(HotlineOrder)
class HotlineOrderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "source_system", "kind", "status", "exclusion", "current_org", "received_at")
    list_filter = ("status", "kind", "exclusion", "source_system")
    search_fields = ("external_id",)
    list_select_related = ("current_org",)
    exclude = ("caller_name", "caller_phone")
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[HotlineOrder]:
        return HotlineOrder.objects.restrict(request.user, Action.MATTER_VIEW).select_related("current_org")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_can(request.user, Action.MATTER_VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_can(request.user, Action.MATTER_VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
