"""Analysis of grid events (issue 7 §3; rule GRID-ANA-01): counts and trends by category, grid,
village, town/street and month over a chosen period and organisation, with the top recurring
places and parties — the selectors, and the one page `grid/analysis/` that shows them as ECharts
charts, each with a data table under it (for screen readers and for browsers without JavaScript).

Every figure is computed in the database (GROUP BY, one query per breakdown) from
`GridEvent.objects.restrict(user, "grid_event.view")`: a user sees only the events of their own
subtree, exactly as in the event list. An uncategorised event counts under its suggested category
(the keyword rules' suggestion; the share is shown) or under "uncategorised".

Recurring places are grouped by a normalised text (NFKC: full-width digits and letters folded,
spaces and punctuation removed, lower case); the database groups the exact texts, the few
thousand groups are merged here. Recurring parties are counted in the database from the events'
`parties` JSON (SQLite `json_each`, PostgreSQL `jsonb_array_elements`); their names are shown in
full only to users who may see personal data (`personal_data.view`), masked otherwise."""

from __future__ import annotations

import datetime
import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import CharField, Count, F, Func, QuerySet, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.policies import organisation_scope, user_can
from xinfang.accounts.roles import Action
from xinfang.orgs.models import Kind, Organisation

from .models import DisputeCategory, GridEvent
from .states import EventStatus

TOP = 15
TOP_PLACES = 10
TOP_PARTIES = 10
TREND_CATEGORIES = 6  # the month chart stacks the biggest categories; the rest is "other"
DEFAULT_MONTHS = 12
AREA_KINDS_SHOWN = (Kind.DISTRICT, Kind.TOWN, Kind.STREET, Kind.VILLAGE, Kind.COMMUNITY)
UNCATEGORISED = "-"
_PUNCTUATION_CATEGORIES = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Zs", "Cc"})


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    count: int


@dataclass
class AnalysisReport:
    """Everything the page shows; each list is ready for a chart and its table."""

    date_from: datetime.date
    date_to: datetime.date
    organisation: Organisation | None
    total: int = 0
    suggested_only: int = 0  # counted under their suggested category
    uncategorised: int = 0  # neither a category nor a suggestion
    by_category: list[Bucket] = field(default_factory=list)
    by_status: list[Bucket] = field(default_factory=list)
    by_town: list[Bucket] = field(default_factory=list)
    by_village: list[Bucket] = field(default_factory=list)
    by_grid: list[Bucket] = field(default_factory=list)
    by_month: list[Bucket] = field(default_factory=list)
    trend_series: list[tuple[str, list[int]]] = field(default_factory=list)  # (category label, count per month)
    top_places: list[Bucket] = field(default_factory=list)
    top_parties: list[Bucket] = field(default_factory=list)
    parties_masked: bool = True

    @property
    def month_rows(self) -> list[tuple[str, int, list[int]]]:
        """(month, total, count per trend series) for the table under the trend chart."""
        return [
            (bucket.label, bucket.count, [values[i] for _name, values in self.trend_series])
            for i, bucket in enumerate(self.by_month)
        ]

    def chart_data(self) -> dict[str, Any]:
        """The figures for the charts (json_script on the page)."""

        def pairs(buckets: list[Bucket]) -> dict[str, list[Any]]:
            return {"labels": [b.label for b in buckets], "values": [b.count for b in buckets]}

        return {
            "category": pairs(self.by_category),
            "town": pairs(self.by_town),
            "village": pairs(self.by_village),
            "grid": pairs(self.by_grid),
            "status": pairs(self.by_status),
            "places": pairs(self.top_places),
            "parties": pairs(self.top_parties),
            "month": {
                "labels": [b.label for b in self.by_month],
                "series": [{"name": name, "values": values} for name, values in self.trend_series],
            },
        }


# --- selectors -----------------------------------------------------------------------------------


def analysis_organisations(user: Any) -> QuerySet[Organisation]:
    """The areas (district, towns/streets, villages/communities) the user may analyse."""
    return (
        Organisation.objects.restrict(user, Action.GRID_EVENT_VIEW)
        .filter(kind__in=AREA_KINDS_SHOWN, is_external=False)
        .order_by("path")
    )


def analysis_events(
    *, user: Any, organisation: Organisation | None, date_from: datetime.date, date_to: datetime.date
) -> QuerySet[GridEvent]:
    """The events the user may see, reported from `date_from` to `date_to` (local dates, both
    included), in the grids under `organisation` when given."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    qs = GridEvent.objects.restrict(user, Action.GRID_EVENT_VIEW).filter(reported_at__gte=start, reported_at__lt=end)
    if organisation is not None:
        qs = qs.filter(grid__path__startswith=organisation.path)
    return qs.order_by()


def normalise_place(text: str) -> str:
    """The key under which spellings of one place are counted together."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in folded if unicodedata.category(ch) not in _PUNCTUATION_CATEGORIES)


def mask_name(name: str) -> str:
    """张三丰 -> 张**: the surname stays, as on printed notices."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else name


def _months(date_from: datetime.date, date_to: datetime.date) -> list[datetime.date]:
    months = []
    month = date_from.replace(day=1)
    while month <= date_to:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _month_expression(months: list[datetime.date]) -> Any:
    """The local month of `reported_at`. On SQLite, Django's TruncMonth calls a Python function
    for every row (seconds on 140,000 events); where the time zone's offset is the same all
    through the period (Asia/Shanghai: no daylight saving since 1991) SQLite's own strftime with
    that offset gives the same month, in C."""
    if connection.vendor != "sqlite":
        return TruncMonth("reported_at")
    tz = timezone.get_current_timezone()
    offsets = {datetime.datetime.combine(m, datetime.time(), tzinfo=tz).utcoffset() for m in months}
    offsets |= {
        datetime.datetime.combine(months[-1] + datetime.timedelta(days=31), datetime.time(), tzinfo=tz).utcoffset()
    }
    if len(offsets) != 1:
        return TruncMonth("reported_at")
    minutes = int(next(iter(offsets)).total_seconds() // 60)  # type: ignore[union-attr]
    return Func(
        Value("%Y-%m"), F("reported_at"), Value(f"{minutes:+d} minutes"), function="strftime", output_field=CharField()
    )


def _top_parties(events: QuerySet[GridEvent], limit: int) -> list[tuple[str, int]]:
    """(name, number of events) of the parties named most often, counted by the database."""
    sql, params = events.values("pk").query.sql_with_params()
    table = connection.ops.quote_name(GridEvent._meta.db_table)
    if connection.vendor == "postgresql":
        query = (
            f"SELECT p.value->>'name' AS name, COUNT(DISTINCT e.id) AS n FROM {table} e "  # noqa: S608 (our own SQL)
            f"CROSS JOIN LATERAL jsonb_array_elements(e.parties) AS p(value) "
            f"WHERE e.id IN ({sql}) AND jsonb_typeof(e.parties) = 'array' AND COALESCE(p.value->>'name', '') <> '' "
            f"GROUP BY 1 HAVING COUNT(DISTINCT e.id) > 1 ORDER BY 2 DESC, 1 LIMIT %s"
        )
    else:
        query = (
            f"SELECT json_extract(p.value, '$.name') AS name, COUNT(DISTINCT e.id) AS n "  # noqa: S608 (our own SQL)
            f"FROM {table} e, json_each(e.parties) p "
            f"WHERE e.id IN ({sql}) AND COALESCE(json_extract(p.value, '$.name'), '') <> '' "
            f"GROUP BY 1 HAVING COUNT(DISTINCT e.id) > 1 ORDER BY 2 DESC, 1 LIMIT %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, limit])
        return [(str(name), int(n)) for name, n in cursor.fetchall()]


def analysis_build(
    *,
    user: Any,
    organisation: Organisation | None,
    date_from: datetime.date,
    date_to: datetime.date,
) -> AnalysisReport:
    """The figures of the analysis page: four grouped queries over the events (whatever their
    number) and two small look-ups."""
    report = AnalysisReport(date_from=date_from, date_to=date_to, organisation=organisation)
    events = analysis_events(user=user, organisation=organisation, date_from=date_from, date_to=date_to)
    shown = Coalesce("category_id", "suggested_category_id")
    categories = {str(c.pk): c.local_name for c in DisputeCategory.objects.all()}
    categories[UNCATEGORISED] = _("未分类")

    def category_key(value: Any) -> str:
        return UNCATEGORISED if value is None else str(value)

    # One grouped query for category, status, grid and (through the tree) village and town: the
    # groups are at most grids x categories x statuses, whatever the number of events.
    by_category: dict[str, int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    by_grid: dict[int, int] = defaultdict(int)
    for grid_id, category_id, suggested_id, status, n in (
        events.values_list("grid_id", "category_id", "suggested_category_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        report.total += n
        if category_id is None:
            if suggested_id is None:
                report.uncategorised += n
            else:
                report.suggested_only += n
        by_category[category_key(category_id if category_id is not None else suggested_id)] += n
        by_status[status] += n
        by_grid[grid_id] += n
    if not report.total:
        return report
    grids = {o.pk: o for o in Organisation.objects.filter(pk__in=list(by_grid)).select_related("parent__parent")}
    by_village: dict[int, int] = defaultdict(int)
    by_town: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    for grid_id, n in by_grid.items():
        grid = grids[grid_id]
        names[grid_id] = grid.local_name
        village = grid.parent
        if village is not None:
            names[village.pk] = village.local_name
            by_village[village.pk] += n
            if village.parent is not None:
                names[village.parent.pk] = village.parent.local_name
                by_town[village.parent.pk] += n

    def top(counts: dict[int, int], limit: int | None) -> list[Bucket]:
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], names.get(kv[0], "")))[:limit]
        return [Bucket(str(pk), names.get(pk, "—"), n) for pk, n in ranked]

    report.by_grid, report.by_village, report.by_town = top(by_grid, TOP), top(by_village, TOP), top(by_town, None)
    category_totals = sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))
    report.by_category = [Bucket(key, categories.get(key, key), n) for key, n in category_totals]
    report.by_status = [
        Bucket(s.value, str(s.label), by_status[s.value]) for s in EventStatus if by_status.get(s.value)
    ]

    # Month x category: the trend and the month totals.
    months = _months(date_from, date_to)
    matrix: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month, category_id, n in (
        events.annotate(month=_month_expression(months), shown=shown)
        .values_list("month", "shown")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date()
        label = month if isinstance(month, str) else f"{month:%Y-%m}"
        matrix[category_key(category_id)][label[:7]] += n
    labels = [f"{m:%Y-%m}" for m in months]
    report.by_month = [Bucket(label, label, sum(per[label] for per in matrix.values())) for label in labels]
    biggest = [key for key, _n in category_totals[:TREND_CATEGORIES]]
    report.trend_series = [(categories.get(key, key), [matrix[key][label] for label in labels]) for key in biggest]
    rest = [key for key, _n in category_totals[TREND_CATEGORIES:]]
    if rest:
        report.trend_series.append((_("其他"), [sum(matrix[key][label] for key in rest) for label in labels]))

    # Places: exact texts grouped by the database, merged here by their normalised form.
    merged: dict[str, list[Any]] = {}
    for text, n in events.values_list("place_text").annotate(n=Count("pk")).order_by():
        key = normalise_place(text)
        entry = merged.setdefault(key, [0, text, (-1, False)])
        entry[0] += n
        rank = (n, key == text.lower())  # show the most frequent spelling, a clean one on a tie
        if rank > entry[2]:
            entry[1], entry[2] = text, rank
    places = sorted(merged.items(), key=lambda kv: (-kv[1][0], kv[0]))[:TOP_PLACES]
    report.top_places = [Bucket(key, entry[1], entry[0]) for key, entry in places if entry[0] > 1]

    report.parties_masked = organisation_scope(user, Action.PERSONAL_DATA_VIEW).is_empty
    report.top_parties = [
        Bucket(str(i), mask_name(name) if report.parties_masked else name, n)
        for i, (name, n) in enumerate(_top_parties(events, TOP_PARTIES))
    ]
    return report


# --- the page ------------------------------------------------------------------------------------


class AnalysisForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("区域"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("本人可见的全部区域"),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        field.label_from_instance = lambda org: ("\u3000" * max(0, org.depth - 3)) + org.local_name  # type: ignore[method-assign,assignment]
        for bound in self.fields.values():
            bound.widget.attrs.setdefault(
                "class", "form-select" if isinstance(bound, forms.ModelChoiceField) else "form-control"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        if date_from and date_to and (date_to - date_from).days > 366 * 10:
            raise forms.ValidationError(_("统计期间不超过十年。"))
        return data


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months: from the first day of the month a year before, to today."""
    start = today.replace(day=1)
    for _i in range(DEFAULT_MONTHS - 1):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return start, today


@login_required
def analysis_view(request: HttpRequest) -> HttpResponse:
    """GET grid/analysis/?date_from=&date_to=&organisation=: the figures of the events the user
    may see (403 without grid_event.view)."""
    if not user_can(request.user, Action.GRID_EVENT_VIEW):
        raise PermissionDenied(_("您没有权限查看网格事件分析。"))
    organisations = analysis_organisations(request.user)
    form = AnalysisForm(request.GET or None, organisations=organisations)
    date_from, date_to = default_period(timezone.localdate())
    organisation = None
    if form.is_bound and form.is_valid():
        date_from = form.cleaned_data["date_from"] or date_from
        date_to = form.cleaned_data["date_to"] or date_to
        organisation = form.cleaned_data["organisation"]
    elif not form.is_bound:
        form = AnalysisForm(initial={"date_from": date_from, "date_to": date_to}, organisations=organisations)
    report = analysis_build(user=request.user, organisation=organisation, date_from=date_from, date_to=date_to)
    return render(
        request,
        "grid/analysis.html",
        {"form": form, "report": report, "chart_data": json.loads(json.dumps(report.chart_data()))},
    )
