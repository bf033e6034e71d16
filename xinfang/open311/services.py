"""Writes of the Open311 face: registering a client (its key shown once), replacing a key, and a
civic app's request registered as an online petition through intake (`matter_register`), as the
portal registers its own (channel online, at the registering organisation of
XINFANG_PORTAL_REGISTERING_ORG_CODE), with source `open311` and the client recorded."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.accounts.services import user_create
from xinfang.audit.services import audit_record
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import Matter
from xinfang.petitions.services.intake import MatterData, PetitionerData, derive_title, matter_register
from xinfang.petitions.states import Channel, PetitionerKind, Source
from xinfang.portal.credentials import public_ref_new, registering_organisation
from xinfang.powerlist.models import MatterType

from .conf import default_requests_per_hour
from .models import Open311Account, Open311Client, Open311Request

KEY_BYTES = 32  # 256 bits
KEY_PREFIX_CHARS = 8
SUBMISSION_KEY_PREFIX = "open311:"
TITLE_MAX = 120
_COORDINATE = Decimal("0.000001")


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str, str]:
    key = secrets.token_urlsafe(KEY_BYTES)
    return key, key[:KEY_PREFIX_CHARS], key_digest(key)


@dataclass(frozen=True)
class IssuedKey:
    """A client and its API key in clear: shown once, never stored."""

    client: Open311Client
    api_key: str


@transaction.atomic
def open311_client_create(
    *,
    actor: Any,
    name: str,
    organisation: Organisation,
    requests_per_hour: int | None = None,
    is_active: bool = True,
) -> IssuedKey:
    """Register a civic app as an Open311 client, with its own service account (unusable
    password, no memberships) and a new API key, returned once. For whoever manages users."""
    require(actor, Action.USER_MANAGE)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写客户端名称。")})
    account = user_create(
        actor=actor,
        username=f"open311-{uuid.uuid4().hex[:12]}",
        password=None,
        display_name=name[:100],
        validate=False,
    )
    key, prefix, digest = _new_key()
    client = Open311Client(
        name=name,
        organisation=organisation,
        account=account,
        key_prefix=prefix,
        key_digest=digest,
        is_active=is_active,
        requests_per_hour=default_requests_per_hour() if requests_per_hour is None else requests_per_hour,
    )
    client.full_clean(exclude=["account"])
    client.save()
    audit_record(
        actor=actor,
        action="open311.client_create",
        target=client,
        org_id=organisation.pk,
        summary={
            "after": {
                "name": client.name,
                "organisation": organisation.pk,
                "account": account.pk,
                "key_prefix": prefix,
                "requests_per_hour": client.requests_per_hour,
                "is_active": client.is_active,
            }
        },
    )
    return IssuedKey(client=client, api_key=key)


@transaction.atomic
def open311_client_key_rotate(*, actor: Any, client: Open311Client) -> IssuedKey:
    """Give a client a new API key (returned once); the old key stops working at once."""
    require(actor, Action.USER_MANAGE)
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    before = client.key_prefix
    key, prefix, digest = _new_key()
    client.key_prefix, client.key_digest = prefix, digest
    client.save(update_fields=["key_prefix", "key_digest", "updated_at"])
    audit_record(
        actor=actor,
        action="open311.client_key_rotate",
        target=client,
        org_id=client.organisation_id,
        summary={"before": {"key_prefix": before}, "after": {"key_prefix": prefix}},
    )
    return IssuedKey(client=client, api_key=key)


@transaction.atomic
def open311_client_update(*, actor: Any, client: Open311Client, **changes: Any) -> Open311Client:
    """Change a client's name, organisation, limit or active flag (audited)."""
    require(actor, Action.USER_MANAGE)
    allowed = {"name", "organisation", "requests_per_hour", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    client = Open311Client.objects.select_for_update().get(pk=client.pk)

    def plain(value: Any) -> Any:
        return value.pk if isinstance(value, Organisation) else value

    before = {k: plain(getattr(client, k)) for k in changes}
    for field, value in changes.items():
        setattr(client, field, value)
    client.full_clean(exclude=["account"])
    client.save()
    after = {k: plain(getattr(client, k)) for k in changes}
    if after != before:
        audit_record(
            actor=actor,
            action="open311.client_update",
            target=client,
            org_id=client.organisation_id,
            summary={"before": before, "after": after},
        )
    return client


def acting_account(client: Open311Client) -> Open311Account:
    """The client's service account acting for the public in one call (see models)."""
    account = Open311Account.objects.get(pk=client.account_id)
    account.is_superuser = True  # this object only: Open311Account.save() refuses
    return account


@dataclass
class RequestData:
    """A GeoReport v2 POST, checked by the API's serializer: the petitioner (name, phone,
    residence), what happened (description = facts), what is asked (attribute request), reasons,
    where (address_string, coordinates, or a place by organisation code), a media link."""

    matter_type: MatterType
    name: str
    phone: str
    residence: str
    facts: str
    request: str
    reasons: str = ""
    title: str = ""
    place: Organisation | None = None
    address_string: str = ""
    latitude: float | None = None
    longitude: float | None = None
    media_url: str = ""


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(_COORDINATE, rounding=ROUND_HALF_UP)


def _place_text(data: RequestData) -> str:
    """The place as the client described it: its address, and the coordinates when sent."""
    parts = [data.address_string.strip()]
    if data.latitude is not None and data.longitude is not None:
        parts.append(
            _("坐标 %(lat)s, %(long)s") % {"lat": _coordinate(data.latitude), "long": _coordinate(data.longitude)}
        )
    return "；".join(p for p in parts if p)[:200]


def _facts(data: RequestData) -> str:
    """The description as sent; a media link is noted after it (recorded, never fetched)."""
    facts = data.facts.strip()
    if data.media_url:
        facts += "\n\n" + _("（客户端提交的媒体链接，系统未下载：%(url)s）") % {"url": data.media_url}
    return facts


def submission_key(client: Open311Client, data: RequestData, on_day: datetime.date) -> str:
    """The same petition sent twice by one client on one day (a retry without an Idempotency-Key)
    is one matter: a digest of what was sent, the client and the day."""
    digest = hashlib.sha256()
    for part in (
        str(client.pk),
        on_day.isoformat(),
        data.matter_type.code,
        data.name,
        data.phone,
        data.residence,
        data.facts,
        data.request,
        data.reasons,
        data.title,
        str(data.place.pk if data.place else ""),
        data.address_string,
        str(_coordinate(data.latitude)),
        str(_coordinate(data.longitude)),
        data.media_url,
    ):
        digest.update(part.encode() + b"\0")
    return SUBMISSION_KEY_PREFIX + digest.hexdigest()[:48]


def _public_ref_set(matter: Matter) -> str:
    """Give the matter its public reference (random, not sequential; kept once given)."""
    if matter.public_ref:
        return matter.public_ref
    ref = public_ref_new()
    while Matter.objects.filter(public_ref=ref).exists():  # 31^10 values: practically never
        ref = public_ref_new()
    matter.public_ref = ref
    matter.save(update_fields=["public_ref", "updated_at"])
    return ref


@transaction.atomic
def open311_request_submit(*, client: Open311Client, data: RequestData) -> Open311Request:
    """Register a civic app's request as an online petition (XF-CH-01, XF-CH-05; channel online,
    source open311) at the registering organisation, as the client's service account: intake's
    rules all apply (request and facts required, the place inside the district, the triage and
    notice clocks started, the audit event written). The matter gets its public reference (the
    service_request_id). The service chosen is recorded with the request and named in the title;
    the matter type itself is decided at triage. The same petition sent again by the same client
    on the same day returns the first request."""
    organisation = registering_organisation()
    actor = acting_account(client)
    now = timezone.now()
    title = data.title.strip() or f"{data.matter_type.name}：{derive_title(data.request)}"
    with translation.override(settings.LANGUAGE_CODE):  # stored on the matter: the source language
        facts, place_text = _facts(data), _place_text(data)
    matter = matter_register(
        actor=actor,
        organisation=organisation,
        data=MatterData(
            channel=Channel.ONLINE,
            source=Source.OPEN311,
            received_at=now,
            title=title[:TITLE_MAX],
            request=data.request,
            facts=facts,
            reasons=data.reasons,
            petitioners=[
                PetitionerData(name=data.name, kind=PetitionerKind.PERSON, phone=data.phone, address=data.residence)
            ],
            place_org=data.place,
            place_text=place_text,
            submission_key=submission_key(client, data, timezone.localdate(now)),
        ),
    )
    existing = Open311Request.objects.filter(matter=matter).first()
    if existing is not None:  # the same petition sent again
        return existing
    public_ref = _public_ref_set(matter)
    try:
        with transaction.atomic():
            request = Open311Request.objects.create(
                client=client,
                matter=matter,
                service_code=data.matter_type.code,
                matter_type=data.matter_type,
                latitude=_coordinate(data.latitude),
                longitude=_coordinate(data.longitude),
                media_url=data.media_url,
            )
    except IntegrityError:  # a concurrent send of the same petition won
        return Open311Request.objects.get(matter=matter)
    audit_record(
        actor=actor,
        action="open311.request_submit",
        target=matter,
        object_label=matter.number,
        org_id=organisation.pk,
        # The reference and codes only: what the petitioner wrote stays on the matter.
        summary={
            "after": {
                "public_ref": public_ref,
                "client": client.pk,
                "service_code": data.matter_type.code,
                "media_url": bool(data.media_url),
            }
        },
    )
    return request
