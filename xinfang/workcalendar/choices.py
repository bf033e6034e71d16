"""Codes shared by the models, the pure deadline arithmetic and the year-notice parser."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DayKind(models.TextChoices):
    """What a calendar day is. Working days are WORKDAY and MAKEUP_WORKDAY (调休上班)."""

    WORKDAY = "workday", _("工作日")
    WEEKEND = "weekend", _("周末")
    HOLIDAY = "holiday", _("节假日")
    MAKEUP_WORKDAY = "makeup_workday", _("调休上班日")


WORKING_KINDS = frozenset({DayKind.WORKDAY.value, DayKind.MAKEUP_WORKDAY.value})


class CalendarStatus(models.TextChoices):
    """Whether a year (or a day) comes from an official notice or is computed until the notice
    is published."""

    OFFICIAL = "official", _("正式")
    PROVISIONAL = "provisional", _("暂定")


class Unit(models.TextChoices):
    """Unit of a period (regulations.md §8: CAL, WD, months, years)."""

    # A context of their own: "工作日" is also a kind of day, and English needs the plural here.
    CALENDAR = "calendar", pgettext_lazy("period unit", "自然日")
    WORKING = "working", pgettext_lazy("period unit", "工作日")
    MONTH = "month", pgettext_lazy("period unit", "月")
    YEAR = "year", pgettext_lazy("period unit", "年")
