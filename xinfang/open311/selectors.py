"""Reads of the Open311 face. Nothing here goes through a staff user's scope: the public service
list is published reference data (the active matter types of the power list), and a client reads
only what it filed itself — scoped by `client_requests`, the one read path for clients. Reports on
officials are never returned (XF-CLS-03), and no petitioner's data is: an answer carries what the
filing client sent (description, place, coordinates, media link) and the matter's progress."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.core.text import in_reader_language, localized_name
from xinfang.orgs.models import Organisation
from xinfang.petitions.services.intake import place_root
from xinfang.petitions.states import (
    CLOCK_HANDLING,
    CLOCK_NOTICE,
    CLOCK_RECIPIENT_NOTICE,
    CLOCK_REREVIEW,
    CLOCK_REVIEW,
    CLOCK_REVIEW_ACCEPT,
    CLOCK_SIMPLE_ACCEPT,
    CLOCK_SIMPLE_HANDLING,
    CLOCK_TRIAGE,
    Nature,
    Status,
)
from xinfang.portal.credentials import REF_LENGTH, PortalUnavailableError, is_well_formed, registering_organisation
from xinfang.portal.wording import PUBLIC_CLOCK_KINDS, clock_sentence, status_sentence
from xinfang.powerlist.models import MatterType
from xinfang.powerlist.routing import powerlist_propose
from xinfang.workcalendar.models import Clock

from .conf import report_service_codes
from .models import Open311Client, Open311Request
from .services import key_digest

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("text/xml", "application/json")
OBJECT_TYPE = "petitions.matter"
MAX_REQUESTS = 1000  # GeoReport: at most 1000 requests or 90 days, whichever is smaller
DEFAULT_DAYS = 90
GROUP_CACHE_SECONDS = 10 * 60
SERVICE_CODE_MAX = 32  # MatterType.code

# "closed" in GeoReport terms: the matter has been answered or has left the procedure. A review or
# re-review request reopens it.
CLOSED_STATUSES = frozenset(
    {
        Status.REPLIED,
        Status.REVIEWED,
        Status.FINAL,
        Status.CONCLUDED,
        Status.TERMINATED,
        Status.WITHDRAWN,
        Status.NOT_ACCEPTED,
        Status.MERGED,
        Status.GUIDED,
    }
)
OPEN_STATUSES = frozenset(Status.values) - CLOSED_STATUSES
# expected_datetime: the clock of the answer the petitioner waits for (handling opinion, review or
# re-review opinion); before acceptance, the next step owed to them (decision, written notice).
ANSWER_CLOCKS = (CLOCK_HANDLING, CLOCK_SIMPLE_HANDLING, CLOCK_REVIEW, CLOCK_REREVIEW)
NEXT_STEP_CLOCKS = (CLOCK_TRIAGE, CLOCK_NOTICE, CLOCK_RECIPIENT_NOTICE, CLOCK_SIMPLE_ACCEPT, CLOCK_REVIEW_ACCEPT)
REPORT_NATURES = (Nature.REPORT, Nature.DISCIPLINE)


def w3(moment: datetime.datetime | None) -> str | None:
    """A moment in the W3C subset of ISO 8601 with the offset (2026-05-06T10:30:00+08:00)."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment is not None else None


def end_of_day(day: datetime.date) -> datetime.datetime:
    """A due date as a moment: the end of that day in the installation's time zone."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


# --- Clients --------------------------------------------------------------------------------------


def client_for_key(api_key: str) -> Open311Client | None:
    """The active client whose key this is (its service account active too), or None."""
    if not api_key or len(api_key) > 200:
        return None
    return (
        Open311Client.objects.filter(key_digest=key_digest(api_key), is_active=True, account__is_active=True)
        .select_related("account")
        .first()
    )


# --- Services ------------------------------------------------------------------------------------


def service_types() -> QuerySet[MatterType]:
    """The services offered: the active matter types of the power list."""
    return MatterType.objects.filter(is_active=True).order_by("sort_order", "code")


def _keywords(matter_type: MatterType) -> str:
    words = matter_type.keyword_list()
    return ", ".join(localized_name(w) for w in words)


def _group_org_ids(types: list[MatterType], on_date: datetime.date) -> dict[int, int]:
    """Per matter type, the lead competent organisation at district level by the power list
    (`powerlist_propose`); cached a few minutes, since it reads the whole list."""
    if not types:
        return {}
    stamp = max(t.updated_at for t in types).isoformat()
    key = f"open311:groups:{on_date.isoformat()}:{len(types)}:{stamp}"
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    try:
        district = place_root(registering_organisation())
    except PortalUnavailableError:
        return {}
    found: dict[int, int] = {}
    for matter_type in types:
        proposals = powerlist_propose(matter_type=matter_type, area=district, on_date=on_date, level=district.level)
        lead = next((p for p in proposals if p.is_lead), None)
        if lead is not None:
            found[matter_type.pk] = lead.organisation.pk
    cache.set(key, found, GROUP_CACHE_SECONDS)
    return found


def service_list() -> list[dict[str, Any]]:
    """GET services: code, name and description in the reader's language, keywords, and as group
    the department competent for it at district level (the power list has no other grouping)."""
    types = list(service_types())
    groups = _group_org_ids(types, timezone.localdate())
    names = {o.pk: o.local_name for o in Organisation.objects.filter(pk__in=set(groups.values()))}
    return [
        {
            "service_code": t.code,
            "service_name": t.local_name,
            "description": in_reader_language(t.description),
            "metadata": True,
            "type": "realtime",
            "keywords": _keywords(t),
            "group": names.get(groups.get(t.pk, 0), ""),
        }
        for t in types
    ]


def service_type(code: str) -> MatterType | None:
    """The active matter type of this code; None for anything that cannot be one (too long, NUL)."""
    if not code or len(code) > SERVICE_CODE_MAX or "\x00" in code:
        return None
    return service_types().filter(code=code).first()


@dataclass(frozen=True)
class AttributeSpec:
    code: str
    datatype: str
    required: bool
    max_length: int


# What a petition must state (条例 Art. 19: request, facts and reasons; name and address): the
# description is the facts; these are asked as attributes.
ATTRIBUTES: tuple[AttributeSpec, ...] = (
    AttributeSpec("request", "text", True, 2000),
    AttributeSpec("reasons", "text", False, 3000),
    AttributeSpec("residence", "string", True, 200),
    AttributeSpec("title", "string", False, 120),
)


def _attribute_description(code: str) -> str:
    return {
        "request": _("您的请求：您希望有关机关做什么。"),
        "reasons": _("理由：为什么提出这个请求（信访应当载明请求、事实和理由）。"),
        "residence": _("联系地址：书面告知书会寄送到这个地址（《信访工作条例》第十九条）。"),
        "title": _("标题：用一句话概括您的问题；不填时由系统生成。"),
    }[code]


def service_definition(matter_type: MatterType) -> dict[str, Any]:
    """GET services/{code}: the attributes every petition asks for, in the reader's language."""
    return {
        "service_code": matter_type.code,
        "attributes": [
            {
                "variable": True,
                "code": spec.code,
                "datatype": spec.datatype,
                "required": spec.required,
                "datatype_description": _("不超过%(count)d个字。") % {"count": spec.max_length},
                "order": order,
                "description": _attribute_description(spec.code),
                "values": [],
            }
            for order, spec in enumerate(ATTRIBUTES, start=1)
        ],
    }


# --- Requests ------------------------------------------------------------------------------------


def client_requests(*, client: Open311Client) -> QuerySet[Open311Request]:
    """What `client` filed and may read back: never a report on officials (XF-CLS-03) — by its
    service code from the start, or once triage records the nature or who is reported."""
    return (
        Open311Request.objects.filter(client=client, matter__reported_names="")
        .exclude(service_code__in=report_service_codes())
        .exclude(matter__nature__in=REPORT_NATURES)
        .exclude(matter__reported_users__isnull=False)
        .exclude(matter__reported_orgs__isnull=False)
        .select_related("matter", "matter__current_org", "matter__place_org", "matter_type")
    )


@dataclass(frozen=True)
class RequestFilters:
    """GET requests filters (GeoReport v2): ids override all others; otherwise a window of at
    most 90 days (the last 90 by default), service codes and statuses."""

    ids: tuple[str, ...] = ()
    ids_given: bool = False  # ids asked for, none well formed: nothing matches
    service_codes: tuple[str, ...] = ()
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    statuses: tuple[str, ...] = ()


def request_window(
    start: datetime.datetime | None, end: datetime.datetime | None, *, now: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """The requested_datetime window: both given as is; one given, 90 days from it; none, the
    last 90 days."""
    span = datetime.timedelta(days=DEFAULT_DAYS)
    if start is not None and end is not None:
        return start, end
    if start is not None:
        return start, start + span
    end = end or now or timezone.now()
    return end - span, end


def client_request_list(*, client: Open311Client, filters: RequestFilters) -> list[Open311Request]:
    """The client's requests matching `filters`, newest first, at most 1000."""
    qs = client_requests(client=client)
    if filters.ids or filters.ids_given:
        qs = qs.filter(matter__public_ref__in=filters.ids)
    else:
        start, end = request_window(filters.start, filters.end)
        qs = qs.filter(matter__received_at__gte=start, matter__received_at__lte=end)
        if filters.service_codes:
            qs = qs.filter(service_code__in=[c for c in filters.service_codes if "\x00" not in c])
        if filters.statuses:
            wanted: set[str] = set()
            for status in filters.statuses:
                wanted |= CLOSED_STATUSES if status == "closed" else OPEN_STATUSES
            qs = qs.filter(matter__status__in=wanted)
    return list(qs.order_by("-matter__received_at", "-pk")[:MAX_REQUESTS])


def client_request(*, client: Open311Client, public_ref: str) -> Open311Request | None:
    if not is_well_formed(public_ref, REF_LENGTH):
        return None
    return client_requests(client=client).filter(matter__public_ref=public_ref).first()


def _running_clocks(matter_ids: Iterable[int]) -> dict[str, list[Clock]]:
    by_matter: dict[str, list[Clock]] = {}
    ids = [str(pk) for pk in matter_ids]
    if not ids:
        return by_matter
    for clock in Clock.objects.filter(
        object_type=OBJECT_TYPE, object_id__in=ids, stopped_at__isnull=True, kind__in=PUBLIC_CLOCK_KINDS
    ).order_by("due_date", "pk"):
        by_matter.setdefault(clock.object_id, []).append(clock)
    return by_matter


def expected_date(status: str, clocks: list[Clock]) -> datetime.date | None:
    """The due date of the answer the petitioner is waiting for (see ANSWER_CLOCKS), else of the
    next step owed to them; none once the matter is closed."""
    if status in CLOSED_STATUSES:
        return None
    for kinds in (ANSWER_CLOCKS, NEXT_STEP_CLOCKS):
        dues = [c.due_date for c in clocks if c.kind in kinds]
        if dues:
            return min(dues)
    return None


def _notice(clocks: list[Clock]) -> str:
    """The running clocks the petitioner is told about, in plain words (as on the portal)."""
    sentences: list[str] = []
    for clock in clocks:
        sentence = clock_sentence(clock.kind, clock.due_date)
        if sentence not in sentences:
            sentences.append(sentence)
    return "".join(sentences)


def _address(matter: Any) -> str:
    """The place only (most specific first): the client's own address text, then the village or
    town chosen. Never the petitioner's residence."""
    parts = [matter.place_text.strip()]
    if matter.place_org is not None:
        parts.append(matter.place_org.local_name)
    return ", ".join(p for p in parts if p)


def request_rows(requests: list[Open311Request]) -> list[dict[str, Any]]:
    """GET requests / requests/{id}: one row per request, in a fixed number of queries."""
    clocks = _running_clocks(r.matter_id for r in requests)
    rows = []
    for request in requests:
        matter = request.matter
        running = clocks.get(str(matter.pk), [])
        expected = expected_date(matter.status, running)
        closed = matter.status in CLOSED_STATUSES
        matter_type = request.matter_type
        rows.append(
            {
                "service_request_id": matter.public_ref,
                "status": "closed" if closed else "open",
                "status_notes": status_sentence(matter.status),
                "service_name": matter_type.local_name if matter_type is not None else request.service_code,
                "service_code": request.service_code,
                "description": matter.facts,
                "agency_responsible": matter.current_org.local_name,
                "service_notice": _notice(running),
                "requested_datetime": w3(matter.received_at),
                "updated_datetime": w3(matter.closed_at if closed and matter.closed_at else matter.updated_at),
                "expected_datetime": w3(end_of_day(expected)) if expected is not None else None,
                "address": _address(matter),
                "address_id": matter.place_org.code if matter.place_org is not None else None,
                "zipcode": None,
                "lat": float(request.latitude) if request.latitude is not None else None,
                "long": float(request.longitude) if request.longitude is not None else None,
                "media_url": request.media_url or None,
            }
        )
    return rows


def submit_notice(request: Open311Request) -> str:
    """The service_notice of a new request: the status in plain words and what is owed next."""
    clocks = _running_clocks([request.matter_id]).get(str(request.matter_id), [])
    return status_sentence(request.matter.status) + _notice(clocks)


# --- Discovery -------------------------------------------------------------------------------------


def changeset() -> str:
    """When the service list or definitions last changed (sortable)."""
    latest = MatterType.objects.aggregate(latest=Max("updated_at"))["latest"]
    return w3(latest) or ""


def contact_line() -> str:
    """Who to ask: the registering organisation's name, phone, e-mail and address."""
    try:
        org = registering_organisation()
    except PortalUnavailableError:
        return ""
    parts = [org.local_name, org.phone, org.email, in_reader_language(org.address)]
    return " ".join(p for p in parts if p)
