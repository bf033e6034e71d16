from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API's root: the router over the apps' `apis.py`, the schema and its docs."""

    name = "xinfang.api"
    verbose_name = _("接口")
