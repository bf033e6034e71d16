"""Writes of the outreach app (四下基层, P8; XF-CH-03: leaders receive visitors regularly and go down
on outreach visits). Each service validates, checks the policy, writes and records its audit event in
one transaction; a refusal leaves nothing written. Rule ids OUT-* are listed in docs/outreach.md.

Items raised on a visit are passed on through the other apps' own services, inside the same
transaction: `petitions.services.intake.matter_register` (source "outreach"),
`grid.services.grid_event_report` and `mediation.services.mediation_case_open` — each checks its
own permission, so the actor needs that app's action as well."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError
from xinfang.orgs.models import Kind, Organisation, ReceptionPoint

from .codes import code_matches, hash_code, new_code, new_reference, normalise_reference
from .models import Assignment, Booking, OutreachVisit, PlanDate, ReceptionDay, VisitItem, VisitPlan
from .states import BOOKING_TRANSITIONS, MARKS, BookingStatus, ItemOutcome, VisitKind

PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,18}[0-9]$")
MAX_SUBJECT = 1000
MAX_TEXT = 2000
MAX_CAPACITY = 500
SLOT_MINUTES = 30
VILLAGE_KINDS = frozenset({Kind.VILLAGE, Kind.COMMUNITY})
ASSIGNABLE_KINDS = frozenset({Kind.VILLAGE, Kind.COMMUNITY, Kind.GRID})
VISITABLE_KINDS = frozenset({Kind.TOWN, Kind.STREET, Kind.VILLAGE, Kind.COMMUNITY, Kind.GRID})
MAX_PLAN_DATES = 366


class _PublicActor:
    """A member of the public acting with a booking's reference and query code: recorded as "public"."""

    pk = None
    is_authenticated = False
    is_active = True
    is_superuser = False

    def get_username(self) -> str:
        return "public"

    def __str__(self) -> str:
        return "public"


PUBLIC = _PublicActor()


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _text(
    errors: dict[str, list[str]], name: str, value: str, limit: int, message: str, *, required: bool = True
) -> str:
    value = (value or "").strip()
    if required and not value:
        _add(errors, name, message)
    elif len(value) > limit:
        _add(errors, name, _("不超过 %(max)s 个字。") % {"max": limit})
    return value


def normalise_phone(value: str) -> str:
    """The digits of a phone number (with a leading + kept): "138 0000-1234" → "13800001234"."""
    value = (value or "").strip()
    return ("+" if value.startswith("+") else "") + re.sub(r"\D", "", value)


def _actor_user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


# --- Reception days ------------------------------------------------------------------------------


@dataclass
class ReceptionDayData:
    """A reception day as staff enter it."""

    leader_name: str
    leader_title: str
    place: str
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    capacity: int
    topic: str = ""
    leader: Any = None
    reception_point: ReceptionPoint | None = None


def reception_slots(day: ReceptionDay) -> list[datetime.time]:
    """The half-hour slots of a day a person may prefer (start, start + 30 min … before the end)."""
    slots: list[datetime.time] = []
    moment = datetime.datetime.combine(day.date, day.start_time)
    end = datetime.datetime.combine(day.date, day.end_time)
    while moment < end:
        slots.append(moment.time())
        moment += datetime.timedelta(minutes=SLOT_MINUTES)
    return slots


def _day_values(organisation: Organisation, data: ReceptionDayData) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "leader_name": _text(errors, "leader_name", data.leader_name, 60, _("请填写接访领导姓名。")),
        "leader_title": _text(errors, "leader_title", data.leader_title, 100, _("请填写接访领导职务。")),
        "topic": _text(errors, "topic", data.topic, 200, "", required=False),
    }
    point = data.reception_point
    place = (data.place or "").strip()
    if point is not None:
        if not point.is_active or not str(point.organisation.path).startswith(str(organisation.path)):
            _add(errors, "reception_point", _("请选择本机构在用的接待场所。"))
        elif not place:
            place = point.address
    values["place"] = _text(errors, "place", place, 200, _("请填写接访地点，或选择接待场所。"))
    if data.date < timezone.localdate():
        _add(errors, "date", _("接访日期不能早于今天。"))
    if data.end_time <= data.start_time:
        _add(errors, "end_time", _("结束时间必须晚于开始时间。"))
    if not 1 <= int(data.capacity or 0) <= MAX_CAPACITY:
        _add(errors, "capacity", _("可预约人数应在 1 至 %(max)s 之间。") % {"max": MAX_CAPACITY})
    leader = data.leader
    if leader is not None and not leader.is_active:
        _add(errors, "leader", _("该账号已停用。"))
    _raise(errors)
    values.update(
        leader=leader,
        reception_point=point,
        date=data.date,
        start_time=data.start_time,
        end_time=data.end_time,
        capacity=int(data.capacity),
    )
    return values


@transaction.atomic
def reception_day_create(*, actor: Any, organisation: Organisation, data: ReceptionDayData) -> ReceptionDay:
    """Schedule a leader's reception day at `organisation` (XF-CH-03); unpublished until
    `reception_day_publish`."""
    require(actor, Action.OUTREACH_MANAGE, organisation)
    values = _day_values(organisation, data)
    day = ReceptionDay.objects.create(organisation=organisation, created_by=_actor_user(actor), **values)
    audit_record(
        actor=actor,
        action="outreach.reception_day_create",
        target=day,
        org_id=organisation.pk,
        summary={"after": {"date": day.date, "capacity": day.capacity}},
    )
    return day


def _locked_day(day: ReceptionDay) -> ReceptionDay:
    # The row lock serialises bookings of one day (OUT-03); SQLite transactions are IMMEDIATE already.
    return ReceptionDay.objects.select_for_update().select_related("organisation").get(pk=day.pk)


@transaction.atomic
def reception_day_publish(*, actor: Any, day: ReceptionDay, published: bool = True) -> ReceptionDay:
    """Publish a reception day to the public pages (or withdraw it: bookings already made stay and
    can still be cancelled or marked). A day in the past is not published (OUT-01)."""
    day = _locked_day(day)
    require(actor, Action.OUTREACH_MANAGE, day.organisation)
    if published and day.date < timezone.localdate():
        raise ServiceError(_("该接访日已过，不能公布（OUT-01）。"), code="past")
    before = day.is_published
    day.is_published = published
    day.published_at = timezone.now() if published else day.published_at
    day.save(update_fields=["is_published", "published_at"])
    audit_record(
        actor=actor,
        action="outreach.reception_day_publish" if published else "outreach.reception_day_withdraw",
        target=day,
        org_id=day.organisation_id,
        summary={"before": {"is_published": before}, "after": {"is_published": published}},
    )
    return day


# --- Bookings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Booked:
    """A new booking and its query code in clear: shown to the person once, never stored."""

    booking: Booking
    code: str


def active_bookings(day: ReceptionDay) -> int:
    return Booking.objects.filter(reception_day=day).exclude(status=BookingStatus.CANCELLED).count()


def _unique_reference() -> str:
    for _attempt in range(10):
        reference = new_reference()
        if not Booking.objects.filter(reference=reference).exists():
            return reference
    raise ServiceError(_("暂时无法生成预约编号，请稍后再试。"), code="reference")  # ~1e12 references: never


@transaction.atomic
def booking_create(
    *,
    day: ReceptionDay,
    name: str,
    phone: str,
    subject: str,
    preferred_time: datetime.time | None = None,
    language: str = "",
    fixed_codes: tuple[str, str] | None = None,
) -> Booked:
    """A member of the public books a place on a published reception day (public; the view adds the
    form token and rate limit). Refused with a translated error when the day is not published or is
    past (OUT-01), when the phone number already holds a booking that day (OUT-02) or when the day is
    full (OUT-03, counted under the day's row lock). `fixed_codes` (reference, code): demo only."""
    day = _locked_day(day)
    errors: dict[str, list[str]] = {}
    name = _text(errors, "name", name, 60, _("请填写姓名（不超过 60 个字）。"))
    if not PHONE_RE.match((phone or "").strip()):
        _add(errors, "phone", _("请填写正确的电话号码，例如 13800000000 或 020-00000000。"))
    phone = normalise_phone(phone)
    subject = _text(
        errors,
        "subject",
        subject,
        MAX_SUBJECT,
        _("请简要说明您要反映的事项（不超过 %(max)s 个字）。") % {"max": MAX_SUBJECT},
    )
    if preferred_time is not None and preferred_time not in reception_slots(day):
        _add(errors, "preferred_time", _("请选择接访时间内的时段。"))
    _raise(errors)
    if not day.is_published:
        raise ServiceError(_("该接访日未公布，不能预约（OUT-01）。"), code="unpublished")
    if day.date < timezone.localdate():
        raise ServiceError(_("该接访日已过，不能预约（OUT-01）。"), code="past")
    active = Booking.objects.filter(reception_day=day).exclude(status=BookingStatus.CANCELLED)
    if active.filter(phone=phone).exists():
        raise ValidationError(
            {"phone": _("这个电话号码已经预约了当天的接访，每个号码每天只能预约一次（OUT-02）。")}, code="duplicate"
        )
    if active.count() >= day.capacity:
        raise ServiceError(_("该接访日预约已满，请选择其他日期（OUT-03）。"), code="full")
    reference, code = fixed_codes or (_unique_reference(), new_code())
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                reception_day=day,
                reference=reference,
                code_hash=hash_code(reference, code),
                name=name,
                phone=phone,
                subject=subject,
                preferred_time=preferred_time,
                language=language[:10],
            )
    except IntegrityError:  # a concurrent booking with the same phone won the race
        raise ValidationError(
            {"phone": _("这个电话号码已经预约了当天的接访，每个号码每天只能预约一次（OUT-02）。")}, code="duplicate"
        ) from None
    audit_record(
        actor=PUBLIC,
        action="outreach.booking_create",
        target=booking,
        org_id=day.organisation_id,
        summary={"after": {"status": booking.status, "reception_day": day.pk}},
    )
    return Booked(booking, code)


def booking_lookup(*, reference: str, code: str) -> Booking | None:
    """The booking with this reference and query code, or None (one answer for any mismatch)."""
    reference = normalise_reference(reference)
    booking = (
        Booking.objects.select_related("reception_day__organisation", "reception_day__reception_point")
        .filter(reference=reference)
        .first()
        if reference
        else None
    )
    if not code_matches(reference, code, booking.code_hash if booking is not None else None):
        return None
    return booking


@transaction.atomic
def booking_cancel(*, reference: str, code: str) -> Booking:
    """The person cancels their booking with its reference and query code, before the day (OUT-04).
    A wrong reference or code gets one answer."""
    found = booking_lookup(reference=reference, code=code)
    if found is None:
        raise ServiceError(_("预约编号或查询码不正确，请核对后重新输入。"), code="not_found")
    booking = Booking.objects.select_for_update().select_related("reception_day").get(pk=found.pk)
    if booking.status not in BOOKING_TRANSITIONS[BookingStatus.CANCELLED]:
        raise ServiceError(
            _("该预约已经%(status)s，不能取消。") % {"status": booking.get_status_display()}, code="status"
        )
    if booking.reception_day.date < timezone.localdate():
        raise ServiceError(_("接访日已过，不能取消（OUT-04）。"), code="past")
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=PUBLIC,
        action="outreach.booking_cancel",
        target=booking,
        org_id=booking.reception_day.organisation_id,
        summary={"before": {"status": BookingStatus.BOOKED}, "after": {"status": booking.status}},
    )
    return booking


@transaction.atomic
def booking_mark(*, actor: Any, booking: Booking, status: str) -> Booking:
    """Staff mark a booking attended or no-show, on or after the day (OUT-05); a mark may be
    corrected, a cancelled booking is not marked."""
    booking = Booking.objects.select_for_update().select_related("reception_day__organisation").get(pk=booking.pk)
    day = booking.reception_day
    require(actor, Action.OUTREACH_MANAGE, day.organisation)
    if status not in MARKS:
        raise ValidationError({"status": _("请选择已接待或未到场。")}, code="status")
    if booking.status not in BOOKING_TRANSITIONS[status]:
        raise ServiceError(
            _("该预约已经%(status)s，不能登记。") % {"status": booking.get_status_display()}, code="status"
        )
    if day.date > timezone.localdate():
        raise ServiceError(_("接访日还没到，不能登记到场情况（OUT-05）。"), code="early")
    before = booking.status
    booking.status = status
    booking.marked_by = _actor_user(actor)
    booking.save(update_fields=["status", "marked_by", "updated_at"])
    audit_record(
        actor=actor,
        action="outreach.booking_mark",
        target=booking,
        org_id=day.organisation_id,
        summary={"before": {"status": before}, "after": {"status": status}},
    )
    return booking


# --- Assignments (包联) and plans ----------------------------------------------------------------


def _overlaps(
    a_start: datetime.date, a_end: datetime.date | None, b_start: datetime.date, b_end: datetime.date | None
) -> bool:
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


@transaction.atomic
def assignment_create(
    *,
    actor: Any,
    cadre: Any,
    organisation: Organisation,
    start: datetime.date,
    end: datetime.date | None = None,
    note: str = "",
) -> Assignment:
    """Assign a cadre to a village, community or grid (包联) from `start` to `end` (OUT-07: only those
    kinds; the same cadre is not assigned twice to the same place over overlapping dates)."""
    require(actor, Action.OUTREACH_MANAGE, organisation)
    errors: dict[str, list[str]] = {}
    if organisation.kind not in ASSIGNABLE_KINDS or not organisation.is_active:
        _add(errors, "organisation", _("包联对象只能是在用的村、社区或网格（OUT-07）。"))
    if cadre is None or not getattr(cadre, "is_active", False):
        _add(errors, "cadre", _("请选择在用的干部账号。"))
    if end is not None and end < start:
        _add(errors, "end", _("结束日期不能早于开始日期。"))
    note = _text(errors, "note", note, 200, "", required=False)
    _raise(errors)
    for other in Assignment.objects.select_for_update().filter(cadre=cadre, organisation=organisation):
        if _overlaps(start, end, other.start, other.end):
            raise ServiceError(_("该干部在这段时间已包联该村（社区、网格）（OUT-07）。"), code="overlap")
    assignment = Assignment.objects.create(
        cadre=cadre, organisation=organisation, start=start, end=end, note=note, created_by=_actor_user(actor)
    )
    VisitPlan.objects.create(assignment=assignment)
    audit_record(
        actor=actor,
        action="outreach.assignment_create",
        target=assignment,
        org_id=organisation.pk,
        summary={"after": {"cadre": cadre.pk, "start": start, "end": end}},
    )
    return assignment


@transaction.atomic
def plan_set(
    *, actor: Any, assignment: Assignment, visits_per_month: int = 0, dates: list[datetime.date] | None = None
) -> VisitPlan:
    """Set an assignment's visit plan: visits per month and/or a list of planned dates, which must lie
    within the assignment (OUT-08). Replaces the previous plan."""
    assignment = Assignment.objects.select_for_update().select_related("organisation").get(pk=assignment.pk)
    require(actor, Action.OUTREACH_MANAGE, assignment.organisation)
    dates = sorted(set(dates or []))
    errors: dict[str, list[str]] = {}
    if not 0 <= int(visits_per_month) <= 31:
        _add(errors, "visits_per_month", _("每月走访次数应在 0 至 31 之间。"))
    outside = [d for d in dates if d < assignment.start or (assignment.end is not None and d > assignment.end)]
    if outside:
        _add(
            errors,
            "dates",
            _("计划日期必须在包联期间内：%(dates)s（OUT-08）。")
            % {"dates": "、".join(f"{d:%Y-%m-%d}" for d in outside)},
        )
    if len(dates) > MAX_PLAN_DATES:
        _add(errors, "dates", _("计划日期不超过 %(max)s 个。") % {"max": MAX_PLAN_DATES})
    if not visits_per_month and not dates:
        _add(errors, "visits_per_month", _("请填写每月走访次数或计划走访日期。"))
    _raise(errors)
    plan, _created = VisitPlan.objects.get_or_create(assignment=assignment)
    before = {"visits_per_month": plan.visits_per_month, "dates": plan.dates.count()}
    plan.visits_per_month = int(visits_per_month)
    plan.save(update_fields=["visits_per_month", "updated_at"])
    plan.dates.all().delete()
    PlanDate.objects.bulk_create([PlanDate(plan=plan, date=d) for d in dates])
    audit_record(
        actor=actor,
        action="outreach.plan_set",
        target=assignment,
        org_id=assignment.organisation_id,
        summary={"before": before, "after": {"visits_per_month": plan.visits_per_month, "dates": len(dates)}},
    )
    return plan


# --- Visits and their items ----------------------------------------------------------------------


@dataclass
class ItemData:
    """A matter raised on a visit; `resolution` when it was resolved on the spot."""

    description: str
    raised_by: str = ""
    raised_by_phone: str = ""
    resolution: str = ""


@dataclass
class VisitData:
    """A visit as the cadre records it (from a phone)."""

    kind: str
    date: datetime.date
    people_met: int = 0
    place_text: str = ""
    notes: str = ""
    assignment: Assignment | None = None
    items: list[ItemData] = field(default_factory=list)


def village_of(organisation: Organisation) -> Organisation | None:
    """The village or community a visited place counts for: itself, or a grid's parent."""
    if organisation.kind in VILLAGE_KINDS:
        return organisation
    if organisation.kind == Kind.GRID and organisation.parent is not None and organisation.parent.kind in VILLAGE_KINDS:
        return organisation.parent
    return None


@transaction.atomic
def visit_record(*, actor: Any, cadre: Any, organisation: Organisation, data: VisitData) -> OutreachVisit:
    """Record a visit down to `organisation` by `cadre` (XF-CH-03), with the matters raised; those
    with a `resolution` are resolved on the spot (OUT-06). A 包联 visit names the cadre's assignment
    to that place (or its grid), which is found when not given."""
    require(actor, Action.OUTREACH_MANAGE, organisation)
    errors: dict[str, list[str]] = {}
    if data.kind not in VisitKind.values:
        _add(errors, "kind", _("请选择走访类型。"))
    if organisation.kind not in VISITABLE_KINDS or not organisation.is_active:
        _add(errors, "organisation", _("走访地应为在用的镇（街道）、村（社区）或网格。"))
    if cadre is None or not getattr(cadre, "is_active", False):
        _add(errors, "cadre", _("请选择在用的干部账号。"))
    if data.date > timezone.localdate():
        _add(errors, "date", _("走访日期不能晚于今天。"))
    if not 0 <= int(data.people_met or 0) <= 100000:
        _add(errors, "people_met", _("请填写接触群众人数。"))
    place_text = _text(errors, "place_text", data.place_text, 200, "", required=False)
    notes = _text(errors, "notes", data.notes, MAX_TEXT, "", required=False)
    items: list[dict[str, Any]] = []
    for index, item in enumerate(data.items):
        name = f"items[{index}]"
        description = _text(errors, name, item.description, MAX_TEXT, _("请填写反映的事项。"))
        raised_by = _text(errors, name, item.raised_by, 60, "", required=False)
        raised_phone = (item.raised_by_phone or "").strip()
        if raised_phone and not PHONE_RE.match(raised_phone):
            _add(errors, name, _("请填写正确的电话号码，例如 13800000000 或 020-00000000。"))
        resolution = _text(errors, name, item.resolution, MAX_TEXT, "", required=False)
        items.append(
            {
                "description": description,
                "raised_by": raised_by,
                "raised_by_phone": normalise_phone(raised_phone) if raised_phone else "",
                "resolution": resolution,
            }
        )
    assignment = data.assignment
    if data.kind == VisitKind.BAOLIAN and not errors:
        candidates = Assignment.objects.filter(cadre=cadre, start__lte=data.date).exclude(end__lt=data.date)
        if assignment is None:
            places = [organisation.pk] + ([organisation.parent_id] if organisation.kind == Kind.GRID else [])
            assignment = candidates.filter(organisation_id__in=places).order_by("-start").first()
        elif not candidates.filter(pk=assignment.pk).exists():
            assignment = None
        if assignment is None or assignment.organisation_id not in {organisation.pk, organisation.parent_id}:
            _add(errors, "kind", _("该干部在走访当天没有包联这个村（社区、网格）（OUT-07）。"))
    elif data.kind != VisitKind.BAOLIAN:
        assignment = None
    _raise(errors)
    visit = OutreachVisit.objects.create(
        kind=data.kind,
        cadre=cadre,
        organisation=organisation,
        village=village_of(organisation),
        assignment=assignment,
        place_text=place_text,
        date=data.date,
        people_met=int(data.people_met or 0),
        notes=notes,
        recorded_by=_actor_user(actor),
    )
    now = timezone.now()
    VisitItem.objects.bulk_create(
        [
            VisitItem(
                visit=visit,
                description=values["description"],
                raised_by=values["raised_by"],
                raised_by_phone=values["raised_by_phone"],
                resolution=values["resolution"],
                outcome=ItemOutcome.RESOLVED if values["resolution"] else ItemOutcome.OPEN,
                decided_by=_actor_user(actor) if values["resolution"] else None,
                decided_at=now if values["resolution"] else None,
            )
            for values in items
        ]
    )
    audit_record(
        actor=actor,
        action="outreach.visit_record",
        target=visit,
        org_id=organisation.pk,
        summary={
            "after": {
                "kind": visit.kind,
                "cadre": cadre.pk,
                "date": visit.date,
                "people_met": visit.people_met,
                "items": len(items),
                "resolved": sum(1 for v in items if v["resolution"]),
            }
        },
    )
    return visit


@transaction.atomic
def visit_item_add(*, actor: Any, visit: OutreachVisit, data: ItemData) -> VisitItem:
    """Add a matter raised on a visit after it was recorded."""
    require(actor, Action.OUTREACH_MANAGE, visit.organisation)
    errors: dict[str, list[str]] = {}
    description = _text(errors, "description", data.description, MAX_TEXT, _("请填写反映的事项。"))
    raised_by = _text(errors, "raised_by", data.raised_by, 60, "", required=False)
    phone = (data.raised_by_phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        _add(errors, "raised_by_phone", _("请填写正确的电话号码，例如 13800000000 或 020-00000000。"))
    _raise(errors)
    item = VisitItem.objects.create(
        visit=visit,
        description=description,
        raised_by=raised_by,
        raised_by_phone=normalise_phone(phone) if phone else "",
    )
    audit_record(actor=actor, action="outreach.item_add", target=item, org_id=visit.organisation_id, summary={})
    return item


def _open_item(actor: Any, item: VisitItem, action: str) -> VisitItem:
    """The item locked, checked open (OUT-06: an item ends once) and the actor allowed: outreach.manage
    over the visited place, or the receiving app's own action there (`action`)."""
    item = VisitItem.objects.select_for_update(of=("self",)).select_related("visit__organisation").get(pk=item.pk)
    place = item.visit.organisation
    if not (user_can(actor, Action.OUTREACH_MANAGE, place) or (action and user_can(actor, action, place))):
        raise PermissionDenied(_("您没有权限处理该走访反映的事项。"))
    if item.outcome != ItemOutcome.OPEN:
        raise ServiceError(
            _("该事项已经处理（%(outcome)s），不能再处理（OUT-06）。") % {"outcome": item.get_outcome_display()},
            code="decided",
        )
    return item


def _item_done(actor: Any, item: VisitItem, outcome: str, action: str, link: dict[str, Any]) -> VisitItem:
    item.outcome = outcome
    item.decided_by = _actor_user(actor)
    item.decided_at = timezone.now()
    item.save(
        update_fields=["outcome", "decided_by", "decided_at", "resolution", "matter", "grid_event", "mediation_case"]
    )
    audit_record(
        actor=actor,
        action=action,
        target=item,
        org_id=item.visit.organisation_id,
        summary={"before": {"outcome": ItemOutcome.OPEN}, "after": {"outcome": outcome, **link}},
    )
    return item


@transaction.atomic
def visit_item_resolve(*, actor: Any, item: VisitItem, resolution: str) -> VisitItem:
    """The item was resolved on the spot (当场化解): how, in words (OUT-06)."""
    item = _open_item(actor, item, "")
    errors: dict[str, list[str]] = {}
    item.resolution = _text(errors, "resolution", resolution, MAX_TEXT, _("请填写当场化解的情况。"))
    _raise(errors)
    return _item_done(actor, item, ItemOutcome.RESOLVED, "outreach.item_resolve", {})


def _item_label(item: VisitItem) -> str:
    return _("%(date)s %(kind)s（%(place)s）") % {
        "date": f"{item.visit.date:%Y-%m-%d}",
        "kind": item.visit.get_kind_display(),
        "place": item.visit.organisation.local_name,
    }


@transaction.atomic
def visit_item_to_petition(*, actor: Any, item: VisitItem, organisation: Organisation, title: str = "") -> Any:
    """Register the item as a petition matter at `organisation` (a petition bureau or office) through
    `matter_register`: channel visit, source outreach (领导下访), the person who raised it as the
    petitioner (OUT-06; XF-REG-03). Needs `matter.register` there. The link is kept both ways:
    `item.matter`, `matter.outreach_items`."""
    from xinfang.petitions.services.intake import MatterData, PetitionerData, matter_register
    from xinfang.petitions.states import Channel, Source

    item = _open_item(actor, item, Action.MATTER_REGISTER)
    visit = item.visit
    received = timezone.make_aware(datetime.datetime.combine(visit.date, datetime.time(12, 0)))
    petitioners = [PetitionerData(name=item.raised_by, phone=item.raised_by_phone)] if item.raised_by.strip() else []
    matter = matter_register(
        actor=actor,
        organisation=organisation,
        data=MatterData(
            channel=Channel.VISIT,
            source=Source.OUTREACH,
            received_at=min(received, timezone.now()),
            title=(title or "").strip()[:100],
            request=item.description,
            facts=_("%(label)s时反映。") % {"label": _item_label(item)},
            petitioners=petitioners,
            is_anonymous=not petitioners,
            place_org=visit.organisation,
            place_text=visit.place_text,
            oral_recorded_by=str(visit.cadre)[:60],
        ),
    )
    item.matter = matter
    _item_done(actor, item, ItemOutcome.PETITION, "outreach.item_to_petition", {"matter": matter.pk})
    return matter


@transaction.atomic
def visit_item_to_grid_event(
    *, actor: Any, item: VisitItem, grid: Organisation | None = None, category: Any = None
) -> Any:
    """Report the item as a grid event in `grid` (default: the visited grid) through
    `grid_event_report` (OUT-06). Needs `grid_event.report` on the grid. Linked both ways:
    `item.grid_event`, `event.outreach_item`."""
    from xinfang.grid.services import GridEventData, PartyEntry, grid_event_report

    item = _open_item(actor, item, Action.GRID_EVENT_REPORT)
    visit = item.visit
    grid = grid or (visit.organisation if visit.organisation.kind == Kind.GRID else None)
    if grid is None:
        raise ValidationError({"grid": _("请选择事件所在的网格。")}, code="grid")
    place_parts = [visit.organisation.local_name, visit.place_text]
    event = grid_event_report(
        actor=actor,
        grid=grid,
        data=GridEventData(
            place_text="，".join(p for p in place_parts if p)[:200],
            description=item.description,
            category=category,
            parties=[PartyEntry(name=item.raised_by, phone=item.raised_by_phone)] if item.raised_by.strip() else [],
        ),
    )
    item.grid_event = event
    _item_done(actor, item, ItemOutcome.GRID_EVENT, "outreach.item_to_grid_event", {"grid_event": event.pk})
    return event


@transaction.atomic
def visit_item_to_mediation(
    *,
    actor: Any,
    item: VisitItem,
    organisation: Organisation,
    parties: list[Any],
    consent_recorded: bool,
    category: str = "",
) -> Any:
    """Open a mediation case for the item at `organisation` through `mediation_case_open` (OUT-06;
    MED-01: the parties' consent is recorded there). Source kind "outreach" (the parties asked on the
    visit), labelled with the visit. Needs `mediation.handle` there. Linked both ways:
    `item.mediation_case`, `case.outreach_item`; the visit page reads the case's state through the link."""
    from xinfang.mediation.services import mediation_case_open

    item = _open_item(actor, item, Action.MEDIATION_HANDLE)
    case = mediation_case_open(
        actor=actor,
        organisation=organisation,
        source_kind="outreach",
        source_id=str(item.pk),
        source_label=_("四下基层：%(label)s") % {"label": _item_label(item)},
        parties=parties,
        summary=item.description,
        category=category,
        consent_recorded=consent_recorded,
    )
    item.mediation_case = case
    _item_done(actor, item, ItemOutcome.MEDIATION, "outreach.item_to_mediation", {"mediation_case": case.pk})
    return case
