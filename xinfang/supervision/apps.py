from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Supervision and accountability (S2, S3, S5, S6; issue 8 items 2-5): supervision orders (督办),
    referrals to discipline inspection, accountability records and the joint conference (联席会议)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.supervision"
    verbose_name = _("督办与追责")
