"""The append-only, hash-chained audit log (capability S7)."""

from __future__ import annotations

import json

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager


class AuditEvent(models.Model):
    """One action by one actor on one object. Rows hold ids and labels, never foreign keys (deleting
    a user or organisation must not be blocked) and never personal data (that lives in its own
    tables, so it can be corrected or erased without breaking the chain). Each row's `hash` covers
    its own content and the previous row's hash; the database refuses UPDATE and DELETE."""

    restrict_org_field = "org_id"

    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, blank=True)
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_label = models.CharField(_("对象"), max_length=200, blank=True)
    org_id = models.BigIntegerField(_("所属机构编号"), null=True, blank=True, db_index=True)
    summary = models.JSONField(_("变更摘要"), default=dict, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    # Unique: two events can never claim the same predecessor, so the chain cannot fork even if
    # appends were not serialised (the second writer fails instead).
    prev_hash = models.CharField(_("前一哈希"), max_length=64, unique=True)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    objects = RestrictedManager["AuditEvent"]()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_label}"

    @property
    def summary_text(self) -> str:
        """The summary as indented JSON, for display."""
        return json.dumps(self.summary, ensure_ascii=False, indent=2, sort_keys=True)
