"""The printable guidance map: one page of A4 or A3, rendered by WeasyPrint from the same tree as
the web page (`selectors.guidance_map`), with the Noto CJK fonts and the font check of the
instruments (`xinfang.notices.rendering`). The layout shrinks the type step by step until the map
fits one page; the PDF is cached under the fingerprint of the tree, so a change in the data gives a
new PDF and an unchanged map is not laid out again."""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import cache
from django.template.loader import render_to_string

from xinfang.notices.rendering import BODY_FONT, font_check, qr_svg_data_uri

from .selectors import GuidanceMap

logger = logging.getLogger(__name__)

# Paper sizes offered, with the base type size (pt) of the map on each: A3 is A4 scaled by √2.
PAPER: dict[str, tuple[str, float]] = {"a4": ("A4", 7.4), "a3": ("A3", 10.4)}
# Type scales tried in turn until the map fits on one page.
SCALES = (1.0, 0.92, 0.85, 0.78, 0.72, 0.66, 0.6, 0.55, 0.5)
CACHE_SECONDS = 24 * 3600


def font_family(language: str) -> str:
    """The CSS font stack of the map: the instruments' body font, with its traditional-Chinese
    sibling first for zh-hant readers (the glyph forms readers of that script expect)."""
    families = [BODY_FONT]
    if language.lower() == "zh-hant" and BODY_FONT.endswith(" SC"):
        families.insert(0, BODY_FONT[:-3] + " TC")
    return ", ".join(f'"{family}"' for family in families)


def _html(tree: GuidanceMap, paper: str, size_pt: float, url: str) -> str:
    page, _base = PAPER[paper]
    return render_to_string(
        "guidance/map_pdf.html",
        {
            "map": tree,
            "page_size": page,
            "font": font_family(tree.language),
            "size": f"{size_pt:.2f}",
            "url": url,
            "qr": qr_svg_data_uri(url) if url else "",
        },
    )


def map_pdf_render(tree: GuidanceMap, *, paper: str, url: str = "") -> tuple[bytes, int]:
    """The one-page PDF of the map on `paper` ("a4" or "a3") and the number of pages it took (1
    unless the data is too large even at the smallest type; then it is logged). `url` (the web
    page of the same map) is printed with its QR code. Imported lazily: WeasyPrint loads Pango."""
    from weasyprint import HTML

    font_check()
    _page, base = PAPER[paper]
    document = None
    for scale in SCALES:
        document = HTML(string=_html(tree, paper, base * scale, url)).render()
        if len(document.pages) == 1:
            break
    assert document is not None
    pages = len(document.pages)
    if pages > 1:
        logger.warning("guidance map %s does not fit one %s page (%s pages)", tree.area_name, paper, pages)
    return bytes(document.write_pdf()), pages


def map_pdf(tree: GuidanceMap, *, paper: str, url: str = "") -> bytes:
    """The PDF from the cache when the same map (same fingerprint, paper and address) was rendered
    before; rendered and cached otherwise."""
    address = hashlib.sha256(url.encode()).hexdigest()[:16]
    key = f"guidance:map-pdf:{paper}:{tree.fingerprint}:{address}"
    pdf = cache.get(key)
    if pdf is None:
        started = time.monotonic()
        pdf, _pages = map_pdf_render(tree, paper=paper, url=url)
        logger.info("guidance map %s %s rendered in %.0f ms", tree.language, paper, (time.monotonic() - started) * 1000)
        cache.set(key, pdf, CACHE_SECONDS)
    return bytes(pdf)
