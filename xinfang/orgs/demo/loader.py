"""Loads the demo plan through the ordinary services, so that every row is validated and audited
like any other write. What is already there is left alone: a second run writes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from xinfang.accounts.models import Membership, User
from xinfang.accounts.services import membership_grant, user_create
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.actors import SYSTEM
from xinfang.orgs.models import Organisation, ReceptionPoint
from xinfang.orgs.services import organisation_create, reception_point_create, reception_point_update

from .data import DEMO_AUDIT_ACTION, DEMO_PASSWORD
from .plan import DemoPlan, PointSpec, demo_plan


class DemoRefusedError(Exception):
    """The database holds organisations that are not an earlier demo: loading demo logins with a
    published password into it would be a security hole, so the loader refuses."""


@dataclass
class DemoLoadResult:
    """What one run did: how many rows of each kind it created, and whether a demo was there before."""

    plan: DemoPlan
    topped_up: bool
    created: Counter[str] = field(default_factory=Counter)
    skipped: int = 0  # rows of the plan left out because their organisation has been closed

    @property
    def created_anything(self) -> bool:
        return any(self.created.values())


def _demo_marker_exists(district: Organisation) -> bool:
    return AuditEvent.objects.filter(action=DEMO_AUDIT_ACTION, org_id=district.pk).exists()


def _check_database(plan: DemoPlan) -> bool:
    """True when an earlier demo is there (top up), False when the database has no organisations
    (fresh load); DemoRefusedError otherwise."""
    district = Organisation.objects.filter(code=plan.district_code).first()
    if district is not None:
        if _demo_marker_exists(district):
            return True
        raise DemoRefusedError(
            f"Organisation {plan.district_code} ({district.name}) exists but was not loaded by the demo; "
            "the demo district loads only into an empty database."
        )
    if Organisation.objects.exists():
        raise DemoRefusedError(
            "The database already holds organisations and no demo district; "
            "the demo district loads only into an empty database."
        )
    taken = sorted(
        User.objects.filter(username__in=[s.username for s in plan.logins]).values_list("username", flat=True)
    )
    if taken:
        raise DemoRefusedError(f"Demo login names already in use: {', '.join(taken)}.")
    return False


def demo_district_load(*, actor: Any = SYSTEM, plan: DemoPlan | None = None) -> DemoLoadResult:
    """Create whatever of the demo district is missing, in one transaction (all or nothing, and
    one commit, which is what keeps it fast on SQLite). Each row goes through its service and so
    gets its audit event; a run that created anything also records one `demo.load` event with the
    counts, which marks the database as a demo database."""
    plan = plan or demo_plan()
    with transaction.atomic():
        result = DemoLoadResult(plan=plan, topped_up=_check_database(plan))
        orgs = _load_organisations(plan, actor, result)
        _load_reception_points(plan, actor, orgs, result)
        _load_staff(plan, actor, orgs, result)
        if result.created_anything:
            district = orgs[plan.district_code]
            audit_record(
                actor=actor,
                action=DEMO_AUDIT_ACTION,
                target=district,
                org_id=district.pk,
                summary={"after": {"created": dict(sorted(result.created.items())), "topped_up": result.topped_up}},
            )
    return result


def _load_organisations(plan: DemoPlan, actor: Any, result: DemoLoadResult) -> dict[str, Organisation]:
    codes = {spec.code for spec in plan.organisations}
    # Only demo codes are read; in a demo database that is nearly every organisation.
    orgs = {o.code: o for o in Organisation.objects.all() if o.code in codes}
    for spec in plan.organisations:
        if spec.code in orgs:
            continue
        parent = orgs.get(spec.parent) if spec.parent else None
        if spec.parent and (parent is None or not parent.is_active):
            # Topping up under an organisation an administrator has since closed: leave it closed.
            result.skipped += 1
            continue
        orgs[spec.code] = organisation_create(
            actor=actor,
            name=spec.name,
            code=spec.code,
            kind=spec.kind,
            parent=parent,
            short_name=spec.short_name,
            name_en=spec.name_en,
            division_code=spec.division_code,
            function=spec.function,
            is_external=spec.is_external,
            phone=spec.phone,
            address=spec.address,
            sort_order=spec.sort_order,
        )
        result.created[f"organisation.{spec.kind}"] += 1
    return orgs


_POINT_ENGLISH = ("name_en", "address_en", "hours_en")


def _load_reception_points(plan: DemoPlan, actor: Any, orgs: dict[str, Organisation], result: DemoLoadResult) -> None:
    existing = {(p.organisation_id, p.name): p for p in ReceptionPoint.objects.select_related("organisation")}
    for spec in plan.reception_points:
        org = orgs.get(spec.org)
        if org is None or not org.is_active:
            result.skipped += 1
            continue
        point = existing.get((org.pk, spec.name))
        if point is not None:
            _fill_english(point, spec, actor, result)
            continue
        reception_point_create(
            actor=actor,
            organisation=org,
            name=spec.name,
            address=spec.address,
            hours=spec.hours,
            phone=spec.phone,
            name_en=spec.name_en,
            address_en=spec.address_en,
            hours_en=spec.hours_en,
        )
        result.created["reception_point"] += 1


def _fill_english(point: ReceptionPoint, spec: PointSpec, actor: Any, result: DemoLoadResult) -> None:
    """A demo loaded before reception points had English texts gets them; English an administrator
    has written is kept (only blank fields are filled)."""
    blank = [f for f in _POINT_ENGLISH if not getattr(point, f) and getattr(spec, f)]
    if not blank:
        return
    for field_name in blank:
        setattr(point, field_name, getattr(spec, field_name))
    reception_point_update(actor=actor, point=point)
    result.created["reception_point.english"] += 1


def _load_staff(plan: DemoPlan, actor: Any, orgs: dict[str, Organisation], result: DemoLoadResult) -> None:
    usernames = {s.username for s in plan.staff}
    users = {u.username: u for u in User.objects.all() if u.username in usernames}
    existing = set(Membership.objects.values_list("user_id", "organisation_id", "role"))
    for spec in plan.staff:
        org = orgs.get(spec.org)
        if org is None or not org.is_active:
            result.skipped += 1
            continue
        user = users.get(spec.username)
        if user is None:
            # Only demo logins get a password (hashing is slow on purpose: ~0.1 s each with Argon2);
            # the other staff exist to be assigned work and can be given a password by the admin.
            user = user_create(
                actor=actor,
                username=spec.username,
                password=DEMO_PASSWORD if spec.is_login else None,
                display_name=spec.display_name,
                phone=spec.phone,
                is_staff=spec.is_staff,
                validate=False,
            )
            users[spec.username] = user
            result.created["user"] += 1
        if (user.pk, org.pk, spec.role) in existing:
            continue
        membership_grant(actor=actor, user=user, organisation=org, role=spec.role, title=spec.title)
        existing.add((user.pk, org.pk, spec.role))
        result.created["membership"] += 1
