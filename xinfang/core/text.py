"""Showing stored Chinese text in the reader's script: names are stored in simplified Chinese;
a traditional-Chinese reader sees them converted by OpenCC."""

from __future__ import annotations

from functools import lru_cache

import opencc
from django.utils.translation import get_language


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    return str(_s2t().convert(text))


def localized_name(name: str, name_en: str = "") -> str:
    """The name in the active language: English name when set, traditional script for zh-hant."""
    language = (get_language() or "zh-hans").lower()
    if language.startswith("en") and name_en:
        return name_en
    if language in {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}:
        return to_traditional(name)
    return name


def in_reader_language(text: str, text_en: str = "") -> str:
    """Stored text (an address, opening hours, a description) in the reader's language: the English
    text for English readers when there is one, traditional script for zh-hant readers, the stored
    simplified text otherwise (also for English readers when no English text has been written)."""
    language = (get_language() or "zh-hans").lower()
    if language.startswith("en") and text_en:
        return text_en
    if language.startswith("zh-hant") or language in {"zh-tw", "zh-hk", "zh-mo"}:
        return to_traditional(text) if text else ""
    return text
