"""The one permission path for reads: `Model.objects.restrict(user, action)`.

A model opts in by using `RestrictedManager` and naming, in `restrict_org_field`, the field that
holds the organisation the row belongs to ("pk" for organisations themselves, a foreign key name,
or a plain integer column such as the audit log's `org_id`). The organisations a user may act on
for an action come from the role matrix in `xinfang.accounts.policies` (docs/permissions.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

_M = TypeVar("_M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[_M]):
    """QuerySet with `restrict(user, action)`, NetBox style."""

    def restrict(self, user: AbstractBaseUser | AnonymousUser, action: str) -> RestrictedQuerySet[_M]:
        from xinfang.accounts.policies import organisation_scope

        scope = organisation_scope(user, action)
        if scope.everything:
            return self
        if scope.is_empty:
            return self.none()
        field: str = getattr(self.model, "restrict_org_field", "")
        if not field:
            raise TypeError(f"{self.model.__name__} does not declare restrict_org_field")
        lookup: dict[str, Any] = {f"{field}__in": scope.organisation_ids()}
        if "__" in field:
            # A path across a to-many relation would repeat rows: filter by primary key instead.
            return self.filter(pk__in=self.model._default_manager.filter(**lookup).values("pk"))
        return self.filter(**lookup)


class RestrictedManager(models.Manager[_M]):
    """Default manager of every model whose rows belong to an organisation."""

    def get_queryset(self) -> RestrictedQuerySet[_M]:
        return RestrictedQuerySet(self.model, using=self._db)

    def restrict(self, user: AbstractBaseUser | AnonymousUser, action: str) -> RestrictedQuerySet[_M]:
        return self.get_queryset().restrict(user, action)
