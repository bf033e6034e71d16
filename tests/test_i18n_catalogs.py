"""Three languages, complete catalogs: every msgid of every app has an English and a traditional
Chinese translation, with the same placeholders, and the catalogs hold every string in the code."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from xinfang.core.management.commands.compile_catalogs import catalog_files

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
# Every app of the project: an app without catalogs fails the tests below.
APPS_WITH_CATALOGS = sorted(p.parent for p in (Path(__file__).resolve().parents[1] / "xinfang").glob("*/apps.py"))


def _catalogs(lang: str) -> list[Path]:
    return [p for p in catalog_files() if p.parent.parent.name == lang]


class CatalogCompletenessTests:
    def test_every_app_has_three_catalogs(self):
        for app in APPS_WITH_CATALOGS:
            for lang in ("zh_Hans", "zh_Hant", "en"):
                assert (app / "locale" / lang / "LC_MESSAGES" / "django.po").exists(), (app, lang)

    @pytest.mark.parametrize("lang", ["en", "zh_Hant"])
    def test_translated_and_not_fuzzy(self, lang):
        problems = []
        for path in _catalogs(lang):
            po = polib.pofile(str(path))
            problems += [(str(path), e.msgid) for e in po.untranslated_entries() + po.fuzzy_entries()]
        assert not problems

    @pytest.mark.parametrize("lang", ["en", "zh_Hant"])
    def test_placeholders_survive_translation(self, lang):
        for path in _catalogs(lang):
            for entry in polib.pofile(str(path)).translated_entries():
                translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
                for text in translations:
                    assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(text)), entry.msgid

    def test_english_is_not_chinese(self):
        cjk = re.compile(r"[\u4e00-\u9fff]")
        for path in _catalogs("en"):
            for entry in polib.pofile(str(path)).translated_entries():
                # Chinese may appear only where the English quotes a Chinese title (e.g. of a law).
                if cjk.search(entry.msgstr):
                    assert "《" in entry.msgstr or "（" in entry.msgstr or cjk.search(entry.msgid), entry.msgstr


@pytest.mark.skipif(
    shutil.which("xgettext") is None and os.environ.get("CI") != "true",
    reason="GNU gettext (xgettext) is not installed: `apt-get install gettext` to check catalogs against the code",
)
class CatalogsCoverTheCodeTests:
    @pytest.mark.parametrize("app", APPS_WITH_CATALOGS, ids=lambda p: p.name)
    def test_no_string_missing_from_the_catalog(self, app, tmp_path):
        """makemessages on a copy of the app finds no msgid the committed catalog lacks."""
        copy = tmp_path / app.name
        shutil.copytree(app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(settings.BASE_DIR)}
        subprocess.run(
            [sys.executable, "-P", "-m", "django", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
            cwd=copy,
            env=env,
            check=True,
            capture_output=True,
        )
        fresh = {e.msgid for e in polib.pofile(str(copy / "locale/en/LC_MESSAGES/django.po"))}
        committed = {e.msgid for e in polib.pofile(str(app / "locale/en/LC_MESSAGES/django.po")) if not e.obsolete}
        assert not fresh - committed, f"run `make messages`: missing {sorted(fresh - committed)[:10]}"


@pytest.mark.parametrize("lang", ["en", "zh_Hant"])
def test_one_translation_per_msgid_across_apps(lang):
    """Django merges every app's catalog into one, and the first app in INSTALLED_APPS wins: a msgid
    translated two ways would silently show one of them everywhere. One term, one translation."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for path in _catalogs(lang):
        for entry in polib.pofile(str(path)).translated_entries():
            if not entry.msgid_plural:
                seen.setdefault((entry.msgctxt or "", entry.msgid), {})[entry.msgstr] = str(path)
    conflicts = {key: found for key, found in seen.items() if len(found) > 1}
    assert not conflicts
