from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "xinfang.notices"
    label = "notices"
    verbose_name = _("文书")
