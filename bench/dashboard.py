"""Benchmark: the district dashboard on 1,000,000 matters and 1,000,000 grid events (issue 8 target;
not a test, never run in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinfang_bench_dashboard \\
        .venv/bin/python bench/dashboard.py [--matters 1000000] [--events 1000000] [--seed 8] [--keep]

1. Creates the PostgreSQL database of DATABASE_URL (dropped first; never point it at real data),
   migrates, builds a district (12 towns and streets, 8 villages with 2 grids each, 25 departments)
   through the organisation services.
2. Generates matters and grid events spread over the last five years with realistic distributions
   (channels: visits and online most; statuses by age: old matters concluded, recent ones open;
   6 % repeats; 3 % escalated to the city; evaluations on a third; one triage clock per matter and
   a handling clock per accepted one, mostly on time) and writes them with COPY (not the services).
3. Times `dashboards_rollup_rebuild` (the rollups for data that existed before them; subtree rows
   for every ancestor), then VACUUM ANALYZE of the tallies, and keeps the EXPLAIN ANALYZE of the
   district's five-year query (it must read the org_id index, a few thousand rows).
4. Times the district dashboard for a bureau head: the selector (one grouped query on the
   district's own tally rows) and the whole page through the test client, over random periods (a
   month to five years), reports p50/p95 against the 300 ms target; and the selector for a town.
5. Times the overdue sweep: `manage.py clock_sweep` when that command exists, otherwise the
   selection of overdue running clocks (what the sweep reads), and says which.

Prints the figures and writes bench/results/dashboard.json (machine cores and load included: the
machine is shared, read the figures with the load)."""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _support import pg_admin  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "dashboard.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/xinfang_bench_dashboard"
DASHBOARD_TARGET_MS = 300.0
SWEEP_TARGET_S = 30.0

CHANNELS = [("visit", 34), ("online", 38), ("letter", 14), ("phone", 12), ("fax", 2)]
NATURES = [("grievance", 70), ("suggestion", 12), ("report", 8), ("litigation", 7), ("discipline", 3)]
EVENT_STATUSES = [
    ("verified", 55),
    ("closed", 20),
    ("handled", 6),
    ("accepted", 4),
    ("reported", 3),
    ("escalated", 8),
    ("converted", 4),
]


def weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _w in table], weights=[w for _k, w in table])[0]


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log kept in memory during the fill and the rebuild
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def build_tree() -> dict[str, Any]:
    from xinfang.accounts.roles import Role
    from xinfang.core.actors import SYSTEM
    from xinfang.core.testing import make_user
    from xinfang.orgs.models import Function, Kind
    from xinfang.orgs.services import organisation_create

    counter = iter(range(1, 100000))

    def org(name: str, kind: str, parent: Any = None, **extra: Any) -> Any:
        return organisation_create(
            actor=SYSTEM, name=name, code=f"B{next(counter):05d}", kind=kind, parent=parent, **extra
        )

    province = org("基准省", Kind.PROVINCE, is_external=True)
    city = org("基准市", Kind.CITY, province, is_external=True)
    city_bureau = org("基准市信访局", Kind.DEPARTMENT, city, function=Function.PETITION_BUREAU, is_external=True)
    district = org("基准区", Kind.DISTRICT, city)
    bureau = org("基准区信访局", Kind.DEPARTMENT, district, function=Function.PETITION_BUREAU)
    departments = [org(f"基准区第{i}局", Kind.DEPARTMENT, district, function=Function.FUNCTIONAL) for i in range(25)]
    towns, villages, grids = [], [], []
    for t in range(12):
        town = org(f"第{t}镇", Kind.TOWN if t % 2 else Kind.STREET, district)
        towns.append(town)
        departments.append(org(f"第{t}镇信访办", Kind.DEPARTMENT, town, function=Function.PETITION_BUREAU))
        for v in range(8):
            village = org(f"第{t}镇第{v}村", Kind.VILLAGE, town)
            villages.append(village)
            grids += [org(f"第{t}镇第{v}村第{g}网格", Kind.GRID, village) for g in range(2)]
    head = make_user((Role.BUREAU_HEAD, bureau), username="bench_head")
    return {
        "district": district,
        "bureau": bureau,
        "city_bureau": city_bureau,
        "departments": departments,
        "towns": towns,
        "villages": villages,
        "grids": grids,
        "head": head,
    }


def copy_rows(model: Any, rows: Any, given: list[str]) -> int:
    """COPY rows (tuples in `given` field order) into the model's table, every other column from
    the field's default."""
    from django.db import connection

    order = [f for f in model._meta.concrete_fields if not f.primary_key or f.name in given]
    from django.utils import timezone

    now = timezone.now()
    defaults = {
        f.name: now if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) else f.get_default()
        for f in order
        if f.name not in given
    }
    index = {name: i for i, name in enumerate(given)}
    columns = ", ".join(f'"{f.column}"' for f in order)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for f in order:
                    value = row[index[f.name]] if f.name in index else defaults[f.name]
                    if f.get_internal_type() == "JSONField":
                        value = json.dumps(value if value is not None else None)
                    values.append(value)
                copy.write_row(values)
                count += 1
    return count


def fill(tree: dict[str, Any], matters: int, events: int, seed: int) -> dict[str, float]:
    from django.db import connection, transaction
    from django.utils import timezone

    from xinfang.grid.models import GridEvent
    from xinfang.petitions.models import Evaluation, Matter, MatterLink
    from xinfang.workcalendar.models import Clock

    rng = random.Random(seed)
    now = timezone.now()
    start = now - datetime.timedelta(days=5 * 365)
    span = (now - start).total_seconds()
    head = tree["head"]
    district_orgs = tree["departments"] + tree["towns"]
    places = tree["villages"] + tree["towns"]
    timings: dict[str, float] = {}

    def moment() -> datetime.datetime:
        # More recent years busier (a 30 % rise over five years).
        x = rng.random() ** 0.85
        return start + datetime.timedelta(seconds=x * span)

    # Matters (ids assigned by the sequence after COPY: keep our own ids).
    t0 = time.perf_counter()
    received: list[datetime.datetime] = sorted(moment() for _ in range(matters))
    statuses: list[str] = []
    handlers: list[int] = []
    clocks: list[tuple[Any, ...]] = []
    evaluations: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []

    def matter_rows() -> Any:
        for i, at in enumerate(received, start=1):
            age = (now - at).days
            handler = rng.choice(district_orgs)
            escalated = rng.random() < 0.03
            if age > 90:
                status = rng.choices(
                    ["concluded", "final", "terminated", "not_accepted", "guided", "withdrawn"], [78, 4, 3, 6, 7, 2]
                )[0]
            elif age > 20:
                status = rng.choices(
                    ["accepted", "replied", "concluded", "in_review", "not_accepted"], [35, 20, 35, 4, 6]
                )[0]
            else:
                status = rng.choices(["registered", "forwarded", "accepted"], [40, 20, 40])[0]
            statuses.append(status)
            handlers.append(handler.pk)
            accepted = status not in ("registered", "forwarded", "not_accepted", "guided")
            due = timezone.localdate(at) + datetime.timedelta(days=21)
            stop = at + datetime.timedelta(days=rng.choices([3, 10, 18, 30], [50, 40, 7, 3])[0])
            clocks.append(
                (
                    "petitions.matter",
                    str(i),
                    "triage_15d",
                    handler.pk,
                    timezone.localdate(at),
                    15,
                    "calendar",
                    due,
                    at,
                    at,
                    stop if stop < now else None,
                )
            )
            if accepted:
                hstart = timezone.localdate(stop)
                hdue = hstart + datetime.timedelta(days=60)
                hstop = stop + datetime.timedelta(days=rng.choices([20, 45, 58, 75], [30, 50, 12, 8])[0])
                clocks.append(
                    (
                        "petitions.matter",
                        str(i),
                        "handling_60d",
                        handler.pk,
                        hstart,
                        60,
                        "calendar",
                        hdue,
                        stop,
                        stop,
                        hstop if hstop < now and status != "accepted" else None,
                    )
                )
            if status in ("concluded", "final") and rng.random() < 0.35:
                evaluations.append((i, "handling", "satisfied" if rng.random() < 0.9 else "dissatisfied", at))
            if i > 1000 and rng.random() < 0.06:
                links.append((i, rng.randint(max(1, i - 20000), i - 1), "in_progress_here", "重复信访", head.pk))
            yield (
                i,
                f"BM{i:09d}",
                weighted(rng, CHANNELS),
                at,
                at,
                head.pk,
                tree["bureau"].pk,
                (tree["city_bureau"] if escalated else handler).pk,
                "事项标题",
                "诉求",
                "事实",
                rng.choice(places).pk if rng.random() < 0.9 else None,
                status,
                weighted(rng, NATURES),
                handler.pk if accepted else None,
                at if accepted else None,
                at + datetime.timedelta(days=50) if status in ("concluded", "final", "terminated") else None,
                now,
            )

    given = [
        "id",
        "number",
        "channel",
        "received_at",
        "registered_at",
        "registered_by",
        "registered_org",
        "current_org",
        "title",
        "request",
        "facts",
        "place_org",
        "status",
        "nature",
        "handling_org",
        "accepted_at",
        "closed_at",
        "updated_at",
    ]
    with transaction.atomic():
        copy_rows(Matter, matter_rows(), given)
        timings["copy_matters_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        clock_given = [
            "object_type",
            "object_id",
            "kind",
            "org_id",
            "start_date",
            "period",
            "unit",
            "due_date",
            "created_at",
            "recomputed_at",
            "stopped_at",
        ]
        copy_rows(Clock, iter(clocks), clock_given)
        copy_rows(
            Evaluation,
            ((m, s, v, v == "dissatisfied", "online", at) for m, s, v, at in evaluations),
            ["matter", "stage", "value", "is_dissatisfied", "method", "recorded_at"],
        )
        copy_rows(
            MatterLink,
            ((m, o, k, r, u, now) for m, o, k, r, u in links),
            ["matter", "other", "kind", "reason", "decided_by", "decided_at"],
        )
        timings["copy_clocks_evaluations_links_s"] = time.perf_counter() - t1
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Matter._meta.db_table}', 'id'), {matters})")
    t2 = time.perf_counter()
    grids = tree["grids"]
    reported = sorted(moment() for _ in range(events))

    def event_rows() -> Any:
        for i, at in enumerate(reported, start=1):
            grid = rng.choice(grids)
            status = weighted(rng, EVENT_STATUSES)
            level = "village" if status != "escalated" and rng.random() < 0.8 else rng.choice(["town", "district"])
            yield (f"GE{i:09d}", grid.pk, at, "某村某巷", "邻里纠纷", status, level, grid.pk, now)

    with transaction.atomic():
        copy_rows(
            GridEvent,
            event_rows(),
            [
                "number",
                "grid",
                "reported_at",
                "place_text",
                "description",
                "status",
                "level",
                "current_org",
                "updated_at",
            ],
        )
    timings["copy_events_s"] = time.perf_counter() - t2
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return timings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def measure_dashboard(tree: dict[str, Any], runs: int, seed: int) -> dict[str, Any]:
    from django.test import Client
    from django.utils import timezone

    from xinfang.dashboards.selectors import dashboard

    rng = random.Random(seed)
    today = timezone.localdate()
    periods = [(today.replace(month=1, day=1), today), (today - datetime.timedelta(days=5 * 365), today)]
    for _ in range(runs - len(periods)):
        length = rng.choice([31, 92, 365, 730, 1825])
        end = today - datetime.timedelta(days=rng.randint(0, 365))
        periods.append((end - datetime.timedelta(days=length), end))
    selector_ms: list[float] = []
    page_ms: list[float] = []
    page_errors = 0
    head, district = tree["head"], tree["district"]
    client = Client(raise_request_exception=False)
    client.force_login(head)
    client.get("/dashboards/")  # warm up
    for date_from, date_to in periods:
        t0 = time.perf_counter()
        board = dashboard(user=head, organisation=district, date_from=date_from, date_to=date_to)
        selector_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        response = client.get(
            "/dashboards/",
            {"organisation": district.pk, "date_from": f"{date_from:%Y-%m-%d}", "date_to": f"{date_to:%Y-%m-%d}"},
        )
        if response.status_code == 200:
            page_ms.append((time.perf_counter() - t0) * 1000)
        else:  # the checkout is shared: a page broken elsewhere must not lose the selector figures
            page_errors += 1
    five_years = dashboard(user=head, organisation=district, date_from=periods[1][0], date_to=periods[1][1])
    del board
    town_ms = []
    for date_from, date_to in periods:
        t0 = time.perf_counter()
        dashboard(user=head, organisation=tree["towns"][0], date_from=date_from, date_to=date_to)
        town_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "runs": len(periods),
        "selector_p50_ms": round(statistics.median(selector_ms), 1),
        "selector_p95_ms": round(percentile(selector_ms, 95), 1),
        "page_p50_ms": round(statistics.median(page_ms), 1) if page_ms else None,
        "page_p95_ms": round(percentile(page_ms, 95), 1) if page_ms else None,
        "page_errors": page_errors,
        "target_ms": DASHBOARD_TARGET_MS,
        "town_selector_p95_ms": round(percentile(town_ms, 95), 1),
        "five_year_total": five_years.total,
        "five_year_grid_events": five_years.grid["all"],
    }


def explain_district(tree: dict[str, Any]) -> dict[str, Any]:
    """VACUUM ANALYZE the tallies (as autovacuum would after the rebuild), then EXPLAIN ANALYZE the
    district's five-year query: which index, how many rows read."""
    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from xinfang.accounts.roles import Action
    from xinfang.dashboards.models import Tally
    from xinfang.dashboards.selectors import period_condition, tally_sums

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dashboards_tally")
    today = timezone.localdate()
    head, district = tree["head"], tree["district"]
    kwargs = {"date_from": today - datetime.timedelta(days=5 * 365), "date_to": today}
    tally_sums(user=head, organisation=district, **kwargs)  # the scope is cached on the user
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dashboards_tally WHERE org_id = %s", [district.pk])
        district_rows = cursor.fetchone()[0]
    rows = (
        Tally.objects.restrict(head, Action.STATISTICS_VIEW)
        .filter(period_condition(kwargs["date_from"], kwargs["date_to"]), org_id=district.pk)
        .values("dim", "value")
        .annotate(total=Sum("n"))
        .order_by()
    )  # the query of selectors.tally_sums
    plan = rows.explain(analyze=True)
    return {"district_tally_rows": district_rows, "plan": plan.splitlines()}


def measure_sweep() -> dict[str, Any]:
    from django.core.management import call_command, get_commands
    from django.utils import timezone

    from xinfang.workcalendar.models import Clock

    if "clock_sweep" in get_commands():
        t0 = time.perf_counter()
        call_command("clock_sweep")
        return {
            "what": "manage.py clock_sweep",
            "seconds": round(time.perf_counter() - t0, 2),
            "target_s": SWEEP_TARGET_S,
        }
    t0 = time.perf_counter()
    overdue = list(
        Clock.objects.filter(stopped_at__isnull=True, due_date__lt=timezone.localdate()).values_list(
            "pk", "object_type", "object_id", "kind", "org_id", "due_date"
        )
    )
    return {
        "what": "overdue running clocks selected (clock_sweep command not present)",
        "seconds": round(time.perf_counter() - t0, 3),
        "overdue_clocks": len(overdue),
        "target_s": SWEEP_TARGET_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("bench/dashboard.py needs PostgreSQL (DATABASE_URL=postgres://…)")
    pg_admin(url, "DROP DATABASE IF EXISTS {}")
    pg_admin(url, "CREATE DATABASE {}")
    setup_django(url)
    from django.core.management import call_command

    result: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "load_before": load()},
        "matters": args.matters,
        "grid_events": args.events,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        tree = build_tree()
        result["setup_s"] = round(time.perf_counter() - t0, 1)
        print(f"migrated and built the district in {result['setup_s']} s", flush=True)
        timings = fill(tree, args.matters, args.events, args.seed)
        result.update({k: round(v, 1) for k, v in timings.items()})
        print(f"filled: {timings}", flush=True)
        t0 = time.perf_counter()
        call_command("dashboards_rollup_rebuild", "--no-progress", stdout=io.StringIO())
        result["rollup_rebuild_s"] = round(time.perf_counter() - t0, 1)
        print(f"rollup rebuild: {result['rollup_rebuild_s']} s", flush=True)
        from xinfang.dashboards.models import Tally

        result["tally_rows"] = Tally.objects.count()
        result["explain"] = explain_district(tree)
        print("\n".join(result["explain"]["plan"]), flush=True)
        result["dashboard"] = measure_dashboard(tree, args.runs, args.seed)
        print(f"dashboard: {result['dashboard']}", flush=True)
        result["sweep"] = measure_sweep()
        print(f"sweep: {result['sweep']}", flush=True)
    finally:
        result["machine"]["load_after"] = load()
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        if not args.keep:
            from django.db import connections

            connections.close_all()
            pg_admin(url, "DROP DATABASE IF EXISTS {}")


if __name__ == "__main__":
    main()
