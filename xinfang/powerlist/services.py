"""Writes to the power list. Each service checks the policy, validates, writes and records its
audit event in one transaction; nothing is half-written.

Versioning: an entry that has taken effect is never overwritten. `power_revise` closes it on the
revision date and opens a new version from that date; `power_end` closes it. Neither reaches back
before today, so the list as it stood on any past day (and the routings made on it) stays
reproducible. Adding an entry with a past `valid_from` is allowed: it records a list that was
already in force (the overlap check keeps it from contradicting what was recorded)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.audit.services import audit_record
from xinfang.orgs.models import Function, Kind, Level, Organisation

from .models import DecidedAs, JurisdictionDecision, MatterType, Power
from .policies import POWERLIST_MANAGE

# Fields an administrator may change with matter_type_update (the code is the stable key).
MATTER_TYPE_FIELDS = frozenset({"name", "name_en", "description", "keywords", "is_active", "sort_order"})

# Fields a revision of a power-list entry may change (the matter type and dates are not: a
# different matter type is a different entry, and dates move through power_revise / power_end).
POWER_FIELDS = frozenset({"level", "organisation", "function", "department_keyword", "is_lead", "legal_basis"})

# Levels an entry may sit at: a grid is not a body with powers.
POWER_LEVELS = frozenset(
    {Level.PROVINCE, Level.CITY, Level.DISTRICT, Level.TOWNSHIP, Level.VILLAGE},
)

# Bodies that may decide a dispute on behalf of the joint conference (XF-JUR-01): the same-level
# Party committee, government, or the petition bureau that hosts the conference's office.
JOINT_CONFERENCE_FUNCTIONS = frozenset({Function.GOVERNMENT, Function.PARTY_COMMITTEE, Function.PETITION_BUREAU})

AREA_KIND_VALUES = frozenset(
    {Kind.PROVINCE, Kind.CITY, Kind.DISTRICT, Kind.TOWN, Kind.STREET, Kind.VILLAGE, Kind.COMMUNITY}
)


def _today() -> datetime.date:
    return timezone.localdate()


def _plain(value: Any) -> Any:
    """Audit summaries hold plain values: ids for related objects."""
    return getattr(value, "pk", value)


def _area_path(org: Organisation) -> str:
    """The path of the territorial area an organisation belongs to: itself for an area, its parent
    for a department (departments sit directly under an area) or a grid."""
    if org.kind in AREA_KIND_VALUES:
        return org.path
    return org.path[: org.path.rstrip("/").rfind("/") + 1]


# --- matter types ---------------------------------------------------------------------------


@transaction.atomic
def matter_type_create(
    *,
    actor: Any,
    code: str,
    name: str,
    name_en: str = "",
    description: str = "",
    keywords: str = "",
    sort_order: int = 0,
    is_active: bool = True,
) -> MatterType:
    """Create a matter type of the power list (the routing key of matters)."""
    require(actor, POWERLIST_MANAGE)
    matter_type = MatterType(
        code=code.strip(),
        name=name.strip(),
        name_en=name_en.strip(),
        description=description.strip(),
        keywords=" ".join(keywords.split()),
        sort_order=sort_order,
        is_active=is_active,
    )
    matter_type.full_clean()
    matter_type.save()
    audit_record(
        actor=actor,
        action="powerlist.matter_type.create",
        target=matter_type,
        summary={"after": {"code": matter_type.code, "name": matter_type.name, "is_active": is_active}},
    )
    return matter_type


@transaction.atomic
def matter_type_update(*, actor: Any, matter_type: MatterType, **changes: Any) -> MatterType:
    """Change a matter type's descriptive fields (name, keywords, active …) in place; matters keep
    pointing at it. Records before/after of what changed."""
    require(actor, POWERLIST_MANAGE)
    unknown = set(changes) - MATTER_TYPE_FIELDS
    if unknown:
        raise ValidationError(_("不能修改以下字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}, code="field")
    if "keywords" in changes:
        changes["keywords"] = " ".join(str(changes["keywords"]).split())
    matter_type = MatterType.objects.select_for_update().get(pk=matter_type.pk)
    before = {k: getattr(matter_type, k) for k in changes}
    for key, value in changes.items():
        setattr(matter_type, key, value)
    matter_type.full_clean()
    changed = {k for k in changes if before[k] != getattr(matter_type, k)}
    if not changed:
        return matter_type
    matter_type.save()
    audit_record(
        actor=actor,
        action="powerlist.matter_type.update",
        target=matter_type,
        summary={
            "before": {k: before[k] for k in sorted(changed)},
            "after": {k: getattr(matter_type, k) for k in sorted(changed)},
        },
    )
    return matter_type


# --- power-list entries ---------------------------------------------------------------------


def _overlapping(
    *,
    matter_type: MatterType,
    level: int,
    organisation: Organisation | None,
    function: str,
    department_keyword: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    exclude_pk: int | None,
) -> Power | None:
    """A recorded version of the same entry (matter type, level, organisation or function and
    keyword) whose dates overlap [valid_from, valid_to). Versions never in force are ignored."""
    same = Power.objects.filter(matter_type=matter_type, level=level)
    if organisation is not None:
        same = same.filter(organisation=organisation)
    else:
        same = same.filter(organisation__isnull=True, function=function, department_keyword=department_keyword)
    same = same.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from)).exclude(valid_to=F("valid_from"))
    if valid_to is not None:
        same = same.filter(valid_from__lt=valid_to)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    return same.order_by("valid_from").first()


def power_validate(
    *,
    matter_type: MatterType | None,
    level: int | None,
    organisation: Organisation | None,
    function: str,
    department_keyword: str,
    legal_basis: str,
    valid_from: datetime.date | None,
    valid_to: datetime.date | None = None,
    exclude_pk: int | None = None,
) -> None:
    """Check one candidate entry; ValidationError with a translated message per field. Used by the
    services (under a lock on the matter type) and by the admin form (so the clerk sees the same
    messages next to the fields)."""
    errors: dict[str, str] = {}
    if not legal_basis.strip():
        errors["legal_basis"] = _("请填写法定依据（法律、法规名称及条款）。")
    if level is None or level not in POWER_LEVELS:
        errors["level"] = _("层级无效：权责事项只能设在省、市、区县、镇街或村居一级。")
    if organisation is None and not function:
        errors["organisation"] = _("请指定主管机构或主管职能（二者选其一）。")
    elif organisation is not None and function:
        errors["function"] = _(
            "不能同时指定主管机构和主管职能：指定机构即由该机构主管；指定职能则按事项发生地查找该职能部门。"
        )
    if function and function not in Function.values:
        errors["function"] = _("未知的职能。")
    if department_keyword and organisation is not None:
        errors["department_keyword"] = _("部门名称关键词只用于按职能查找部门。")
    if organisation is not None and "organisation" not in errors:
        if not organisation.is_active:
            errors["organisation"] = _("“%(org)s”已撤销，请改为指定其承继机关。") % {"org": organisation.name}
        elif organisation.kind == Kind.GRID:
            errors["organisation"] = _("网格不能作为主管机构。")
        elif level is not None and "level" not in errors and organisation.level != level:
            errors["organisation"] = _("“%(org)s”属%(org_level)s，与所选层级（%(level)s）不一致。") % {
                "org": organisation.name,
                "org_level": Level(organisation.level).label,
                "level": Level(level).label,
            }
    if function and not errors and level is not None:
        # A function entry must find a department somewhere at that level, or it could never route.
        departments = Organisation.objects.filter(kind=Kind.DEPARTMENT, level=level, function=function, is_active=True)
        if department_keyword:
            departments = departments.filter(name__contains=department_keyword)
        if not departments.exists():
            errors["department_keyword" if department_keyword else "function"] = _(
                "%(level)s没有职能为“%(function)s”%(keyword)s的部门，请检查职能或部门名称关键词。"
            ) % {
                "level": Level(level).label,
                "function": Function(function).label,
                "keyword": _("且名称含“%(kw)s”") % {"kw": department_keyword} if department_keyword else "",
            }
    if valid_from is None:
        errors["valid_from"] = _("请填写生效日期。")
    elif valid_to is not None and valid_to <= valid_from:
        errors["valid_to"] = _("失效日期必须晚于生效日期。")
    if errors:
        raise ValidationError(errors, code="invalid")
    assert matter_type is not None and valid_from is not None and level is not None
    clash = _overlapping(
        matter_type=matter_type,
        level=level,
        organisation=organisation,
        function=function,
        department_keyword=department_keyword,
        valid_from=valid_from,
        valid_to=valid_to,
        exclude_pk=exclude_pk,
    )
    if clash is not None:
        raise ValidationError(
            {
                "valid_from": _(
                    "与已有版本重叠：%(matter)s在%(level)s由%(who)s主管的条目（%(start)s起施行%(end)s）"
                    "在此期间仍有效。请先终止或修订该条目。"
                )
                % {
                    "matter": matter_type.name,
                    "level": Level(level).label,
                    "who": clash.competent_label,
                    "start": clash.valid_from.isoformat(),
                    "end": _("，%(date)s失效") % {"date": clash.valid_to.isoformat()} if clash.valid_to else "",
                }
            },
            code="overlap",
        )


def _power_summary(power: Power) -> dict[str, Any]:
    return {
        "matter_type": power.matter_type.code,
        "level": power.level,
        "organisation": power.organisation_id,
        "function": power.function,
        "department_keyword": power.department_keyword,
        "is_lead": power.is_lead,
        "legal_basis": power.legal_basis,
        "valid_from": power.valid_from,
        "valid_to": power.valid_to,
    }


def _lock(matter_type: MatterType) -> MatterType:
    """Serialise writes to one matter type's entries, so two overlapping versions cannot both pass
    the overlap check."""
    return MatterType.objects.select_for_update().get(pk=matter_type.pk)


@transaction.atomic
def power_add(
    *,
    actor: Any,
    matter_type: MatterType,
    level: int,
    legal_basis: str,
    valid_from: datetime.date,
    organisation: Organisation | None = None,
    function: str = "",
    department_keyword: str = "",
    is_lead: bool = True,
    valid_to: datetime.date | None = None,
) -> Power:
    """Add an entry to the power list: `matter_type` at `level` is the business of `organisation`,
    or of the department with `function` (and `department_keyword` in its name) in the matter's
    area (属地管理、分级负责, XF-TRI-01(b)); lead or co-competent; on `legal_basis`, in force from
    `valid_from` (until `valid_to`, exclusive)."""
    require(actor, POWERLIST_MANAGE)
    matter_type = _lock(matter_type)
    legal_basis = legal_basis.strip()
    department_keyword = department_keyword.strip()
    power_validate(
        matter_type=matter_type,
        level=level,
        organisation=organisation,
        function=function,
        department_keyword=department_keyword,
        legal_basis=legal_basis,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    power = Power(
        matter_type=matter_type,
        level=level,
        organisation=organisation,
        function=function,
        department_keyword=department_keyword,
        is_lead=is_lead,
        legal_basis=legal_basis,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    power.full_clean()
    power.save()
    audit_record(
        actor=actor,
        action="powerlist.power.add",
        target=power,
        org_id=power.organisation_id,
        summary={"after": _power_summary(power)},
    )
    return power


def _check_not_backdated(on_date: datetime.date, field: str) -> None:
    if on_date < _today():
        raise ValidationError(
            {field: _("日期不能早于今天：已施行的权责清单不能追溯修改，以便重现任何一天的清单。")},
            code="backdated",
        )


@transaction.atomic
def power_end(*, actor: Any, power: Power, on_date: datetime.date) -> Power:
    """End an entry: from `on_date` on it no longer applies (history is kept). `on_date` may not be
    before today, nor before the entry took effect; an entry already ending earlier is refused."""
    require(actor, POWERLIST_MANAGE)
    _lock(power.matter_type)
    power = Power.objects.select_related("matter_type").get(pk=power.pk)
    _check_not_backdated(on_date, "valid_to")
    if on_date < power.valid_from:
        raise ValidationError({"valid_to": _("失效日期不能早于生效日期。")}, code="before_start")
    if power.valid_to is not None and power.valid_to <= on_date:
        raise ValidationError(
            {"valid_to": _("该条目已于%(date)s失效。") % {"date": power.valid_to.isoformat()}}, code="ended"
        )
    before = power.valid_to
    power.valid_to = on_date
    power.save(update_fields=["valid_to"])
    audit_record(
        actor=actor,
        action="powerlist.power.end",
        target=power,
        org_id=power.organisation_id,
        summary={"before": {"valid_to": before}, "after": {"valid_to": on_date}},
    )
    return power


@transaction.atomic
def power_revise(*, actor: Any, power: Power, on_date: datetime.date | None = None, **changes: Any) -> Power:
    """Change an entry from `on_date` (default today). An entry that has taken effect is not
    overwritten: this version ends on `on_date` and a new version (linked by `previous`) starts
    that day. An entry not yet in force, revised before it starts, is corrected in place.
    Returns the version in force from `on_date`."""
    require(actor, POWERLIST_MANAGE)
    unknown = set(changes) - POWER_FIELDS
    if unknown:
        raise ValidationError(_("不能修改以下字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}, code="field")
    on_date = on_date or _today()
    matter_type = _lock(power.matter_type)
    power = Power.objects.select_related("matter_type", "organisation").get(pk=power.pk)
    _check_not_backdated(on_date, "valid_from")
    if power.valid_to is not None and power.valid_to <= on_date:
        raise ValidationError(
            {
                "valid_from": _("该条目已于%(date)s失效，不能再修订；请新增条目。")
                % {"date": power.valid_to.isoformat()}
            },
            code="ended",
        )
    if "legal_basis" in changes:
        changes["legal_basis"] = str(changes["legal_basis"]).strip()
    if "department_keyword" in changes:
        changes["department_keyword"] = str(changes["department_keyword"]).strip()
    before = {k: _plain(getattr(power, k)) for k in changes}
    after = {k: _plain(v) for k, v in changes.items()}
    changed = sorted(k for k in changes if before[k] != after[k])
    if not changed:
        return power
    values = {f: getattr(power, f) for f in POWER_FIELDS} | changes
    in_place = power.valid_from > _today() and on_date <= power.valid_from
    power_validate(
        matter_type=matter_type,
        level=values["level"],
        organisation=values["organisation"],
        function=values["function"],
        department_keyword=values["department_keyword"],
        legal_basis=values["legal_basis"],
        valid_from=power.valid_from if in_place else on_date,
        valid_to=power.valid_to,
        exclude_pk=power.pk,
    )
    summary: dict[str, Any] = {"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}}
    if in_place:
        # Not yet in force: nobody can have relied on it, so the planned entry is corrected.
        for key, value in values.items():
            setattr(power, key, value)
        power.full_clean()
        power.save()
        audit_record(
            actor=actor, action="powerlist.power.correct", target=power, org_id=power.organisation_id, summary=summary
        )
        return power
    new = Power(matter_type=matter_type, valid_from=on_date, valid_to=power.valid_to, previous=power, **values)
    new.full_clean()
    power.valid_to = on_date
    power.save(update_fields=["valid_to"])
    new.save()
    summary["before"]["version"] = power.pk
    summary["after"]["version"] = new.pk
    summary["after"]["valid_from"] = on_date
    audit_record(
        actor=actor,
        action="powerlist.power.revise",
        target=new,
        org_id=new.organisation_id,
        summary=summary,
    )
    return new


# --- jurisdiction disputes (XF-JUR-01) -------------------------------------------------------


def jurisdiction_decision_validate(
    *,
    matter_type: MatterType | None,
    area: Organisation | None,
    disputing: Iterable[Organisation],
    competent: Organisation | None,
    decided_by: Organisation | None,
    decision_ref: str,
    reason: str,
    decided_on: datetime.date | None,
) -> str:
    """Check a decision on a dispute over competence and return the capacity the deciding body
    acts in (`DecidedAs`). XF-JUR-01: the common superior decides; where there is none (or it
    leaves it to the conference), the joint conference coordinates. So `decided_by` must be either
    a common ancestor of all disputing organisations in the tree, or the Party committee office,
    the government office or the petition bureau (which hosts the conference's office) of an area
    that is a common ancestor of them all. The deciding body is never a party to the dispute, the
    area lies within its jurisdiction, and the competent organisation's jurisdiction covers the
    area (it may be a third body designated by the decision, XF-JUR-02)."""
    parties = list({o.pk: o for o in disputing}.values())
    errors: dict[str, str] = {}
    if matter_type is None:
        errors["matter_type"] = _("请选择事项类型。")
    if len(parties) < 2:
        errors["disputing"] = _("管辖争议至少涉及两个机关。")
    if not decision_ref.strip():
        errors["decision_ref"] = _("请填写决定文号或会议纪要编号。")
    if not reason.strip():
        errors["reason"] = _("请填写决定理由。")
    if decided_on is None:
        errors["decided_on"] = _("请填写决定日期。")
    elif decided_on > _today():
        errors["decided_on"] = _("决定日期不能晚于今天：请在决定作出后登记。")
    if area is None:
        errors["area"] = _("请选择适用辖区。")
    elif area.kind not in AREA_KIND_VALUES:
        errors["area"] = _("适用辖区必须是区、镇街、村居等行政区域。")
    if competent is None:
        errors["competent"] = _("请选择确定的受理机关。")
    elif not competent.is_active:
        errors["competent"] = _("“%(org)s”已撤销，请指定其承继机关。") % {"org": competent.name}
    decided_as = ""
    if decided_by is None:
        errors["decided_by"] = _("请选择决定机关。")
    elif len(parties) >= 2:
        if decided_by.pk in {o.pk for o in parties}:
            errors["decided_by"] = _("争议一方不能自行决定管辖。")
        else:
            common = set.intersection(*(set(o.ancestor_ids()) for o in parties))
            body_area_path = _area_path(decided_by)
            body_area_id = int(body_area_path.strip("/").rsplit("/", 1)[-1])
            if decided_by.pk in common:
                decided_as = DecidedAs.COMMON_SUPERIOR
            elif decided_by.function in JOINT_CONFERENCE_FUNCTIONS and body_area_id in common:
                decided_as = DecidedAs.JOINT_CONFERENCE
            else:
                errors["decided_by"] = _(
                    "决定机关必须是争议各方的共同上级机关，或代表信访工作联席会议的共同上级辖区的党委、"
                    "政府或信访部门（《信访工作条例》第二十四条第一款）。"
                )
            if area is not None and "area" not in errors and not area.path.startswith(body_area_path):
                errors["area"] = _("适用辖区超出了决定机关的管辖范围。")
    if (
        competent is not None
        and area is not None
        and "area" not in errors
        and "competent" not in errors
        and not area.path.startswith(_area_path(competent))
    ):
        errors["competent"] = _("“%(org)s”对适用辖区没有管辖权。") % {"org": competent.name}
    if errors:
        raise ValidationError(errors, code="invalid")
    return decided_as


@transaction.atomic
def jurisdiction_dispute_decide(
    *,
    actor: Any,
    matter_type: MatterType,
    area: Organisation,
    disputing: Iterable[Organisation],
    competent: Organisation,
    decided_by: Organisation,
    decision_ref: str,
    reason: str,
    decided_on: datetime.date,
) -> JurisdictionDecision:
    """Record how a dispute over competence was settled (XF-JUR-01): for `matter_type` arising in
    `area` (and below), `competent` accepts, as decided by `decided_by` (common superior or the
    joint conference, see `jurisdiction_decision_validate`) on `decided_on`. Routing follows it
    from that day. An earlier decision for the same matter type and area still in force is
    superseded (ends on `decided_on`)."""
    require(actor, POWERLIST_MANAGE)
    matter_type = _lock(matter_type)
    parties = list({o.pk: o for o in disputing}.values())
    decided_as = jurisdiction_decision_validate(
        matter_type=matter_type,
        area=area,
        disputing=parties,
        competent=competent,
        decided_by=decided_by,
        decision_ref=decision_ref,
        reason=reason,
        decided_on=decided_on,
    )
    earlier = list(
        JurisdictionDecision.objects.filter(matter_type=matter_type, area=area).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=decided_on)
        )
    )
    later = [d for d in earlier if d.decided_on > decided_on]
    if later:
        raise ValidationError(
            {"decided_on": _("该辖区已登记了更晚作出的决定（%(ref)s）。") % {"ref": later[0].decision_ref}},
            code="later_decision",
        )
    for old in earlier:
        old.valid_to = decided_on
        old.save(update_fields=["valid_to"])
    decision = JurisdictionDecision(
        matter_type=matter_type,
        area=area,
        competent=competent,
        decided_by=decided_by,
        decided_as=decided_as,
        decision_ref=decision_ref.strip(),
        reason=reason.strip(),
        decided_on=decided_on,
    )
    decision.full_clean()
    decision.save()
    decision.disputing.set(parties)
    audit_record(
        actor=actor,
        action="powerlist.jurisdiction.decide",
        target=decision,
        org_id=decided_by.pk,
        summary={
            "after": {
                "matter_type": matter_type.code,
                "area": area.pk,
                "disputing": sorted(o.pk for o in parties),
                "competent": competent.pk,
                "decided_by": decided_by.pk,
                "decided_as": decided_as,
                "decision_ref": decision.decision_ref,
                "decided_on": decided_on,
                "supersedes": sorted(d.pk for d in earlier),
            }
        },
    )
    return decision


@transaction.atomic
def jurisdiction_decision_end(
    *, actor: Any, decision: JurisdictionDecision, on_date: datetime.date
) -> JurisdictionDecision:
    """Stop applying a decision from `on_date` (not before today; history is kept)."""
    require(actor, POWERLIST_MANAGE)
    _lock(decision.matter_type)
    decision = JurisdictionDecision.objects.get(pk=decision.pk)
    _check_not_backdated(on_date, "valid_to")
    if on_date < decision.decided_on:
        raise ValidationError({"valid_to": _("失效日期不能早于决定日期。")}, code="before_start")
    if decision.valid_to is not None and decision.valid_to <= on_date:
        raise ValidationError(
            {"valid_to": _("该决定已于%(date)s失效。") % {"date": decision.valid_to.isoformat()}}, code="ended"
        )
    before = decision.valid_to
    decision.valid_to = on_date
    decision.save(update_fields=["valid_to"])
    audit_record(
        actor=actor,
        action="powerlist.jurisdiction.end",
        target=decision,
        org_id=decision.decided_by_id,
        summary={"before": {"valid_to": before}, "after": {"valid_to": on_date}},
    )
    return decision
