"""The deadline calculator's form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import Unit
from .deadlines import MAX_PERIOD, validate_request


class DeadlineForm(forms.Form):
    """Start date, period and unit; `clean()` applies the same checks as the arithmetic."""

    start = forms.DateField(
        label=_("起算日"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("引起期限的事件发生之日，例如收到信访事项之日。"),
    )
    period = forms.IntegerField(label=_("期间"), min_value=1, max_value=max(MAX_PERIOD.values()))
    unit = forms.ChoiceField(label=_("单位"), choices=Unit.choices, initial=Unit.CALENDAR)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if name == "unit" else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["period"].widget.attrs.setdefault("inputmode", "numeric")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                validate_request(data["start"], data["period"], data["unit"])
            except ValidationError as exc:
                self.add_error(None, exc)
        return data
