"""CSV in and out for the classifier commands: encodings as the import readers detect them (BOM,
UTF-8, GB18030), comma / tab / semicolon separated, quoted newlines allowed."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from xinfang.transfer.readers import FileProblem, decode_text

DELIMITERS = ",\t;"


class CsvProblem(ValueError):
    """The file cannot be read as asked (encoding, missing column)."""


def read_columns(path: Path, columns: Sequence[str]) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows as dicts) of a CSV file; every named column must be in the header."""
    try:
        text, _encoding = decode_text(path.read_bytes())
    except FileProblem as exc:
        raise CsvProblem(exc.message) from exc
    first = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in columns if c not in header]
    if missing:
        raise CsvProblem(f"column(s) {missing} not in the header {header}")
    return header, [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]


def joined_text(row: dict[str, str], columns: Sequence[str]) -> str:
    """The text of a row: the named columns joined by a newline (title, then detail …)."""
    return "\n".join(row.get(c, "") for c in columns)
