from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PowerlistConfig(AppConfig):
    name = "xinfang.powerlist"
    label = "powerlist"
    verbose_name = _("权责清单")
