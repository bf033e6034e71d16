"""The filter form of the audit event list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import AuditEventFilters


class AuditEventFilterForm(forms.Form):
    action = forms.CharField(label=_("操作"), max_length=64, required=False, help_text=_("可只填开头，如“org.”"))
    object_type = forms.CharField(label=_("对象类型"), max_length=64, required=False)
    object_id = forms.CharField(label=_("对象编号"), max_length=64, required=False)
    actor = forms.CharField(label=_("操作人"), max_length=150, required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"), code="date_order")
        return data

    def filters(self) -> AuditEventFilters:
        """The cleaned, non-empty filters (call after is_valid())."""
        data = self.cleaned_data
        result: AuditEventFilters = {}
        for name in ("action", "object_type", "object_id", "actor"):
            if value := data.get(name, "").strip():
                result[name] = value  # type: ignore[literal-required]
        for name in ("date_from", "date_to"):
            if data.get(name):
                result[name] = data[name]  # type: ignore[literal-required]
        return result
