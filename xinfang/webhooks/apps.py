from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Events pushed to other systems (the 12345 platform, a city's supervision system …): endpoints
    per organisation, signed deliveries, retries and the delivery log."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.webhooks"
    verbose_name = _("事件推送")
