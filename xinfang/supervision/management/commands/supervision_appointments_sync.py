"""`python manage.py supervision_appointments_sync`: grant the supervisor memberships of appointments
whose period has begun and revoke those whose period has ended (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.core.actors import SYSTEM
from xinfang.supervision.services import appointment_sync


class Command(BaseCommand):
    help = "Grant and revoke supervisor memberships according to the appointment periods."

    def handle(self, *args: Any, **options: Any) -> None:
        granted, revoked = appointment_sync(actor=SYSTEM)
        self.stdout.write(f"supervisor appointments: {granted} granted, {revoked} revoked")
