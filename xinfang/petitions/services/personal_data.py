"""Personal data of petitioners (ID numbers, phones): masked wherever they are listed, shown in full
only to roles holding `personal_data.view` for the organisation of one of the petitioner's matters,
on explicit request, and every full view is written to the audit log (issue 3, "Bad input and
abuse"; PIPL: the least data needed for the task).

The audit event names the petitioner by id only: no name, number or phone goes into the log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.accounts.policies import organisation_scope
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record

from ..models import Matter, Petitioner

PETITIONER_OBJECT_TYPE = "petitions.petitioner"

_SPACES = re.compile(r"[\s\-－—]+")


# --- Normalising and masking (pure functions) --------------------------------------------------


def normalise_id_number(value: str) -> str:
    """An ID number as stored and compared: no spaces, upper case (the check letter X)."""
    return _SPACES.sub("", value or "").upper()


def normalise_phone(value: str) -> str:
    """A phone number as stored and compared: digits only (a leading + kept), so that
    "138 0000 1111", "138-0000-1111" and "13800001111" are the same number."""
    value = (value or "").strip()
    digits = re.sub(r"\D", "", value)
    return f"+{digits}" if value.startswith("+") and digits else digits


def mask_id_number(value: str) -> str:
    """440115199001011234 -> 4401**********1234: the first four and last four characters (region
    and check digits) stay, the date of birth and sequence are hidden. Short values are hidden
    except their last two characters."""
    value = (value or "").strip()
    if len(value) > 8:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    if len(value) > 2:
        return "*" * (len(value) - 2) + value[-2:]
    return "*" * len(value)


def mask_phone(value: str) -> str:
    """13800001111 -> 138****1111: the first three and last four digits stay. Short numbers are
    hidden except their last two digits."""
    value = (value or "").strip()
    if len(value) >= 8:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) > 2:
        return "*" * (len(value) - 2) + value[-2:]
    return "*" * len(value)


@dataclass(frozen=True)
class PetitionerCard:
    """What lists and search results show of a petitioner: masked ID number and phone."""

    pk: int
    kind: str
    kind_display: str
    name: str
    address: str
    id_number_masked: str
    phone_masked: str


def petitioner_card(petitioner: Petitioner) -> PetitionerCard:
    """The masked view of a petitioner (no query)."""
    return PetitionerCard(
        pk=petitioner.pk,
        kind=petitioner.kind,
        kind_display=str(petitioner.get_kind_display()),
        name=petitioner.name,
        address=petitioner.address,
        id_number_masked=mask_id_number(petitioner.id_number),
        phone_masked=mask_phone(petitioner.phone),
    )


@dataclass(frozen=True)
class PersonalData:
    """The full ID number and phone of a petitioner, as returned by `personal_data_view`."""

    petitioner_id: int
    id_number: str
    phone: str


# --- Who may see the full data ----------------------------------------------------------------


def personal_data_granting_matter(*, user: Any, petitioner: Petitioner, matter: Matter | None = None) -> Matter | None:
    """The matter through which `user` may see the petitioner's full data: one of the petitioner's
    matters in the user's `personal_data.view` scope (its registering or its current organisation),
    minus reports on the user (XF-CLS-03, through restrict). With `matter`, only that matter counts.
    None when there is no such matter."""
    qs = Matter.objects.restrict(user, Action.PERSONAL_DATA_VIEW).filter(participants__petitioner=petitioner)
    if matter is not None:
        qs = qs.filter(pk=matter.pk)
    return qs.select_related("registered_org", "current_org").order_by("-received_at").first()


def personal_data_can_view(*, user: Any, petitioner: Petitioner, matter: Matter | None = None) -> bool:
    """Whether to offer the "show" button at all (the service checks again)."""
    return personal_data_granting_matter(user=user, petitioner=petitioner, matter=matter) is not None


def _granting_org_id(user: Any, matter: Matter) -> int:
    """The organisation whose scope granted the view: the current one if in scope, else the
    registering one (the event is then visible to that organisation's auditors)."""
    scope = organisation_scope(user, Action.PERSONAL_DATA_VIEW)
    return matter.current_org_id if scope.contains(matter.current_org) else matter.registered_org_id


@transaction.atomic
def personal_data_view(*, actor: Any, petitioner: Petitioner, matter: Matter | None = None) -> PersonalData:
    """Show a petitioner's full ID number and phone to `actor`, and log it ("personal_data.view",
    object = the petitioner's id). Refused (PermissionDenied) unless the actor holds
    `personal_data.view` for the organisation of one of the petitioner's matters (or of `matter`)."""
    granting = personal_data_granting_matter(user=actor, petitioner=petitioner, matter=matter)
    if granting is None:
        raise PermissionDenied(_("您没有权限查看该信访人的完整个人信息。"))
    audit_record(
        actor=actor,
        action="personal_data.view",
        object_type=PETITIONER_OBJECT_TYPE,
        object_id=str(petitioner.pk),
        # No personal data in the log (architecture: audit rows hold ids and labels only).
        object_label=f"#{petitioner.pk}",
        org_id=_granting_org_id(actor, granting),
        summary={"matter": granting.pk, "fields": ["id_number", "phone"]},
    )
    return PersonalData(petitioner_id=petitioner.pk, id_number=petitioner.id_number, phone=petitioner.phone)


def petitioner_display_name(matter: Matter) -> str:
    """The addressee of an instrument: the petitioners' names (representatives for a group), or ""
    for an anonymous matter. Instruments go to the petitioner, so the name is not masked there."""
    if matter.is_anonymous:
        return ""
    participants = list(matter.participants.select_related("petitioner").order_by("id"))
    representatives = [p for p in participants if p.role == "representative"]
    chosen = representatives or [p for p in participants if p.role == "petitioner"] or participants
    names = [p.petitioner.name for p in chosen[:5]]
    return "、".join(names)
