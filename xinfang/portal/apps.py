from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public site: submit a petition, track it, evaluate, request review (P1, H7; XF-CH-05)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.portal"
    verbose_name = _("公众服务")
