from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The dashboards of the five goals (G1, G2; issue 8 items 7-8): measures defined in
    docs/metrics.md, rollups kept current by the writes, charts with drill-down, Excel and PDF
    reports, oversight reports for the people's congress and the public open statistics."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.dashboards"
    verbose_name = _("统计与五个法治化目标")
