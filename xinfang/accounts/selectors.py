"""Reads about users and memberships."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Membership


def membership_list_for_user(*, user: Any) -> QuerySet[Membership]:
    """A user's own active memberships (everyone may see their own)."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("organisation__path", "role")
    )
