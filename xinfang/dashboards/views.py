"""Pages of the dashboards: the five goals of an organisation over a period (charts with a link
from every figure to the matter list, Excel export, PDF report), the oversight report for the
people's congress, and the open statistics. Without statistics.view anywhere: 403."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.transfer.exports import Column, export_format, export_response, list_query

from . import policies, selectors
from .forms import DashboardForm
from .reports import dashboard_pdf, export_rows


def _check(user: Any) -> None:
    if not policies.may_view_statistics(user):
        raise PermissionDenied(_("您没有权限查看统计。"))


def _chosen(request: HttpRequest) -> tuple[DashboardForm, dict[str, Any] | None]:
    form = DashboardForm(list_query(request) or None, user=request.user)
    if not form.is_bound:
        form = DashboardForm({}, user=request.user)
    if not form.is_valid() or form.cleaned_data.get("organisation") is None:
        return form, None
    return form, form.cleaned_data


def _figures(request: HttpRequest, build: Any) -> tuple[DashboardForm, Any]:
    """The chooser and what `build` makes of its organisation and period (None when invalid)."""
    form, chosen = _chosen(request)
    if chosen is None:
        return form, None
    return form, build(
        user=request.user,
        organisation=chosen["organisation"],
        date_from=chosen["date_from"],
        date_to=chosen["date_to"],
    )


def _drill(board: selectors.Dashboard, param: str) -> str:
    """The matter list filtered to what a figure counts."""
    query = {
        "organisation": str(board.organisation.pk),
        "received_from": f"{board.date_from:%Y-%m-%d}",
        "received_to": f"{board.date_to:%Y-%m-%d}",
    }
    if param:
        key, _sep, value = param.partition("=")
        query[key] = value
    return reverse("petitions:search") + "?" + urlencode(query)


def _chart_data(board: selectors.Dashboard) -> dict[str, Any]:
    def series(buckets: list[selectors.Bucket]) -> dict[str, Any]:
        return {
            "labels": [str(b.label) for b in buckets],
            "values": [b.n for b in buckets],
            "links": [_drill(board, b.param) if b.param else "" for b in buckets],
        }

    return {
        "channel": series(board.by_channel),
        "category": series(board.by_category[:15]),
        "place": series(board.by_place[:15]),
        "org": series(board.by_org[:15]),
        "status": series(board.by_status),
        "ontime": {
            "labels": [str(m.label) for m in board.on_time],
            "values": [m.rate if m.rate is not None else 0 for m in board.on_time],
            "links": ["" for _m in board.on_time],
        },
    }


EXPORT_COLUMNS = [
    Column(gettext_lazy("项目"), lambda r: r[0], 20),
    Column(gettext_lazy("分项"), lambda r: r[1], 28),
    Column(gettext_lazy("数量"), lambda r: r[2], 10),
    Column(gettext_lazy("分母"), lambda r: r[3], 10),
    Column(gettext_lazy("比率（%）"), lambda r: r[4], 10),
]


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponseBase:
    """The five goals (G1) for the chosen organisation and period; `?export=xlsx` (or csv) gives the
    figures as a spreadsheet, `?pdf=1` the printable report (XF-SUP-06)."""
    _check(request.user)
    form, board = _figures(request, selectors.dashboard)
    if fmt := export_format(request):
        return export_response(
            request=request,
            rows=export_rows(board) if board is not None else [],
            columns=EXPORT_COLUMNS,
            filename=_("信访工作统计"),
            fmt=fmt,
            invalid=board is None,
        )
    if request.GET.get("pdf") and board is not None:
        response = HttpResponse(dashboard_pdf(board), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="dashboard_{timezone.localdate():%Y%m%d}.pdf"'
        return response
    query = list_query(request).urlencode()
    context = {
        "form": form,
        "board": board,
        "chart_data": _chart_data(board) if board is not None else None,
        "drill_all": _drill(board, "") if board is not None else "",
        "links": {
            "xlsx": f"?{query}&export=xlsx" if query else "?export=xlsx",
            "pdf": f"?{query}&pdf=1" if query else "?pdf=1",
            "oversight": reverse("dashboards:oversight") + (f"?{query}" if query else ""),
        },
    }
    if board is not None:
        buckets = (*board.by_channel, *board.by_category, *board.by_nature, *board.by_place, *board.by_status)
        for bucket in (*buckets, *board.by_org):
            bucket.param = _drill(board, bucket.param) if bucket.param else ""
    return render(request, "dashboards/dashboard.html", context)


@login_required
def oversight_view(request: HttpRequest) -> HttpResponse:
    """The report for the people's congress (S6): matters that should have been accepted and were
    not, handling out of procedure, overdue matters by organisation."""
    _check(request.user)
    form, report = _figures(request, selectors.oversight)
    return render(
        request,
        "dashboards/oversight.html",
        {"form": form, "report": report, "limit": selectors.OVERSIGHT_LIMIT},
    )


def public_statistics_view(request: HttpRequest) -> HttpResponse:
    """Open statistics (G3): aggregate yearly figures of the district, small counts suppressed, no
    personal data. No login."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    year = min(max(year, this_year - 10), this_year)
    district = selectors.public_district()
    figures = selectors.public_figures(year=year, district=district) if district is not None else None
    return render(
        request,
        "dashboards/public.html",
        {
            "figures": figures,
            "district": district,
            "year": year,
            "years": list(range(this_year, this_year - 6, -1)),
        },
    )
