"""Writes of the grid app: grid boundaries and layers, and grid events with their workflow
(reported -> accepted -> handled -> closed -> verified; escalation village -> town/street ->
district; conversion into a petition or a mediation case, linked both ways).

Every service checks the policy and the state table, writes, runs the event's due clock and
records one audit event, in one transaction. The due clock ("grid_due", working calendar) takes
its period from `CategoryDue` (the district's configuration, not law) for the event's category and
level: started at report, restarted at escalation (and when a failed mediation sends the event
back), stopped when handled or converted. Audit rows hold ids, codes and states, never the
parties' names or phones."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError, clean_text
from xinfang.orgs.models import Kind, Organisation
from xinfang.petitions.models import Matter
from xinfang.petitions.services.intake import CheckedFile, MatterData, PetitionerData, attachment_check, matter_register
from xinfang.petitions.services.personal_data import normalise_phone
from xinfang.petitions.states import Channel, Source
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.services import clock_start, clock_stop

from . import policies
from .geometry import GeometryError, Shape, overlap_m2, point_in_shape, shape_from_geojson, shape_to_geojson
from .models import CategoryDue, DisputeCategory, EventSequence, GridEvent, GridEventPhoto, GridProfile
from .seed import DEFAULT_DUES
from .states import (
    CLOCK_DUE,
    CLOCK_OBJECT_TYPE,
    NEXT_LEVEL,
    OPEN_STATUSES,
    TRANSITIONS,
    EventLevel,
    EventStatus,
    Layer,
    PartyRole,
)
from .suggest import category_suggest

MAX_TEXT = 5000
MAX_PARTIES = 20
MAX_PHOTOS = 9
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
# Two grids may share a border; digitising slack below this share of the smaller grid is tolerated.
OVERLAP_TOLERANCE = 0.01
VILLAGE_KINDS = frozenset({Kind.VILLAGE, Kind.COMMUNITY})
TOWN_KINDS = frozenset({Kind.TOWN, Kind.STREET})


# --- Grids ---------------------------------------------------------------------------------------


def _geometry_message(exc: GeometryError) -> str:
    params = exc.params
    messages = {
        "structure": _("边界不是有效的 GeoJSON 面数据：应为 Polygon 或 MultiPolygon 的坐标数组。"),
        "type": _("边界类型只能是 Polygon（面）或 MultiPolygon（多面）。"),
        "coordinate": _("边界坐标应为数字（经度、纬度）。"),
        "range": _(
            "第 %(ring)s 个环的坐标（%(lon)s, %(lat)s）超出范围：经度应在 -180 至 180 之间，纬度应在 -90 至 90 之间。"
        ),
        "too_few": _("第 %(ring)s 个环只有 %(count)s 个点：一个环至少需要 4 个点（首尾相同）。"),
        "not_closed": _("第 %(ring)s 个环没有闭合：最后一个点应与第一个点相同。"),
        "degenerate": _("第 %(ring)s 个环的面积为零：至少需要三个不共线的点。"),
        "too_many": _("边界的点数超过上限（%(max)s 个）。"),
        "self_intersection": _("第 %(ring)s 个环自相交：边界线不能交叉。"),
        "rings_cross": _("第 %(ring)s 个环与第 %(other)s 个环相交。"),
    }
    return messages.get(exc.code, messages["structure"]) % params


def boundary_parse(boundary: Any) -> Shape:
    """A validated boundary, or ValidationError on "boundary" with the reason in words."""
    try:
        return shape_from_geojson(boundary)
    except GeometryError as exc:
        raise ValidationError({"boundary": _geometry_message(exc)}, code=exc.code) from exc


def _grid_village(grid: Organisation) -> Organisation | None:
    parent = grid.parent
    return parent if parent is not None and parent.kind in VILLAGE_KINDS else None


@transaction.atomic
def grid_profile_save(
    *,
    actor: Any,
    grid: Organisation,
    boundary: Any,
    layers: Sequence[str],
    village: Organisation | None = None,
    note: str = "",
) -> GridProfile:
    """Create or update a grid's boundary and layers. The boundary must be a valid Polygon or
    MultiPolygon (rings closed, at least 4 points, lon/lat in range, no self-intersection) and must
    not overlap another grid's boundary by more than 1 % of the smaller of the two (shared borders
    and digitising slack are fine). The village defaults to the grid's parent in the tree."""
    require(actor, Action.ORG_MANAGE, grid)
    if grid.kind != Kind.GRID:
        raise ValidationError({"grid": _("只能为网格类型的机构设置边界。")}, code="grid")
    village = village or _grid_village(grid)
    if village is None or village.kind not in VILLAGE_KINDS:
        raise ValidationError({"village": _("请选择网格所属的村（社区）。")}, code="village")
    unknown = [value for value in layers if value not in Layer.values]
    if unknown or not layers:
        raise ValidationError({"layers": _("请至少选择一个网格图层（党建、综治、服务）。")}, code="layers")
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": _("不超过 %(max)s 个字。") % {"max": MAX_TEXT}}, code="max_length")
    shape = boundary_parse(boundary)
    min_lon, min_lat, max_lon, max_lat = shape.bbox()
    own_area = geometry_area(shape)
    neighbours = (
        GridProfile.objects.exclude(organisation=grid)
        .filter(min_lon__lte=max_lon, max_lon__gte=min_lon, min_lat__lte=max_lat, max_lat__gte=min_lat)
        .select_related("organisation")
        .order_by("organisation__path")
    )
    for neighbour in neighbours:
        other = shape_from_geojson(neighbour.boundary)
        common = overlap_m2(shape, other)
        if common > OVERLAP_TOLERANCE * min(own_area, geometry_area(other)):
            raise ValidationError(
                {
                    "boundary": _("边界与“%(other)s”重叠约 %(area)s 平方米：相邻网格只能共用边界，不能重叠。")
                    % {"other": neighbour.organisation.name, "area": f"{common:,.0f}"}
                },
                code="overlap",
            )
    profile = GridProfile.objects.select_for_update().filter(organisation=grid).first()
    created = profile is None
    if profile is None:
        profile = GridProfile(organisation=grid)
    before = {"village": profile.village_id, "layers": list(profile.layers or [])} if not created else {}
    profile.village = village
    profile.boundary = shape_to_geojson(shape)
    profile.layers = [value for value in Layer.values if value in layers]
    profile.min_lon, profile.min_lat, profile.max_lon, profile.max_lat = min_lon, min_lat, max_lon, max_lat
    profile.note = note.strip()
    profile.save()
    audit_record(
        actor=actor,
        action="grid.profile_create" if created else "grid.profile_update",
        target=profile,
        object_label=grid.code,
        org_id=grid.pk,
        summary={
            "before": before,
            "after": {"village": village.pk, "layers": profile.layers, "area_m2": round(own_area)},
        },
    )
    return profile


def geometry_area(shape: Shape) -> float:
    from .geometry import area_m2

    return area_m2(shape)


def grid_at_point(lon: float, lat: float) -> Organisation | None:
    """The grid whose boundary holds the point (first by tree order), or None."""
    candidates = (
        GridProfile.objects.filter(min_lon__lte=lon, max_lon__gte=lon, min_lat__lte=lat, max_lat__gte=lat)
        .select_related("organisation")
        .order_by("organisation__path")
    )
    for profile in candidates:
        if point_in_shape(shape_from_geojson(profile.boundary), lon, lat):
            return profile.organisation
    return None


# --- Due times and clocks ------------------------------------------------------------------------


def event_due(category: DisputeCategory | None, level: str) -> tuple[int, str]:
    """(period, unit) of an event's due clock: the category's setting for the level, or the
    default for uncategorised events (see seed.py; configuration, not law)."""
    if category is not None:
        due = CategoryDue.objects.filter(category=category, level=level).first()
        if due is not None:
            return int(due.period), str(due.unit)
    period, unit = DEFAULT_DUES[level]
    return period, unit


def _clock_restart(event: GridEvent, actor: Any, *, start: datetime.date, reason: str) -> Clock:
    _clock_stop(event, actor, reason)
    period, unit = event_due(event.category or event.suggested_category, event.level)
    return clock_start(
        object_type=CLOCK_OBJECT_TYPE,
        object_id=str(event.pk),
        kind=CLOCK_DUE,
        start_date=start,
        period=period,
        unit=unit,
        actor=actor,
        org_id=event.current_org_id,
    )


def _clock_stop(event: GridEvent, actor: Any, reason: str) -> None:
    for clock in Clock.objects.filter(
        object_type=CLOCK_OBJECT_TYPE, object_id=str(event.pk), kind=CLOCK_DUE, stopped_at__isnull=True
    ):
        clock_stop(clock=clock, actor=actor, reason=reason)


# --- Reporting -----------------------------------------------------------------------------------


@dataclass
class PartyEntry:
    """A party to the dispute as the grid worker notes it (personal data: kept on the event only)."""

    name: str
    role: str = PartyRole.OTHER
    phone: str = ""


@dataclass
class GridEventData:
    """What a grid worker reports from the phone form (or an import row)."""

    place_text: str
    description: str
    category: DisputeCategory | None = None
    occurred_at: datetime.datetime | None = None
    lon: decimal.Decimal | float | str | None = None
    lat: decimal.Decimal | float | str | None = None
    parties: list[PartyEntry] = field(default_factory=list)
    photos: list[Any] = field(default_factory=list)


def _decimal(value: Any) -> decimal.Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        return None
    return number if number.is_finite() else None


def _validated_event(grid: Organisation, data: GridEventData) -> tuple[dict[str, Any], list[CheckedFile]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    place = (data.place_text or "").strip()
    if not place:
        add("place_text", _("请填写事发地点。"))
    elif len(place) > 200:
        add("place_text", _("不超过 %(max)s 个字。") % {"max": 200})
    description = (data.description or "").strip()
    if not description:
        add("description", _("请填写事件描述。"))
    elif len(description) > MAX_TEXT:
        add("description", _("不超过 %(max)s 个字。") % {"max": MAX_TEXT})
    if data.category is not None and not data.category.is_active:
        add("category", _("该类别已停用，请选择其他类别。"))
    now = timezone.now()
    occurred_at = data.occurred_at
    if occurred_at is not None:
        if timezone.is_naive(occurred_at):
            add("occurred_at", _("请填写带时区的发生时间。"))
        elif occurred_at > now + datetime.timedelta(minutes=5):
            add("occurred_at", _("发生时间不能晚于现在。"))
        elif occurred_at.year < 2000:
            add("occurred_at", _("发生时间不正确。"))
    lon, lat = _decimal(data.lon), _decimal(data.lat)
    if (data.lon not in (None, "") and lon is None) or (data.lat not in (None, "") and lat is None):
        add("lon", _("经纬度应为数字。"))
    elif (lon is None) != (lat is None):
        add("lon", _("请同时填写经度和纬度，或都不填。"))
    elif lon is not None and lat is not None:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            add("lon", _("经度应在 -180 至 180 之间，纬度应在 -90 至 90 之间。"))
        else:
            lon, lat = lon.quantize(decimal.Decimal("0.000001")), lat.quantize(decimal.Decimal("0.000001"))
            found = grid_at_point(float(lon), float(lat))
            if found is None:
                add("lon", _("该位置不在任何网格范围内，请核对经纬度或不填坐标。"))
            elif found.pk != grid.pk:
                add(
                    "lon",
                    _("该位置属于“%(found)s”，不在“%(grid)s”范围内。") % {"found": found.name, "grid": grid.name},
                )
    parties: list[dict[str, str]] = []
    if len(data.parties) > MAX_PARTIES:
        add("parties", _("当事人不超过 %(max)s 人。") % {"max": MAX_PARTIES})
    for index, party in enumerate(data.parties[:MAX_PARTIES]):
        name, phone = (party.name or "").strip(), normalise_phone(party.phone or "")
        if not name and not phone:
            continue
        if not name:
            add(f"parties.{index}.name", _("请填写当事人姓名。"))
        elif len(name) > 100:
            add(f"parties.{index}.name", _("不超过 %(max)s 个字。") % {"max": 100})
        if len(phone) > 32:
            add(f"parties.{index}.phone", _("电话号码过长。"))
        if party.role not in PartyRole.values:
            add(f"parties.{index}.role", _("请选择当事人身份。"))
        parties.append({"name": name, "role": party.role, "phone": phone})
    if len(data.photos) > MAX_PHOTOS:
        add("photos", _("照片不超过 %(max)s 张。") % {"max": MAX_PHOTOS})
    checked: list[CheckedFile] = []
    for upload in data.photos[:MAX_PHOTOS]:
        try:
            file = attachment_check(upload)
        except ValidationError as exc:
            for message in exc.message_dict.get("attachments", []):
                add("photos", message)
            continue
        if file.content_type not in PHOTO_TYPES:
            add("photos", _("文件“%(name)s”不是照片：只接受 JPEG 或 PNG 图片。") % {"name": file.name})
        elif file.sha256 not in {c.sha256 for c in checked}:
            checked.append(file)
    if errors:
        raise ValidationError(errors)
    values = {
        "place_text": place,
        "description": description,
        "category": data.category,
        "occurred_at": occurred_at,
        "lon": lon,
        "lat": lat,
        "parties": parties,
    }
    return values, checked


def event_numbers_reserve(*, grid: Organisation, year: int, count: int = 1) -> list[str]:
    """The next `count` event numbers of a grid for a year, e.g. "T00011-2026-00042". The counter
    row is locked, so concurrent reports never share a number (bulk imports reserve a block)."""
    with transaction.atomic():
        sequence, _created = EventSequence.objects.select_for_update().get_or_create(grid=grid, year=year)
        first = sequence.last + 1
        sequence.last += count
        sequence.save(update_fields=["last"])
    return [f"{grid.code}-{year}-{n:05d}" for n in range(first, first + count)]


def _store_photos(event: GridEvent, checked: list[CheckedFile], stored: list[GridEventPhoto]) -> None:
    for file in checked:
        photo = GridEventPhoto(
            event=event, original_name=file.name, content_type=file.content_type, size=file.size, sha256=file.sha256
        )
        photo.file.save(file.name, ContentFile(file.content), save=False)
        stored.append(photo)  # on disk now: removed again if the transaction fails
        photo.save()


def grid_event_report(*, actor: Any, grid: Organisation, data: GridEventData) -> GridEvent:
    """A grid worker reports an event in their grid. It starts at the village (community) level,
    held by the grid's village; an uncategorised event gets a suggested category from the keyword
    rules (score and matched words kept). A point outside every grid is refused. Starts the due
    clock from the report date. Photos are checked by content (JPEG or PNG)."""
    stored: list[GridEventPhoto] = []
    try:
        return _grid_event_report(actor=actor, grid=grid, data=data, stored=stored)
    except BaseException:
        for photo in stored:
            if photo.file.name:
                photo.file.storage.delete(photo.file.name)
        raise


@transaction.atomic
def _grid_event_report(
    *, actor: Any, grid: Organisation, data: GridEventData, stored: list[GridEventPhoto]
) -> GridEvent:
    require(actor, Action.GRID_EVENT_REPORT, grid)
    if grid.kind != Kind.GRID or not grid.is_active:
        raise ValidationError({"grid": _("请选择在用的网格。")}, code="grid")
    profile = GridProfile.objects.filter(organisation=grid).select_related("village").first()
    village = profile.village if profile is not None else _grid_village(grid)
    if village is None:
        raise ValidationError({"grid": _("该网格没有所属的村（社区）。")}, code="grid")
    values, checked = _validated_event(grid, data)
    now = timezone.now()
    event = GridEvent(
        number=event_numbers_reserve(grid=grid, year=timezone.localdate(now).year)[0],
        grid=grid,
        reported_by=actor if getattr(actor, "pk", None) is not None else None,
        reported_at=now,
        level=EventLevel.VILLAGE,
        current_org=village,
        **values,
    )
    if event.category is None:
        suggestion = category_suggest(f"{event.description}\n{event.place_text}")
        if suggestion is not None:
            event.suggested_category = suggestion.category
            event.suggestion_score = suggestion.score
            event.suggestion_words = suggestion.words
    event.save(force_insert=True)
    _store_photos(event, checked, stored)
    _clock_restart(event, actor, start=timezone.localdate(now), reason="reported")
    audit_record(
        actor=actor,
        action="grid_event.report",
        target=event,
        object_label=event.number,
        org_id=village.pk,
        summary={
            "after": {
                "status": event.status,
                "level": event.level,
                "grid": grid.code,
                "category": event.category.code if event.category else None,
                "suggested_category": event.suggested_category.code if event.suggested_category else None,
                "parties": len(event.parties),
                "photos": len(checked),
            }
        },
    )
    return event


# --- Workflow ------------------------------------------------------------------------------------


def _lock(event: GridEvent) -> GridEvent:
    return (
        GridEvent.objects.select_for_update(of=("self",))
        .select_related("grid", "current_org", "category", "suggested_category")
        .get(pk=event.pk)
    )


def _check(allowed: bool, action: Action) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有权限执行“%(action)s”。") % {"action": action.label})


def _expect(event: GridEvent, to: str) -> None:
    if to not in TRANSITIONS[event.status]:
        raise ServiceError(
            _("事件当前状态为“%(current)s”，不能转为“%(to)s”。")
            % {"current": EventStatus(event.status).label, "to": EventStatus(to).label},
            code="transition",
        )


def _transition(
    event: GridEvent,
    *,
    to: str,
    actor: Any,
    action: str,
    fields: list[str],
    summary: dict[str, Any] | None = None,
) -> GridEvent:
    before = {"status": event.status}
    _expect(event, to)
    event.status = to
    event.save(update_fields=[*fields, "status", "updated_at"])
    audit_record(
        actor=actor,
        action=f"grid_event.{action}",
        target=event,
        object_label=event.number,
        org_id=event.current_org_id,
        summary={"before": before, "after": {"status": to, "level": event.level}, **(summary or {})},
    )
    return event


@transaction.atomic
def grid_event_accept(*, actor: Any, event: GridEvent) -> GridEvent:
    """The organisation handling the event now takes it on (受理)."""
    event = _lock(event)
    _check(policies.can_handle(actor, event), Action.GRID_EVENT_HANDLE)
    event.accepted_at = timezone.now()
    return _transition(event, to=EventStatus.ACCEPTED, actor=actor, action="accept", fields=["accepted_at"])


@transaction.atomic
def grid_event_categorise(*, actor: Any, event: GridEvent, category: DisputeCategory) -> GridEvent:
    """Set (or correct) the category of an open event; its due clock is recomputed from the same
    start date with the category's period for the current level."""
    event = _lock(event)
    _check(policies.can_handle(actor, event), Action.GRID_EVENT_HANDLE)
    if event.status not in OPEN_STATUSES:
        raise ServiceError(_("只能为未办结的事件设置类别。"), code="transition")
    if not category.is_active:
        raise ValidationError({"category": _("该类别已停用，请选择其他类别。")}, code="category")
    before = event.category.code if event.category else None
    event.category = category
    event.save(update_fields=["category", "updated_at"])
    running = Clock.objects.filter(
        object_type=CLOCK_OBJECT_TYPE, object_id=str(event.pk), kind=CLOCK_DUE, stopped_at__isnull=True
    ).first()
    if running is not None:
        _clock_restart(event, actor, start=running.start_date, reason="categorised")
    audit_record(
        actor=actor,
        action="grid_event.categorise",
        target=event,
        object_label=event.number,
        org_id=event.current_org_id,
        summary={"before": {"category": before}, "after": {"category": category.code}},
    )
    return event


@transaction.atomic
def grid_event_handle(*, actor: Any, event: GridEvent, result: str) -> GridEvent:
    """Record how the event was dealt with (处置); stops the due clock."""
    event = _lock(event)
    _check(policies.can_handle(actor, event), Action.GRID_EVENT_HANDLE)
    _expect(event, EventStatus.HANDLED)
    event.result = clean_text(result, "result", _("请填写处置结果。"))
    event.handled_at = timezone.now()
    _clock_stop(event, actor, "handled")
    return _transition(event, to=EventStatus.HANDLED, actor=actor, action="handle", fields=["result", "handled_at"])


@transaction.atomic
def grid_event_close(*, actor: Any, event: GridEvent) -> GridEvent:
    """Close a handled event (办结)."""
    event = _lock(event)
    _check(policies.can_handle(actor, event), Action.GRID_EVENT_HANDLE)
    event.closed_at = timezone.now()
    return _transition(event, to=EventStatus.CLOSED, actor=actor, action="close", fields=["closed_at"])


@transaction.atomic
def grid_event_verify(*, actor: Any, event: GridEvent, note: str) -> GridEvent:
    """The grid worker checks on site that the closed event is really settled (核查)."""
    event = _lock(event)
    _check(policies.can_verify(actor, event), Action.GRID_EVENT_REPORT)
    _expect(event, EventStatus.VERIFIED)
    event.verification_note = clean_text(note, "note", _("请填写核查情况。"))
    event.verified_at = timezone.now()
    return _transition(
        event, to=EventStatus.VERIFIED, actor=actor, action="verify", fields=["verification_note", "verified_at"]
    )


def escalation_target(event: GridEvent) -> Organisation | None:
    """The organisation of the next level up: the village's town or street, then the district."""
    if event.level not in NEXT_LEVEL:
        return None
    wanted = TOWN_KINDS if NEXT_LEVEL[event.level] == EventLevel.TOWN else frozenset({Kind.DISTRICT})
    ancestors = Organisation.objects.filter(pk__in=event.current_org.ancestor_ids(), kind__in=wanted)
    return ancestors.order_by("-depth").first()


@transaction.atomic
def grid_event_escalate(*, actor: Any, event: GridEvent, reason: str) -> GridEvent:
    """Send an open event one level up (village -> town/street -> district) with the reason: the
    next level's organisation holds it and its due clock restarts with that level's period."""
    event = _lock(event)
    _check(policies.can_escalate(actor, event), Action.GRID_EVENT_HANDLE)
    _expect(event, EventStatus.ESCALATED)
    reason = clean_text(reason, "reason", _("请写明上报理由。"))
    target = escalation_target(event)
    if target is None:
        raise ServiceError(_("事件已在区级处置，不能再向上报送。"), code="top_level")
    from_org, from_level = event.current_org_id, event.level
    event.level = NEXT_LEVEL[event.level]
    event.current_org = target
    event.escalation_reason = reason
    event.accepted_at = None
    _clock_restart(event, actor, start=timezone.localdate(), reason="escalated")
    return _transition(
        event,
        to=EventStatus.ESCALATED,
        actor=actor,
        action="escalate",
        fields=["level", "current_org", "escalation_reason", "accepted_at"],
        summary={"from_org": from_org, "from_level": from_level, "to_org": target.pk},
    )


# --- Conversion ----------------------------------------------------------------------------------


def _expect_convertible(event: GridEvent) -> None:
    # A failed mediation leaves its case linked (history); a later attempt replaces the link.
    if event.matter_id is not None:
        raise ServiceError(_("该事件已转为信访事项。"), code="converted")
    _expect(event, EventStatus.CONVERTED)


@transaction.atomic
def grid_event_to_petition(*, actor: Any, event: GridEvent, organisation: Organisation) -> Matter:
    """Register the event as a petition matter at `organisation` (a petition office; the actor needs
    `matter.register` there) through `matter_register`: channel visit (the grid worker met the
    parties in person and recorded what they said), source "other", the applicants as petitioners,
    the grid as the place. The event points at the matter (`event.matter`), the matter back
    (`matter.grid_event`); the event's due clock stops: the petition runs on its own clocks."""
    event = _lock(event)
    _check(policies.can_handle(actor, event), Action.GRID_EVENT_HANDLE)
    _expect_convertible(event)
    petitioners = [
        PetitionerData(name=p["name"], phone=p.get("phone", ""))
        for p in event.parties
        if p.get("name") and p.get("role") != PartyRole.RESPONDENT
    ]
    if not petitioners:
        raise ValidationError(
            {"parties": _("转为信访事项须至少有一名申请人或其他当事人的姓名（《信访工作条例》第十九条）。")},
            code="parties",
        )
    reporter = event.reported_by
    matter = matter_register(
        actor=actor,
        organisation=organisation,
        data=MatterData(
            channel=Channel.VISIT,
            source=Source.OTHER,
            received_at=timezone.now(),
            title="",
            request=event.description,
            facts=event.description,
            place_org=event.grid,
            place_text=event.place_text,
            petitioners=petitioners,
            oral_recorded_by=str(reporter)[:60] if reporter else "",
            submission_key=f"grid:{event.number}"[:64],
        ),
    )
    event.matter = matter
    _clock_stop(event, actor, "converted")
    _transition(
        event,
        to=EventStatus.CONVERTED,
        actor=actor,
        action="to_petition",
        fields=["matter"],
        summary={"matter": matter.pk, "matter_number": matter.number, "organisation": organisation.pk},
    )
    return matter


@transaction.atomic
def grid_event_to_mediation(
    *, actor: Any, event: GridEvent, consent_recorded: bool, organisation: Organisation | None = None
) -> Any:
    """Open a mediation case for the event (source "grid_event") at `organisation` (default: the
    organisation handling the event). Mediation is voluntary (MED-01): the parties' consent must be
    recorded. The case's result comes back through `mediation_result_receive`."""
    from xinfang.mediation.services import PartyData, mediation_case_open

    event = _lock(event)
    _check(policies.can_refer_to_mediation(actor, event), Action.MEDIATION_HANDLE)
    _expect_convertible(event)
    if not consent_recorded:
        raise ValidationError(
            {"consent_recorded": _("调解须当事人自愿：请先记录当事人同意调解（MED-01）。")}, code="consent"
        )
    parties = [
        PartyData(name=p["name"], role=p.get("role") or PartyRole.OTHER, phone=p.get("phone", ""))
        for p in event.parties
        if p.get("name")
    ]
    if not parties:
        raise ValidationError({"parties": _("转为调解案件须至少有一名当事人的姓名。")}, code="parties")
    category = event.category or event.suggested_category
    case = mediation_case_open(
        actor=actor,
        organisation=organisation or event.current_org,
        source_kind="grid_event",
        source_id=str(event.pk),
        source_label=event.number,
        parties=parties,
        summary=event.description,
        category=category.name if category else "",
        consent_recorded=consent_recorded,
    )
    event.mediation_case = case
    _clock_stop(event, actor, "converted")
    _transition(
        event,
        to=EventStatus.CONVERTED,
        actor=actor,
        action="to_mediation",
        fields=["mediation_case"],
        summary={"mediation_case": case.pk, "case_number": case.number},
    )
    return case


def mediation_result_receive(case: Any) -> None:
    """The mediation app's callback (registered in GridConfig.ready()), called inside its
    transaction when a case opened from a grid event ends: an agreement brings the event to
    handled and closed with the result noted; a failure or refusal sends it back to "accepted"
    where it was, its due clock restarted."""
    event = GridEvent.objects.select_for_update(of=("self",)).filter(mediation_case=case).first()
    if event is None or event.status != EventStatus.CONVERTED:
        return
    actor = getattr(case, "result_actor", None)  # the mediator who ended the case (set by mediation)
    now = timezone.now()
    if case.status == "agreed":
        # Stored text is data, kept in Chinese whatever the mediator's language.
        event.mediation_result = f"调解达成协议（{case.number}）。"
        event.result = event.result or event.mediation_result
        event.handled_at = now
        _transition(
            event,
            to=EventStatus.HANDLED,
            actor=actor,
            action="mediation_agreed",
            fields=["mediation_result", "result", "handled_at"],
            summary={"mediation_case": case.pk, "case_status": case.status},
        )
        event.closed_at = now
        _transition(event, to=EventStatus.CLOSED, actor=actor, action="close", fields=["closed_at"])
        return
    reason = case.failure_reason or case.refusal_reason or ""
    label = "调解不成" if case.status == "failed" else "调解组织不予受理"
    event.mediation_result = f"{label}（{case.number}）{('：' + reason) if reason else ''}"[:MAX_TEXT]
    event.accepted_at = now
    _clock_restart(event, actor, start=timezone.localdate(now), reason="mediation_ended")
    _transition(
        event,
        to=EventStatus.ACCEPTED,
        actor=actor,
        action="mediation_failed",
        fields=["mediation_result", "accepted_at"],
        summary={"mediation_case": case.pk, "case_status": case.status},
    )


def mediation_callback_register() -> None:
    """Register `mediation_result_receive` with the mediation app (called from GridConfig.ready())."""
    try:
        from xinfang.mediation.services import mediation_source_register
    except ImportError:  # the mediation app is not installed (or not built yet)
        return
    callback: Callable[[Any], None] = mediation_result_receive
    mediation_source_register("grid_event", on_result=callback)
