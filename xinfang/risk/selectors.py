"""Reads of major decisions, through `Model.objects.restrict(user, "risk.manage")`: a decision is
seen by its decision body and its owner unit (and whoever's scope covers them)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from xinfang.accounts.roles import Action

from .models import Assessment, AssessmentStep, DecisionList, MajorDecision, ReviewFlag
from .states import AssessmentStatus


def list_visible(user: Any) -> QuerySet[DecisionList]:
    return DecisionList.objects.restrict(user, Action.RISK_MANAGE)


def decision_visible(user: Any) -> QuerySet[MajorDecision]:
    return MajorDecision.objects.restrict(user, Action.RISK_MANAGE)


def decision_list_years(*, user: Any) -> list[int]:
    """Years that have a list the user may see, or a decision on one, newest first."""
    years = set(list_visible(user).values_list("year", flat=True))
    years |= set(decision_visible(user).values_list("decision_list__year", flat=True))
    return sorted(years, reverse=True)


def decision_list_for_year(*, user: Any, year: int) -> QuerySet[DecisionList]:
    """The lists of `year` the user may manage (to add decisions to)."""
    return list_visible(user).filter(year=year).select_related("organisation").order_by("organisation__path")


def decision_list(*, user: Any, year: int | None = None, status: str = "") -> QuerySet[MajorDecision]:
    """Decisions the user may see, with their current round's level and open flags counted."""
    qs = decision_visible(user).select_related("decision_list", "organisation", "owner_org")
    if year:
        qs = qs.filter(decision_list__year=year)
    if status:
        qs = qs.filter(status=status)
    current = Assessment.objects.exclude(status=AssessmentStatus.SUPERSEDED).order_by("-round")
    return (
        qs.annotate(open_flags=Count("review_flags", filter=Q(review_flags__resolved_at__isnull=True), distinct=True))
        .prefetch_related(Prefetch("assessments", queryset=current, to_attr="current_rounds"))
        .order_by("-decision_list__year", "organisation__path", "number")
    )


def decision_get(*, user: Any, pk: int) -> MajorDecision:
    """One decision the user may see, with its rounds, steps, documents and flags; DoesNotExist
    otherwise (a 404)."""
    steps = AssessmentStep.objects.select_related("author").prefetch_related("documents").order_by("date", "id")
    return (
        decision_visible(user)
        .select_related("decision_list", "organisation", "owner_org", "place", "decided_by")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.order_by("-round").prefetch_related(Prefetch("steps", queryset=steps)),
            ),
            Prefetch("review_flags", queryset=ReviewFlag.objects.order_by("-created_at", "-id")),
        )
        .get(pk=pk)
    )


def current_assessment(decision: MajorDecision) -> Assessment | None:
    """The decision's current round from the prefetched rounds (no query)."""
    for assessment in decision.assessments.all():
        if assessment.status != AssessmentStatus.SUPERSEDED:
            return assessment
    return None


def flag_list(*, user: Any, open_only: bool = True) -> QuerySet[ReviewFlag]:
    qs = ReviewFlag.objects.restrict(user, Action.RISK_MANAGE).select_related(
        "decision", "decision__decision_list", "decision__organisation", "assessment"
    )
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def flag_get(*, user: Any, pk: int) -> ReviewFlag:
    return flag_list(user=user, open_only=False).get(pk=pk)


def document_get(*, user: Any, pk: int) -> Any:
    """A step document the user may see (via its decision)."""
    from .models import StepDocument

    visible = decision_visible(user).values("pk")
    return StepDocument.objects.select_related("step__assessment").get(pk=pk, step__assessment__decision__in=visible)
