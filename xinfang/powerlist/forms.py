"""Filter forms of the power-list pages (plain GET forms: they work without JavaScript)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Level, Organisation

from .models import MatterType

LEVEL_CHOICES = [(str(level.value), level.label) for level in Level if level != Level.GRID]


class OnDateForm(forms.Form):
    """The day the list is shown as it stood (default today)."""

    on = forms.DateField(
        label=_("查看日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("选择日期，查看当日施行的权责清单。"),
    )

    def on_date(self) -> datetime.date:
        """The chosen day (today when empty or invalid)."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("on"):
            return self.cleaned_data["on"]
        return timezone.localdate()


class PowerListFilterForm(OnDateForm):
    matter_type = forms.ModelChoiceField(
        label=_("事项类型"), queryset=MatterType.objects.none(), required=False, empty_label=_("全部事项类型")
    )
    level = forms.TypedChoiceField(
        label=_("层级"),
        choices=[("", _("全部层级")), *LEVEL_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    field_order = ["matter_type", "level", "on"]

    def __init__(self, *args: Any, matter_types: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["matter_type"].queryset = matter_types  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        if not (self.is_bound and self.is_valid()):
            return {}
        return {k: v for k in ("matter_type", "level") if (v := self.cleaned_data.get(k)) is not None}


class ProposalForm(OnDateForm):
    """Try the routing proposal for a place (a matter type's page)."""

    area = forms.ModelChoiceField(
        label=_("事项发生地"), queryset=Organisation.objects.none(), required=False, empty_label=_("请选择")
    )
    level = forms.TypedChoiceField(
        label=_("层级"),
        choices=[("", _("自动（就近属地）")), *LEVEL_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    field_order = ["area", "level", "on"]

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
