"""Rendering instruments: the body template (a restricted Django template language: whitelisted
placeholders, `if` tags and two filters), and the PDF (WeasyPrint, Noto CJK fonts subset by
HarfBuzz; A4, official layout, a blank seal area — never a drawn seal)."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import segno
from django.core.exceptions import ValidationError
from django.template import Context, Engine
from django.template.loader import render_to_string
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

from .kinds import ALLOWED_FILTERS, ALLOWED_TAGS, SPECS

BODY_FONT = "Noto Serif CJK SC"
_VARIABLE = re.compile(r"{{\s*(.*?)\s*}}", re.S)
_TAG = re.compile(r"{%\s*(\w+)(.*?)%}", re.S)
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_CONDITION_WORDS = frozenset({"and", "or", "not", "in", "is", "None", "True", "False"})
# Autoescaping on; no loaders, no libraries: a template can reach nothing but its context.
# What fontconfig is asked for (a test points it at a language with no font).
_FC_LIST_ARGS = (":lang=zh", "family")
_ENGINE = Engine(autoescape=True, libraries={}, loaders=[])


class FontMissingError(RuntimeError):
    """No CJK font is installed: a PDF would show boxes instead of characters."""


def template_names(body: str) -> tuple[set[str], set[str], set[str]]:
    """The placeholders, tags and filters a template body uses."""
    names: set[str] = set()
    tags: set[str] = set()
    filters: set[str] = set()
    for expression in _VARIABLE.findall(body):
        variable, *applied = expression.split("|")
        names.add(variable.strip().split(".")[0])
        filters.update(f.split(":")[0].strip() for f in applied)
    for tag, rest in _TAG.findall(body):
        tags.add(tag)
        for word in _NAME.findall(rest):
            if word not in _CONDITION_WORDS:
                names.add(word.split(".")[0])
    return names, tags, filters


def template_validate(kind: str, body: str) -> None:
    """Refuse a body that uses a placeholder outside the kind's whitelist, another tag or filter,
    or that does not compile. The error lists the offending names."""
    spec = SPECS[kind]
    names, tags, filters = template_names(body)
    errors = []
    unknown = sorted(names - spec.placeholders)
    if unknown:
        errors.append(
            _("模板使用了未知的占位符：%(names)s。可用的占位符：%(allowed)s。")
            % {"names": "、".join(unknown), "allowed": "、".join(sorted(spec.placeholders))}
        )
    if tags - ALLOWED_TAGS:
        errors.append(_("模板使用了不允许的标签：%(names)s。") % {"names": "、".join(sorted(tags - ALLOWED_TAGS))})
    if filters - ALLOWED_FILTERS:
        errors.append(
            _("模板使用了不允许的过滤器：%(names)s。") % {"names": "、".join(sorted(filters - ALLOWED_FILTERS))}
        )
    if not errors:
        try:
            _ENGINE.from_string(body)
        except Exception as exc:  # TemplateSyntaxError and friends
            errors.append(_("模板语法错误：%(error)s") % {"error": exc})
    if errors:
        raise ValidationError({"body": errors})


def body_render(body: str, context: dict[str, Any]) -> str:
    """The body as plain text (placeholders filled in; blank lines separate paragraphs)."""
    # Autoescape is turned off for the text: the HTML layout escapes it once, paragraph by paragraph.
    return _ENGINE.from_string("{% autoescape off %}" + body + "{% endautoescape %}").render(Context(context)).strip()


def qr_svg_data_uri(url: str) -> str:
    """The QR code of the verification URL as an SVG data URI (vector: no raster image in the PDF)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=3, border=1))


def font_check() -> None:
    """Raise FontMissingError unless fontconfig lists a font for Chinese. Checked on every render
    (about ten milliseconds): a font removed after start-up must not produce boxes silently."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise FontMissingError(
            _("未找到 fontconfig（fc-list），无法确认中文字体。请安装 fontconfig 和 fonts-noto-cjk。")
        )
    found = subprocess.run([fc_list, *_FC_LIST_ARGS], capture_output=True, text=True, check=False).stdout  # noqa: S603
    if not found.strip():
        raise FontMissingError(_("系统中没有中文字体，无法生成文书 PDF。请安装 fonts-noto-cjk。"))


def pdf_render(
    *,
    organisation_name: str,
    title: str,
    number: str,
    body: str,
    issue_date: str,
    verification_code: str,
    verify_url: str,
) -> bytes:
    """The PDF of one instrument. Imported lazily: WeasyPrint loads Pango at import time."""
    from weasyprint import HTML

    font_check()
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    html = render_to_string(
        "notices/document_pdf.html",
        {
            "font": BODY_FONT,
            "organisation_name": organisation_name,
            "title": title,
            "number": number,
            "paragraphs": format_html_join("\n", "<p>{}</p>", ((p,) for p in paragraphs)),
            "issue_date": issue_date,
            "verification_code": verification_code,
            "verify_url": verify_url,
            "qr": qr_svg_data_uri(verify_url),
        },
    )
    return bytes(HTML(string=html).write_pdf())
