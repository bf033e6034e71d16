"""Admin of the mediation network (reference data); cases are read-only here — they change only
through the services (audited)."""

from __future__ import annotations

from django.contrib import admin

from .models import MediationBody, MediationCase, Mediator


@admin.register(MediationBody)
class MediationBodyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "organisation", "phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "name_en")
    raw_id_fields = ("organisation",)


@admin.register(Mediator)
class MediatorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "body", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    raw_id_fields = ("body", "user")


@admin.register(MediationCase)
class MediationCaseAdmin(admin.ModelAdmin):
    list_display = ("number", "body", "source_kind", "status", "applied_at")
    list_filter = ("status", "source_kind")
    search_fields = ("number",)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
