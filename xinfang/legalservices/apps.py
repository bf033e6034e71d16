from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalServicesConfig(AppConfig):
    """The one-stop service platform (一站式): the catalogue of legal services at district, town and
    village service points, and the public's requests handled to completion (P1)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.legalservices"
    verbose_name = _("一站式服务")
