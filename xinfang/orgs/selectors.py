"""Reads of the organisation tree, always through `restrict()`."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from xinfang.accounts.roles import Action

from .models import Kind, Organisation, ReceptionPoint


def organisation_tree(
    *, user: Any, root: Organisation | None = None, max_depth: int | None = None
) -> QuerySet[Organisation]:
    """Organisations the user may view, in tree order (by path); optionally one subtree and
    limited depth. Grids are many: callers showing the whole district pass `max_depth`."""
    qs = Organisation.objects.restrict(user, Action.ORG_VIEW).filter(is_active=True)
    if root is not None:
        qs = qs.filter(path__startswith=root.path)
    if max_depth is not None:
        qs = qs.filter(depth__lte=max_depth)
    return qs.order_by("path")


def organisation_detail(*, user: Any, pk: int) -> Organisation:
    """One organisation with its parent and reception points; DoesNotExist if not visible."""
    return (
        Organisation.objects.restrict(user, Action.ORG_VIEW)
        .select_related("parent", "successor")
        .prefetch_related(Prefetch("reception_points", queryset=ReceptionPoint.objects.filter(is_active=True)))
        .get(pk=pk)
    )


def organisation_children(*, user: Any, organisation: Organisation) -> QuerySet[Organisation]:
    """Direct children of an organisation, areas first, then departments, then grids."""
    return (
        Organisation.objects.restrict(user, Action.ORG_VIEW)
        .filter(parent=organisation, is_active=True)
        .order_by("kind", "sort_order", "name")
    )


__all__ = ["Kind", "organisation_children", "organisation_detail", "organisation_tree"]


def organisation_area(organisation: Organisation) -> Organisation:
    """The nearest territorial area at or above an organisation: a department's area is the
    government it belongs to, a grid's its village or community ("this level" of 属地管理)."""
    if organisation.is_area:
        return organisation
    ancestors = {o.pk: o for o in Organisation.objects.filter(pk__in=organisation.ancestor_ids())}
    node = organisation
    while not node.is_area and node.parent_id in ancestors:
        node = ancestors[node.parent_id]
    return node
