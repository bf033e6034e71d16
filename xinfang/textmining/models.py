from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
