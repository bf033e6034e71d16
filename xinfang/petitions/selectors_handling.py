"""Reads for the handling panel of the matter page and the handling action pages: the track, the
records, extensions, opinions with their instruments and delivery, reviews, mediation referrals,
follow-up tasks and evaluations of one matter, each list in one query (no N+1), and the choices
the handling forms offer.

`matter` always comes from a restricted read (`matter_detail` or `matter_for_action`): whoever may
see the matter sees its handling rows (the rows' own managers restrict the same way, XF-CLS-03)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from xinfang.accounts.models import User
from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.notices.kinds import DocumentKind
from xinfang.notices.models import Document
from xinfang.orgs.models import Function, Organisation
from xinfang.orgs.selectors import organisation_area

from .models import (
    Evaluation,
    Extension,
    FollowUpTask,
    HandlingRecord,
    HandlingTrack,
    Matter,
    MediationReferral,
    Opinion,
    Review,
)
from .services.review import review_bodies
from .states import EVALUATE_HANDLING_STATUSES, EvaluationStage, OpinionStage, ReviewStage

# Instruments shown next to the row they belong to (found by object type and id).
_OBJECT_DOCUMENT_KINDS = (DocumentKind.DELIVERY_RECEIPT, DocumentKind.HEARING_NOTICE, DocumentKind.TERMINATION)
# Heavy columns the panel never needs (the PDF is downloaded through notices:pdf).
_DOCUMENT_DEFERRED = ("pdf", "body", "context")


def _documents() -> QuerySet[Document]:
    return Document.objects.defer(*_DOCUMENT_DEFERRED)


@dataclass(frozen=True)
class OpinionRow:
    opinion: Opinion
    receipt: Document | None


@dataclass(frozen=True)
class RecordRow:
    record: HandlingRecord
    notice: Document | None


@dataclass
class HandlingData:
    """Everything of a matter's handling the panel shows."""

    track: HandlingTrack | None
    records: list[RecordRow] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    opinions: list[OpinionRow] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    mediations: list[MediationReferral] = field(default_factory=list)
    follow_ups: list[FollowUpTask] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    termination: Document | None = None


def handling_data(*, matter: Matter) -> HandlingData:
    """The handling rows of a (visible) matter: a fixed number of queries however many rows."""
    documents = list(_documents().filter(matter=matter).select_related("organisation").order_by("issued_at", "pk"))
    by_object: dict[tuple[str, str, str], Document] = {
        (doc.kind, doc.object_type, doc.object_id): doc for doc in documents if doc.kind in _OBJECT_DOCUMENT_KINDS
    }
    records = (
        HandlingRecord.objects.filter(matter=matter)
        .select_related("organisation", "recorded_by")
        .order_by("occurred_on", "pk")
    )
    opinions = (
        Opinion.objects.filter(matter=matter)
        .select_related("organisation", "issued_by", "document", "delivery")
        .defer(*(f"document__{name}" for name in _DOCUMENT_DEFERRED))
        .order_by("issued_at", "pk")
    )
    extensions = (
        Extension.objects.filter(matter=matter)
        .select_related("organisation", "requested_by", "decided_by", "document")
        .defer(*(f"document__{name}" for name in _DOCUMENT_DEFERRED))
        .order_by("requested_at", "pk")
    )
    reviews = (
        Review.objects.filter(matter=matter)
        .select_related("organisation", "contested", "contested__organisation")
        .order_by("received_at", "pk")
    )
    mediations = MediationReferral.objects.filter(matter=matter).select_related("mediation_org").order_by("referred_at")
    follow_ups = (
        FollowUpTask.objects.filter(matter=matter)
        .select_related("organisation", "assignee", "closed_by")
        .order_by("-status", "due_date", "pk")
    )
    evaluations = Evaluation.objects.filter(matter=matter).select_related("recorded_by").order_by("recorded_at")
    return HandlingData(
        track=HandlingTrack.objects.filter(pk=matter.track_id).first() if matter.track_id else None,
        records=[
            RecordRow(r, by_object.get((DocumentKind.HEARING_NOTICE, "petitions.handlingrecord", str(r.pk))))
            for r in records
        ],
        extensions=list(extensions),
        opinions=[
            OpinionRow(o, by_object.get((DocumentKind.DELIVERY_RECEIPT, "petitions.opinion", str(o.pk))))
            for o in opinions
        ],
        reviews=list(reviews),
        mediations=list(mediations),
        follow_ups=list(follow_ups),
        evaluations=list(evaluations),
        documents=documents,
        termination=by_object.get((DocumentKind.TERMINATION, "petitions.matter", str(matter.pk))),
    )


# --- One row of a matter, for its action page -----------------------------------------------------


def evaluation_stages_open(matter: Matter, evaluations: list[Evaluation]) -> list[str]:
    """The stages not evaluated yet that may be evaluated now (XF-SAT-01/02, as `evaluation_record`
    checks), for the staff's handling panel and the public tracking page alike."""
    done = {e.stage for e in evaluations}
    stages: list[str] = []
    if matter.accepted_at is not None and EvaluationStage.ACCEPTANCE not in done:
        stages.append(EvaluationStage.ACCEPTANCE)
    if matter.status in EVALUATE_HANDLING_STATUSES and EvaluationStage.HANDLING not in done:
        stages.append(EvaluationStage.HANDLING)
    return stages


def extension_of(*, matter: Matter, pk: int) -> Extension:
    return Extension.objects.select_related("organisation", "requested_by").get(matter=matter, pk=pk)


def opinion_of(*, matter: Matter, pk: int) -> Opinion:
    return Opinion.objects.select_related("organisation", "document").get(matter=matter, pk=pk)


def review_of(*, matter: Matter, pk: int) -> Review:
    return Review.objects.select_related("organisation", "contested", "contested__organisation").get(
        matter=matter, pk=pk
    )


def mediation_of(*, matter: Matter, pk: int) -> MediationReferral:
    return MediationReferral.objects.select_related("mediation_org").get(matter=matter, pk=pk)


def follow_up_of(*, matter: Matter, pk: int) -> FollowUpTask:
    return FollowUpTask.objects.select_related("organisation", "assignee").get(matter=matter, pk=pk)


# --- Choices of the handling forms ------------------------------------------------------------


def mediation_organisations(*, matter: Matter) -> list[Organisation]:
    """The mediation organisations (人民调解委员会 …) serving the matter's area: inside the area of
    the organisation holding it, or attached to one of that area's enclosing areas (a district's
    mediation committee serves its towns), never external ones."""
    area = organisation_area(matter.current_org)
    enclosing = [*area.ancestor_ids(), area.pk]
    return list(
        Organisation.objects.filter(function=Function.MEDIATION, is_active=True, is_external=False)
        .filter(Q(path__startswith=area.path) | Q(parent_id__in=enclosing))
        .order_by("path")
    )


def contested_opinion(*, matter: Matter, stage: str) -> Opinion | None:
    """The opinion a review (the handling opinion) or re-review (the review opinion) would contest."""
    wanted = OpinionStage.HANDLING if stage == ReviewStage.REVIEW else OpinionStage.REVIEW
    return Opinion.objects.filter(matter=matter, stage=wanted).select_related("organisation").first()


def review_stage_next(*, matter: Matter) -> str:
    """The request the petitioner can make next: re-review once a review opinion exists."""
    has_review_opinion = Opinion.objects.filter(matter=matter, stage=OpinionStage.REVIEW).exists()
    return ReviewStage.REREVIEW if has_review_opinion else ReviewStage.REVIEW


def review_bodies_for(*, user: Any, opinion: Opinion | None) -> list[Organisation]:
    """The bodies one level above the opinion's organ (条例 Arts. 35, 36(1)) for which the user may
    register or handle a request (the service's own check)."""
    if opinion is None:
        return []
    return [
        body
        for body in review_bodies(opinion.organisation)
        if user_can(user, Action.MATTER_REGISTER, body) or user_can(user, Action.MATTER_HANDLE, body)
    ]


def follow_up_organisations(*, matter: Matter) -> list[Organisation]:
    """The organisations a follow-up task may go to: those of the areas of the organisation
    holding the matter and of the one that handled it (XF-END-01: local Party committees,
    governments and grassroots units)."""
    areas = {organisation_area(org).path for org in (matter.current_org, matter.handling_org) if org is not None}
    condition = Q()
    for path in areas:
        condition |= Q(path__startswith=path)
    return list(Organisation.objects.filter(condition, is_active=True, is_external=False).order_by("path"))


def follow_up_assignees(*, organisations: Iterable[Organisation]) -> list[User]:
    """Active staff of the given organisations (the service checks the chosen one's membership)."""
    ids = [org.pk for org in organisations]
    if not ids:
        return []
    return list(
        User.objects.filter(is_active=True, memberships__is_active=True, memberships__organisation__in=ids)
        .distinct()
        .order_by("display_name", "username")
    )


def active_tracks() -> QuerySet[HandlingTrack]:
    return HandlingTrack.objects.filter(is_active=True).order_by("sort_order", "code")
