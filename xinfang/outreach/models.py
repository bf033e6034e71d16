"""Cadres at the grassroots (四下基层, P8).

- `ReceptionDay`: a leader receives the public on a set day at a set place (领导接访日); once
  published, anyone may book a place (`Booking`) from the public pages, up to its capacity.
- `OutreachVisit`: a visit down to a village, community or grid (下访, 现场办公, 包联走访) with the
  people met and the matters raised there (`VisitItem`); each item is resolved on the spot or passed
  on as a petition, a grid event or a mediation case, linked both ways.
- `Assignment` (包联): a cadre assigned to a village, community or grid for a period, with its
  `VisitPlan` (visits per month and/or planned dates, `PlanDate`).

Rows belong to an organisation (docs/permissions.md, `outreach.manage`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.orgs.models import Organisation, ReceptionPoint

from .states import BookingStatus, ItemOutcome, VisitKind


class ReceptionDay(models.Model):
    """A leader's reception day (领导接访日): who (a user, or a name and title), where (a reception
    point and/or a place in words), when, on what topic and for how many bookings. Only published
    days are shown to the public and bookable."""

    restrict_org_field = "organisation"

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="reception_days"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接访领导（账号）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reception_days",
    )
    leader_name = models.CharField(_("接访领导"), max_length=60)
    leader_title = models.CharField(_("职务"), max_length=100)
    reception_point = models.ForeignKey(
        ReceptionPoint,
        verbose_name=_("接待场所"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reception_days",
    )
    place = models.CharField(_("接访地点"), max_length=200)
    date = models.DateField(_("接访日期"), db_index=True)
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    topic = models.CharField(_("接访主题"), max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(_("可预约人数"))
    is_published = models.BooleanField(_("已公布"), default=False, db_index=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager["ReceptionDay"]()

    class Meta:
        verbose_name = _("领导接访日")
        verbose_name_plural = _("领导接访日")
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_time__gt=models.F("start_time")), name="outreach_day_times"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="outreach_day_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.leader_name}"


class Booking(models.Model):
    """A member of the public's place on a reception day. The person keeps a reference and a query
    code (only a keyed hash is stored) to look it up or cancel it. One active booking per phone
    number per day; the day's capacity counts active (not cancelled) bookings."""

    restrict_org_field = "reception_day__organisation"

    reception_day = models.ForeignKey(
        ReceptionDay, verbose_name=_("接访日"), on_delete=models.PROTECT, related_name="bookings"
    )
    reference = models.CharField(_("预约编号"), max_length=16, unique=True)
    code_hash = models.CharField(_("查询码摘要"), max_length=64, editable=False)
    name = models.CharField(_("姓名"), max_length=60)
    phone = models.CharField(_("联系电话"), max_length=20, help_text=_("只保存数字。"))
    subject = models.TextField(_("反映事项"), max_length=1000)
    preferred_time = models.TimeField(_("希望时段"), null=True, blank=True)
    language = models.CharField(_("预约语言"), max_length=10, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.BOOKED, db_index=True
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["Booking"]()

    class Meta:
        verbose_name = _("接访预约")
        verbose_name_plural = _("接访预约")
        ordering = ["reception_day_id", "preferred_time", "created_at", "id"]
        constraints = [
            # OUT-02: one active booking per phone number per reception day.
            models.UniqueConstraint(
                fields=["reception_day", "phone"],
                condition=~models.Q(status="cancelled"),
                name="outreach_booking_one_per_phone",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def phone_masked(self) -> str:
        """ "13800001234" → "138****1234" (lists never show the whole number)."""
        digits = self.phone
        if len(digits) <= 4:
            return "*" * len(digits)
        return f"{digits[:3]}{'*' * max(len(digits) - 7, 1)}{digits[-4:]}"


class Assignment(models.Model):
    """包联: a cadre assigned to a village, community or grid from `start` to `end` (open-ended when
    empty), with a visit plan."""

    restrict_org_field = "organisation"

    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包联干部"),
        on_delete=models.PROTECT,
        related_name="outreach_assignments",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("包联村（社区、网格）"),
        on_delete=models.PROTECT,
        related_name="outreach_assignments",
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager["Assignment"]()

    class Meta:
        verbose_name = _("包联安排")
        verbose_name_plural = _("包联安排")
        ordering = ["organisation__path", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="outreach_assignment_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.organisation}"


class VisitPlan(models.Model):
    """The visit plan of an assignment: a number of visits per month, and/or planned dates."""

    restrict_org_field = "assignment__organisation"

    assignment = models.OneToOneField(
        Assignment, verbose_name=_("包联安排"), on_delete=models.CASCADE, related_name="plan"
    )
    visits_per_month = models.PositiveSmallIntegerField(_("每月走访次数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["VisitPlan"]()

    class Meta:
        verbose_name = _("走访计划")
        verbose_name_plural = _("走访计划")

    def __str__(self) -> str:
        return f"{self.assignment}: {self.visits_per_month}"


class PlanDate(models.Model):
    """One planned visit date of a plan."""

    plan = models.ForeignKey(VisitPlan, verbose_name=_("走访计划"), on_delete=models.CASCADE, related_name="dates")
    date = models.DateField(_("计划日期"))

    class Meta:
        verbose_name = _("计划走访日期")
        verbose_name_plural = _("计划走访日期")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["plan", "date"], name="outreach_plan_date_unique")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"


class OutreachVisit(models.Model):
    """A visit down to the grassroots by a cadre: to a village, community, grid or town (and, in
    words, a company or a household there), with the number of people met and notes. `village` is
    the village or community the visit counts for in the figures (the grid's village for a grid)."""

    restrict_org_field = "organisation"

    kind = models.CharField(_("类型"), max_length=16, choices=VisitKind.choices)
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("干部"), on_delete=models.PROTECT, related_name="outreach_visits"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("走访地"), on_delete=models.PROTECT, related_name="outreach_visits"
    )
    village = models.ForeignKey(
        Organisation,
        verbose_name=_("所属村（社区）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("包联安排"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    place_text = models.CharField(_("具体地点（企业、农户等）"), max_length=200, blank=True)
    date = models.DateField(_("走访日期"), db_index=True)
    people_met = models.PositiveIntegerField(_("接触群众人数"), default=0)
    notes = models.TextField(_("走访情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = RestrictedManager["OutreachVisit"]()

    class Meta:
        verbose_name = _("下访走访")
        verbose_name_plural = _("下访走访")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["cadre", "date"]), models.Index(fields=["village", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.organisation}"


class VisitItem(models.Model):
    """A matter raised on a visit and what became of it: resolved on the spot (`resolution`), or
    registered as a petition (`matter`), a grid event (`grid_event`) or a mediation case
    (`mediation_case`). Each link has a reverse accessor on the other side (`outreach_items`,
    `outreach_item`)."""

    restrict_org_field = "visit__organisation"

    visit = models.ForeignKey(OutreachVisit, verbose_name=_("走访"), on_delete=models.CASCADE, related_name="items")
    description = models.TextField(_("反映事项"), max_length=2000)
    raised_by = models.CharField(_("反映人"), max_length=60, blank=True)
    raised_by_phone = models.CharField(_("反映人电话"), max_length=20, blank=True)
    outcome = models.CharField(
        _("处理结果"), max_length=16, choices=ItemOutcome.choices, default=ItemOutcome.OPEN, db_index=True
    )
    resolution = models.TextField(_("当场化解情况"), blank=True)
    matter = models.ForeignKey(
        "petitions.Matter",
        verbose_name=_("信访事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outreach_items",
    )
    grid_event = models.OneToOneField(
        "grid.GridEvent",
        verbose_name=_("网格事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outreach_item",
    )
    mediation_case = models.OneToOneField(
        "mediation.MediationCase",
        verbose_name=_("调解案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outreach_item",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects = RestrictedManager["VisitItem"]()

    class Meta:
        verbose_name = _("走访反映事项")
        verbose_name_plural = _("走访反映事项")
        ordering = ["visit_id", "id"]

    def __str__(self) -> str:
        return self.description[:30]
