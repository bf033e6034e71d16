"""Routing by the power list: which organisation is competent for a matter type arising in an area,
and which matter types a text may be about.

`powerlist_propose` is a computation the triage step shows to the clerk (who decides); it reads
the whole power list and every decision, whatever the clerk may browse, because routing must
follow a decision even when the deciding body is outside the clerk's view."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache

import opencc
from django.db.models import Q
from django.utils.translation import gettext as _

from xinfang.orgs.models import AREA_KINDS, Function, Kind, Level, Organisation

from .models import DecidedAs, JurisdictionDecision, MatterType, Power

# Successor chains longer than this are a data error (or a cycle); stop following.
MAX_SUCCESSOR_HOPS = 10


@dataclass(frozen=True)
class Proposal:
    """One competent organisation proposed for a matter, with why.

    `is_lead`: lead (主管/牵头) or co-competent (协同). `disputed`: several lead entries compete,
    so the clerk is told to seek a decision of the common superior or the joint conference
    (XF-JUR-01). `power` or `decision` is the source; `successor_of` is the organisation named by
    the source when it has been merged or abolished and its successor is proposed (XF-JUR-02)."""

    organisation: Organisation
    is_lead: bool
    legal_basis: str
    reason: str
    level: int
    power: Power | None = None
    decision: JurisdictionDecision | None = None
    successor_of: Organisation | None = None
    disputed: bool = False

    @property
    def source(self) -> str:
        return "decision" if self.decision is not None else "power_list"


@dataclass(frozen=True)
class Suggestion:
    """A matter type a text may be about, with the keywords that matched (higher score first)."""

    matter_type: MatterType
    score: int
    matched: tuple[str, ...]


# --- helpers ---------------------------------------------------------------------------------


def _area_chain(area: Organisation) -> list[Organisation]:
    """The territorial areas from the matter's area up to the root, nearest first (one query). A
    grid's area is its village or community; a department's, the area it belongs to."""
    ids = [*area.ancestor_ids(), area.pk]
    nodes = sorted(Organisation.objects.filter(pk__in=ids), key=lambda o: o.depth, reverse=True)
    return [o for o in nodes if o.kind in AREA_KINDS]


def _parent_path(org: Organisation) -> str:
    return org.path[: org.path.rstrip("/").rfind("/") + 1]


def _area_path(org: Organisation) -> str:
    return org.path if org.kind in AREA_KINDS else _parent_path(org)


def _follow_successor(org: Organisation) -> tuple[Organisation, str]:
    """XF-JUR-02: an organisation that has been split, merged or abolished is replaced by its
    successor (followed along the chain). Returns the organisation to propose and how it was
    found: "" (itself), "successor", or "government" — abolished without a successor, so the
    matter's responsibilities are unclear and the same-level government accepts it."""
    current, hops = org, 0
    while not current.is_active and current.successor_id is not None and hops < MAX_SUCCESSOR_HOPS:
        current = Organisation.objects.get(pk=current.successor_id)
        hops += 1
    if current.is_active:
        return current, ("successor" if hops else "")
    parent_id = current.parent_id if current.kind == Kind.DEPARTMENT else current.pk
    government = (
        Organisation.objects.filter(parent_id=parent_id, function=Function.GOVERNMENT, is_active=True)
        .order_by("sort_order", "pk")
        .first()
    )
    if government is None and parent_id is not None:
        government = Organisation.objects.filter(pk=parent_id, is_active=True).first()
    return (government, "government") if government is not None else (current, "")


def _with_successor_note(reason: str, named: Organisation, how: str) -> str:
    if how == "successor":
        return reason + _("；原主管机关%(old)s已撤并，由承继机关受理（《信访工作条例》第二十四条第二款）") % {
            "old": named.local_name
        }
    if how == "government":
        return reason + _(
            "；原主管机关%(old)s已撤销且无承继机关，职责不清，由本级党委政府受理（《信访工作条例》第二十四条第二款）"
        ) % {"old": named.local_name}
    return reason


# --- proposal --------------------------------------------------------------------------------


def _decision_proposal(
    decisions: list[JurisdictionDecision], matter_type: MatterType, level: int | None
) -> Proposal | None:
    """The decision for the nearest area wins (a town's own decision before the district's); the
    latest decision among equals."""
    candidates: list[tuple[JurisdictionDecision, Organisation, str]] = []
    for decision in decisions:
        competent, how = _follow_successor(decision.competent)
        if level is not None and competent.level != level:
            continue
        candidates.append((decision, competent, how))
    if not candidates:
        return None
    decision, competent, how = max(candidates, key=lambda c: (c[0].area.depth, c[0].decided_on, c[0].pk))
    capacity = DecidedAs(decision.decided_as).label if decision.decided_as else ""
    reason = _(
        "按管辖争议决定（%(ref)s，%(body)s作为%(capacity)s于%(date)s作出）：%(matter)s在%(area)s由%(org)s受理"
    ) % {
        "ref": decision.decision_ref,
        "body": decision.decided_by.local_name,
        "capacity": capacity,
        "date": decision.decided_on.isoformat(),
        "matter": matter_type.local_name,
        "area": decision.area.local_name,
        "org": competent.local_name,
    }
    return Proposal(
        organisation=competent,
        is_lead=True,
        legal_basis=_("《信访工作条例》第二十四条第一款；%(ref)s") % {"ref": decision.decision_ref},
        reason=_with_successor_note(reason, decision.competent, how),
        level=competent.level,
        decision=decision,
        successor_of=decision.competent if how else None,
    )


def _power_reason(power: Power, matter_type: MatterType, org: Organisation, area: Organisation | None) -> str:
    values = {
        "date": power.valid_from.isoformat(),
        "matter": matter_type.local_name,
        "org": org.local_name,
        "basis": power.legal_basis,
    }
    if power.is_lead:
        reason = _("按权责清单（%(date)s起施行）：%(matter)s属%(org)s主管，依据%(basis)s") % values
    else:
        reason = _("按权责清单（%(date)s起施行）：%(matter)s由%(org)s协同办理，依据%(basis)s") % values
    if area is not None and power.level >= Level.TOWNSHIP:
        reason += _("（属地管理、分级负责：事项发生在%(area)s）") % {"area": area.local_name}
    return reason


def _resolve_power(
    power: Power,
    matter_type: MatterType,
    chain: list[Organisation],
    departments: dict[int, list[Organisation]],
) -> list[Proposal]:
    """The organisations one entry names for a matter arising in chain[0]."""
    named: list[tuple[Organisation, Organisation | None]] = []  # (organisation named, area it was found in)
    if power.organisation is not None:
        # A named organisation is competent where its own area reaches (the district's bureau for
        # the whole district; a town's office for that town only).
        if not chain or not chain[0].path.startswith(_area_path(power.organisation)):
            return []
        named.append((power.organisation, None))
    else:
        # 属地管理、分级负责 (XF-TRI-01(b)): the department with this function in the government of
        # the area at the entry's level that contains the matter's place.
        area = next((a for a in chain if a.level == power.level), None)
        if area is None:
            return []
        found = [
            d
            for d in departments.get(area.pk, [])
            if d.function == power.function and power.department_keyword in d.name
        ]
        active = [d for d in found if d.is_active]
        named.extend((d, area) for d in (active or found))
    proposals = []
    for org, area in named:
        target, how = _follow_successor(org)
        proposals.append(
            Proposal(
                organisation=target,
                is_lead=power.is_lead,
                legal_basis=power.legal_basis,
                reason=_with_successor_note(_power_reason(power, matter_type, target, area), org, how),
                level=power.level,
                power=power,
                successor_of=org if how else None,
            )
        )
    return proposals


def _finish(proposals: list[Proposal]) -> list[Proposal]:
    """One proposal per organisation (lead wins over co-competent), leads first; several distinct
    lead organisations are a dispute over competence (XF-JUR-01)."""
    by_org: dict[int, Proposal] = {}
    for proposal in proposals:
        kept = by_org.get(proposal.organisation.pk)
        if kept is None or (proposal.is_lead and not kept.is_lead):
            by_org[proposal.organisation.pk] = proposal
    result = sorted(by_org.values(), key=lambda p: not p.is_lead)
    leads = [p for p in result if p.is_lead]
    if len(leads) > 1:
        note = _(
            "；另有其他部门同列为牵头主管，存在管辖争议，请提请共同上级机关或信访工作联席会议决定"
            "（《信访工作条例》第二十四条第一款）"
        )
        result = [replace(p, disputed=True, reason=p.reason + note) if p.is_lead else p for p in result]
    return result


def powerlist_propose(
    *, matter_type: MatterType, area: Organisation, on_date: datetime.date, level: int | None = None
) -> list[Proposal]:
    """Who is competent for `matter_type` arising in `area` (village, grid, town, district …) on
    `on_date`, by the power list and the recorded decisions, each with its legal basis and a
    readable reason. Without `level`, the lowest level (nearest the place) whose entries name a
    lead organisation answers (属地管理、分级负责); with `level`, only that level.

    Order of resolution: (1) a jurisdiction decision in force for the matter type covering the area
    wins (XF-JUR-01); (2) else the entries in force at the level, each resolved in the area —
    function entries to that area's department, named organisations if their area covers the
    place — following successors of merged or abolished bodies (XF-JUR-02). Several lead
    organisations at once are returned together, each flagged `disputed`. An empty list means the
    power list has nothing for this matter type here: the clerk decides."""
    chain = _area_chain(area)
    if not chain:
        return []
    decisions = list(
        JurisdictionDecision.objects.filter(matter_type=matter_type, area__in=chain, decided_on__lte=on_date)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on_date))
        .select_related("area", "competent", "decided_by")
    )
    if decisions:
        proposal = _decision_proposal(decisions, matter_type, level)
        if proposal is not None:
            return [proposal]

    powers = list(Power.objects.in_force(on_date).filter(matter_type=matter_type).select_related("organisation"))
    if level is not None:
        powers = [p for p in powers if p.level == level]
    if not powers:
        return []
    functions = {p.function for p in powers if p.function}
    departments: dict[int, list[Organisation]] = defaultdict(list)
    if functions:
        for dept in Organisation.objects.filter(
            parent__in=chain, kind=Kind.DEPARTMENT, function__in=functions
        ).order_by("sort_order", "pk"):
            departments[dept.parent_id].append(dept)  # type: ignore[index]

    fallback: list[Proposal] = []
    for candidate_level in [level] if level is not None else [a.level for a in chain]:
        found: list[Proposal] = []
        for power in powers:
            if power.level == candidate_level:
                found.extend(_resolve_power(power, matter_type, chain, departments))
        if level is not None or any(p.is_lead for p in found):
            return _finish(found)
        fallback = fallback or found
    return _finish(fallback)


# --- suggestion ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def matter_type_suggest(*, text: str, limit: int = 5) -> list[Suggestion]:
    """Matter types the text may be about, by keyword: each keyword found scores its length (a
    longer keyword is more specific), the type's own name found scores double. Traditional
    script is read as simplified. A simple, correct baseline; the text-intelligence issue
    replaces the scoring, not this signature."""
    text = str(_t2s().convert(text or "")).lower()
    if not text.strip():
        return []
    suggestions = []
    for matter_type in MatterType.objects.filter(is_active=True):
        matched = tuple(k for k in matter_type.keyword_list() if k.lower() in text)
        score = sum(len(k) for k in matched)
        if matter_type.name and matter_type.name.lower() in text:
            score += 2 * len(matter_type.name)
        if score:
            suggestions.append(Suggestion(matter_type=matter_type, score=score, matched=matched))
    suggestions.sort(key=lambda s: (-s.score, s.matter_type.sort_order, s.matter_type.code))
    return suggestions[:limit]
