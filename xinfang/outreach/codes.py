"""Booking references and query codes (like the one-stop service receipts, xinfang.legalservices.codes).

The reference ("JF-7KQ2-M9XD", 接访) is random, so bookings cannot be enumerated. The query code is
shown to the person once; only a keyed hash is kept (HMAC-SHA256 under the site's secret key, salted
with the reference) and compared in constant time."""

from __future__ import annotations

import re
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: easy to read out and to type
PREFIX = "JF"
GROUP = 4
CODE_LENGTH = 8
REFERENCE_RE = re.compile(rf"^{PREFIX}-[{ALPHABET}]{{{GROUP}}}-[{ALPHABET}]{{{GROUP}}}$")
_SALT = "xinfang.outreach.booking-code"
_DUMMY_HASH = "0" * 64


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_reference() -> str:
    return f"{PREFIX}-{_random(GROUP)}-{_random(GROUP)}"


def new_code() -> str:
    return _random(CODE_LENGTH)


def format_code(code: str) -> str:
    """ "7KQ2M9XD" → "7KQ2-M9XD"."""
    return f"{code[:GROUP]}-{code[GROUP:]}"


def _compact(value: str) -> str:
    return re.sub(r"[\s\-–—_.]", "", value or "").upper()


def normalise_reference(value: str) -> str:
    """The reference as stored, or "" when the input cannot be one ("jf 7kq2 m9xd" is accepted)."""
    compact = _compact(value)
    if compact.startswith(PREFIX):
        compact = compact[len(PREFIX) :]
    if len(compact) != 2 * GROUP:
        return ""
    reference = f"{PREFIX}-{compact[:GROUP]}-{compact[GROUP:]}"
    return reference if REFERENCE_RE.match(reference) else ""


def hash_code(reference: str, code: str) -> str:
    return salted_hmac(_SALT, f"{reference}:{_compact(code)[:32]}", algorithm="sha256").hexdigest()


def code_matches(reference: str, code: str, stored_hash: str | None) -> bool:
    """Constant time; with no stored hash (no such booking) the same work is done and the answer is False."""
    return constant_time_compare(hash_code(reference, code), stored_hash or _DUMMY_HASH) and stored_hash is not None
