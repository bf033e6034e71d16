"""Reads of the category classifier (one permission path: `restrict`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xinfang.accounts.roles import Action

from .models import ClassifierChoice, LabelMapping


def label_mappings(*, user: Any) -> QuerySet[LabelMapping]:
    """The mapping rows of the organisations where the user keeps the power list."""
    return (
        LabelMapping.objects.restrict(user, Action.POWERLIST_MANAGE)
        .select_related("organisation")
        .order_by("organisation__path", "label")
    )


def classifier_choices(*, user: Any) -> QuerySet[ClassifierChoice]:
    """The clerks' choices at the organisations where the user triages."""
    return ClassifierChoice.objects.restrict(user, Action.MATTER_TRIAGE).select_related("organisation", "chosen_by")
