"""Complaint and appeal guides (O2): plain-language texts in three languages, edited by
administrators in the admin (every save audited, the version counted). The guidance map (A7) has
no model: it is computed from the power list, the classified-handling list and the reception
points (`selectors.guidance_map`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The languages a guide is written in, with the suffix of its fields. zh-hans is the source and
# the fallback (a guide always has it).
GUIDE_LANGUAGES: tuple[tuple[str, str], ...] = (("zh-hans", "zh_hans"), ("zh-hant", "zh_hant"), ("en", "en"))
SOURCE_LANGUAGE = "zh-hans"


class GuideQuerySet(models.QuerySet["Guide"]):
    def published(self) -> GuideQuerySet:
        return self.filter(is_published=True)


class Guide(models.Model):
    """One guide (e.g. the procuratorate's complaint and appeal procedure). Title and body per
    language; the body is plain text: paragraphs separated by blank lines, lines starting with
    "- " or "1. " form lists, a line starting with "## " is a heading (no HTML: `text.body_blocks`)."""

    slug = models.SlugField(_("标识"), max_length=60, unique=True)
    title_zh_hans = models.CharField(_("标题（简体中文）"), max_length=200)
    title_zh_hant = models.CharField(_("标题（繁体中文）"), max_length=200, blank=True)
    title_en = models.CharField(_("标题（英文）"), max_length=200, blank=True)
    summary_zh_hans = models.CharField(_("摘要（简体中文）"), max_length=300, blank=True)
    summary_zh_hant = models.CharField(_("摘要（繁体中文）"), max_length=300, blank=True)
    summary_en = models.CharField(_("摘要（英文）"), max_length=300, blank=True)
    body_zh_hans = models.TextField(
        _("正文（简体中文）"),
        help_text=_("纯文本：空行分段；以“- ”开头的行为列表项，以“1. ”开头的行为编号列表项，以“## ”开头的行为小标题。"),
    )
    body_zh_hant = models.TextField(_("正文（繁体中文）"), blank=True, help_text=_("留空时显示简体中文并加以说明。"))
    body_en = models.TextField(_("正文（英文）"), blank=True, help_text=_("留空时显示简体中文并加以说明。"))
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_published = models.BooleanField(_("已发布"), default=True, help_text=_("不勾选则公众页面不显示。"))
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = GuideQuerySet.as_manager()

    class Meta:
        verbose_name = _("投诉申诉指南")
        verbose_name_plural = _("投诉申诉指南")
        ordering = ["sort_order", "slug"]

    def __str__(self) -> str:
        return self.title_zh_hans

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("guidance:guide", kwargs={"slug": self.slug})

    def text(self, field: str, language: str) -> str:
        """The stored `field` ("title", "summary" or "body") in `language` ('' when missing)."""
        suffix = dict(GUIDE_LANGUAGES).get(language, "zh_hans")
        return str(getattr(self, f"{field}_{suffix}") or "").strip()
