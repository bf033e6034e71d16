"""Admin for the classified-handling list (依法分类处理清单, H2; XF-CLS-01..04): reference data
edited by administrators. Permissions come from the role matrix like the power list's (org.view
to read, powerlist.manage to edit); every save is audited in the same transaction; tracks are
deactivated, never deleted (matters keep pointing at them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from xinfang.audit.services import audit_record
from xinfang.orgs.admin import PolicyAdminMixin
from xinfang.powerlist.policies import POWERLIST_MANAGE, POWERLIST_VIEW

from .models import HandlingTrack

# Fields whose values the audit event records (all of them are reference data, none personal).
_AUDITED = (
    "code",
    "name",
    "name_en",
    "procedure",
    "legal_basis",
    "receiving_body_hint",
    "petitioner_period",
    "petitioner_period_unit",
    "is_active",
    "sort_order",
)


@admin.register(HandlingTrack)
class HandlingTrackAdmin(PolicyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    view_action = POWERLIST_VIEW
    manage_action = POWERLIST_MANAGE
    list_display = ("code", "name", "procedure", "receiving_body_hint", "petitioner_period", "sort_order", "is_active")
    list_filter = ("procedure", "is_active")
    search_fields = ("code", "name", "name_en", "legal_basis")
    ordering = ("sort_order", "code")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The code identifies the track in configuration and in the audit log: fixed once created.
        return ("code",) if obj is not None else ()

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: HandlingTrack, form: Any, change: bool) -> None:
        before = {}
        if change:
            original = HandlingTrack.objects.select_for_update().get(pk=obj.pk)
            before = {name: getattr(original, name) for name in form.changed_data if name in _AUDITED}
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="handling_track.update" if change else "handling_track.create",
            target=obj,
            summary={
                "code": obj.code,
                "before": before,
                "after": {name: getattr(obj, name) for name in form.changed_data if name in _AUDITED},
            },
        )
