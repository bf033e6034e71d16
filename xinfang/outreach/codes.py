"""Booking references ("JF-7KQ2-M9XD", 接访) and query codes (xinfang.core.receipts)."""

from __future__ import annotations

from xinfang.core.receipts import ALPHABET, CODE_LENGTH, GROUP, ReceiptCodes, format_code

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "GROUP",
    "PREFIX",
    "REFERENCE_RE",
    "code_matches",
    "format_code",
    "hash_code",
    "new_code",
    "new_reference",
    "normalise_reference",
]

CODES = ReceiptCodes(prefix="JF", salt="xinfang.outreach.booking-code")
PREFIX = CODES.prefix
REFERENCE_RE = CODES.reference_re
new_reference = CODES.new_reference
new_code = CODES.new_code
normalise_reference = CODES.normalise_reference
hash_code = CODES.hash_code
code_matches = CODES.code_matches
