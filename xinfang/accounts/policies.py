"""Who may do what, where. The one permission path: `organisation_scope(user, action)` gives the
organisations a user may act on; `restrict()` on querysets and `require()` in services use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from xinfang.orgs.models import AREA_KINDS, Organisation

from .roles import ROLE_MATRIX, Action, Role, Scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class OrganisationScope:
    """The organisations an action reaches: everything, or exact ids plus whole subtrees."""

    everything: bool = False
    exact_ids: frozenset[int] = frozenset()
    subtree_paths: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.exact_ids and not self.subtree_paths

    def organisation_ids(self) -> QuerySet[Organisation, int]:
        """A subquery of organisation ids (evaluated by the database, not in Python)."""
        condition = Q(pk__in=self.exact_ids)
        for path in self.subtree_paths:
            condition |= Q(path__startswith=path)
        return Organisation.objects.filter(condition).values_list("pk", flat=True)

    def contains(self, organisation: Organisation) -> bool:
        if self.everything:
            return True
        if organisation.pk in self.exact_ids:
            return True
        return any(organisation.path.startswith(path) for path in self.subtree_paths)


def _area_of(organisation: Organisation, ancestors: dict[int, Organisation]) -> Organisation:
    """The nearest territorial area at or above the organisation (a department's area is the
    government it belongs to; a grid's is its village or community)."""
    node = organisation
    while node.kind not in AREA_KINDS and node.parent_id is not None:
        node = ancestors[node.parent_id]
    return node


def _memberships_with_ancestors(user: Any) -> tuple[list[Any], dict[int, Organisation]]:
    """The user's active memberships and their organisations' ancestors: two queries, once per
    user object (i.e. per request), shared by every action's scope."""
    cached = user.__dict__.get("_xinfang_memberships")
    if cached is None:
        memberships = list(
            user.memberships.filter(is_active=True, organisation__is_active=True).select_related("organisation")
        )
        needed = {aid for m in memberships for aid in m.organisation.ancestor_ids()}
        ancestors = {o.pk: o for o in Organisation.objects.filter(pk__in=needed)} if needed else {}
        cached = (memberships, ancestors)
        user.__dict__["_xinfang_memberships"] = cached
    return cached


def organisation_scope(user: AbstractBaseUser | AnonymousUser, action: str) -> OrganisationScope:
    """Union, over the user's active memberships, of the scope the role matrix grants for `action`.
    Superusers reach everything; anonymous and inactive users nothing."""
    if not user.is_authenticated or not user.is_active:
        return OrganisationScope()
    if getattr(user, "is_superuser", False):
        return OrganisationScope(everything=True)
    cache: dict[str, OrganisationScope] = user.__dict__.setdefault("_xinfang_scope_cache", {})
    if action in cache:
        return cache[action]
    exact: set[int] = set()
    paths: set[str] = set()
    everything = False
    memberships, ancestors = _memberships_with_ancestors(user)
    for membership in memberships:
        scope = ROLE_MATRIX.get(Role(membership.role), {}).get(Action(action))
        if scope is None:
            continue
        org = membership.organisation
        if scope == Scope.ALL:
            everything = True
        elif scope == Scope.OWN:
            exact.add(org.pk)
        elif scope == Scope.SUBTREE:
            paths.add(org.path)
        elif scope == Scope.AREA:
            paths.add(_area_of(org, ancestors).path)
    result = OrganisationScope(everything=everything, exact_ids=frozenset(exact), subtree_paths=frozenset(paths))
    cache[action] = result
    return result


def user_can(user: AbstractBaseUser | AnonymousUser, action: str, organisation: Organisation | None = None) -> bool:
    """May the user take `action` on `organisation` (or anywhere, when None)?"""
    scope = organisation_scope(user, action)
    if organisation is None:
        return not scope.is_empty
    return scope.contains(organisation)


def require(user: AbstractBaseUser | AnonymousUser, action: str, organisation: Organisation | None = None) -> None:
    """Raise PermissionDenied with a translated message unless `user_can(...)`."""
    if not user_can(user, action, organisation):
        raise PermissionDenied(_("您没有权限执行“%(action)s”。") % {"action": Action(action).label})


def forget_cached_scopes(user: AbstractBaseUser | AnonymousUser) -> None:
    """Drop the per-request scope cache (after memberships change)."""
    user.__dict__.pop("_xinfang_scope_cache", None)
    user.__dict__.pop("_xinfang_memberships", None)
