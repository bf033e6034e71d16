"""Written instruments: their templates (versioned, editable by administrators), the number series
(文号) per organisation, kind and year, the issued documents and their deliveries.

A document links to a matter by an optional foreign key and, for other objects (a review, a
hearing, a supervision), by `object_type`/`object_id` strings, so later workflows need no change here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.orgs.models import Organisation

from .kinds import DocumentKind

DEFAULT_PATTERN = "{org_short}信{kind_abbr}〔{year}〕{seq}号"


class DocumentTemplate(models.Model):
    """The wording of one kind of instrument in one language. Saving makes a new version (through
    `template_save`); the version in force on a day is the newest with `valid_from` on or before it."""

    kind = models.CharField(_("文书种类"), max_length=32, choices=DocumentKind.choices)
    language = models.CharField(_("语言"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    version = models.PositiveIntegerField(_("版本"))
    valid_from = models.DateField(_("施行日期"))
    body = models.TextField(_("正文模板"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")
        ordering = ("kind", "language", "-version")
        constraints = [
            models.UniqueConstraint(fields=["kind", "language", "version"], name="notices_template_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class NumberSeries(models.Model):
    """The document numbers (文号) of one organisation, kind and year: `last` is the last number
    given; numbers are taken under a row lock in the issuing transaction, so there are no gaps."""

    restrict_org_field = "organisation"

    organisation = models.ForeignKey(Organisation, verbose_name=_("发文机关"), on_delete=models.PROTECT)
    kind = models.CharField(_("文书种类"), max_length=32, choices=DocumentKind.choices)
    year = models.PositiveIntegerField(_("年度"))
    pattern = models.CharField(
        _("文号格式"),
        max_length=100,
        default=DEFAULT_PATTERN,
        help_text=_("可用占位符：{org_short}、{kind_abbr}、{year}、{seq}（如 {seq:03d} 补零）。"),
    )
    last = models.PositiveIntegerField(_("已用至"), default=0)

    objects = RestrictedManager["NumberSeries"]()

    class Meta:
        verbose_name = _("文号序列")
        verbose_name_plural = _("文号序列")
        constraints = [models.UniqueConstraint(fields=["organisation", "kind", "year"], name="notices_series_unique")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_kind_display()} {self.year}"


class DocumentStatus(models.TextChoices):
    ISSUED = "issued", _("有效")
    VOID = "void", _("已作废")


class Document(models.Model):
    """One issued instrument: its number, the context it was rendered with (a snapshot, so it can
    be rendered again identically), the stored PDF and its SHA-256, and the public verification code."""

    restrict_org_field = "organisation"

    number = models.CharField(_("文号"), max_length=100)
    kind = models.CharField(_("文书种类"), max_length=32, choices=DocumentKind.choices)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("发文机关"), on_delete=models.PROTECT, related_name="documents"
    )
    series = models.ForeignKey(NumberSeries, verbose_name=_("文号序列"), on_delete=models.PROTECT)
    sequence = models.PositiveIntegerField(_("序号"))
    matter = models.ForeignKey(
        "petitions.Matter",
        verbose_name=_("信访事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    object_type = models.CharField(_("关联对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("关联对象编号"), max_length=64, blank=True)
    context = models.JSONField(_("内容快照"), default=dict)
    body = models.TextField(_("正文"))
    template_version = models.PositiveIntegerField(_("模板版本"), help_text=_("0 表示系统默认模板。"))
    verification_code = models.CharField(_("验证码"), max_length=32, unique=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.ISSUED, db_index=True
    )
    void_reason = models.CharField(_("作废原因"), max_length=500, blank=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    issued_at = models.DateTimeField(_("发文时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发文人"), on_delete=models.PROTECT, related_name="+"
    )
    pdf = models.BinaryField(_("PDF 文件"))
    pdf_sha256 = models.CharField(_("PDF 文件 SHA-256"), max_length=64)

    objects = RestrictedManager["Document"]()

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ("-issued_at",)
        constraints = [
            models.UniqueConstraint(fields=["series", "sequence"], name="notices_document_sequence_unique"),
        ]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return self.number


class DeliveryMethod(models.TextChoices):
    HAND = "hand", _("直接送达")
    POST = "post", _("邮寄送达")
    ONLINE = "online", _("网上送达")
    SMS = "sms", _("短信送达")


class Delivery(models.Model):
    """The delivery (送达) of a document: how, when, to whom, and the proof."""

    restrict_org_field = "document__organisation"

    document = models.ForeignKey(Document, verbose_name=_("文书"), on_delete=models.PROTECT, related_name="deliveries")
    method = models.CharField(_("送达方式"), max_length=10, choices=DeliveryMethod.choices)
    delivered_at = models.DateTimeField(_("送达时间"))
    recipient = models.CharField(_("受送达人"), max_length=100)
    note = models.CharField(_("送达凭证说明"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )

    objects = RestrictedManager["Delivery"]()

    class Meta:
        verbose_name = _("送达记录")
        verbose_name_plural = _("送达记录")
        ordering = ("delivered_at",)

    def __str__(self) -> str:
        return f"{self.document} {self.get_method_display()}"
