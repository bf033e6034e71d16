"""Register a civic app as an Open311 client and print its API key once (only its digest is
kept). The organisation is the one that answers for the app, by code."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xinfang.core.actors import SYSTEM
from xinfang.open311.services import open311_client_create
from xinfang.orgs.models import Organisation


class Command(BaseCommand):
    help = "Register an Open311 client (a civic app) and print its API key once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="The app's name, e.g. 'District WeChat mini-program'.")
        parser.add_argument("--organisation", required=True, help="Code of the organisation that runs the app.")
        parser.add_argument("--requests-per-hour", type=int, default=None, help="Filings allowed per hour.")

    def handle(self, *args: Any, name: str, organisation: str, requests_per_hour: int | None, **options: Any) -> None:
        org = Organisation.objects.filter(code=organisation, is_active=True).first()
        if org is None:
            raise CommandError(f"No active organisation with code {organisation!r}.")
        try:
            issued = open311_client_create(
                actor=SYSTEM, name=name, organisation=org, requests_per_hour=requests_per_hour
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(f"Client {issued.client.pk} {issued.client.name!r}; the key is shown only now:")
        self.stdout.write(issued.api_key)
