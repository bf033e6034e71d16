"""Compile every locale/*/LC_MESSAGES/django.po into .mo with polib.

Django's own compilemessages needs GNU gettext's msgfmt; a fresh machine with only python3 has
none, so `make run` and `make test` compile with polib instead."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def catalog_files() -> list[Path]:
    """Every django.po of the project (top-level locale/ and each app's locale/)."""
    roots = [Path(p) for p in settings.LOCALE_PATHS] + sorted((Path(settings.BASE_DIR) / "xinfang").glob("*/locale"))
    return sorted(po for root in roots for po in root.glob("*/LC_MESSAGES/django.po"))


class Command(BaseCommand):
    help = "Compile translation catalogs (.po -> .mo) without GNU gettext."

    def handle(self, *args: object, **options: object) -> None:
        count = 0
        for po_path in catalog_files():
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            count += 1
        self.stdout.write(f"compiled {count} catalog(s)")
