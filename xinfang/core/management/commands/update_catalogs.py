"""Refresh the translation catalogs from the sources and fill in traditional Chinese.

The UI's source language is simplified Chinese (msgids are zh-hans), so the zh-hant catalog is
produced by converting each msgid with OpenCC (s2t); a translator may then edit any entry, and an
edited entry is never overwritten. English is translated by hand: this command lists what is
missing. Needs GNU gettext's xgettext (Debian package `gettext`) for makemessages."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import opencc
import polib
from django.core.management import call_command
from django.core.management.base import BaseCommand

from .compile_catalogs import catalog_files

LANGS = ["zh_Hans", "zh_Hant", "en"]


def fill_traditional(po: polib.POFile) -> int:
    """Fill empty zh-hant entries from their simplified msgid; return how many were filled."""
    converter = opencc.OpenCC("s2t")
    filled = 0
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags or entry.previous_msgid:
            # msgmerge guessed from a similar old msgid: the guess is wrong text, convert afresh.
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
            entry.previous_msgid = None
            entry.previous_msgid_plural = None
        if entry.msgid_plural:
            if not any(entry.msgstr_plural.values()):
                entry.msgstr_plural = {0: converter.convert(entry.msgid)}
                filled += 1
        elif not entry.msgstr:
            entry.msgstr = converter.convert(entry.msgid)
            filled += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    return filled


class Command(BaseCommand):
    help = "makemessages for the three languages, fill zh-hant by OpenCC, report missing English."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--path", default="", help="only this folder (an app, e.g. xinfang/orgs); its locale/ gets the catalogs"
        )

    def handle(self, *args: object, **options: Any) -> None:
        here = Path.cwd()
        only = Path(options["path"]).resolve() if options["path"] else None
        if only is not None:
            (only / "locale").mkdir(exist_ok=True)
            os.chdir(only)  # makemessages scans the working directory
        try:
            call_command(
                "makemessages",
                locale=LANGS,
                ignore_patterns=[".venv/*", "var/*", "static/vendor/*", "bench/*", "tests/*"],
                no_obsolete=True,
                verbosity=0,
            )
        finally:
            os.chdir(here)
        missing_en = 0
        for po_path in catalog_files():
            if only is not None and not po_path.resolve().is_relative_to(only):
                continue
            lang = po_path.parent.parent.name
            po = polib.pofile(str(po_path), wrapwidth=0)
            if lang == "zh_Hant":
                self.stdout.write(f"{po_path}: {fill_traditional(po)} filled by OpenCC")
                po.save()
            elif lang == "en":
                for entry in po.untranslated_entries() + po.fuzzy_entries():
                    missing_en += 1
                    self.stdout.write(f"{po_path}: missing English for {entry.msgid!r}")
        self.stdout.write(f"{missing_en} English entr(ies) to translate")
