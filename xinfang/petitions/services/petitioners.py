"""A petitioner record on its own, outside registration (used by the bulk import of petitioners):
create, or update the record with the same ID number. A petitioner is one reusable record
(intake's `_petitioner_for` finds it by ID number at the next registration).

Who may change what (XF-CLS-03, PIPL): a record the actor may see (through a matter they may view)
is updated with the values given; a record they may not see — which may be the author of a report
on them — only has its blanks filled, as at the counter, and its name, phone and address are never
overwritten by someone who cannot see them. The audit event names the petitioner by id and lists
the fields changed, never their values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.orgs.models import Organisation

from ..models import Petitioner
from ..states import PetitionerKind
from .intake import PetitionerData
from .personal_data import PETITIONER_OBJECT_TYPE, normalise_id_number, normalise_phone

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"

_LIMITS = {"name": 100, "id_number": 32, "phone": 32, "address": 200}


@dataclass(frozen=True)
class PetitionerUpsert:
    """The record written (or found) and what happened to it: CREATED, UPDATED or UNCHANGED."""

    petitioner: Petitioner
    outcome: str
    changed: tuple[str, ...] = ()


def _validate(data: PetitionerData, values: dict[str, str]) -> None:
    errors: dict[str, list[str]] = {}
    if data.kind not in PetitionerKind.values:
        errors["kind"] = [_("请选择信访人类型。")]
    if not values["name"] and not values["id_number"]:
        errors["name"] = [_("请填写信访人姓名或名称。")]
    for key, limit in _LIMITS.items():
        if len(values[key]) > limit:
            errors.setdefault(key, []).append(_("不能超过%(limit)d个字符。") % {"limit": limit})
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def petitioner_upsert(*, actor: Any, organisation: Organisation, data: PetitionerData) -> PetitionerUpsert:
    """Create a petitioner, or update the one with the same normalised ID number (and kind), for
    `actor` registering at `organisation` (matter.register there). Without an ID number a new
    record is created, as at the counter. See the module docstring for what an update may change."""
    require(actor, Action.MATTER_REGISTER, organisation)
    values = {
        "name": data.name.strip(),
        "id_number": normalise_id_number(data.id_number),
        "phone": normalise_phone(data.phone),
        "address": data.address.strip(),
    }
    _validate(data, values)
    found = None
    if values["id_number"]:
        found = (
            Petitioner.objects.select_for_update()
            .filter(id_number=values["id_number"], kind=data.kind)
            .order_by("pk")
            .first()
        )
    if found is None:
        if not values["name"]:
            raise ValidationError({"name": [_("请填写信访人姓名或名称。")]})
        petitioner = Petitioner(kind=data.kind, **values)
        petitioner.full_clean()
        petitioner.save()
        audit_record(
            actor=actor,
            action="petitioner.create",
            object_type=PETITIONER_OBJECT_TYPE,
            object_id=str(petitioner.pk),
            object_label=f"#{petitioner.pk}",
            org_id=organisation.pk,
            summary={"after": {"kind": petitioner.kind, "fields": sorted(k for k, v in values.items() if v)}},
        )
        return PetitionerUpsert(petitioner=petitioner, outcome=CREATED)
    visible = Petitioner.objects.restrict(actor, Action.MATTER_VIEW).filter(pk=found.pk).exists()
    changed = tuple(
        name
        for name in ("name", "phone", "address")
        if values[name] and values[name] != getattr(found, name) and (visible or not getattr(found, name))
    )
    if not changed:
        return PetitionerUpsert(petitioner=found, outcome=UNCHANGED)
    for name in changed:
        setattr(found, name, values[name])
    found.full_clean()
    found.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="petitioner.update",
        object_type=PETITIONER_OBJECT_TYPE,
        object_id=str(found.pk),
        object_label=f"#{found.pk}",
        org_id=organisation.pk,
        # Field names only: the values are personal data (architecture: no personal data in the log).
        summary={"after": {"fields": list(changed), "blanks_only": not visible}},
    )
    return PetitionerUpsert(petitioner=found, outcome=UPDATED, changed=changed)
