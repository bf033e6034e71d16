"""The one permission path for reads: `Model.objects.restrict(user, action)`.

A model opts in by using `RestrictedManager` and naming, in `restrict_org_field`, the field that
holds the organisation the row belongs to ("pk" for organisations themselves, a foreign key name,
or a plain integer column such as the audit log's `org_id`) — or a tuple of such fields, when a
row belongs to several organisations (a matter belongs to where it was registered and to whoever
holds it now): the row is visible when any of them is in scope. The organisations a user may act
on for an action come from the role matrix in `xinfang.accounts.policies` (docs/permissions.md).

A model may add rules on top (e.g. reports on officials are never shown to the person reported,
XF-CLS-03) with a classmethod `restrict_further(queryset, user, action)`; it applies to everyone
except SYSTEM, superusers included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

_M = TypeVar("_M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[_M]):
    """QuerySet with `restrict(user, action)`, NetBox style."""

    def restrict(self, user: AbstractBaseUser | AnonymousUser, action: str) -> RestrictedQuerySet[_M]:
        from xinfang.accounts.policies import organisation_scope

        scope = organisation_scope(user, action)
        if scope.is_empty:
            return self.none()
        queryset = self
        if not scope.everything:
            fields = getattr(self.model, "restrict_org_field", "")
            if not fields:
                raise TypeError(f"{self.model.__name__} does not declare restrict_org_field")
            if isinstance(fields, str):
                fields = (fields,)
            org_ids = scope.organisation_ids()
            condition = Q()
            for field in fields:
                condition |= Q(**{f"{field}__in": org_ids})
            if any("__" in field for field in fields):
                # A path across a to-many relation would repeat rows: filter by primary key instead.
                queryset = self.filter(pk__in=self.model._default_manager.filter(condition).values("pk"))
            else:
                queryset = self.filter(condition)
        further = getattr(self.model, "restrict_further", None)
        if further is not None and getattr(user, "pk", None) is not None:
            queryset = further(queryset, user, action)
        return queryset


class RestrictedManager(models.Manager[_M]):
    """Default manager of every model whose rows belong to an organisation."""

    def get_queryset(self) -> RestrictedQuerySet[_M]:
        return RestrictedQuerySet(self.model, using=self._db)

    def restrict(self, user: AbstractBaseUser | AnonymousUser, action: str) -> RestrictedQuerySet[_M]:
        return self.get_queryset().restrict(user, action)
