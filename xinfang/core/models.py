"""Models of the foundation itself: only API idempotency keys for now."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A create request's Idempotency-Key and the answer first given to it, so a client that sends
    the same create again (a retry after a timeout, a hotline system replaying its queue) gets the
    first answer instead of a second record. Keys belong to one user; they are kept
    XINFANG_API_IDEMPOTENCY_HOURS and purged by `api_idempotency_purge` (or replaced on use)."""

    class State(models.TextChoices):
        PENDING = "pending", _("处理中")
        DONE = "done", _("已完成")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE)
    key = models.CharField(_("幂等键"), max_length=255)
    fingerprint = models.CharField(_("请求指纹"), max_length=64, help_text=_("方法、路径和请求体的 SHA-256。"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    response_status = models.PositiveSmallIntegerField(_("响应状态码"), null=True, blank=True)
    response_body = models.JSONField(_("响应内容"), null=True, blank=True)
    response_location = models.CharField(_("Location"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_user_key")]

    def __str__(self) -> str:
        return self.key
