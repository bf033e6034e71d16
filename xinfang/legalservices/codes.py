"""Public references ("LS-7KQ2-M9XD") and access codes of service requests (xinfang.core.receipts)."""

from __future__ import annotations

from xinfang.core.receipts import ALPHABET, CODE_LENGTH, GROUP, ReceiptCodes, format_code, normalise_code

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "GROUP",
    "REFERENCE_PREFIX",
    "REFERENCE_RE",
    "access_code_matches",
    "format_code",
    "hash_access_code",
    "new_access_code",
    "new_reference",
    "normalise_code",
    "normalise_reference",
]

CODES = ReceiptCodes(prefix="LS", salt="xinfang.legalservices.access-code")
REFERENCE_PREFIX = CODES.prefix
REFERENCE_RE = CODES.reference_re
new_reference = CODES.new_reference
new_access_code = CODES.new_code
normalise_reference = CODES.normalise_reference
hash_access_code = CODES.hash_code
access_code_matches = CODES.code_matches
