"""Public references and access codes of service requests.

The reference ("LS-7KQ2-M9XD") is random, so references cannot be enumerated and say nothing about
how many requests there are. The access code is shown to the person once; only a keyed hash is
stored (HMAC-SHA256 under the site's secret key, salted with the reference), and codes are compared
in constant time. A keyed hash rather than a password hasher: the code is random (about 40 bits),
lookups are rate limited, and the status page must answer in well under 100 ms."""

from __future__ import annotations

import re
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

# Crockford-like alphabet without 0/O, 1/I/L: easy to read out on the phone and to type.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "LS"
GROUP = 4
REFERENCE_RE = re.compile(rf"^{REFERENCE_PREFIX}-[{ALPHABET}]{{{GROUP}}}-[{ALPHABET}]{{{GROUP}}}$")
CODE_LENGTH = 8
_HMAC_SALT = "xinfang.legalservices.access-code"
# Compared against when the reference does not exist, so that a wrong reference costs the same time.
_DUMMY_HASH = "0" * 64


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_reference() -> str:
    return f"{REFERENCE_PREFIX}-{_random(GROUP)}-{_random(GROUP)}"


def new_access_code() -> str:
    return _random(CODE_LENGTH)


def format_code(code: str) -> str:
    """ "7KQ2M9XD" → "7KQ2-M9XD" (how the code is shown)."""
    return f"{code[:GROUP]}-{code[GROUP:]}"


def _compact(value: str) -> str:
    """Upper case, without spaces and dashes; reads typed "ls 7kq2 m9xd" as "LS7KQ2M9XD"."""
    return re.sub(r"[\s\-–—_.]", "", value or "").upper()


def normalise_reference(value: str) -> str:
    """The reference as stored, or "" when the input cannot be one."""
    compact = _compact(value)
    if compact.startswith(REFERENCE_PREFIX):
        compact = compact[len(REFERENCE_PREFIX) :]
    if len(compact) != 2 * GROUP:
        return ""
    reference = f"{REFERENCE_PREFIX}-{compact[:GROUP]}-{compact[GROUP:]}"
    return reference if REFERENCE_RE.match(reference) else ""


def normalise_code(value: str) -> str:
    return _compact(value)[: 4 * CODE_LENGTH]


def hash_access_code(reference: str, code: str) -> str:
    return salted_hmac(_HMAC_SALT, f"{reference}:{normalise_code(code)}", algorithm="sha256").hexdigest()


def access_code_matches(reference: str, code: str, stored_hash: str | None) -> bool:
    """Constant-time comparison; with `stored_hash=None` (no such reference) the same work is done
    and the answer is False."""
    candidate = hash_access_code(reference, code)
    return constant_time_compare(candidate, stored_hash or _DUMMY_HASH) and stored_hash is not None
