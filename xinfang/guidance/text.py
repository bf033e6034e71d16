"""Plain text to safe blocks: a guide body is paragraphs, lists and headings written as plain text.
Templates render the blocks with autoescaping on, so no HTML typed into a guide ever reaches a page."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET = re.compile(r"^\s*[-•·*]\s+(.*)$")
_NUMBER = re.compile(r"^\s*(\d{1,3})[.、)）]\s*(.*)$")
_HEADING = re.compile(r"^\s*#{2,3}\s+(.*)$")


@dataclass(frozen=True)
class Block:
    """kind: "h" (heading; `lines` has one line), "p" (paragraph; its lines), "ul" or "ol" (list
    items)."""

    kind: str
    lines: tuple[str, ...]


def body_blocks(text: str) -> list[Block]:
    """Split a plain-text body into headings, paragraphs and lists. A blank line ends a paragraph
    or a list; consecutive "- " lines are one bulleted list, "1. " lines one numbered list; any
    other line joins the paragraph (kept as a line break)."""
    blocks: list[Block] = []
    kind, lines = "", list[str]()  # the block being collected

    def flush() -> None:
        nonlocal kind, lines
        if lines:
            blocks.append(Block(kind, tuple(lines)))
        kind, lines = "", []

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            blocks.append(Block("h", (heading.group(1).strip(),)))
            continue
        bullet, number = _BULLET.match(line), _NUMBER.match(line)
        if bullet or number:
            item_kind = "ul" if bullet else "ol"
            item = (bullet.group(1) if bullet else number.group(2)).strip()  # type: ignore[union-attr]
            if kind != item_kind:
                flush()
                kind = item_kind
            lines.append(item)
            continue
        if kind in {"ul", "ol"} and raw[:1].isspace() and lines:
            lines[-1] = f"{lines[-1]} {line}"  # an indented continuation of the last item
            continue
        if kind != "p":
            flush()
            kind = "p"
        lines.append(line)
    flush()
    return blocks
