"""Staff pages of the hot spots (/text/hotspots/, `statistics.view`) and the reply check endpoint
(/text/reply-check/, htmx, POST with CSRF, login required). Thin: the documents come through the
sources registry (each applies `restrict()`), the computation is `hotspots.hotspots_compute`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action

from .hotspots import HotSpot
from .hotspots_forms import HotspotWindowForm, ReplyCheckForm
from .hotspots_sources import hotspots_for
from .replycheck import reply_check

LIST_SIZE = 30


def _check_viewer(user: Any) -> None:
    if not user_can(user, Action.STATISTICS_VIEW):
        raise PermissionDenied(_("您没有权限查看统计。"))


def _window(request: HttpRequest) -> tuple[HotspotWindowForm, list[HotSpot]]:
    form = HotspotWindowForm(request.GET)
    if not form.is_valid():
        return form, []
    since, until, recent_days = form.window()
    return form, hotspots_for(user=request.user, since=since, until=until, recent_days=recent_days)


def _chart(spots: list[HotSpot]) -> dict[str, Any]:
    top = spots[:10]
    return {
        "labels": [s.label for s in top],
        "heat": [s.heat for s in top],
        "recent": [s.recent for s in top],
        "previous": [s.previous for s in top],
        "names": {"heat": _("热度"), "recent": _("近期"), "previous": _("前期")},
    }


@login_required
@require_GET
def hotspot_list_view(request: HttpRequest) -> HttpResponse:
    """The hot spots of the window, hottest first, with growth; each links to its matters."""
    _check_viewer(request.user)
    form, spots = _window(request)
    query = request.GET.urlencode()
    rows = [
        (spot, reverse("textmining:hotspot_detail", args=[spot.key]) + (f"?{query}" if query else ""))
        for spot in spots[:LIST_SIZE]
    ]
    context = {"form": form, "rows": rows, "total": len(spots), "chart": _chart(spots)}
    return render(request, "textmining/hotspots/list.html", context)


@login_required
@require_GET
def hotspot_detail_view(request: HttpRequest, key: str) -> HttpResponse:
    """One hot spot of the same window: its figures and its matters (links to their pages)."""
    _check_viewer(request.user)
    form, spots = _window(request)
    spot = next((s for s in spots if s.key == key), None)
    if spot is None:
        raise Http404(_("该热点不存在，或不在所选时间范围内。"))
    query = request.GET.urlencode()
    back = reverse("textmining:hotspots") + (f"?{query}" if query else "")
    return render(request, "textmining/hotspots/detail.html", {"form": form, "spot": spot, "back": back})


@login_required
@require_POST
def reply_check_view(request: HttpRequest) -> HttpResponse:
    """The reply check of a draft reply, as an HTML fragment for htmx (docs/hotspots.md)."""
    form = ReplyCheckForm(request.POST)
    result = None
    if form.is_valid() and form.cleaned_data["reply_text"].strip():
        data = form.cleaned_data
        result = reply_check(
            data["request_text"],
            data["reply_text"],
            title=data["title"],
            due_date=data["due_date"],
            replied_on=data["replied_on"],
        )
    return render(request, "textmining/replycheck/_result.html", {"form": form, "result": result})
