"""Stored names in the reader's script and language."""

from __future__ import annotations

from django.utils import translation

from xinfang.core.text import localized_name


class LocalizedNameTests:
    def test_each_language(self):
        with translation.override("zh-hans"):
            assert localized_name("南沙区信访局", "Nansha District Petition Bureau") == "南沙区信访局"
        with translation.override("zh-hant"):
            assert localized_name("南沙区信访局") == "南沙區信訪局"
        with translation.override("en"):
            assert (
                localized_name("南沙区信访局", "Nansha District Petition Bureau") == "Nansha District Petition Bureau"
            )
            assert localized_name("南沙区信访局") == "南沙区信访局"  # no English name: keep the original
