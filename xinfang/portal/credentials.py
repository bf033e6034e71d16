"""Public references, query codes, the portal's service account and its registering organisation.

- A public reference (公开查询编号) is random: 10 characters of an alphabet without look-alikes
  (no 0/O, 1/I/L), about 50 bits, so numbers cannot be guessed or counted through (issue 5 item 8).
  The internal matter number stays as it is (sequential per organisation, for staff).
- A query code (查询码) is random too (8 characters, about 40 bits), shown once, and only its keyed
  hash is stored: HMAC-SHA256 under SECRET_KEY (and its fallbacks, so a key rotation keeps old
  codes working), bound to the reference. A keyed hash, not a password hash: the code is random,
  not chosen by a person, and a tracking look-up must stay fast. Compared in constant time, and a
  look-up of an unknown reference compares against a dummy, so both take the same time."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from xinfang.accounts.models import User
from xinfang.accounts.services import user_create
from xinfang.core.actors import SYSTEM
from xinfang.orgs.models import Function, Kind, Organisation

from .conf import registering_org_code
from .models import PortalAccount

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REF_LENGTH = 10
CODE_LENGTH = 8
HASH_SCHEME = "hmac-sha256"
_KEY_SALT = "xinfang.portal.query_code"
_NOT_ALPHABET = re.compile(f"[^{ALPHABET}]")
_SEPARATORS = re.compile(r"[\s\-_.·—]+")

PORTAL_USERNAME = "portal"


# --- References and codes ---------------------------------------------------------------------


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def public_ref_new() -> str:
    return _random(REF_LENGTH)


def query_code_new() -> str:
    return _random(CODE_LENGTH)


def normalise(value: str) -> str:
    """What a person typed, as stored: separators and spaces removed, upper case."""
    return _SEPARATORS.sub("", value or "").upper()


def is_well_formed(value: str, length: int) -> bool:
    return len(value) == length and not _NOT_ALPHABET.search(value)


def grouped(value: str, size: int = 4) -> str:
    """ABCDEFGHJK -> ABCD-EFGH-JK: easier to read aloud and to copy by hand."""
    return "-".join(value[i : i + size] for i in range(0, len(value), size))


def _digest(public_ref: str, code: str, secret: str) -> str:
    return salted_hmac(_KEY_SALT, f"{public_ref}:{code}", secret=secret, algorithm="sha256").hexdigest()


def query_code_hash(public_ref: str, code: str) -> str:
    return f"{HASH_SCHEME}${_digest(public_ref, code, settings.SECRET_KEY)}"


_DUMMY_HASH = f"{HASH_SCHEME}${'0' * 64}"


def query_code_matches(public_ref: str, code: str, stored: str | None) -> bool:
    """Does `code` belong to `public_ref`? Constant time; `stored` None (unknown reference) is
    compared against a dummy, so that the answer takes the same time."""
    candidate = stored or _DUMMY_HASH
    scheme, _sep, _digest_part = candidate.partition("$")
    matched = False
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        expected = f"{HASH_SCHEME}${_digest(public_ref, code, secret)}"
        matched |= constant_time_compare(expected, candidate)
    return matched and stored is not None and scheme == HASH_SCHEME


# --- The service account and the registering organisation --------------------------------------


def portal_user() -> User:
    """The "portal" account (created on first use: unusable password, active, no memberships)."""
    user = User.objects.filter(username=PORTAL_USERNAME).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return user_create(
                actor=SYSTEM, username=PORTAL_USERNAME, password=None, display_name="网上信访平台", validate=False
            )
    except (IntegrityError, ValidationError):  # created concurrently
        return User.objects.get(username=PORTAL_USERNAME)


def portal_actor() -> PortalAccount:
    """The service account acting for the public in one call (see xinfang.portal.models)."""
    account = PortalAccount.objects.get(pk=portal_user().pk)
    account.is_superuser = True  # this object only: PortalAccount.save() refuses
    return account


class PortalUnavailableError(Exception):
    """No organisation registers online petitions (no district petition bureau is configured)."""


def registering_organisation() -> Organisation:
    """The organisation online petitions are registered by: XINFANG_PORTAL_REGISTERING_ORG_CODE,
    or else the petition bureau of the district (the first active, in-district petition bureau
    directly under a district; failing that, the first active in-district petition bureau)."""
    code = registering_org_code()
    active = Organisation.objects.filter(is_active=True, is_external=False)
    if code:
        found = active.filter(code=code).first()
        if found is None:
            raise PortalUnavailableError(f"XINFANG_PORTAL_REGISTERING_ORG_CODE {code!r}: no active organisation")
        return found
    bureaus = active.filter(function=Function.PETITION_BUREAU).order_by("path")
    found = bureaus.filter(parent__kind=Kind.DISTRICT).first() or bureaus.first()
    if found is None:
        raise PortalUnavailableError("no active petition bureau in the district")
    return found
