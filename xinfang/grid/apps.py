from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    """Grids (三网融合), grid events and their workflow, escalation, and conversion into petitions
    or mediation cases."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.grid"
    verbose_name = _("网格化管理")

    def ready(self) -> None:
        from . import services

        services.mediation_callback_register()
