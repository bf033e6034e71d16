"""Writes to the working calendar and to the stored clocks. Each service validates, writes and
records its audit event in one transaction; a failure leaves nothing half-written."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError, ValidationError

from .choices import CalendarStatus, Unit
from .deadlines import CalendarLookup, DeadlineResult, compute_deadline, working_days_between
from .holidays import (
    LAST_SUPPORTED_YEAR,
    DayInfo,
    build_year,
    chinesecalendar_version,
    chinesecalendar_year_days,
    chinesecalendar_years,
    provisional_year_days,
)
from .models import AdjustmentKind, CalendarDay, CalendarYear, Clock, ClockAdjustment
from .notice import YearNotice
from .selectors import calendar_cache_clear, calendar_lookup, calendar_snapshot

BATCH_SIZE = 1000
# Stored notes are data (like holiday names), kept in Chinese whatever the user's language.
PROVISIONAL_NOTE = "按《全国年节及纪念日放假办法》推算（暂定）"
NOTICE_NOTE = "国务院办公厅节假日安排通知"


def _forget_cached_calendar() -> None:
    # Now, for reads later in this transaction, and again on commit, for reads that reloaded the
    # old calendar meanwhile in other threads of this process. Other processes see the version change.
    calendar_cache_clear()
    transaction.on_commit(calendar_cache_clear)


def _day_rows(days: Iterable[DayInfo]) -> list[CalendarDay]:
    return [
        CalendarDay(
            date=d.date,
            year_id=d.date.year,
            is_working_day=d.is_working_day,
            kind=d.kind,
            holiday_name=d.holiday_name,
            source=CalendarStatus.PROVISIONAL if d.provisional else CalendarStatus.OFFICIAL,
        )
        for d in days
    ]


def _store_year(*, year: int, status: str, source_note: str, days: list[DayInfo], file_sha256: str = "") -> None:
    """Create or replace a year and all its days."""
    CalendarYear.objects.update_or_create(
        year=year,
        defaults={
            "status": status,
            "source_note": source_note[:200],
            "file_sha256": file_sha256,
            "loaded_at": timezone.now(),
        },
    )
    CalendarDay.objects.filter(year_id=year).delete()
    CalendarDay.objects.bulk_create(_day_rows(days), batch_size=BATCH_SIZE)


# --- Seeding ---------------------------------------------------------------------------------


@dataclass
class SeedResult:
    """What `calendar_seed` did."""

    official_created: list[int] = field(default_factory=list)
    official_upgraded: list[int] = field(default_factory=list)
    provisional_created: list[int] = field(default_factory=list)
    days_written: int = 0
    clocks_recomputed: int = 0
    clocks_changed: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.official_created or self.official_upgraded or self.provisional_created)


@transaction.atomic
def calendar_seed(*, actor: Any, today: datetime.date | None = None, through_year: int | None = None) -> SeedResult:
    """Fill the calendar: every year chinesecalendar covers (official, make-up days included),
    then provisional years up to `through_year` (default: next year + 1). Idempotent: years already
    official are never touched; a provisional year that chinesecalendar now covers becomes official
    and the clocks it moves are recomputed. Writes one audit event when anything changed."""
    require(actor, Action.CALENDAR_MANAGE)
    today = today or timezone.localdate()
    through = min(through_year or today.year + 2, LAST_SUPPORTED_YEAR)
    existing = dict(CalendarYear.objects.select_for_update().values_list("year", "status"))
    result = SeedResult()
    note = f"chinesecalendar {chinesecalendar_version()}"
    now = timezone.now()
    new_years: list[CalendarYear] = []
    new_days: list[DayInfo] = []
    official = chinesecalendar_years()
    for year in official:
        status = existing.get(year)
        if status == CalendarStatus.OFFICIAL:
            continue
        days = chinesecalendar_year_days(year)
        if status == CalendarStatus.PROVISIONAL:
            _store_year(year=year, status=CalendarStatus.OFFICIAL, source_note=note, days=days)
            result.official_upgraded.append(year)
        else:
            new_years.append(CalendarYear(year=year, status=CalendarStatus.OFFICIAL, source_note=note, loaded_at=now))
            new_days += days
            result.official_created.append(year)
        result.days_written += len(days)
    for year in range(official.stop, through + 1):
        if year in existing:
            continue
        days = provisional_year_days(year)
        new_years.append(
            CalendarYear(year=year, status=CalendarStatus.PROVISIONAL, source_note=PROVISIONAL_NOTE, loaded_at=now)
        )
        new_days += days
        result.provisional_created.append(year)
        result.days_written += len(days)
    CalendarYear.objects.bulk_create(new_years, batch_size=BATCH_SIZE)
    CalendarDay.objects.bulk_create(_day_rows(new_days), batch_size=BATCH_SIZE)
    if not result.changed_anything:
        return result
    if result.official_upgraded:
        # One pass over the span (a clock that examined no upgraded day just stays as it is).
        result.clocks_recomputed, result.clocks_changed = clock_recompute_range(
            actor=actor,
            date_from=datetime.date(min(result.official_upgraded), 1, 1),
            date_to=datetime.date(max(result.official_upgraded), 12, 31),
            calendar=calendar_snapshot(),
            reason="calendar.seed",
        )
    audit_record(
        actor=actor,
        action="calendar.seed",
        object_type="workcalendar.calendaryear",
        object_label=note,
        summary={
            "source": note,
            "official_created": result.official_created,
            "official_upgraded": result.official_upgraded,
            "provisional_created": result.provisional_created,
            "days_written": result.days_written,
            "clocks_recomputed": result.clocks_recomputed,
            "clocks_changed": result.clocks_changed,
        },
    )
    _forget_cached_calendar()
    return result


# --- Loading a year from the State Council notice --------------------------------------------


@dataclass
class YearLoadResult:
    """What `calendar_load_year` did."""

    year: int
    previous_status: str
    holiday_days: int
    makeup_days: int
    days_changed: int
    clocks_recomputed: int
    clocks_changed: int


@transaction.atomic
def calendar_load_year(
    *, actor: Any, notice: YearNotice, replace: bool = False, file_sha256: str = ""
) -> YearLoadResult:
    """Make `notice.year` official from a parsed notice (see `notice.parse_notice`): its days are
    rewritten (weekends, the notice's holidays and make-up working days), every clock whose
    computation examined those days is recomputed (an audit event per changed due date), and one
    "calendar.year_load" event records the counts. An official year is replaced only with
    `replace=True` (a corrected notice)."""
    require(actor, Action.CALENDAR_MANAGE)
    year = notice.year
    stored = CalendarYear.objects.select_for_update().filter(year=year).first()
    if stored is not None and stored.status == CalendarStatus.OFFICIAL and not replace:
        raise ServiceError(
            _("%(year)s 年已是正式日历。如需按更正后的通知重新载入，请使用 --replace。") % {"year": year},
            code="already_official",
        )
    previous_status = stored.status if stored is not None else ""
    holidays = notice.holiday_dates()
    makeups = notice.makeup_dates()
    days = build_year(
        year,
        holidays={d: n for d, n in holidays.items() if d.year == year},
        makeup_workdays={d: n for d, n in makeups.items() if d.year == year},
        provisional=False,
    )
    before = calendar_snapshot()  # stored days, and generated provisional ones for a new year
    _store_year(
        year=year,
        status=CalendarStatus.OFFICIAL,
        source_note=notice.source or NOTICE_NOTE,
        days=days,
        file_sha256=file_sha256,
    )
    early = _store_early_days(notice, holidays, makeups)
    days_changed = sum(
        1
        for d in [*days, *early]
        if (before.day(d.date).kind, before.day(d.date).holiday_name) != (d.kind, d.holiday_name)
    )
    recomputed, changed = clock_recompute_range(
        actor=actor,
        date_from=notice.first_date,
        date_to=notice.last_date,
        calendar=calendar_snapshot(),
        reason="calendar.year_load",
    )
    audit_record(
        actor=actor,
        action="calendar.year_load",
        object_type="workcalendar.calendaryear",
        object_id=str(year),
        object_label=str(year),
        summary={
            "before": {"status": previous_status},
            "after": {"status": CalendarStatus.OFFICIAL.value},
            "source": notice.source,
            "file_sha256": file_sha256,
            "holiday_days": len(holidays),
            "makeup_days": len(makeups),
            "days_changed": days_changed,
            "clocks_recomputed": recomputed,
            "clocks_changed": changed,
        },
    )
    _forget_cached_calendar()
    return YearLoadResult(
        year=year,
        previous_status=previous_status,
        holiday_days=len(holidays),
        makeup_days=len(makeups),
        days_changed=days_changed,
        clocks_recomputed=recomputed,
        clocks_changed=changed,
    )


def _differs(old: DayInfo, new: DayInfo) -> bool:
    return (old.kind, old.holiday_name) != (new.kind, new.holiday_name)


def _store_early_days(
    notice: YearNotice, holidays: dict[datetime.date, str], makeups: dict[datetime.date, str]
) -> list[DayInfo]:
    """元旦 days in the previous December (2019 and 2024 notices) rewrite those days of the
    previous year, which is created as provisional first if it is missing."""
    early_dates = sorted(d for d in [*holidays, *makeups] if d.year < notice.year)
    if not early_dates:
        return []
    previous = notice.year - 1
    if not CalendarYear.objects.filter(year=previous).exists():
        _store_year(
            year=previous,
            status=CalendarStatus.PROVISIONAL,
            source_note=PROVISIONAL_NOTE,
            days=provisional_year_days(previous),
        )
    early = build_year(
        previous,
        holidays={d: n for d, n in holidays.items() if d.year == previous},
        makeup_workdays={d: n for d, n in makeups.items() if d.year == previous},
        provisional=False,
    )
    early = [d for d in early if d.date in holidays or d.date in makeups]
    for row in _day_rows(early):
        CalendarDay.objects.filter(date=row.date).update(
            is_working_day=row.is_working_day, kind=row.kind, holiday_name=row.holiday_name, source=row.source
        )
    return early


# --- Clocks ----------------------------------------------------------------------------------
# Clock services check no policy: workflow services call them inside their own transaction after
# checking their own action (accept, forward …); no view starts or changes a clock directly.


def _apply(clock: Clock, result: DeadlineResult, now: datetime.datetime) -> None:
    clock.due_date = result.due_date
    clock.is_provisional = result.is_provisional
    clock.examined_from = result.examined_from
    clock.examined_to = result.examined_to
    clock.recomputed_at = now


def _clock_values(clock: Clock) -> dict[str, Any]:
    return {"due_date": clock.due_date.isoformat(), "is_provisional": clock.is_provisional}


def _check_identity(object_type: str, object_id: str, kind: str) -> None:
    for label, value in ((_("对象类型"), object_type), (_("对象编号"), object_id), (_("时限类型"), kind)):
        if not value or len(value) > 64:
            raise ValidationError(_("%(field)s不能为空，且不超过 64 个字符。") % {"field": label}, code="clock")


def _adjusted_period(clock: Clock, calendar: CalendarLookup) -> int:
    """The clock's period with its extensions and pauses folded in (XF-DL-02, XF-REV-05)."""
    period = clock.period
    if clock.pk is None:
        return period
    for adjustment in clock.adjustments.all():
        if adjustment.kind == AdjustmentKind.EXTENSION:
            period += adjustment.days
        elif adjustment.start_date and adjustment.end_date:
            period += _pause_length(clock.unit, adjustment.start_date, adjustment.end_date, calendar)
    return period


def _pause_length(unit: str, start: datetime.date, end: datetime.date, calendar: CalendarLookup) -> int:
    if unit == Unit.WORKING:
        return working_days_between(calendar, start - datetime.timedelta(days=1), end)
    return (end - start).days + 1


@transaction.atomic
def clock_start(
    *,
    object_type: str,
    object_id: str,
    kind: str,
    start_date: datetime.date,
    period: int,
    unit: str,
    actor: Any,
    org_id: int | None = None,
    new_object: bool = False,
) -> Clock:
    """Start a deadline clock on a workflow object, e.g. `clock_start(object_type="petitions.petition",
    object_id=str(p.pk), kind="triage_15d", start_date=received, period=15, unit=Unit.CALENDAR,
    actor=user, org_id=p.org_id)`. One running clock per (object, kind): stop the old one first.
    Records "clock.start" on the object. `new_object=True` says the object was created in this
    transaction, so it has no running clock to look for (the unique constraint still guards)."""
    object_id = str(object_id)
    _check_identity(object_type, object_id, kind)
    result = compute_deadline(start=start_date, period=period, unit=unit, calendar=calendar_lookup())
    running = Clock.objects.filter(object_type=object_type, object_id=object_id, kind=kind, stopped_at__isnull=True)
    if not new_object and running.exists():
        raise ServiceError(_("该对象已有运行中的同类时限“%(kind)s”。") % {"kind": kind}, code="clock_running")
    now = timezone.now()
    clock = Clock(
        object_type=object_type,
        object_id=object_id,
        kind=kind,
        org_id=org_id,
        start_date=start_date,
        period=period,
        unit=result.unit,
        created_at=now,
    )
    _apply(clock, result, now)
    clock.save(force_insert=True)
    audit_record(
        actor=actor,
        action="clock.start",
        object_type=object_type,
        object_id=object_id,
        object_label=kind,
        org_id=org_id,
        summary={
            "clock": clock.pk,
            "kind": kind,
            "after": {
                "start_date": start_date.isoformat(),
                "period": period,
                "unit": clock.unit,
                **_clock_values(clock),
            },
        },
    )
    return clock


@transaction.atomic
def clock_recompute(*, clock: Clock, actor: Any, calendar: CalendarLookup | None = None, reason: str = "") -> bool:
    """Recompute a clock's due date on the current calendar (or `calendar`). Returns whether the
    due date changed; a change is recorded as "clock.recompute" with the before/after due date."""
    calendar = calendar or calendar_lookup()
    result = compute_deadline(
        start=clock.start_date, period=_adjusted_period(clock, calendar), unit=clock.unit, calendar=calendar
    )
    before = _clock_values(clock)
    _apply(clock, result, timezone.now())
    clock.save(update_fields=["due_date", "is_provisional", "examined_from", "examined_to", "recomputed_at"])
    after = _clock_values(clock)
    if before["due_date"] == after["due_date"]:
        return False
    audit_record(
        actor=actor,
        action="clock.recompute",
        object_type=clock.object_type,
        object_id=clock.object_id,
        object_label=clock.kind,
        org_id=clock.org_id,
        summary={"clock": clock.pk, "kind": clock.kind, "reason": reason, "before": before, "after": after},
    )
    return True


@transaction.atomic
def clock_correct_start(*, clock: Clock, start_date: datetime.date, actor: Any, reason: str) -> Clock:
    """The start event was recorded wrongly and is corrected (CNT-08): move the clock's start date
    and recompute its due date, recording "clock.correct_start" with before/after values."""
    before = {"start_date": clock.start_date.isoformat(), **_clock_values(clock)}
    calendar = calendar_lookup()
    result = compute_deadline(
        start=start_date, period=_adjusted_period(clock, calendar), unit=clock.unit, calendar=calendar
    )
    clock.start_date = start_date
    _apply(clock, result, timezone.now())
    clock.save(
        update_fields=["start_date", "due_date", "is_provisional", "examined_from", "examined_to", "recomputed_at"]
    )
    audit_record(
        actor=actor,
        action="clock.correct_start",
        object_type=clock.object_type,
        object_id=clock.object_id,
        object_label=clock.kind,
        org_id=clock.org_id,
        summary={
            "clock": clock.pk,
            "kind": clock.kind,
            "reason": reason,
            "before": before,
            "after": {"start_date": start_date.isoformat(), **_clock_values(clock)},
        },
    )
    return clock


@transaction.atomic
def clock_recompute_range(
    *,
    actor: Any,
    date_from: datetime.date,
    date_to: datetime.date,
    calendar: CalendarLookup | None = None,
    reason: str = "",
) -> tuple[int, int]:
    """Recompute every running clock whose computation examined a day in [date_from, date_to].
    Returns (recomputed, changed)."""
    calendar = calendar or calendar_lookup()
    clocks = (
        Clock.objects.select_for_update()
        .filter(stopped_at__isnull=True, examined_from__lte=date_to, examined_to__gte=date_from)
        .order_by("id")
    )
    recomputed = changed = 0
    for clock in clocks:
        recomputed += 1
        changed += clock_recompute(clock=clock, actor=actor, calendar=calendar, reason=reason)
    return recomputed, changed


@transaction.atomic
def clock_recompute_provisional(*, actor: Any) -> tuple[int, int]:
    """Recompute every running provisional clock (for a periodic sweep: catches a clock started
    with the old calendar while a year was being loaded). Returns (recomputed, changed)."""
    calendar = calendar_snapshot()
    recomputed = changed = 0
    for clock in Clock.objects.select_for_update().filter(stopped_at__isnull=True, is_provisional=True).order_by("id"):
        recomputed += 1
        changed += clock_recompute(clock=clock, actor=actor, calendar=calendar, reason="sweep")
    return recomputed, changed


@transaction.atomic
def clock_stop(*, clock: Clock, actor: Any, reason: str) -> Clock:
    """Stop a running clock (the action was done, or the matter left this path). The row stays as
    history; a new clock of the same kind may then be started."""
    clock = Clock.objects.select_for_update().get(pk=clock.pk)
    if clock.stopped_at is not None:
        raise ServiceError(_("该时限已停止。"), code="clock_stopped")
    clock.stopped_at = timezone.now()
    clock.stop_reason = reason[:200]
    clock.save(update_fields=["stopped_at", "stop_reason"])
    audit_record(
        actor=actor,
        action="clock.stop",
        object_type=clock.object_type,
        object_id=clock.object_id,
        object_label=clock.kind,
        org_id=clock.org_id,
        summary={"clock": clock.pk, "kind": clock.kind, "reason": clock.stop_reason, **_clock_values(clock)},
    )
    return clock


def _expect_adjustable(clock: Clock) -> Clock:
    clock = Clock.objects.select_for_update().get(pk=clock.pk)
    if clock.stopped_at is not None:
        raise ServiceError(_("该时限已停止，不能调整。"), code="clock_stopped")
    if clock.unit not in (Unit.CALENDAR, Unit.WORKING):
        raise ServiceError(_("按月或按年计算的期间不能按日延长或扣除。"), code="clock_unit")
    return clock


def _record_adjustment(clock: Clock, adjustment: ClockAdjustment, before: dict[str, Any], actor: Any) -> None:
    result = compute_deadline(
        start=clock.start_date,
        period=_adjusted_period(clock, calendar_lookup()),
        unit=clock.unit,
        calendar=calendar_lookup(),
    )
    _apply(clock, result, timezone.now())
    clock.save(update_fields=["due_date", "is_provisional", "examined_from", "examined_to", "recomputed_at"])
    audit_record(
        actor=actor,
        action=f"clock.{adjustment.kind}",
        object_type=clock.object_type,
        object_id=clock.object_id,
        object_label=clock.kind,
        org_id=clock.org_id,
        summary={
            "clock": clock.pk,
            "kind": clock.kind,
            "adjustment": adjustment.pk,
            "days": adjustment.days,
            "start_date": adjustment.start_date.isoformat() if adjustment.start_date else None,
            "end_date": adjustment.end_date.isoformat() if adjustment.end_date else None,
            "reason": adjustment.reason,
            "before": before,
            "after": _clock_values(clock),
        },
    )


@transaction.atomic
def clock_extend(*, clock: Clock, days: int, actor: Any, reason: str) -> ClockAdjustment:
    """Extend a running clock by `days` of its unit (an approved extension, 条例 Art. 34). The
    workflow service checks who approved it and how long it may be; this one only moves the date."""
    clock = _expect_adjustable(clock)
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ValidationError(_("延长天数必须是正整数。"), code="days")
    before = _clock_values(clock)
    adjustment = ClockAdjustment.objects.create(
        clock=clock, kind=AdjustmentKind.EXTENSION, days=days, reason=reason[:200]
    )
    _record_adjustment(clock, adjustment, before, actor)
    return adjustment


@transaction.atomic
def clock_pause(
    *, clock: Clock, start_date: datetime.date, end_date: datetime.date, actor: Any, reason: str
) -> ClockAdjustment:
    """Exclude the days from `start_date` to `end_date` (both included) from a running clock: the
    due date moves by as many days (working days, on a working-day clock). A hearing during
    re-review (条例 Art. 36(2), XF-REV-05). Overlapping pauses are refused: no day is excluded twice."""
    clock = _expect_adjustable(clock)
    if end_date < start_date:
        raise ValidationError(_("结束日期不能早于开始日期。"), code="pause_dates")
    if start_date < clock.start_date:
        raise ValidationError(_("扣除的期间不能早于时限起算日。"), code="pause_dates")
    overlapping = clock.adjustments.filter(
        kind=AdjustmentKind.PAUSE, start_date__lte=end_date, end_date__gte=start_date
    ).exists()
    if overlapping:
        raise ValidationError(_("与已扣除的期间重叠。"), code="pause_overlap")
    before = _clock_values(clock)
    days = _pause_length(clock.unit, start_date, end_date, calendar_lookup())
    adjustment = ClockAdjustment.objects.create(
        clock=clock,
        kind=AdjustmentKind.PAUSE,
        days=days,
        start_date=start_date,
        end_date=end_date,
        reason=reason[:200],
    )
    _record_adjustment(clock, adjustment, before, actor)
    return adjustment
