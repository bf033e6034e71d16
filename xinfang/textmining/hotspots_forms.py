"""Forms of the hot-spot page (the window) and of the reply check (the texts)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 3 * 366


class HotspotWindowForm(forms.Form):
    """The time window: received from `since` to `until` (whole days), and the length of the recent
    window whose growth is compared with the one before."""

    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    recent_days = forms.IntegerField(
        label=_("近期天数"),
        required=False,
        min_value=7,
        max_value=180,
        help_text=_("近期与前一同样长的时段比较，得出增长。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        until = data.get("until") or timezone.localdate()
        since = data.get("since") or until - datetime.timedelta(days=DEFAULT_WINDOW_DAYS)
        if since > until:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        if (until - since).days > MAX_WINDOW_DAYS:
            raise forms.ValidationError(_("时间范围最长三年。"))
        data["since"], data["until"] = since, until
        data["recent_days"] = data.get("recent_days") or 30
        return data

    def window(self) -> tuple[datetime.datetime, datetime.datetime, int]:
        """(start of `since`, end of `until`) as aware datetimes, and the recent days."""
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(data["since"], datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(data["until"], datetime.time.max, tzinfo=zone)
        return start, end, data["recent_days"]


class ReplyCheckForm(forms.Form):
    """What the officer's opinion form posts: the request and the draft reply (the field names of
    the petitions opinion form are accepted too)."""

    title = forms.CharField(required=False, max_length=500)
    request_text = forms.CharField(required=False, max_length=20000)
    reply_text = forms.CharField(required=False, max_length=20000)
    due_date = forms.DateField(required=False)
    replied_on = forms.DateField(required=False)

    ALIASES = {"request": "request_text", "opinion": "reply_text"}

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None:
            data = data.copy()
            for alias, name in self.ALIASES.items():
                if not data.get(name) and data.get(alias):
                    data[name] = data[alias]
            # The opinion form: what the petitioner receives is the facts and reasons, the opinion
            # and its legal basis.
            parts = [data.get("facts_reasons", ""), data.get("reply_text", ""), data.get("legal_basis", "")]
            if data.get("reply_text"):
                data["reply_text"] = "\n".join(p for p in parts if p)
        super().__init__(data, **kwargs)
