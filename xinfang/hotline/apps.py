from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    """12345 hotline work orders (工单): received from the hotline platform, dispatched, handled and
    answered on clocks of their own, never merged with petition clocks (HOT-05)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.hotline"
    verbose_name = _("12345热线工单")
