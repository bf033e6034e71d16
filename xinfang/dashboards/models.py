"""Rollups of the dashboards (docs/dashboards.md, docs/metrics.md).

`Fact` is what one source row (a petition matter, a grid event) contributes to the figures: the day
it counts on (received or reported), the organisation it counts for, and its keys ("dim:value").
`Tally` holds the sums of those keys per organisation SUBTREE and per day ("d") and per month ("m"):
a fact of organisation X counts in the rows of X and of each of its ancestors (department -> town
-> district), so a dashboard of an organisation reads that organisation's rows only. The
audit listener (`rollups.on_audit_events`) recomputes the fact of each row a write touched and moves
the difference into the tallies, in the writer's transaction; `dashboards_rollup_rebuild` builds
both from the source tables. A dashboard over any period reads the whole months from the monthly
rows and the days at either edge from the daily rows: one grouped query."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager


class Source(models.TextChoices):
    MATTER = "m", _("信访事项")
    GRID_EVENT = "g", _("网格事件")


class Period(models.TextChoices):
    DAY = "d", _("日")
    MONTH = "m", _("月")


class Fact(models.Model):
    """The contribution of one matter or grid event to the tallies (the last one applied)."""

    source = models.CharField(_("来源"), max_length=1, choices=Source.choices)
    object_id = models.BigIntegerField(_("对象编号"))
    day = models.DateField(_("统计日"))
    org_id = models.BigIntegerField(_("统计机构编号"))
    keys = models.JSONField(_("统计键"), default=list)

    class Meta:
        verbose_name = _("统计事实")
        verbose_name_plural = _("统计事实")
        constraints = [models.UniqueConstraint(fields=["source", "object_id"], name="dashboards_fact_once")]

    def __str__(self) -> str:
        return f"{self.source}:{self.object_id}"


class Tally(models.Model):
    """How many rows of an organisation's subtree (the organisation and everything under it) carry
    one key, per day or per month (`start` is the day or the first day of the month). A fact of
    organisation X is counted in the rows of every organisation on X's path (X and its ancestors).
    The unique constraint leads with `org_id`: it is the index a dashboard reads through."""

    restrict_org_field = "org_id"

    period = models.CharField(_("周期"), max_length=1, choices=Period.choices)
    start = models.DateField(_("起始日"))
    org_id = models.BigIntegerField(_("统计机构编号"))  # the subtree's root
    dim = models.CharField(_("维度"), max_length=32)
    value = models.CharField(_("取值"), max_length=64, blank=True)
    n = models.IntegerField(_("数量"), default=0)

    objects = RestrictedManager["Tally"]()

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["org_id", "period", "start", "dim", "value"], name="dashboards_tally_subtree_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}{self.start:%Y-%m-%d} {self.org_id} {self.dim}:{self.value}={self.n}"
