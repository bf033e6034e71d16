"""The dashboard's chooser: an organisation the user may see figures of, and a period."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Organisation

from .selectors import default_period, organisation_choices

MAX_DAYS = 366 * 10


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return "\u3000" * max(0, obj.depth - 3) + obj.local_name


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(attrs={"class": "form-control form-control-sm"}, format="%Y-%m-%d")


class DashboardForm(forms.Form):
    organisation = OrgChoiceField(
        label=_("统计范围"), queryset=Organisation.objects.none(), required=False, empty_label=None
    )
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisation_choices(user)
        field.widget.attrs["class"] = "form-select form-select-sm"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = default_period()
        data["date_from"] = data.get("date_from") or start
        data["date_to"] = data.get("date_to") or end
        if data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        elif data["date_to"] - data["date_from"] > datetime.timedelta(days=MAX_DAYS):
            self.add_error("date_from", _("统计期间不能超过十年。"))
        if not data.get("organisation"):
            field = self.fields["organisation"]
            assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
            data["organisation"] = field.queryset.first()
        return data
