"""`manage.py outbox_deliver [--limit N]`: deliver pending outbox messages (at least once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.core.actors import SYSTEM
from xinfang.notify.services import outbox_deliver


class Command(BaseCommand):
    help = "Deliver the pending e-mail and SMS messages that are due, retrying failures with backoff."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="at most this many messages")

    def handle(self, *args: Any, **options: Any) -> None:
        result = outbox_deliver(actor=SYSTEM, limit=options["limit"])
        self.stdout.write(f"sent {result.sent}, retried {result.retried}, failed {result.failed}")
