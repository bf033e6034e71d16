from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidanceConfig(AppConfig):
    """Guidance maps (导引图, A7) generated from the power list and the legal channels, and the
    complaint and appeal guides of the procuratorate and the courts (O2)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.guidance"
    verbose_name = _("导引")
