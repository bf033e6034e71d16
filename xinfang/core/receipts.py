"""Public references and one-time codes on receipts (a service request, a reception booking …).

The reference ("LS-7KQ2-M9XD") is random, so references cannot be enumerated and say nothing about
how many there are. The code is shown to the person once; only a keyed hash is stored (HMAC-SHA256
under the site's secret key, salted per kind and with the reference), and codes are compared in
constant time. A keyed hash rather than a password hasher: the code is random (about 40 bits),
lookups are rate limited, and status pages must answer in well under 100 ms."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.utils.crypto import constant_time_compare, salted_hmac

# Crockford-like alphabet without 0/O, 1/I/L: easy to read out on the phone and to type.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUP = 4
CODE_LENGTH = 8
# Compared against when the reference does not exist, so that a wrong reference costs the same time.
_DUMMY_HASH = "0" * 64


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _compact(value: str) -> str:
    """Upper case, without spaces and dashes: typed "ls 7kq2 m9xd" reads as "LS7KQ2M9XD"."""
    return re.sub(r"[\s\-–—_.]", "", value or "").upper()


def format_code(code: str) -> str:
    """ "7KQ2M9XD" → "7KQ2-M9XD" (how a code is shown)."""
    return f"{code[:GROUP]}-{code[GROUP:]}"


def normalise_code(value: str) -> str:
    return _compact(value)[: 4 * CODE_LENGTH]


@dataclass(frozen=True)
class ReceiptCodes:
    """References "<prefix>-XXXX-XXXX" and their codes for one kind of receipt; `salt` keeps the
    hashes of one kind useless for another (and must never change once codes are stored)."""

    prefix: str
    salt: str
    reference_re: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pattern = rf"^{self.prefix}-[{ALPHABET}]{{{GROUP}}}-[{ALPHABET}]{{{GROUP}}}$"
        object.__setattr__(self, "reference_re", re.compile(pattern))

    def new_reference(self) -> str:
        return f"{self.prefix}-{_random(GROUP)}-{_random(GROUP)}"

    def new_code(self) -> str:
        return _random(CODE_LENGTH)

    def normalise_reference(self, value: str) -> str:
        """The reference as stored, or "" when the input cannot be one."""
        compact = _compact(value)
        if compact.startswith(self.prefix):
            compact = compact[len(self.prefix) :]
        if len(compact) != 2 * GROUP:
            return ""
        reference = f"{self.prefix}-{compact[:GROUP]}-{compact[GROUP:]}"
        return reference if self.reference_re.match(reference) else ""

    def hash_code(self, reference: str, code: str) -> str:
        return salted_hmac(self.salt, f"{reference}:{normalise_code(code)}", algorithm="sha256").hexdigest()

    def code_matches(self, reference: str, code: str, stored_hash: str | None) -> bool:
        """Constant time; with `stored_hash=None` (no such reference) the same work is done and the
        answer is False."""
        candidate = self.hash_code(reference, code)
        return constant_time_compare(candidate, stored_hash or _DUMMY_HASH) and stored_hash is not None
