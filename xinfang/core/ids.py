"""Row ids typed by people or sent by programs (addresses, query strings, form fields).

A string of digits may be longer than any database integer; handed to the ORM it overflows inside
the driver (a server error) instead of simply naming no row. Every place that turns text into an id
goes through `id_from_text`, which answers None for anything that cannot name a row."""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1  # the largest value a big-integer column holds


def id_from_text(value: Any) -> int | None:
    """The id that `value` names (ASCII digits within a big integer's range), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
