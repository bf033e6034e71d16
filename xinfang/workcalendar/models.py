"""The working calendar and the stored deadline clocks.

Rows are written only by `services.py` (seed, load a year, start and recompute clocks); the admin
shows them read-only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager

from .choices import CalendarStatus, DayKind, Unit


class CalendarYear(models.Model):
    """One year of the calendar. *Official* once its State Council notice is loaded (or it came
    from chinesecalendar); *provisional* before that: weekends plus the statutory holidays of the
    放假办法, with no make-up days. Deadlines touching a provisional year are flagged provisional."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    status = models.CharField(_("状态"), max_length=16, choices=CalendarStatus.choices)
    source_note = models.CharField(_("来源"), max_length=200, blank=True)
    file_sha256 = models.CharField(_("文件哈希"), max_length=64, blank=True)
    loaded_at = models.DateTimeField(_("载入时间"))

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} ({self.get_status_display()})"

    @property
    def is_provisional(self) -> bool:
        return self.status == CalendarStatus.PROVISIONAL


class CalendarDay(models.Model):
    """One day: whether staff work (`is_working_day`), and why (`kind`). A make-up working day
    (调休上班) is a working day; a holiday that falls on a weekend keeps the holiday's name."""

    date = models.DateField(_("日期"), primary_key=True)
    year = models.ForeignKey(
        CalendarYear, verbose_name=_("年度"), on_delete=models.CASCADE, related_name="days", db_column="year"
    )
    is_working_day = models.BooleanField(_("工作日"))
    kind = models.CharField(_("类型"), max_length=16, choices=DayKind.choices)
    holiday_name = models.CharField(_("节日"), max_length=64, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=CalendarStatus.choices)

    class Meta:
        verbose_name = _("日历日")
        verbose_name_plural = _("日历日")
        ordering = ["date"]
        constraints = [
            # The flag and the kind must agree: only workdays and make-up days are worked.
            models.CheckConstraint(
                condition=(
                    models.Q(is_working_day=True, kind__in=[DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY])
                    | models.Q(is_working_day=False, kind__in=[DayKind.WEEKEND, DayKind.HOLIDAY])
                ),
                name="workcalendar_day_kind_matches_flag",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{self.date:%Y-%m-%d} {label} {self.holiday_name}".rstrip()


class Clock(models.Model):
    """A stored deadline of a workflow object (a petition, a mediation case …), named by type and
    id strings, not foreign keys: workcalendar is a foundation app and imports no workflow app.

    `kind` says which period it is (e.g. "triage_15d"); the due date is recomputed whenever the
    calendar changes under it (a provisional year made official). `examined_from`/`examined_to`
    are the days whose kind decided the due date, so a year load finds the clocks it can move.
    Later: pauses (hearing time, CNT-09) and extensions (条例 Art. 34) become rows of their own that
    `clock_recompute` folds in; the fields here stay as they are."""

    restrict_org_field = "org_id"

    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    kind = models.CharField(_("时限类型"), max_length=64)
    org_id = models.BigIntegerField(_("所属机构编号"), null=True, blank=True, db_index=True)
    start_date = models.DateField(_("起算日"))
    period = models.PositiveIntegerField(_("期间"))
    unit = models.CharField(_("单位"), max_length=16, choices=Unit.choices)
    due_date = models.DateField(_("到期日"), db_index=True)
    is_provisional = models.BooleanField(_("暂定"), default=False)
    examined_from = models.DateField(_("依据日期自"), null=True, blank=True)
    examined_to = models.DateField(_("依据日期至"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    recomputed_at = models.DateTimeField(_("计算时间"))
    stopped_at = models.DateTimeField(_("停止时间"), null=True, blank=True)
    stop_reason = models.CharField(_("停止原因"), max_length=200, blank=True)

    objects = RestrictedManager["Clock"]()

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["examined_from", "examined_to"]),
        ]
        constraints = [
            # One running clock of a kind per object; stopped clocks are kept as history.
            models.UniqueConstraint(
                fields=["object_type", "object_id", "kind"],
                condition=models.Q(stopped_at__isnull=True),
                name="workcalendar_one_running_clock",
            ),
            models.CheckConstraint(condition=models.Q(period__gt=0), name="workcalendar_clock_period_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.kind} → {self.due_date:%Y-%m-%d}"

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None


class AdjustmentKind(models.TextChoices):
    EXTENSION = "extension", _("延长")
    PAUSE = "pause", _("扣除（不计入期限）")


class ClockAdjustment(models.Model):
    """A change to a running clock's period that `clock_recompute` folds in: an approved extension
    (条例 Art. 34: `days` more, in the clock's unit) or a pause whose days do not count (a hearing
    during re-review, 条例 Art. 36(2), XF-REV-05: from `start_date` to `end_date`, both included).
    Rows are never edited: the clock's history stays readable."""

    restrict_org_field = "clock__org_id"

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("类型"), max_length=16, choices=AdjustmentKind.choices)
    days = models.PositiveIntegerField(_("天数"), default=0)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = RestrictedManager["ClockAdjustment"]()

    class Meta:
        verbose_name = _("时限调整")
        verbose_name_plural = _("时限调整")
        ordering = ["clock_id", "id"]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.kind} {self.days}"
