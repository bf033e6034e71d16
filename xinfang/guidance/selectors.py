"""Reads for the public guidance pages.

`guidance_map` builds the guidance map (导引图, A7) — "where does my problem go" — as one
structured tree, from the power list in force today (matter type → competent department at each
level), the classified-handling list (the legal channels with their receiving bodies and time
limits) and the reception points of the area. The web page and the PDF both render this tree and
nothing else, so they cannot drift from the data or from each other.

Everything here is public reference data (the 条例 requires channels, competences and reception
points to be published, XF-CH-01/02), so the reads are not restricted by user."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from functools import cached_property

from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xinfang.core.text import localized_name
from xinfang.orgs.models import AREA_KINDS, Kind, Level, Organisation, ReceptionPoint
from xinfang.petitions.models_handling import HandlingTrack
from xinfang.petitions.states import TrackProcedure
from xinfang.powerlist.models import JurisdictionDecision, MatterType, Power
from xinfang.powerlist.selectors import power_list_on

from .channels import ADVICE, MIN_BODY_NAME, TRACK_FUNCTIONS
from .models import SOURCE_LANGUAGE, Guide

# Successor chains longer than this are a data error (or a cycle); stop following.
MAX_SUCCESSOR_HOPS = 10
# Bodies listed per legal channel at most (nearest first).
MAX_TRACK_PLACES = 4


class LocalisationError(ValueError):
    """The requested place (reception point or organisation) is not one the map can be drawn for:
    `status` 400 for a malformed number, 404 for one that names nothing on our map."""

    def __init__(self, message: str, status: int = 404) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- the tree ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where to go: a department or body, with its contact details when it is one organisation;
    `generic` when it stands for "the office of the same name in each town" (no contact details)."""

    name: str
    short_name: str
    level: str = ""
    role: str = ""
    address: str = ""
    phone: str = ""
    basis: str = ""
    note: str = ""
    generic: bool = False


@dataclass(frozen=True)
class Step:
    """What to do for one kind of problem (a matter type or a legal channel) and where to go."""

    key: str
    title: str
    action: str
    places: tuple[Place, ...]
    receiving_body: str = ""
    time_limit: str = ""
    legal_basis: str = ""


@dataclass(frozen=True)
class Group:
    """A group of problems with the same way forward."""

    key: str
    title: str
    intro: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Point:
    """A reception point (XF-CH-02); `is_here` marks the one the map was printed for."""

    pk: int
    name: str
    organisation: str
    address: str
    hours: str
    phone: str
    is_here: bool = False


@dataclass(frozen=True)
class GuidanceMap:
    """The whole map in one language: problem groups → what to do → where to go, the reception
    points and general notes. Plain values only (strings already in the reader's language)."""

    language: str
    title: str
    area_name: str
    area_pk: int | None
    point_pk: int | None
    on_date: datetime.date
    groups: tuple[Group, ...]
    points: tuple[Point, ...]
    notes: tuple[str, ...]

    @cached_property
    def fingerprint(self) -> str:
        """A hash of everything the map shows: the PDF cache key (same content, same PDF)."""
        text = json.dumps(asdict(self), default=str, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def step_count(self) -> int:
        return sum(len(group.steps) for group in self.groups)


# --- localisation ------------------------------------------------------------------------------


def home_district() -> Organisation | None:
    """The district the public site serves: the first district of our own tree."""
    return Organisation.objects.filter(kind=Kind.DISTRICT, is_external=False, is_active=True).order_by("path").first()


def map_places() -> QuerySet[Organisation]:
    """The places a map can be drawn for (the chooser on the map page): the district, its towns
    and streets."""
    district = home_district()
    if district is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        Q(pk=district.pk) | Q(parent=district, kind__in=[Kind.TOWN, Kind.STREET]), is_active=True
    ).order_by("depth", "sort_order", "path")


def map_localisation(
    *, point_pk: str | None = None, org_pk: str | None = None
) -> tuple[Organisation | None, int | None]:
    """The area and reception point a map is asked for (`?point=` or `?org=`, as typed in the
    address). LocalisationError (translated) for anything else than an active point or area of
    our district."""
    district = home_district()
    if point_pk:
        if not _is_id(point_pk):
            raise LocalisationError(_("接待场所编号无效。"), status=400)
        point = (
            ReceptionPoint.objects.filter(pk=int(point_pk), is_active=True, organisation__is_active=True)
            .select_related("organisation")
            .first()
        )
        if point is None or district is None or not point.organisation.path.startswith(district.path):
            raise LocalisationError(_("未找到该接待场所。"))
        return _area_of(point.organisation), point.pk
    if org_pk:
        if not _is_id(org_pk):
            raise LocalisationError(_("地区编号无效。"), status=400)
        org = Organisation.objects.filter(pk=int(org_pk), is_active=True).first()
        if org is None or district is None or not org.path.startswith(district.path) or org.kind == Kind.GRID:
            raise LocalisationError(_("未找到该地区。"))
        return _area_of(org), None
    return None, None


def _is_id(value: str) -> bool:
    """A database id as typed in an address: ASCII digits, within the range of a big integer."""
    return value.isascii() and value.isdigit() and len(value) <= 18


def _area_of(org: Organisation) -> Organisation:
    """The territorial area an organisation belongs to (a department's government area)."""
    if org.kind in AREA_KINDS:
        return org
    assert org.parent_id is not None  # departments always sit under an area
    return Organisation.objects.get(pk=org.parent_id)


def _area_path(org: Organisation) -> str:
    return org.path if org.kind in AREA_KINDS else org.path[: org.path.rstrip("/").rfind("/") + 1]


# --- building ----------------------------------------------------------------------------------


def _follow_successor(org: Organisation) -> Organisation:
    """XF-JUR-02: an abolished or merged body is replaced by its successor (rare: one query a hop)."""
    current, hops = org, 0
    while not current.is_active and current.successor_id is not None and hops < MAX_SUCCESSOR_HOPS:
        current = Organisation.objects.get(pk=current.successor_id)
        hops += 1
    return current


def _short(org: Organisation) -> str:
    language = (translation.get_language() or SOURCE_LANGUAGE).lower()
    if language.startswith("en") or not org.short_name:
        return org.local_name
    return localized_name(org.short_name)


def _org_place(org: Organisation, *, role: str = "", basis: str = "", note: str = "") -> Place:
    return Place(
        name=org.local_name,
        short_name=_short(org),
        level=str(Level(org.level).label) if org.level else "",
        role=role,
        address=localized_name(org.address),
        phone=org.phone,
        basis=localized_name(basis),
        note=note,
    )


def _suffix(dept: Organisation) -> str:
    """A town department's name without the town's name ("甲镇社会事务办公室" → "社会事务办公室"),
    in the reader's language."""
    parent = dept.parent
    language = (translation.get_language() or SOURCE_LANGUAGE).lower()
    if language.startswith("en") and dept.name_en:
        prefix = f"{parent.name_en} " if parent is not None and parent.name_en else ""
        return dept.name_en[len(prefix) :] if prefix and dept.name_en.startswith(prefix) else dept.name_en
    name = dept.name[len(parent.name) :] if parent is not None and dept.name.startswith(parent.name) else dept.name
    return localized_name(name)


def _generic_place(level: int, departments: list[Organisation], fallback: str, *, role: str = "") -> Place:
    """One place standing for the department of the same kind in every area at `level` ("the
    social affairs office of each town": the district's map cannot list every town's office)."""
    names = sorted({_suffix(d) for d in departments})
    joined = "、".join(names) if names else fallback
    label = _("各镇街的%(name)s") if level == Level.TOWNSHIP else _("各村（社区）的%(name)s")
    text = label % {"name": joined}
    return Place(name=text, short_name=text, level=str(Level(level).label), role=role, generic=True)


def _role(is_lead: bool) -> str:
    return _("牵头") if is_lead else _("协同")


def _period(track: HandlingTrack) -> str:
    if not track.petitioner_period:
        return ""
    n = track.petitioner_period
    unit = track.petitioner_period_unit
    if unit == "working":
        return ngettext("%(n)s个工作日内", "%(n)s个工作日内", n) % {"n": n}
    if unit == "month":
        return ngettext("%(n)s个月内", "%(n)s个月内", n) % {"n": n}
    if unit == "year":
        return ngettext("%(n)s年内", "%(n)s年内", n) % {"n": n}
    return ngettext("%(n)s日内", "%(n)s日内", n) % {"n": n}


class _Context:
    """What one map needs, read once: the chain of areas from the map's area (the district when
    none is given) up, the departments of those areas, and on demand the departments below the
    map's area (every town's, for the district's map)."""

    def __init__(self, area: Organisation | None) -> None:
        base = area if area is not None else home_district()
        self.area = base
        if base is None:
            self.chain: list[Organisation] = []
        else:
            ancestors = Organisation.objects.filter(pk__in=base.ancestor_ids())
            self.chain = sorted([base, *(o for o in ancestors if o.kind in AREA_KINDS)], key=lambda o: -o.depth)
        self.district = next((a for a in self.chain if a.kind == Kind.DISTRICT), None)
        self.by_level = {a.level: a for a in self.chain}
        self.departments: dict[int, list[Organisation]] = defaultdict(list)
        if self.chain:
            for dept in Organisation.objects.filter(
                parent_id__in=[a.pk for a in self.chain], kind=Kind.DEPARTMENT
            ).order_by("sort_order", "pk"):
                self.departments[dept.parent_id].append(dept)  # type: ignore[index]
        self._generic: dict[int, list[Organisation]] | None = None

    @property
    def local_chain(self) -> list[Organisation]:
        """The areas from the map's area up to the district (the bodies a visitor can reach)."""
        return [a for a in self.chain if a.level >= Level.DISTRICT]

    def below(self, level: int) -> bool:
        """True when `level` is below the map's area (a town's office on the district's map)."""
        return self.area is not None and self.district is not None and level > self.area.level

    def generic(self, level: int) -> list[Organisation]:
        """The active departments at `level` below the map's area (one query for all levels)."""
        if self._generic is None:
            self._generic = defaultdict(list)
            if self.district is not None:
                for dept in (
                    Organisation.objects.filter(
                        kind=Kind.DEPARTMENT,
                        is_active=True,
                        path__startswith=self.area.path if self.area is not None else self.district.path,
                        level__gt=self.area.level if self.area is not None else Level.DISTRICT,
                    )
                    .select_related("parent")
                    .order_by("path")
                ):
                    self._generic[dept.level].append(dept)
        return self._generic.get(level, [])


def _power_places(power: Power, ctx: _Context) -> list[Place]:
    """The places one power-list entry names for the map's area."""
    role = _role(power.is_lead)
    if power.organisation is not None:
        named = power.organisation
        here = ctx.area.path if ctx.area is not None else ""
        reach = _area_path(named)
        if here and not (here.startswith(reach) or reach.startswith(here)):
            return []  # another town's office: not on this town's map
        target = _follow_successor(named)
        note = _("原%(old)s已撤并") % {"old": named.local_name} if target.pk != named.pk else ""
        return [_org_place(target, role=role, basis=power.legal_basis, note=note)]
    area = ctx.by_level.get(power.level)
    if area is not None:
        found = [
            d
            for d in ctx.departments.get(area.pk, [])
            if d.function == power.function and power.department_keyword in d.name
        ]
        active = [d for d in found if d.is_active]
        targets = [_follow_successor(d) for d in (active or found)]
        if targets:
            return [_org_place(t, role=role, basis=power.legal_basis) for t in targets]
        return [Place(name=power.competent_label, short_name=power.competent_label, role=role, generic=True)]
    if ctx.below(power.level):
        same = [
            d for d in ctx.generic(power.level) if d.function == power.function and power.department_keyword in d.name
        ]
        place = _generic_place(power.level, same, power.competent_label, role=role)
        return [replace(place, basis=localized_name(power.legal_basis))]
    return [Place(name=power.competent_label, short_name=power.competent_label, role=role, generic=True)]


def _decisions(ctx: _Context, on_date: datetime.date) -> dict[int, JurisdictionDecision]:
    """Per matter type, the decision of the joint conference or common superior in force for the
    map's area (the nearest area's, the latest among equals; XF-JUR-01)."""
    if not ctx.chain:
        return {}
    chosen: dict[int, JurisdictionDecision] = {}
    for decision in (
        JurisdictionDecision.objects.filter(area__in=ctx.chain, decided_on__lte=on_date)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on_date))
        .select_related("area", "competent")
    ):
        kept = chosen.get(decision.matter_type_id)
        key = (decision.area.depth, decision.decided_on, decision.pk)
        if kept is None or key > (kept.area.depth, kept.decided_on, kept.pk):
            chosen[decision.matter_type_id] = decision
    return chosen


def _matter_steps(ctx: _Context, on_date: datetime.date) -> list[Step]:
    """One step per active matter type: its competent departments, lead before co-competent, the
    nearest level first (属地管理、分级负责)."""
    powers: dict[int, list[Power]] = defaultdict(list)
    for power in power_list_on(on_date=on_date):
        powers[power.matter_type_id].append(power)
    decisions = _decisions(ctx, on_date)
    steps = []
    for matter_type in MatterType.objects.filter(is_active=True).order_by("sort_order", "code"):
        places: list[Place] = []
        decision = decisions.get(matter_type.pk)
        if decision is not None:
            target = _follow_successor(decision.competent)
            note = _("按管辖争议决定（%(ref)s）") % {"ref": decision.decision_ref}
            places.append(_org_place(target, role=_role(True), note=note))
        else:
            ordered = sorted(powers.get(matter_type.pk, []), key=lambda p: (not p.is_lead, -p.level, p.pk))
            seen: set[str] = set()
            for power in ordered:
                for place in _power_places(power, ctx):
                    if place.name not in seen:
                        seen.add(place.name)
                        places.append(place)
        steps.append(
            Step(
                key=matter_type.code,
                title=matter_type.local_name,
                action="",
                places=tuple(places),
                receiving_body="" if places else _("由信访部门受理后转送有权处理的机关"),
            )
        )
    return steps


def _track_places(track: HandlingTrack, ctx: _Context) -> list[Place]:
    """The bodies that receive a legal channel in the map's area (town first, then district), by
    function or by the receiving-body name; on the district's map also "the X of each town"."""
    functions = set(TRACK_FUNCTIONS.get(track.code, ()))
    hint = track.receiving_body_hint.strip()

    def matches(dept: Organisation) -> bool:
        return dept.is_active and (dept.function in functions or (len(hint) >= MIN_BODY_NAME and hint in dept.name))

    places = []
    for area in ctx.local_chain:
        places += [_org_place(d) for d in ctx.departments.get(area.pk, []) if matches(d)]
    if ctx.area is not None and ctx.area.kind == Kind.DISTRICT:
        same = [d for d in ctx.generic(Level.TOWNSHIP) if matches(d)]
        if same:
            places.append(_generic_place(Level.TOWNSHIP, same, ""))
    return places[:MAX_TRACK_PLACES]


def _advice(track: HandlingTrack) -> str:
    """The administrator's own text for petitioners when there is one (Chinese data, shown in the
    reader's script); the built-in plain words otherwise; English readers get the built-in text."""
    language = (translation.get_language() or SOURCE_LANGUAGE).lower()
    built_in = ADVICE.get(track.code)
    if track.guidance.strip() and not (language.startswith("en") and built_in is not None):
        return localized_name(track.guidance.strip())
    return str(built_in) if built_in is not None else ""


def _track_step(track: HandlingTrack, ctx: _Context) -> Step:
    return Step(
        key=track.code,
        title=track.local_name,
        action=_advice(track),
        places=tuple(_track_places(track, ctx)),
        receiving_body=localized_name(track.receiving_body_hint, track.receiving_body_hint_en),
        time_limit=_period(track),
        legal_basis=localized_name(track.legal_basis, track.legal_basis_en),
    )


def _points(ctx: _Context, point_pk: int | None) -> list[Point]:
    """The reception points for the map: the district's own, and the town's (with its villages')
    on a town's map, or every town's on the district's map. The one the map is printed for first."""
    if ctx.district is None:
        return []
    qs = ReceptionPoint.objects.filter(
        is_active=True, organisation__is_active=True, organisation__path__startswith=ctx.district.path
    ).select_related("organisation")
    town = next((a for a in ctx.chain if a.level == Level.TOWNSHIP), None)
    if town is None:
        qs = qs.filter(organisation__level__lte=Level.TOWNSHIP)
    else:
        qs = qs.filter(Q(organisation__level__lte=Level.DISTRICT) | Q(organisation__path__startswith=town.path))
    points = sorted(qs, key=lambda p: (p.pk != point_pk, p.organisation.path, p.name, p.pk))
    return [
        Point(
            pk=p.pk,
            name=p.local_name,
            organisation=p.organisation.local_name,
            address=p.local_address,
            hours=p.local_hours,
            phone=p.phone,
            is_here=p.pk == point_pk,
        )
        for p in points
    ]


def _groups(matter_steps: list[Step], tracks: Iterable[HandlingTrack], ctx: _Context) -> tuple[Group, ...]:
    by_procedure: dict[str, list[Step]] = defaultdict(list)
    for track in tracks:
        by_procedure[track.procedure].append(_track_step(track, ctx))
    groups = [
        Group(
            key="department",
            title=_("行政管理和公共服务问题：找主管部门"),
            intro=_(
                "可以直接向下列主管部门反映，也可以到接待场所或者网上提出信访。"
                "信访部门收到后15日内转送有权处理的机关，并告诉您。"
            ),
            steps=tuple(matter_steps),
        ),
        Group(
            key="legal",
            title=_("纠纷和权利主张：走法定途径"),
            intro=_(
                "依法应当通过诉讼、仲裁、行政复议等途径解决的，请向下列机关提出。信访不停止这些期限的计算，请在期限内提出。"
            ),
            steps=tuple(by_procedure.get(TrackProcedure.STATUTORY, [])),
        ),
        Group(
            key="report",
            title=_("检举控告：找纪检监察机关"),
            intro=_("检举控告依法保密，不会透露给被反映人。"),
            steps=tuple(by_procedure.get(TrackProcedure.DISCIPLINE, [])),
        ),
        Group(
            key="petition",
            title=_("其他诉求、意见和建议：提出信访"),
            intro=_("写信、走访或者网上提出，记下事项编号和查询码，可以随时查询办理进度。"),
            steps=tuple(by_procedure.get(TrackProcedure.PETITION, []) + by_procedure.get(TrackProcedure.REPLY, [])),
        ),
    ]
    return tuple(g for g in groups if g.steps)


def guidance_map(
    *,
    organisation: Organisation | None = None,
    language: str,
    point_pk: int | None = None,
    on_date: datetime.date | None = None,
) -> GuidanceMap:
    """The guidance map of `organisation`'s area (a town, or the district when None) in
    `language`, from the power list in force on `on_date` (today), the active handling tracks
    and the active reception points. `point_pk` marks the reception point it is printed for."""
    on_date = on_date or timezone.localdate()
    with translation.override(language):
        ctx = _Context(_area_of(organisation) if organisation is not None else None)
        matter_steps = _matter_steps(ctx, on_date)
        tracks = HandlingTrack.objects.filter(is_active=True).order_by("sort_order", "code")
        groups = _groups(matter_steps, tracks, ctx)
        area_name = ctx.area.local_name if ctx.area is not None else ""
        notes = (
            _("紧急情况请拨打110（报警）、119（火警）、120（急救）。"),
            _("本图根据%(date)s施行的权责清单和依法分类处理清单自动生成。") % {"date": on_date.isoformat()},
        )
        return GuidanceMap(
            language=language,
            title=_("我的问题找谁办：信访和矛盾纠纷化解导引图"),
            area_name=area_name,
            area_pk=ctx.area.pk if ctx.area is not None else None,
            point_pk=point_pk,
            on_date=on_date,
            groups=groups,
            points=tuple(_points(ctx, point_pk)),
            notes=notes,
        )


# --- guides --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuideText:
    """A guide as one reader sees it: in their language, or in simplified Chinese (`fallback`)."""

    slug: str
    title: str
    summary: str
    body: str
    fallback: bool
    version: int
    updated_at: datetime.datetime


def _guide_text(guide: Guide, language: str) -> GuideText:
    title, body = guide.text("title", language), guide.text("body", language)
    fallback = not (title and body)
    if fallback:
        title, body = guide.text("title", SOURCE_LANGUAGE), guide.text("body", SOURCE_LANGUAGE)
    summary = guide.text("summary", SOURCE_LANGUAGE if fallback else language)
    return GuideText(guide.slug, title, summary, body, fallback, guide.version, guide.updated_at)


def guide_list(*, language: str) -> list[GuideText]:
    """The published guides in `language` (one query)."""
    return [_guide_text(guide, language) for guide in Guide.objects.published().order_by("sort_order", "slug")]


def guide_detail(*, slug: str, language: str) -> GuideText:
    """One published guide in `language`; Guide.DoesNotExist when there is none (or unpublished)."""
    return _guide_text(Guide.objects.published().get(slug=slug), language)
