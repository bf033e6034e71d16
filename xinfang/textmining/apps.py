from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TextminingConfig(AppConfig):
    """Text intelligence (issue 9): takes text and returns suggestions; imports no workflow app.
    Today: the near-duplicate index (MinHash LSH bands persisted in the database)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.textmining"
    verbose_name = _("文本分析")
