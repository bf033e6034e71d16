from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    """Bulk data transfer (数据导入导出): importing matters, petitioners and the power list from
    CSV/XLSX files, and exporting them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.transfer"
    verbose_name = _("数据导入导出")
