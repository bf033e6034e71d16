from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    """Open311 GeoReport v2 (`/open311/`): civic apps file petitions and read back their own."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.open311"
    verbose_name = _("Open311接口")

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the api_key scheme with drf-spectacular
