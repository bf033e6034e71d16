"""Order (维护秩序法治化, O1 and O3 of the mission; docs/order.md).

- `ConductRecord`: a record of conduct listed in 条例 Art. 26 (XF-BEH-01) and of the lawful response
  (XF-BEH-02: staff dissuade, criticise, educate; serious disorder handed to the police). It records;
  it never imposes a sanction. Linked to the matters and petitioners concerned, with evidence files.
- `ClusterWarning`: early warning when matters (and grid events) cluster on a theme, a place or a
  company name within a window; one live warning per cluster key, updated by each check.
- `LitigationTrack`: the court's four-level model for a litigation-related matter (XF-HDL-03, 诉访
  分离), with every level change and its reason in `LitigationLevelChange`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import MATTER_CHILD_ORG_FIELDS, HiddenFromReported, Matter, Petitioner

from .states import LIVE_WARNING_STATUSES, ConductKind, LitigationLevel, WarningKind, WarningStatus


class ConductRecord(models.Model):
    """One incident: what happened (kind, time, place, description), who was involved, and what was
    done. `organisation` is the organ whose staff recorded it (usually a petition bureau)."""

    restrict_org_field = "organisation"

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("记录机关"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("行为类型"), max_length=24, choices=ConductKind.choices, db_index=True)
    occurred_at = models.DateTimeField(_("发生时间"), db_index=True)
    place_org = models.ForeignKey(
        Organisation, verbose_name=_("发生地"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place_text = models.CharField(_("详细地点"), max_length=200)
    description = models.TextField(_("经过"))
    responses = models.JSONField(_("处置方式"), default=list)
    response_note = models.TextField(_("劝阻、批评、教育情况"), blank=True)
    police_unit = models.CharField(_("移交的公安机关"), max_length=120, blank=True)
    police_handed_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    police_note = models.TextField(
        _("公安机关处置情况"), blank=True, help_text=_("只记录公安机关告知的处置情况；本系统不作出任何处罚。")
    )
    other_persons = models.CharField(_("其他涉及人员"), max_length=200, blank=True)
    matters = models.ManyToManyField(Matter, verbose_name=_("关联信访事项"), related_name="conduct_records")
    petitioners = models.ManyToManyField(
        Petitioner, verbose_name=_("涉及信访人"), blank=True, related_name="conduct_records"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = RestrictedManager["ConductRecord"]()

    class Meta:
        verbose_name = _("信访秩序记录")
        verbose_name_plural = _("信访秩序记录")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["organisation", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def reference(self) -> str:
        return f"ZX{self.occurred_at:%Y}-{self.pk:05d}"


def evidence_path(instance: ConductEvidence, filename: str) -> str:
    return f"order/{instance.record_id}/{instance.sha256[:16]}-{filename[-80:]}"


class ConductEvidence(models.Model):
    """A photo, scan or statement kept as evidence: checked by content and size like every upload."""

    record = models.ForeignKey(ConductRecord, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_path)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证据材料")
        verbose_name_plural = _("证据材料")
        constraints = [models.UniqueConstraint(fields=["record", "sha256"], name="order_evidence_once_per_record")]

    def __str__(self) -> str:
        return self.original_name


class ClusterWarning(models.Model):
    """Matters cluster: `key` names the cluster ("theme:land", "place:42", "name:某某物业有限公司").
    At most one live (open or acknowledged) warning per key; the check updates it. `organisation` is
    the area it belongs to (the place itself, or the district for themes and names)."""

    restrict_org_field = "organisation"

    key = models.CharField(_("聚集标识"), max_length=120, db_index=True, editable=False)
    kind = models.CharField(_("预警类型"), max_length=8, choices=WarningKind.choices)
    label = models.CharField(_("聚集内容"), max_length=120)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=WarningStatus.choices, default=WarningStatus.OPEN, db_index=True
    )
    matter_count = models.PositiveIntegerField(_("信访事项数"), default=0)
    grid_event_count = models.PositiveIntegerField(_("网格事件数"), default=0)
    grid_event_ids = models.JSONField(_("网格事件"), default=list, blank=True)
    threshold = models.PositiveIntegerField(_("预警阈值"))
    window_days = models.PositiveIntegerField(_("统计天数"))
    window_start = models.DateTimeField(_("统计起点"))
    matters = models.ManyToManyField(Matter, verbose_name=_("聚集事项"), related_name="cluster_warnings")
    raised_at = models.DateTimeField(_("预警时间"), auto_now_add=True)
    checked_at = models.DateTimeField(_("最近核查时间"))
    acknowledged_at = models.DateTimeField(_("知悉时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("知悉人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关闭人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("处理情况"), blank=True)

    objects = RestrictedManager["ClusterWarning"]()

    class Meta:
        verbose_name = _("聚集预警")
        verbose_name_plural = _("聚集预警")
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(status__in=LIVE_WARNING_STATUSES), name="order_one_live_warning_per_key"
            )
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"

    @property
    def total(self) -> int:
        return self.matter_count + self.grid_event_count

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_WARNING_STATUSES


class LitigationTrack(HiddenFromReported):
    """The four-level handling of one litigation-related matter (涉法涉诉, O3): the level now, who is
    responsible, and (for joint handling) the bodies handling it together. Seen by whoever sees the
    matter, and by the responsible organisation."""

    restrict_org_field = (*MATTER_CHILD_ORG_FIELDS, "responsible_org")

    matter = models.OneToOneField(
        Matter, verbose_name=_("信访事项"), on_delete=models.CASCADE, related_name="litigation_track"
    )
    level = models.CharField(_("办理层级"), max_length=8, choices=LitigationLevel.choices, db_index=True)
    responsible_org = models.ForeignKey(
        Organisation, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.CharField(_("责任人"), max_length=60)
    joint_orgs = models.ManyToManyField(Organisation, verbose_name=_("联合办理单位"), blank=True, related_name="+")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["LitigationTrack"]()

    class Meta:
        verbose_name = _("涉法涉诉分级办理")
        verbose_name_plural = _("涉法涉诉分级办理")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.matter_id}: {self.get_level_display()}"


class LitigationLevelChange(models.Model):
    """One entry in the history of a track: the level it went to (from the level before, blank for
    the first entry), the responsible organisation and person then, the reason, who and when."""

    track = models.ForeignKey(LitigationTrack, on_delete=models.CASCADE, related_name="changes")
    from_level = models.CharField(_("原层级"), max_length=8, choices=LitigationLevel.choices, blank=True)
    to_level = models.CharField(_("新层级"), max_length=8, choices=LitigationLevel.choices)
    responsible_org = models.ForeignKey(
        Organisation, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.CharField(_("责任人"), max_length=60)
    reason = models.TextField(_("理由"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("层级变更")
        verbose_name_plural = _("层级变更")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_level or '-'} → {self.to_level}"
