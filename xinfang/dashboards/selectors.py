"""Reads of the dashboards: the organisations a user may choose, the figures of an organisation
over a period (from the tallies, one grouped query), the supervision panel, the oversight lists
and the open statistics. Every measure is defined in docs/metrics.md."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import DatabaseError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.roles import Action
from xinfang.grid.states import EventStatus
from xinfang.orgs.models import Kind, Organisation
from xinfang.petitions.models import Matter
from xinfang.petitions.states import Channel, Nature, Status
from xinfang.powerlist.models import MatterType
from xinfang.workcalendar.models import Clock

from .models import Period, Tally
from .rollups import MATTER_OBJECT_TYPE, month_start

# Clock kinds shown on the dashboard, in the order of a matter's life (labels in CLOCK_LABELS).
CLOCK_KINDS: tuple[str, ...] = (
    "triage_15d",
    "notice_15d",
    "objection_5wd",
    "assign_report",
    "recipient_notice_15d",
    "handling_60d",
    "simple_accept_3wd",
    "simple_handling_10wd",
    "review_30d",
    "rereview_30d",
)


def clock_labels() -> dict[str, str]:
    return {
        "triage_15d": _("15日内转送、交办或受理"),
        "notice_15d": _("15日内书面告知"),
        "objection_5wd": _("5个工作日内提出异议"),
        "assign_report": _("交办事项按期报告"),
        "recipient_notice_15d": _("承办单位15日内告知"),
        "handling_60d": _("60日内办结"),
        "simple_accept_3wd": _("简易办理3个工作日内受理"),
        "simple_handling_10wd": _("简易办理10个工作日内答复"),
        "review_30d": _("30日内作出复查意见"),
        "rereview_30d": _("30日内作出复核意见"),
    }


def organisation_choices(user: Any) -> QuerySet[Organisation]:
    """The district, towns and streets, and departments the user may see figures of
    (statistics.view through restrict), in tree order."""
    return (
        Organisation.objects.restrict(user, Action.STATISTICS_VIEW)
        .filter(is_external=False, is_active=True)
        .filter(kind__in=[Kind.DISTRICT, Kind.TOWN, Kind.STREET, Kind.DEPARTMENT])
        .order_by("path")
    )


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """This year so far."""
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def period_condition(date_from: datetime.date, date_to: datetime.date) -> Q:
    """Whole months from the monthly rows, the days at either edge from the daily rows."""
    first = date_from if date_from.day == 1 else _next_month(date_from)
    end = month_start(date_to + datetime.timedelta(days=1))  # exclusive
    if first >= end:
        return Q(period=Period.DAY, start__gte=date_from, start__lte=date_to)
    return (
        Q(period=Period.MONTH, start__gte=first, start__lt=end)
        | Q(period=Period.DAY, start__gte=date_from, start__lt=first)
        | Q(period=Period.DAY, start__gte=end, start__lte=date_to)
    )


def subtree_ids(organisation: Organisation) -> Any:
    return Organisation.objects.filter(path__startswith=organisation.path).values("pk")


def tally_sums(
    *, user: Any, organisation: Organisation, date_from: datetime.date, date_to: datetime.date
) -> dict[str, dict[str, int]]:
    """{dim: {value: n}} for the organisation and everything under it, over the period: the
    organisation's own subtree rows (a few thousand for five years, through the index that leads
    with org_id), visible when the organisation is in the user's statistics.view scope (every
    statistics.view scope is a whole subtree: area or subtree, docs/permissions.md)."""
    rows = (
        Tally.objects.restrict(user, Action.STATISTICS_VIEW)
        .filter(period_condition(date_from, date_to), org_id=organisation.pk)
        .values("dim", "value")
        .annotate(total=Sum("n"))
        .order_by()
    )
    sums: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        if row["total"]:
            sums[row["dim"]][row["value"]] = int(row["total"])
    return sums


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to measure."""
    return round(100.0 * numerator / denominator, 1) if denominator else None


@dataclass
class Bucket:
    key: str
    label: str
    n: int
    param: str = ""  # the matter-list filter that lists these matters ("" when none)


@dataclass
class Measure:
    key: str
    label: str
    numerator: int
    denominator: int
    extra: int = 0  # e.g. clocks still running

    @property
    def rate(self) -> float | None:
        return rate(self.numerator, self.denominator)


@dataclass
class Dashboard:
    organisation: Organisation
    date_from: datetime.date
    date_to: datetime.date
    total: int
    by_channel: list[Bucket]
    by_category: list[Bucket]
    by_nature: list[Bucket]
    by_place: list[Bucket]
    by_status: list[Bucket]
    goals: list[Measure]
    on_time: list[Measure]
    routings: dict[str, int]
    grid: dict[str, int]
    grid_by_status: list[Bucket]
    supervision: dict[str, Any] = field(default_factory=dict)
    by_org: list[Bucket] = field(default_factory=list)

    def drill_query(self) -> str:
        return f"received_from={self.date_from:%Y-%m-%d}&received_to={self.date_to:%Y-%m-%d}"


def _buckets(values: dict[str, int], labels: dict[str, Any], param: str, blank: str) -> list[Bucket]:
    rows = [
        Bucket(key=k, label=str(labels.get(k, k)) if k else blank, n=n, param=f"{param}={k}" if (k and param) else "")
        for k, n in values.items()
    ]
    return sorted(rows, key=lambda b: (-b.n, b.label))


def supervision_panel(organisation: Organisation, date_from: datetime.date, date_to: datetime.date) -> dict[str, Any]:
    """Supervision orders (督办) to organisations in the subtree issued in the period, by status and
    outcome. Read through the app registry: empty when the supervision app or its table is absent."""
    try:
        model = apps.get_model("supervision", "SupervisionOrder")
    except LookupError:
        return {"available": False}
    start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min))
    try:
        with transaction.atomic():
            rows = list(
                model._default_manager.filter(
                    target_org__path__startswith=organisation.path, created_at__gte=start, created_at__lt=end
                )
                .values("status", "outcome", "adopted")
                .annotate(n=Count("pk"))
                .order_by()
            )
    except (DatabaseError, FieldError):
        return {"available": False}
    status_field = model._meta.get_field("status")
    outcome_field = model._meta.get_field("outcome")
    status_labels = dict(getattr(status_field, "choices", None) or [])
    outcome_labels = dict(getattr(outcome_field, "choices", None) or [])
    by_status: dict[str, int] = defaultdict(int)
    by_outcome: dict[str, int] = defaultdict(int)
    adopted = {True: 0, False: 0}  # XF-SUP-05/06: written answers saying whether the advice was adopted
    for row in rows:
        if row["adopted"] is not None:
            adopted[bool(row["adopted"])] += row["n"]
        by_status[str(status_labels.get(row["status"], row["status"]))] += row["n"]
        if row["outcome"]:
            by_outcome[str(outcome_labels.get(row["outcome"], row["outcome"]))] += row["n"]
    return {
        "available": True,
        "total": sum(by_status.values()),
        "by_status": sorted(by_status.items()),
        "by_outcome": sorted(by_outcome.items()),
        "adopted": adopted[True],
        "answered": adopted[True] + adopted[False],
    }


def responsible_buckets(
    *, user: Any, organisation: Organisation, date_from: datetime.date, date_to: datetime.date, total: int
) -> list[Bucket]:
    """Matters by responsible organisation one level down (XF-SUP-06: the organs most complained
    about): each child's subtree sum of "all", read from the children's own tally rows in one
    grouped query, plus the organisation itself for what no child holds. Most first."""
    children = {
        o.pk: o.local_name
        for o in Organisation.objects.filter(parent=organisation, is_external=False).only("pk", "name", "name_en")
    }
    rows = (
        Tally.objects.restrict(user, Action.STATISTICS_VIEW)
        .filter(period_condition(date_from, date_to), org_id__in=list(children), dim="all", value="")
        .values("org_id")
        .annotate(total=Sum("n"))
        .order_by()
    )
    buckets = [
        Bucket(
            key=str(r["org_id"]), label=children[r["org_id"]], n=int(r["total"]), param=f"organisation={r['org_id']}"
        )
        for r in rows
        if r["total"]
    ]
    own = total - sum(b.n for b in buckets)
    if own > 0:
        buckets.append(Bucket(key=str(organisation.pk), label=_("本级"), n=own))
    return sorted(buckets, key=lambda b: (-b.n, b.label))


def dashboard(*, user: Any, organisation: Organisation, date_from: datetime.date, date_to: datetime.date) -> Dashboard:
    """The figures of the five goals for an organisation and its subtree over a period: one grouped
    query on the tallies, the names of what they count, and the supervision panel."""
    sums = tally_sums(user=user, organisation=organisation, date_from=date_from, date_to=date_to)

    def get(dim: str, value: str = "") -> int:
        return sums.get(dim, {}).get(value, 0)

    def total_of(dim: str) -> int:
        return sum(sums.get(dim, {}).values())

    total = get("all")
    category_ids = [int(k) for k in sums.get("category", {}) if k]
    categories = {
        str(pk): name for pk, name in MatterType.objects.filter(pk__in=category_ids).values_list("pk", "name")
    }
    place_ids = [int(k) for k in sums.get("place", {}) if k]
    places = {str(o.pk): o.local_name for o in Organisation.objects.filter(pk__in=place_ids)}
    unknown = _("未填写")
    goals = [
        Measure("first_resolved", _("初访化解率"), get("first_resolved"), get("first")),
        Measure("county", _("县域息诉率"), get("county"), total),
        Measure("repeat", _("重复信访率"), get("repeat"), total),
        Measure("satisfied", _("群众满意率"), total_of("satisfied"), total_of("evaluated")),
        Measure("grid_at_source", _("网格事件源头化解率"), get("grid_at_source"), get("grid_all")),
    ]
    labels = clock_labels()
    on_time = []
    for kind in CLOCK_KINDS:
        done, late, running = get("clock_on_time", kind), get("clock_late", kind), get("clock_open", kind)
        if done or late or running:
            on_time.append(Measure(kind, labels[kind], done, done + late, extra=running))
    grid_status = dict(EventStatus.choices)
    return Dashboard(
        organisation=organisation,
        date_from=date_from,
        date_to=date_to,
        total=total,
        by_channel=_buckets(sums.get("channel", {}), dict(Channel.choices), "channel", unknown),
        by_category=_buckets(sums.get("category", {}), categories, "matter_type", unknown),
        by_nature=_buckets(sums.get("nature", {}), dict(Nature.choices), "nature", _("未分类")),
        by_place=_buckets(sums.get("place", {}), places, "place", unknown),
        by_status=_buckets(sums.get("status", {}), dict(Status.choices), "status", unknown),
        goals=goals,
        on_time=on_time,
        routings={"forward": get("routing", "forward"), "assign": get("routing", "assign")},
        grid={
            "all": get("grid_all"),
            "resolved": get("grid_resolved"),
            "at_source": get("grid_at_source"),
            "converted": get("grid_converted"),
        },
        grid_by_status=_buckets(sums.get("grid_status", {}), grid_status, "", unknown),
        supervision=supervision_panel(organisation, date_from, date_to),
        by_org=responsible_buckets(
            user=user, organisation=organisation, date_from=date_from, date_to=date_to, total=total
        ),
    )


# --- Oversight for the people's congress (S6) ----------------------------------------------------


@dataclass
class OverdueRow:
    organisation: Organisation
    overdue: int
    clocks: int


@dataclass
class Oversight:
    organisation: Organisation
    date_from: datetime.date
    date_to: datetime.date
    not_accepted: list[Matter]
    out_of_procedure: list[tuple[Matter, list[str]]]
    overdue_by_org: list[OverdueRow]


def _received_between(date_from: datetime.date, date_to: datetime.date) -> Q:
    start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min))
    return Q(received_at__gte=start, received_at__lt=end)


def _in_subtree(organisation: Organisation) -> Q:
    ids = subtree_ids(organisation)
    return Q(registered_org__in=ids) | Q(current_org__in=ids) | Q(handling_org__in=ids)


OVERSIGHT_LIMIT = 200


def oversight(
    *,
    user: Any,
    organisation: Organisation,
    date_from: datetime.date,
    date_to: datetime.date,
    today: datetime.date | None = None,
) -> Oversight:
    """Matters that should have been accepted and were not (a non-acceptance without its legal basis
    or its proper channel, or decided after the 15-day period), handling out of procedure (a clock
    stopped after its due date), and running clocks past their due date by organisation. Only the
    matters the user may view (matter.view through restrict)."""
    today = today or timezone.localdate()
    visible = Matter.objects.restrict(user, Action.MATTER_VIEW).filter(
        _in_subtree(organisation), _received_between(date_from, date_to)
    )
    not_accepted = list(
        visible.filter(status__in=[Status.NOT_ACCEPTED, Status.GUIDED])
        .filter(Q(decision_basis="") | Q(proper_channel="") | ~Q(triage_late_reason=""))
        .select_related("registered_org", "current_org")
        .order_by("received_at", "pk")[:OVERSIGHT_LIMIT]
    )
    labels = clock_labels()
    late: dict[int, list[str]] = defaultdict(list)
    ids = [str(pk) for pk in visible.values_list("pk", flat=True)[:20000]]
    for object_id, kind, due, stopped in Clock.objects.filter(
        object_type=MATTER_OBJECT_TYPE, object_id__in=ids, stopped_at__isnull=False
    ).values_list("object_id", "kind", "due_date", "stopped_at"):
        if timezone.localdate(stopped) > due:
            late[int(object_id)].append(labels.get(kind, kind))
    by_id = Matter.objects.in_bulk(list(late)[:OVERSIGHT_LIMIT])
    out = [(by_id[pk], sorted(set(kinds))) for pk, kinds in late.items() if pk in by_id]
    out.sort(key=lambda pair: (pair[0].received_at, pair[0].pk))
    running = (
        Clock.objects.restrict(user, Action.STATISTICS_VIEW)
        .filter(stopped_at__isnull=True, org_id__in=subtree_ids(organisation))
        .values("org_id")
        .annotate(clocks=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .order_by()
    )
    counts = {row["org_id"]: row for row in running if row["overdue"]}
    orgs = Organisation.objects.in_bulk(list(counts))
    overdue = sorted(
        (OverdueRow(orgs[pk], row["overdue"], row["clocks"]) for pk, row in counts.items() if pk in orgs),
        key=lambda r: (-r.overdue, r.organisation.path),
    )
    return Oversight(organisation, date_from, date_to, not_accepted, out, overdue)


# --- Open statistics (G3, issue 8 item 8) -------------------------------------------------------


def suppression_threshold() -> int:
    return int(getattr(settings, "XINFANG_STATISTICS_MIN_COUNT", 5))


@dataclass
class PublicFigures:
    year: int
    total: int | None
    by_channel: list[tuple[str, int | None]]
    by_nature: list[tuple[str, int | None]]
    by_town: list[tuple[str, int | None]]
    goals: list[tuple[str, float | None]]
    grid_total: int | None
    grid_at_source: int | None
    threshold: int


def _suppress(n: int, threshold: int) -> int | None:
    """Counts under the threshold (but above zero) are not shown: None reads "fewer than N"."""
    return None if 0 < n < threshold else n


def public_figures(*, year: int, district: Organisation) -> PublicFigures:
    """Aggregate figures of the district for a year, with small counts suppressed. No personal data:
    only sums of tallies; a rate is shown only when its denominator reaches the threshold."""
    from xinfang.core.actors import SYSTEM

    threshold = suppression_threshold()
    sums = tally_sums(
        user=SYSTEM, organisation=district, date_from=datetime.date(year, 1, 1), date_to=datetime.date(year, 12, 31)
    )

    def get(dim: str, value: str = "") -> int:
        return sums.get(dim, {}).get(value, 0)

    total = get("all")
    channels = dict(Channel.choices)
    natures = dict(Nature.choices)
    town_ids = [int(k) for k in sums.get("place", {}) if k]
    towns = {
        str(o.pk): o.local_name for o in Organisation.objects.filter(pk__in=town_ids, kind__in=[Kind.TOWN, Kind.STREET])
    }
    by_town = sorted(
        ((towns[k], _suppress(n, threshold)) for k, n in sums.get("place", {}).items() if k in towns),
        key=lambda p: p[0],
    )

    def public_rate(numerator: int, denominator: int) -> float | None:
        return rate(numerator, denominator) if denominator >= threshold else None

    satisfied = sum(sums.get("satisfied", {}).values())
    evaluated = sum(sums.get("evaluated", {}).values())
    goals = [
        (_("初访化解率"), public_rate(get("first_resolved"), get("first"))),
        (_("县域息诉率"), public_rate(get("county"), total)),
        (_("重复信访率"), public_rate(get("repeat"), total)),
        (_("群众满意率"), public_rate(satisfied, evaluated)),
    ]
    return PublicFigures(
        year=year,
        total=_suppress(total, threshold),
        by_channel=[
            (str(channels[k]), _suppress(n, threshold))
            for k, n in sorted(sums.get("channel", {}).items())
            if k in channels
        ],
        by_nature=[
            (str(natures[k]), _suppress(n, threshold))
            for k, n in sorted(sums.get("nature", {}).items())
            if k in natures
        ],
        by_town=by_town,
        goals=goals,
        grid_total=_suppress(get("grid_all"), threshold),
        grid_at_source=_suppress(get("grid_at_source"), threshold),
        threshold=threshold,
    )


def public_district() -> Organisation | None:
    """The district the installation serves (the first internal district)."""
    return Organisation.objects.filter(kind=Kind.DISTRICT, is_external=False, is_active=True).order_by("path").first()
