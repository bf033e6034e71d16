"""Read-only admin pages: the calendar changes only through `calendar_seed` and
`calendar_load_year` (services with audit events), clocks only through workflow services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CalendarDay, CalendarYear, Clock


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "status", "source_note", "loaded_at"]
    list_filter = ["status"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "kind", "is_working_day", "holiday_name", "source"]
    list_filter = ["kind", "source", "year"]
    search_fields = ["holiday_name"]
    date_hierarchy = "date"
    list_per_page = 100


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ["object_type", "object_id", "kind", "start_date", "period", "unit", "due_date", "is_provisional"]
    list_filter = ["unit", "is_provisional", "kind"]
    search_fields = ["object_type", "object_id", "kind"]
    date_hierarchy = "due_date"
