from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager


class NearDupBand(models.Model):
    """One LSH band hash of one indexed text (see `textmining.minhash`). An object (e.g. a matter,
    `object_type` "petitions.matter") has at most `BANDS` rows; two objects sharing a row's
    (band, hash) are near-duplicate candidates. `at` is the object's own time (a matter's received
    time) so that a look-up can be limited to a window. Derived data: rebuilt by `neardup_rebuild`."""

    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.BigIntegerField(_("对象编号"))
    band = models.SmallIntegerField(_("分段"))
    hash = models.BigIntegerField(_("分段哈希"))
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("近似重复索引分段")
        verbose_name_plural = _("近似重复索引分段")
        # (hash, band): a look-up is one `hash IN (…)` probe per band of the query text, which both
        # SQLite and PostgreSQL answer from the index (an OR of (band, hash) pairs scanned the table).
        indexes = [models.Index(fields=["hash", "band"], name="textmining_band_hash")]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "object_id", "band"], name="textmining_one_band_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id}#{self.band}"


class LabelMapping(models.Model):
    """Ties one classifier label (whatever the district trains on) to a statistical category and a
    power-list matter type (by its code: textmining does not import the power list). Kept by the
    organisation that trains the model; a matter below it uses the nearest organisation's row
    (architecture.md, "four label systems": nothing hard-codes one system into another)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("所属机关"), on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(_("分类标签"), max_length=100)
    category = models.CharField(_("统计类别"), max_length=100, blank=True)
    matter_type_code = models.CharField(_("事项类型编码"), max_length=32, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    restrict_org_field = "organisation"
    objects = RestrictedManager["LabelMapping"]()

    class Meta:
        verbose_name = _("分类标签对照")
        verbose_name_plural = _("分类标签对照")
        ordering = ["organisation_id", "label"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "label"], name="textmining_one_mapping_per_label")
        ]

    def __str__(self) -> str:
        return self.label


class ClassifierChoice(models.Model):
    """The clerk's category for one object (a matter: object type "petitions.matter" and its id),
    beside what the classifier suggested: the training data of `textmining_train --from-decided`.
    The text itself stays in the workflow app (personal data lives there); one row per object,
    replaced when the clerk changes the choice."""

    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.BigIntegerField(_("对象编号"))
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("分流机关"), on_delete=models.PROTECT, related_name="+"
    )
    chosen_label = models.CharField(_("选定分类"), max_length=100)
    suggested_label = models.CharField(_("建议分类"), max_length=100, blank=True)
    confidence = models.FloatField(_("置信度"), null=True, blank=True)
    model_sha256 = models.CharField(_("模型指纹"), max_length=64, blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("选择人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    chosen_at = models.DateTimeField(_("选择时间"))

    restrict_org_field = "organisation"
    objects = RestrictedManager["ClassifierChoice"]()

    class Meta:
        verbose_name = _("分类选择")
        verbose_name_plural = _("分类选择")
        ordering = ["-chosen_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "object_id"], name="textmining_one_choice_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.chosen_label}"
