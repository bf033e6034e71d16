from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    """Major decisions (重大决策) and their social-stability risk assessment (稳评): the yearly list,
    the assessment steps, the risk level and what it allows (RA-01..RA-07), and the review flag
    raised when petitions or grid events cluster around a listed decision."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.risk"
    verbose_name = _("重大决策社会稳定风险评估")
