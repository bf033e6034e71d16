"""Benchmark: deadline arithmetic on the stored calendar, held in memory (not a test).

Loads the calendar from the database once, then times many deadline computations per unit and
checks that they ran no query. Prints the figures and writes bench/results/calendar_deadlines.json.

    .venv/bin/python bench/calendar_deadlines.py [--n 100000]

Without DATABASE_URL it uses a throwaway SQLite file (migrated and seeded here), so it never
touches var/xinfang.sqlite3.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "calendar_deadlines.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="computations per unit")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="xinfang-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir.name}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.workcalendar.choices import Unit
    from xinfang.workcalendar.selectors import calendar_cache_clear, calendar_lookup, deadline_compute

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    call_command("calendar_seed", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    seed_seconds = time.perf_counter() - began

    calendar_cache_clear()
    with CaptureQueriesContext(connection) as load_queries:
        began = time.perf_counter()
        calendar_lookup()
        load_ms = (time.perf_counter() - began) * 1000

    rng = random.Random(args.seed)
    first = datetime.date(2004, 1, 1).toordinal()
    last = datetime.date(2027, 12, 31).toordinal()
    periods = {Unit.CALENDAR: (1, 60), Unit.WORKING: (1, 30), Unit.MONTH: (1, 12), Unit.YEAR: (1, 3)}
    units: dict[str, dict[str, float | int]] = {}
    total_queries = 0
    for unit, (low, high) in periods.items():
        requests = [
            (datetime.date.fromordinal(rng.randint(first, last)), rng.randint(low, high)) for _ in range(args.n)
        ]
        provisional = 0
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            for start, period in requests:
                provisional += deadline_compute(start=start, period=period, unit=unit).is_provisional
            seconds = time.perf_counter() - began
        total_queries += len(queries)
        units[unit] = {
            "computations": args.n,
            "period_range": f"{low}-{high}",
            "seconds": round(seconds, 3),
            "per_second": round(args.n / seconds),
            "microseconds_each": round(seconds / args.n * 1e6, 2),
            "provisional_results": provisional,
            "queries": len(queries),
        }

    result = {
        "benchmark": "calendar_deadlines",
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "database": connection.vendor,
        "seed_seconds": round(seed_seconds, 3),
        "calendar_load_ms": round(load_ms, 1),
        "calendar_load_queries": len(load_queries),
        "queries_during_computations": total_queries,
        "units": units,
    }
    print(f"calendar_seed (empty database): {seed_seconds:.2f} s")
    print(f"calendar load into memory: {load_ms:.1f} ms, {len(load_queries)} queries")
    for unit, figures in units.items():
        print(
            f"{unit:>8}: {figures['computations']} deadlines in {figures['seconds']:.2f} s "
            f"({figures['per_second']}/s, {figures['microseconds_each']} µs each, {figures['queries']} queries)"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")
    workdir.cleanup()


if __name__ == "__main__":
    main()
