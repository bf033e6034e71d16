"""Template filters: `script` shows stored simplified Chinese in the reader's script."""

from __future__ import annotations

from django import template

from xinfang.core.text import localized_name

register = template.Library()


@register.filter
def script(value: object) -> str:
    """Stored text converted to traditional script for zh-hant readers; unchanged otherwise."""
    return localized_name(str(value)) if value else ""
