"""Import jobs (数据导入): one uploaded file of one kind, checked (dry run) or imported, with its
progress, counts and row errors. The file is kept under MEDIA_ROOT/imports/ with a random name
(the original name, which may name people, stays in the row only), so a clean dry run can be
imported for real from the same bytes (checked again by their SHA-256)."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Organisation

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class ImportKind(models.TextChoices):
    """What a file holds."""

    MATTERS = "matters", _("信访事项")
    PETITIONERS = "petitioners", _("信访人")
    POWERLIST = "powerlist", _("权责清单")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("未通过")


FINISHED = frozenset({ImportStatus.DONE, ImportStatus.FAILED})


def _upload_path(instance: ImportJob, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"imports/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def restrict(self, user: AbstractBaseUser | AnonymousUser | Any, action: str) -> ImportJobQuerySet:
        """Jobs are personal: a user sees the jobs they started; a user whose scope for `action`
        is everything (system administrators, see `policies.IMPORT_ADMIN`) sees all jobs."""
        from xinfang.accounts.policies import organisation_scope

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if organisation_scope(user, action).everything:
            return self
        return self.filter(created_by_id=user.pk)


class ImportJob(models.Model):
    """One import of a file: queued, running, then done (every row imported, or checked when
    `dry_run`) or failed (nothing written: the file could not be read, or rows have errors).
    `counts` holds what was (or in a dry run: would be) created, `errors` the first row errors
    ({"row", "column", "message"}; at most XINFANG_IMPORT_MAX_ERRORS) and `error_count` all of them."""

    kind = models.CharField(_("导入类型"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("文件"), upload_to=_upload_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    dry_run = models.BooleanField(_("试导入"), default=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    total = models.PositiveIntegerField(_("总行数"), default=0)
    processed = models.PositiveIntegerField(_("已处理行数"), default=0)
    counts = models.JSONField(_("结果统计"), default=dict, blank=True)
    errors = models.JSONField(_("行错误"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    problem = models.TextField(_("文件问题"), blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_job = models.ForeignKey(
        "self",
        verbose_name=_("试导入任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imports",
        help_text=_("正式导入所依据的试导入任务。"),
    )
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    submission_key = models.CharField(_("提交标识"), max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def is_clean_dry_run(self) -> bool:
        """A dry run that found nothing wrong: it may be imported for real."""
        return self.dry_run and self.status == ImportStatus.DONE and self.error_count == 0

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors or [])
