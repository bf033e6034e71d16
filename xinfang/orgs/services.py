"""Writes to the organisation tree. Each service checks the policy, validates, writes and records
its audit event in one transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record

from .models import ALLOWED_PARENT_KINDS, KIND_LEVEL, Kind, Organisation, ReceptionPoint

# Fields an administrator may change with organisation_update (tree position goes through move).
EDITABLE_FIELDS = frozenset(
    {
        "name",
        "short_name",
        "name_en",
        "division_code",
        "function",
        "phone",
        "email",
        "address",
        "website",
        "sort_order",
        "is_active",
        "successor",
    }
)


def _check_parent(kind: str, parent: Organisation | None) -> None:
    allowed = ALLOWED_PARENT_KINDS[kind]
    if parent is None:
        if allowed:
            raise ValidationError(
                {"parent": _("“%(kind)s”必须有上级机构。") % {"kind": Kind(kind).label}}, code="parent_required"
            )
        return
    if parent.kind not in allowed:
        raise ValidationError(
            {
                "parent": _("“%(kind)s”不能设在“%(parent)s”之下。")
                % {"kind": Kind(kind).label, "parent": Kind(parent.kind).label}
            },
            code="parent_kind",
        )


def _level_for(kind: str, parent: Organisation | None) -> int:
    if kind == Kind.DEPARTMENT:
        assert parent is not None  # _check_parent guarantees it
        return parent.level
    return int(KIND_LEVEL[Kind(kind)])


def _set_path(org: Organisation) -> None:
    parent_path = org.parent.path if org.parent_id and org.parent else "/"
    org.path = f"{parent_path}{org.pk}/"
    org.depth = parent_path.count("/") - 1


@transaction.atomic
def organisation_create(
    *, actor: Any, name: str, code: str, kind: str, parent: Organisation | None = None, **fields: Any
) -> Organisation:
    """Create an organisation under `parent`; the level follows from the kind (departments take the
    level of the area they sit in). External bodies (city, province) are created with
    `is_external=True` by the caller."""
    require(actor, Action.ORG_MANAGE)
    if kind not in Kind.values:
        raise ValidationError({"kind": _("未知的机构类型。")}, code="kind")
    _check_parent(kind, parent)
    if parent is not None and not parent.is_active:
        raise ValidationError({"parent": _("上级机构已撤销。")}, code="parent_inactive")
    org = Organisation(name=name, code=code, kind=kind, parent=parent, level=_level_for(kind, parent), **fields)
    org.full_clean(exclude=["path", "depth"])
    org.save()
    _set_path(org)
    org.save(update_fields=["path", "depth"])
    audit_record(
        actor=actor,
        action="org.create",
        target=org,
        org_id=org.pk,
        summary={"after": {"code": org.code, "kind": org.kind, "level": org.level, "parent": org.parent_id}},
    )
    return org


@transaction.atomic
def organisation_update(*, actor: Any, organisation: Organisation, **changes: Any) -> Organisation:
    """Change an organisation's descriptive fields; records before/after of what changed."""
    require(actor, Action.ORG_MANAGE, organisation)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(_("不能修改以下字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}, code="field")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = {k: getattr(organisation, k) for k in changes}
    for key, value in changes.items():
        setattr(organisation, key, value)
    organisation.full_clean(exclude=["path", "depth"])
    organisation.save()
    after = {k: getattr(organisation, k) for k in changes}
    changed = {k for k in changes if before[k] != after[k]}
    if changed:
        audit_record(
            actor=actor,
            action="org.update",
            target=organisation,
            org_id=organisation.pk,
            summary={
                "before": {k: _plain(before[k]) for k in changed},
                "after": {k: _plain(after[k]) for k in changed},
            },
        )
    return organisation


@transaction.atomic
def organisation_move(*, actor: Any, organisation: Organisation, new_parent: Organisation) -> Organisation:
    """Move an organisation (with everything under it) to a new parent, rewriting the paths."""
    require(actor, Action.ORG_MANAGE, organisation)
    if new_parent.path.startswith(organisation.path):
        raise ValidationError({"parent": _("不能把机构移到它自己或其下级之下。")}, code="cycle")
    _check_parent(organisation.kind, new_parent)
    old_parent_id, old_path = organisation.parent_id, organisation.path
    organisation.parent = new_parent
    _set_path(organisation)
    if organisation.kind == Kind.DEPARTMENT:
        organisation.level = new_parent.level
    organisation.save(update_fields=["parent", "path", "depth", "level"])
    depth_shift = organisation.path.count("/") - old_path.count("/")
    descendants = list(Organisation.objects.filter(path__startswith=old_path).exclude(pk=organisation.pk))
    for node in descendants:
        node.path = organisation.path + node.path[len(old_path) :]
        node.depth += depth_shift
    Organisation.objects.bulk_update(descendants, ["path", "depth"], batch_size=500)
    audit_record(
        actor=actor,
        action="org.move",
        target=organisation,
        org_id=organisation.pk,
        summary={"before": {"parent": old_parent_id}, "after": {"parent": new_parent.pk}},
    )
    return organisation


@transaction.atomic
def reception_point_create(
    *,
    actor: Any,
    organisation: Organisation,
    name: str,
    address: str,
    hours: str,
    phone: str = "",
    name_en: str = "",
    address_en: str = "",
    hours_en: str = "",
) -> ReceptionPoint:
    """Publish a reception point with address and hours (XF-CH-02); the English name, address and
    hours (optional) are what the English public pages show."""
    require(actor, Action.ORG_MANAGE, organisation)
    point = ReceptionPoint(
        organisation=organisation,
        name=name,
        name_en=name_en,
        address=address,
        address_en=address_en,
        hours=hours,
        hours_en=hours_en,
        phone=phone,
    )
    point.full_clean()
    point.save()
    audit_record(actor=actor, action="org.reception_point.create", target=point, org_id=organisation.pk)
    return point


@transaction.atomic
def reception_point_update(*, actor: Any, point: ReceptionPoint) -> ReceptionPoint:
    """Save edits to a reception point (names, addresses and hours in both languages, phone, active)."""
    require(actor, Action.ORG_MANAGE, point.organisation)
    point.full_clean()
    point.save()
    audit_record(actor=actor, action="org.reception_point.update", target=point, org_id=point.organisation_id)
    return point


def _plain(value: Any) -> Any:
    """Audit summaries hold plain values: ids for related objects."""
    return getattr(value, "pk", value)
