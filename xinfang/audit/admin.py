"""Read-only admin for the audit log: the role matrix decides who sees which events; nobody may
add, change or delete one here (and the database would refuse it anyway)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "created_at", "actor_label", "action", "object_type", "object_id", "object_label", "org_id")
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "action", "actor_label", "object_label")
    list_per_page = 50
    show_full_result_count = False
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.restrict(request.user, Action.AUDIT_VIEW)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_can(request.user, Action.AUDIT_VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_can(request.user, Action.AUDIT_VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
