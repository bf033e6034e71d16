"""Delete API idempotency keys older than XINFANG_API_IDEMPOTENCY_HOURS (run daily from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.core.api.idempotency import idempotency_purge


class Command(BaseCommand):
    help = "Delete expired API idempotency keys."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{idempotency_purge()} expired key(s) deleted")
