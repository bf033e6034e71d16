"""Grids (三网融合), the dispute categories of grid management, their due times, and grid events.

A grid is an `orgs.Organisation` of kind GRID; `GridProfile` adds its boundary (GeoJSON in WGS84
lon/lat), the village it belongs to and the layers it carries. Grid workers are memberships with
`Role.GRID_WORKER` at the grid organisation (accounts), not a model of their own.

A grid event's due clock is a `workcalendar.Clock` row (object type "grid.gridevent", kind
"grid_due"), started at report, restarted on escalation, stopped when handled. Parties' names and
phones are personal data: they stay in `GridEvent.parties`, never in audit rows."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.orgs.models import Organisation

from .states import EventLevel, EventStatus, Layer


class GridProfile(models.Model):
    """The map and layers of one grid organisation. `boundary` is a GeoJSON geometry (Polygon or
    MultiPolygon, lon/lat), validated by `grid_profile_save`; `layers` a list of `Layer` values."""

    restrict_org_field = "organisation"

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="grid_profile"
    )
    village = models.ForeignKey(
        Organisation, verbose_name=_("所属村（社区）"), on_delete=models.PROTECT, related_name="grid_profiles"
    )
    boundary = models.JSONField(_("边界"), default=dict, blank=True)
    layers = models.JSONField(_("网格图层"), default=list, blank=True)
    # Bounding box of the boundary, kept by the service: a point lookup reads only candidate grids.
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["GridProfile"]()

    class Meta:
        verbose_name = _("网格信息")
        verbose_name_plural = _("网格信息")
        ordering = ["organisation__path"]

    def __str__(self) -> str:
        return self.organisation.name

    @property
    def layer_labels(self) -> list[str]:
        return [str(Layer(value).label) for value in self.layers if value in Layer.values]


category_code_validator = RegexValidator(r"^[a-z][a-z0-9_]{1,39}$", _("分类编码只能包含小写字母、数字和下划线。"))


class DisputeCategory(models.Model):
    """A grid dispute type (label system 3 of architecture.md; configurable). `keywords` is one
    keyword or phrase per line (or separated by commas); they drive the suggestion for
    uncategorised events."""

    code = models.CharField(_("编码"), max_length=40, unique=True, validators=[category_code_validator])
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    keywords = models.TextField(_("关键词"), blank=True, help_text=_("每行一个，或用逗号分隔。"))
    is_active = models.BooleanField(_("有效"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("矛盾纠纷类别")
        verbose_name_plural = _("矛盾纠纷类别")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        from xinfang.core.text import localized_name

        return localized_name(self.name, self.name_en)

    def keyword_list(self) -> list[str]:
        words: list[str] = []
        for line in self.keywords.replace("，", ",").replace("、", ",").splitlines():
            words.extend(part.strip() for part in line.split(",") if part.strip())
        return words


class DueUnit(models.TextChoices):
    WORKING = "working", _("工作日")
    NATURAL = "calendar", _("自然日")


class CategoryDue(models.Model):
    """How long a category's events may take at a level. These are the district's own settings
    (configuration, not law): the regulations set no time limit for grid events."""

    category = models.ForeignKey(DisputeCategory, verbose_name=_("类别"), on_delete=models.CASCADE, related_name="dues")
    level = models.CharField(_("层级"), max_length=16, choices=EventLevel.choices)
    period = models.PositiveSmallIntegerField(_("期限"))
    unit = models.CharField(_("单位"), max_length=16, choices=DueUnit.choices, default=DueUnit.WORKING)

    class Meta:
        verbose_name = _("处置时限")
        verbose_name_plural = _("处置时限")
        ordering = ["category__sort", "level"]
        constraints = [
            models.UniqueConstraint(fields=["category", "level"], name="grid_category_due_once_per_level"),
            models.CheckConstraint(condition=models.Q(period__gt=0), name="grid_category_due_period_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}/{self.level}: {self.period} {self.unit}"


class EventSequence(models.Model):
    """Counter of event numbers per grid and year (locked on use: numbers are never shared)."""

    grid = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grid", "year"], name="grid_event_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.grid_id}/{self.year}: {self.last}"


class GridEvent(models.Model):
    """A dispute or incident found in a grid (网格事件). It is handled at `level` by `current_org`
    (the village, then the town/street, then the district when escalated); it may become a petition
    (`matter`) or a mediation case (`mediation_case`), each linked both ways."""

    restrict_org_field = ("grid", "current_org")

    number = models.CharField(_("事件编号"), max_length=64, unique=True)
    grid = models.ForeignKey(Organisation, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="grid_events")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_grid_events",
    )
    reported_at = models.DateTimeField(_("上报时间"))
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    place_text = models.CharField(_("事发地点"), max_length=200)
    lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    category = models.ForeignKey(
        DisputeCategory,
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    suggested_category = models.ForeignKey(
        DisputeCategory,
        verbose_name=_("建议类别"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggested_events",
    )
    suggestion_score = models.FloatField(_("建议得分"), null=True, blank=True)
    suggestion_words = models.JSONField(_("命中关键词"), default=list, blank=True)
    description = models.TextField(_("事件描述"))
    parties = models.JSONField(_("当事人"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=EventStatus.choices, default=EventStatus.REPORTED)
    level = models.CharField(_("处置层级"), max_length=16, choices=EventLevel.choices, default=EventLevel.VILLAGE)
    current_org = models.ForeignKey(
        Organisation, verbose_name=_("当前处置机构"), on_delete=models.PROTECT, related_name="held_grid_events"
    )
    result = models.TextField(_("处置结果"), blank=True)
    escalation_reason = models.TextField(_("上报理由"), blank=True)
    verification_note = models.TextField(_("核查情况"), blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    matter = models.OneToOneField(
        "petitions.Matter",
        verbose_name=_("转为信访事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_event",
    )
    mediation_case = models.OneToOneField(
        "mediation.MediationCase",
        verbose_name=_("转为调解案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_event",
    )
    mediation_result = models.TextField(_("调解结果"), blank=True)
    # For bulk imports (grid.importing): the id of the import batch that created the row.
    import_batch = models.CharField(_("导入批次"), max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["GridEvent"]()

    class Meta:
        verbose_name = _("网格事件")
        verbose_name_plural = _("网格事件")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "reported_at"]),
            models.Index(fields=["category", "reported_at"]),
            models.Index(fields=["status"]),
            models.Index(fields=["current_org", "status"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def shown_category(self) -> DisputeCategory | None:
        return self.category or self.suggested_category


def photo_path(instance: GridEventPhoto, filename: str) -> str:
    return f"grid_events/{instance.event_id}/{instance.sha256[:16]}-{filename[-80:]}"


class GridEventPhoto(models.Model):
    """A photo of an event, its type checked by content (JPEG or PNG), hashed."""

    restrict_org_field = ("event__grid", "event__current_org")

    event = models.ForeignKey(GridEvent, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), upload_to=photo_path)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = RestrictedManager["GridEventPhoto"]()

    class Meta:
        verbose_name = _("事件照片")
        verbose_name_plural = _("事件照片")
        constraints = [models.UniqueConstraint(fields=["event", "sha256"], name="grid_photo_once_per_event")]

    def __str__(self) -> str:
        return self.original_name or self.sha256[:12]
