"""Registered Open311 clients (civic apps), the requests they filed, and the acting account.

A client's API key is shown once when it is made (admin or `open311_client_create`) and only its
SHA-256 digest is kept: the key is random (256 bits), so a plain digest is enough and a look-up
by digest reveals nothing. Each client has its own service account (unusable password, no
memberships), recorded as the one who registered its matters and keyed to its idempotency keys.

No personal data here: the petitioner is in `petitions.Petitioner` like for every matter; a
request row holds the client, the matter, the service code chosen and the coordinates and media
link the client sent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import User
from xinfang.orgs.models import Organisation


class Open311Client(models.Model):
    """A civic app (or a system) that may file petitions through Open311 and read back those it
    filed. `organisation` is the body that answers for the client (who runs it)."""

    name = models.CharField(_("名称"), max_length=100)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("负责机构"), on_delete=models.PROTECT, related_name="+"
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务账号"),
        on_delete=models.PROTECT,
        related_name="open311_client",
        editable=False,
    )
    key_prefix = models.CharField(
        _("密钥前缀"), max_length=12, editable=False, help_text=_("用于辨认密钥，不能用于调用。")
    )
    key_digest = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("有效"), default=True)
    requests_per_hour = models.PositiveIntegerField(
        _("每小时提交上限"), default=60, help_text=_("该客户端每小时最多可以提交的信访事项数。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("Open311客户端")
        verbose_name_plural = _("Open311客户端")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Open311Request(models.Model):
    """A petition filed by a client: which client, which matter (its `public_ref` is the
    service_request_id), the service code chosen, and the location and media link as sent.
    The media link is recorded, never fetched."""

    client = models.ForeignKey(
        Open311Client, verbose_name=_("客户端"), on_delete=models.PROTECT, related_name="requests"
    )
    matter = models.OneToOneField(
        "petitions.Matter", verbose_name=_("信访事项"), on_delete=models.PROTECT, related_name="open311_request"
    )
    service_code = models.CharField(_("服务编码"), max_length=32)
    matter_type = models.ForeignKey(
        "powerlist.MatterType", verbose_name=_("事项类型"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True, help_text=_("按原样记录，系统不下载。"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311请求")
        verbose_name_plural = _("Open311请求")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["client", "created_at"])]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.matter_id}"


class Open311Account(User):
    """A client's service account acting for the public in one call (registering its petition):
    loaded for that call with `is_superuser` set on the object only, so it passes the policy
    checks as the system does, like the portal's account. Never saved: `save()` refuses."""

    class Meta:
        proxy = True
        app_label = "open311"
        default_permissions = ()

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the Open311 acting account is never saved; change the user through accounts.services")
