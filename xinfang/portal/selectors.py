"""Reads of the public portal. Nothing here goes through a user's scope (the public has none):
each read says exactly what the public may see — published contact data (XF-CH-02), the places of
the district, a matter opened with its reference and query code, and of other matters only a
public reference, a title and a status."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.core.actors import SYSTEM
from xinfang.notices.models import Document, DocumentStatus
from xinfang.orgs.models import Kind, Organisation, ReceptionPoint
from xinfang.petitions.models import Evaluation, Matter, MatterParticipant, Notice, Opinion, Review, Routing
from xinfang.petitions.selectors_handling import evaluation_stages_open
from xinfang.petitions.services.intake import MatterData
from xinfang.petitions.services.personal_data import normalise_phone
from xinfang.petitions.services.repeats import repeat_candidates
from xinfang.petitions.services.review import ALLOWED_FROM, review_bodies, window_due
from xinfang.petitions.states import (
    Channel,
    Nature,
    OpinionStage,
    ReviewStage,
    ReviewStatus,
    Source,
    Status,
)
from xinfang.workcalendar.models import Clock

from .conf import track_requires_phone
from .credentials import REF_LENGTH, is_well_formed, normalise, query_code_matches
from .wording import PETITIONER_DOCUMENT_KINDS, PUBLIC_CLOCK_KINDS, clock_sentence, status_sentence

OBJECT_TYPE = "petitions.matter"
TOWN_KINDS = (Kind.TOWN, Kind.STREET)
VILLAGE_KINDS = (Kind.VILLAGE, Kind.COMMUNITY)
# Matters no longer open: not shown as "similar open matters".
CLOSED_STATUSES = frozenset(
    {
        Status.NOT_ACCEPTED,
        Status.MERGED,
        Status.GUIDED,
        Status.FINAL,
        Status.CONCLUDED,
        Status.TERMINATED,
        Status.WITHDRAWN,
    }
)
_LONG_NUMBERS = re.compile(r"\d{6,}[\dXx]?")


# --- Home page -----------------------------------------------------------------------------------


def reception_points() -> list[ReceptionPoint]:
    """Active reception points of active organisations, in the order of the tree (XF-CH-02)."""
    return list(
        ReceptionPoint.objects.filter(is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__path", "name")
    )


# --- Places ---------------------------------------------------------------------------------------


@dataclass
class TownPlaces:
    town: Organisation
    villages: list[Organisation] = field(default_factory=list)


def places(*, organisation: Organisation) -> list[TownPlaces]:
    """The towns and streets of the registering organisation's district, each with its villages and
    communities (one query). The public names the place at this grain; staff may refine it."""
    from xinfang.petitions.services.intake import place_root

    root = place_root(organisation)
    rows = Organisation.objects.filter(
        path__startswith=root.path, kind__in=(*TOWN_KINDS, *VILLAGE_KINDS), is_active=True, is_external=False
    ).order_by("path")
    towns: dict[int, TownPlaces] = {}
    villages: list[Organisation] = []
    for org in rows:
        if org.kind in TOWN_KINDS:
            towns[org.pk] = TownPlaces(town=org)
        else:
            villages.append(org)
    for village in villages:
        if village.parent_id in towns:
            towns[village.parent_id].villages.append(village)
    return list(towns.values())


# --- Similar open matters (before submitting) ------------------------------------------------------


@dataclass(frozen=True)
class SimilarMatter:
    public_ref: str  # "" for a matter registered at a counter without a reference
    title: str
    status: str


def _public_title(title: str) -> str:
    """A title as the public may see it: long digit runs (phone or ID numbers) hidden."""
    return _LONG_NUMBERS.sub(lambda m: "*" * len(m.group()), title)


def similar_open_matters(
    *, title: str, request: str, facts: str, organisation: Organisation, limit: int = 5
) -> list[SimilarMatter]:
    """Open matters with similar text (the repeat matcher of intake, on text only: no personal data
    goes in, so nothing is found through a name, phone or ID number). Reports on officials
    (XF-CLS-03), anonymous matters and matters naming reported people or units are left out; the
    rest is shown as public reference, title and status."""
    # Laid out as intake compares stored matters (title, request, facts), without any petitioner.
    probe = MatterData(
        channel=Channel.ONLINE,
        source=Source.PORTAL,
        received_at=timezone.now(),
        title=title,
        request=request,
        facts=facts,
    )
    candidates = [
        c
        for c in repeat_candidates(user=SYSTEM, data=probe, organisation=organisation, limit=limit * 3)
        if "text" in c.basis
    ]
    ids = [c.matter.pk for c in candidates]
    confidential = (
        set(
            Matter.objects.filter(pk__in=ids)
            .filter(Q(reported_users__isnull=False) | Q(reported_orgs__isnull=False))
            .values_list("pk", flat=True)
        )
        if ids
        else set()
    )
    rows: list[SimilarMatter] = []
    for candidate in candidates:
        matter = candidate.matter
        if (
            matter.status in CLOSED_STATUSES
            or matter.is_anonymous
            or matter.nature in (Nature.REPORT, Nature.DISCIPLINE)
            or matter.pk in confidential
        ):
            continue
        rows.append(
            SimilarMatter(
                public_ref=matter.public_ref or "",
                title=_public_title(matter.title),
                status=str(Status(matter.status).label),
            )
        )
        if len(rows) >= limit:
            break
    return rows


# --- Opening a matter with its reference and code ---------------------------------------------------


def matter_by_credentials(*, public_ref: str, query_code: str, phone_last4: str = "") -> Matter | None:
    """The matter with this public reference whose query code matches (constant-time; an unknown
    reference costs the same comparison), and, when the last four digits of a phone are given or
    required (XINFANG_PORTAL_TRACK_REQUIRE_PHONE), one of its petitioners' phones ends with them.
    None otherwise — the caller answers the same way whatever failed."""
    ref = normalise(public_ref)
    code = normalise(query_code)
    matter = None
    if is_well_formed(ref, REF_LENGTH):
        matter = Matter.objects.only("pk", "public_ref", "query_code_hash").filter(public_ref=ref).first()
    matched = query_code_matches(ref, code, matter.query_code_hash if matter else None)
    if matter is None or not matched:
        return None
    digits = re.sub(r"\D", "", phone_last4 or "")
    phones = [
        normalise_phone(p)
        for p in MatterParticipant.objects.filter(matter=matter).values_list("petitioner__phone", flat=True)
        if p
    ]
    checked = bool(digits) or (track_requires_phone() and bool(phones))
    if checked and (len(digits) != 4 or not any(p.endswith(digits) for p in phones)):
        return None
    return matter


# --- The tracking page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicClock:
    sentence: str
    due_date: datetime.date
    overdue: bool


@dataclass(frozen=True)
class Step:
    """One line of the matter's history as the petitioner sees it."""

    at: datetime.datetime
    text: str


@dataclass(frozen=True)
class ReviewOffer:
    """The review (复查) or re-review (复核) the petitioner may request now, and where and by when."""

    stage: str
    contested: Opinion
    bodies: list[Organisation]
    window_due: datetime.date
    is_late: bool

    @property
    def stage_label(self) -> str:
        return str(ReviewStage(self.stage).label)


@dataclass
class TrackView:
    matter: Matter
    status_sentence: str
    organisation: Organisation
    clocks: list[PublicClock]
    documents: list[Document]
    notices: list[Notice]
    steps: list[Step]
    evaluations: list[Evaluation]
    evaluation_stages: list[str]
    reviews: list[Review]
    review_offer: ReviewOffer | None


def review_offer_for(matter: Matter, opinions: list[Opinion], reviews: list[Review]) -> ReviewOffer | None:
    """Re-review first (a concluded matter with a delivered review opinion), then review: the stage
    the status allows (XF-REV-01/03), against a delivered opinion, not asked for already."""
    by_stage = {o.stage: o for o in opinions}
    for stage, wanted in ((ReviewStage.REREVIEW, OpinionStage.REVIEW), (ReviewStage.REVIEW, OpinionStage.HANDLING)):
        contested = by_stage.get(wanted)
        if matter.status not in ALLOWED_FROM[stage] or contested is None or contested.delivered_at is None:
            continue
        if any(r.stage == stage and r.status != ReviewStatus.REFUSED for r in reviews):
            continue
        if stage == ReviewStage.REVIEW and any(r.stage == ReviewStage.REREVIEW for r in reviews):
            continue
        due = window_due(contested, stage)
        return ReviewOffer(
            stage=stage,
            contested=contested,
            bodies=review_bodies(contested.organisation),
            window_due=due,
            is_late=timezone.localdate() > due,
        )
    return None


def _steps(matter: Matter, routings: list[Routing], opinions: list[Opinion], reviews: list[Review]) -> list[Step]:
    steps = [Step(matter.received_at, _("收到您的信访事项（%(channel)s）") % {"channel": matter.get_channel_display()})]
    for routing in routings:
        steps.append(
            Step(
                routing.sent_at,
                _("%(kind)s至%(org)s") % {"kind": routing.get_kind_display(), "org": routing.to_org.local_name},
            )
        )
    if matter.accepted_at is not None:
        steps.append(Step(matter.accepted_at, _("已受理")))
    for opinion in opinions:
        steps.append(
            Step(
                opinion.issued_at,
                _("%(org)s出具%(stage)s")
                % {"org": opinion.organisation.local_name, "stage": opinion.get_stage_display()},
            )
        )
    for review in reviews:
        steps.append(
            Step(
                review.received_at,
                _("%(org)s收到%(stage)s请求")
                % {"org": review.organisation.local_name, "stage": review.get_stage_display()},
            )
        )
    if matter.closed_at is not None:
        steps.append(Step(matter.closed_at, str(Status(matter.status).label)))
    steps.sort(key=lambda s: s.at)
    return steps


def track_data(*, matter_id: int) -> TrackView:
    """Everything the tracking page shows of one matter, in a fixed number of queries."""
    matter = Matter.objects.select_related("current_org", "current_org__parent").get(pk=matter_id)
    today = timezone.localdate()
    clocks: list[PublicClock] = []
    for c in Clock.objects.filter(
        object_type=OBJECT_TYPE, object_id=str(matter.pk), stopped_at__isnull=True, kind__in=PUBLIC_CLOCK_KINDS
    ).order_by("due_date", "pk"):
        sentence = clock_sentence(c.kind, c.due_date)
        # Two bodies may owe the same kind of step by the same day (the bureau's and the
        # recipient's written notice): the person needs the sentence once.
        if all(existing.sentence != sentence for existing in clocks):
            clocks.append(PublicClock(sentence, c.due_date, c.due_date < today))
    # Written notices given to the petitioner (XF-NOT-01..03): their text, whatever the method.
    notices = list(matter.notices.select_related("issuing_org").order_by("given_at", "pk"))
    documents = list(
        Document.objects.filter(matter=matter, kind__in=PETITIONER_DOCUMENT_KINDS, status=DocumentStatus.ISSUED)
        .select_related("organisation")
        .defer("pdf", "body", "context")
        .order_by("issued_at", "pk")
    )
    routings = list(matter.routings.select_related("to_org").order_by("sent_at", "pk"))
    opinions = list(matter.opinions.select_related("organisation", "organisation__parent").order_by("issued_at", "pk"))
    reviews = list(matter.reviews.select_related("organisation").order_by("received_at", "pk"))
    evaluations = list(matter.evaluations.order_by("recorded_at", "pk"))
    return TrackView(
        matter=matter,
        status_sentence=status_sentence(matter.status),
        organisation=matter.current_org,
        clocks=clocks,
        documents=documents,
        notices=notices,
        steps=_steps(matter, routings, opinions, reviews),
        evaluations=evaluations,
        evaluation_stages=evaluation_stages_open(matter, evaluations),
        reviews=reviews,
        review_offer=review_offer_for(matter, opinions, reviews),
    )


def petitioner_document(*, matter_id: int, document_id: int) -> Document | None:
    """An issued instrument of the matter addressed to the petitioner, with its PDF; else None."""
    return Document.objects.filter(
        pk=document_id, matter_id=matter_id, kind__in=PETITIONER_DOCUMENT_KINDS, status=DocumentStatus.ISSUED
    ).first()
