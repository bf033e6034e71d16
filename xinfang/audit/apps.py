from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "xinfang.audit"
    label = "audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .triggers import reinstall_after_migrate

        # SQLite table-remake migrations drop triggers: put them back after every migrate.
        post_migrate.connect(reinstall_after_migrate, sender=self, dispatch_uid="audit_reinstall_triggers")
