"""Public pages (no login): the guidance map as a web page and as a one-page PDF (A4 or A3, in
any of the three languages), and the complaint and appeal guides. Views are thin: the map and the
guides come from `selectors`, the PDF from `rendering`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xinfang.core import ratelimit

from .models import Guide
from .rendering import PAPER, map_pdf
from .selectors import LocalisationError, guidance_map, guide_detail, guide_list, map_localisation, map_places
from .text import body_blocks

PDF_LIMIT = 20  # PDF downloads per client address per minute (a render costs about a second)
PDF_WINDOW = 60
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def _rate_limited(request: HttpRequest) -> bool:
    """The fixed-window counter per client address (`xinfang.core.ratelimit`)."""
    return ratelimit.hit("guidance:pdf", ratelimit.client_address(request), limit=PDF_LIMIT, window=PDF_WINDOW)


def _where(request: HttpRequest) -> dict[str, str]:
    """The localisation parameters of the request, as given (for links)."""
    return {name: request.GET[name] for name in ("point", "org") if request.GET.get(name)}


def _map_context(request: HttpRequest, *, error: str = "") -> dict[str, object]:
    where = _where(request)
    language = translation.get_language() or settings.LANGUAGE_CODE
    area, point_pk = (None, None)
    if not error:
        area, point_pk = map_localisation(point_pk=where.get("point"), org_pk=where.get("org"))
    tree = guidance_map(organisation=area, language=language, point_pk=point_pk)
    pdf = reverse("guidance:map_pdf")
    kept = where if not error else {}

    def links(lang: str) -> list[tuple[str, str]]:
        return [(PAPER[size][0], f"{pdf}?{urlencode({**kept, 'size': size, 'lang': lang})}") for size in PAPER]

    return {
        "map": tree,
        "error": error,
        "places": map_places(),
        "selected": tree.area_pk,
        "pdf_links": links(language),
        # The printable map in the other languages (a reception point prints all three).
        "other_pdf_links": [(code, name, links(code)) for code, name in settings.LANGUAGES if code != language],
    }


@require_GET
def map_view(request: HttpRequest) -> HttpResponse:
    """The guidance map of the district, or of one town (`?org=`) or reception point (`?point=`)."""
    try:
        return render(request, "guidance/map.html", _map_context(request))
    except LocalisationError as exc:
        return render(request, "guidance/map.html", _map_context(request, error=exc.message), status=exc.status)


@require_GET
def map_pdf_view(request: HttpRequest) -> HttpResponse:
    """The printable map: `?size=a4|a3&lang=zh-hans|zh-hant|en`, localised like the page."""
    size = request.GET.get("size", "a4").lower()
    language = request.GET.get("lang") or translation.get_language() or settings.LANGUAGE_CODE
    if _rate_limited(request):
        page = _bad_pdf_request(request, _("下载过于频繁，请一分钟后再试。"), 429)
        return ratelimit.too_many(page, retry_after=PDF_WINDOW)
    if size not in PAPER:
        return _bad_pdf_request(request, _("纸张规格只能是 A4 或 A3。"), 400)
    if language not in LANGUAGES:
        return _bad_pdf_request(request, _("不支持该语言。"), 400)
    where = _where(request)
    try:
        area, point_pk = map_localisation(point_pk=where.get("point"), org_pk=where.get("org"))
    except LocalisationError as exc:
        return _bad_pdf_request(request, exc.message, exc.status)
    page_url = request.build_absolute_uri(reverse("guidance:map") + (f"?{urlencode(where)}" if where else ""))
    with translation.override(language):
        tree = guidance_map(organisation=area, language=language, point_pk=point_pk)
        pdf = map_pdf(tree, paper=size, url=page_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    area_part = f"-{tree.area_pk}" if tree.area_pk else ""
    response["Content-Disposition"] = f'inline; filename="guidance-map{area_part}-{size}-{language}.pdf"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _bad_pdf_request(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "guidance/map.html", _map_context(request, error=message), status=status)


@require_GET
def guides_view(request: HttpRequest) -> HttpResponse:
    """The published complaint and appeal guides in the reader's language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return render(request, "guidance/guides.html", {"guides": guide_list(language=language)})


@require_GET
def guide_view(request: HttpRequest, slug: str) -> HttpResponse:
    """One guide in the reader's language, or in simplified Chinese with a note when it has not
    been translated yet."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    try:
        guide = guide_detail(slug=slug, language=language)
    except Guide.DoesNotExist:
        raise Http404(_("未找到该指南。")) from None
    return render(request, "guidance/guide.html", {"guide": guide, "blocks": body_blocks(guide.body)})
