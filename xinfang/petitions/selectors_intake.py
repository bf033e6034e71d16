"""Reads for intake (登记): where a clerk may register, the places they may name, petitioner search
(masked), a petitioner's page and history. Always through `restrict()`."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet

from xinfang.accounts.roles import ROLE_MATRIX, Action
from xinfang.orgs.models import Organisation

from .models import Matter, MatterParticipant, Petitioner
from .services.intake import PLACE_KINDS, place_root
from .services.personal_data import PetitionerCard, normalise_id_number, normalise_phone, petitioner_card

SEARCH_LIMIT = 20
_ID_LIKE = re.compile(r"[0-9A-Z]{15,18}")
_PHONE_LIKE = re.compile(r"\+?\d{7,15}")

REGISTER_ROLES = frozenset(role for role, actions in ROLE_MATRIX.items() if Action.MATTER_REGISTER in actions)


def intake_organisations(*, user: Any) -> list[Organisation]:
    """The organisations a user registers for: those of their active memberships whose role may
    register (a clerk registers for their own office, even where their scope reaches further)."""
    if not user.is_authenticated:
        return []
    memberships = (
        user.memberships.filter(is_active=True, organisation__is_active=True, role__in=REGISTER_ROLES)
        .select_related("organisation")
        .order_by("organisation__path")
    )
    seen: dict[int, Organisation] = {}
    for membership in memberships:
        seen.setdefault(membership.organisation_id, membership.organisation)
    return list(seen.values())


def intake_places(*, user: Any, organisation: Organisation) -> QuerySet[Organisation]:
    """Places a matter registered by `organisation` may name: the areas of its district down to
    villages, communities and grids (XF-CH-01 intake "place")."""
    root = place_root(organisation)
    return (
        Organisation.objects.restrict(user, Action.ORG_VIEW)
        .filter(path__startswith=root.path, kind__in=PLACE_KINDS, is_active=True, is_external=False)
        .order_by("path")
    )


def petitioner_search(*, user: Any, query: str, limit: int = SEARCH_LIMIT) -> list[PetitionerCard]:
    """Petitioners the user may see (through a matter they may view; never the author of a report
    on the user, XF-CLS-03), found by ID number (exact), phone (exact) or the start of the name,
    with ID number and phone masked. One query (after the user's scope), whatever the number of
    results."""
    query = (query or "").strip()
    if not query:
        return []
    id_number = normalise_id_number(query)
    phone = normalise_phone(query)
    if _ID_LIKE.fullmatch(id_number):
        condition = Q(id_number=id_number)
    elif _PHONE_LIKE.fullmatch(phone) and len(re.sub(r"[\d\s\-+]", "", query)) == 0:
        condition = Q(phone=phone) | Q(id_number=id_number)
    else:
        condition = Q(name__startswith=query)
    rows = Petitioner.objects.restrict(user, Action.MATTER_VIEW).filter(condition).order_by("name", "pk")[:limit]
    return [petitioner_card(p) for p in rows]


def petitioner_get(*, user: Any, pk: int) -> Petitioner:
    """One petitioner the user may see (Petitioner.DoesNotExist otherwise)."""
    return Petitioner.objects.restrict(user, Action.MATTER_VIEW).get(pk=pk)


def petitioner_history(*, user: Any, petitioner: Petitioner) -> QuerySet[MatterParticipant]:
    """The petitioner's part in each matter the user may view, newest first, with the matter and
    its organisations (one query): "their history is one click away"."""
    visible = Matter.objects.restrict(user, Action.MATTER_VIEW).values("pk")
    return (
        MatterParticipant.objects.filter(petitioner=petitioner, matter__in=visible)
        .select_related("matter", "matter__registered_org", "matter__current_org")
        .order_by("-matter__received_at", "-matter_id")
    )


def intake_matter_get(*, user: Any, pk: int) -> Matter:
    """One matter the user may view (Matter.DoesNotExist otherwise)."""
    return Matter.objects.restrict(user, Action.MATTER_VIEW).select_related("registered_org", "current_org").get(pk=pk)


__all__ = [
    "REGISTER_ROLES",
    "intake_matter_get",
    "intake_organisations",
    "intake_places",
    "petitioner_get",
    "petitioner_history",
    "petitioner_search",
]
