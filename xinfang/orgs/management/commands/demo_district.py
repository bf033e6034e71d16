"""`python manage.py demo_district`: load the demo district (see docs/demo.md)."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count

from xinfang.accounts.models import Membership
from xinfang.accounts.roles import Role
from xinfang.orgs.demo import DEMO_PASSWORD, DemoRefusedError, demo_district_load
from xinfang.orgs.models import Kind, Organisation, ReceptionPoint


class Command(BaseCommand):
    help = (
        "Load the demo district modelled on Nansha (province and city bodies, district departments, "
        "towns and streets, villages, grids, reception points, staff and demo logins). Idempotent: "
        "a second run adds only what is missing. Refuses a database that holds other organisations."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = demo_district_load()
        except DemoRefusedError as exc:
            # Not an error for `make run`: the server still starts, without demo data.
            self.stderr.write(self.style.WARNING(f"Demo district not loaded: {exc}"))
            return
        elapsed = time.monotonic() - started

        if not result.topped_up:
            self.stdout.write(self.style.SUCCESS("Demo district loaded."))
        elif result.created_anything:
            self.stdout.write(self.style.SUCCESS("Demo district was there; added what was missing."))
        else:
            self.stdout.write("Demo district already loaded; nothing to add.")
        if result.created_anything:
            created = ", ".join(f"{key} {value}" for key, value in sorted(result.created.items()))
            self.stdout.write(f"Created: {created}")
        if result.skipped:
            self.stdout.write(f"Skipped {result.skipped} rows whose organisation has been closed.")

        self._write_totals()
        self._write_logins(result.plan)
        self.stdout.write(f"Elapsed: {elapsed:.1f} s")

    def _write_totals(self) -> None:
        by_kind = {
            row["kind"]: row["n"] for row in Organisation.objects.order_by().values("kind").annotate(n=Count("pk"))
        }
        parts = [f"{Kind(kind).label} {by_kind[kind]}" for kind in Kind.values if kind in by_kind]
        self.stdout.write(f"Organisations: {sum(by_kind.values())} ({', '.join(parts)})")
        self.stdout.write(f"Reception points: {ReceptionPoint.objects.count()}")
        memberships = Membership.objects.filter(is_active=True).order_by().values("role").annotate(n=Count("pk"))
        by_role = {row["role"]: row["n"] for row in memberships}
        parts = [f"{Role(role).label} {by_role[role]}" for role in Role.values if role in by_role]
        self.stdout.write(f"Staff memberships: {sum(by_role.values())} ({', '.join(parts)})")

    def _write_logins(self, plan: Any) -> None:
        names = dict(Organisation.objects.filter(code__in={s.org for s in plan.logins}).values_list("code", "name"))
        rows = [(s.username, f"{s.role} ({Role(s.role).label})", names.get(s.org, s.org)) for s in plan.logins]
        header = ("username", "role", "organisation")
        widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(2)]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (DEMO ONLY, password for all: {DEMO_PASSWORD})")
        for row in [header, *rows]:
            self.stdout.write(f"{_pad(row[0], widths[0])}  {_pad(row[1], widths[1])}  {row[2]}")
        self.stdout.write("")


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
