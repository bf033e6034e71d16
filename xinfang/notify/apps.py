from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    """Notifications and the clock watch (S1, issue 8 item 1): the sweep that finds clocks due soon or
    overdue, in-app notifications and the outbox of external messages, each exactly once per clock
    event, and the pluggable senders (console by default, e-mail, SMS)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.notify"
    verbose_name = _("通知与时限督促")
