"""`{% supervision_panel matter as sp %}`: the supervision panel of the petitions matter page
(included there, so petitions needs no import of this app)."""

from __future__ import annotations

from typing import Any

from django import template

from .. import policies, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def supervision_panel(context: Any, matter: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or matter is None or not policies.may_view_orders(user):
        return {"visible": False}
    return {
        "visible": True,
        "orders": selectors.orders_for_matter(user=user, matter=matter),
        "can_supervise": policies.may_supervise(user),
        "can_refer": policies.may_manage_accountability(user),
    }
