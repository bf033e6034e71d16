"""Create an API token for a user (a system account such as the 12345 hotline link). The token
is printed once; only its digest is stored (django-rest-knox)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Create an API token for a user and print it once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=0, help="Expire after this many days (0: never).")

    def handle(self, *args: Any, username: str, days: int, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        expiry = datetime.timedelta(days=days) if days > 0 else None
        _instance, token = AuthToken.objects.create(user=user, expiry=expiry)
        self.stdout.write(token)
