from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    """The mediation network (P5) and mediation cases (人民调解, MED-01..MED-06): results return to
    their source (petition, grid event, reconsideration case) through a callback registry."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.mediation"
    verbose_name = _("人民调解")

    def ready(self) -> None:
        from . import services

        services.register_builtin_sources()
