from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicOrderConfig(AppConfig):
    """Order (维护秩序法治化, O1, O3; issue 8 item 6): records of the conduct of 条例 Art. 26 and the
    lawful response, early warning when matters cluster, and the court's four-level model for
    litigation-related matters."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.publicorder"
    verbose_name = _("信访秩序")
