"""Template helpers of the order app: the panel on the matter page (one include in the petitions
template) and the label of a response value."""

from __future__ import annotations

from typing import Any

from django import template

from ..policies import may_track
from ..selectors import matter_panel
from ..states import ResponseKind

register = template.Library()


@register.inclusion_tag("publicorder/_matter_panel_body.html", takes_context=True)
def order_matter_panel(context: Any) -> dict[str, Any]:
    """The litigation track, conduct records and warnings of `matter` for the request's user."""
    matter = context["matter"]
    user = context["request"].user
    panel = matter_panel(user=user, matter=matter)
    return {"panel": panel, "matter": matter, "can_track": panel.may_track and may_track(user, matter)}


@register.filter
def response_label(value: str) -> str:
    try:
        return str(ResponseKind(value).label)
    except ValueError:
        return value
