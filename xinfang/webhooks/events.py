"""The events other systems may subscribe to. An endpoint lists the types it wants; anything else is
refused when the endpoint is saved, so a misspelt type never silently receives nothing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MATTER_REGISTERED = "matter.registered"
MATTER_STATUS_CHANGED = "matter.status_changed"
HOTLINE_ORDER_STATUS_CHANGED = "hotline_order.status_changed"
HOTLINE_ORDER_TO_PETITION = "hotline_order.to_petition"

EVENT_TYPES = {
    MATTER_REGISTERED: _("信访事项登记"),
    MATTER_STATUS_CHANGED: _("信访事项状态变化"),
    HOTLINE_ORDER_STATUS_CHANGED: _("12345工单状态变化"),
    HOTLINE_ORDER_TO_PETITION: _("12345工单转为信访事项"),
}


def event_type_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in EVENT_TYPES.items()]
