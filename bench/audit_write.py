"""Benchmark: the cost of one audit_record write, and audit_verify's speed (not a test).

    .venv/bin/python bench/audit_write.py [--writes 2000] [--verify-rows 100000]

For SQLite (a temporary file database, configured as in production: WAL, BEGIN IMMEDIATE) and, when
reachable, PostgreSQL (a dedicated database, created and dropped here; BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/xinfang_bench_audit) it measures:

- audit_record, each write in its own transaction (what a service costs when it commits);
- audit_record, all writes in one enclosing transaction (the chain's own overhead);
- a plain insert of the same row without the chain (lock + read of the last hash + hashing), in one
  transaction, as the baseline;
- audit_verify over `--verify-rows` rows (rows/s, seconds per 100k) and its peak Python memory.

Each database runs in a child process (Django is set up once per process, with
DJANGO_SETTINGS_MODULE=config.settings.test and its own DATABASE_URL); var/xinfang.sqlite3 is never
touched. Prints a table and writes bench/results/audit_write.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _support import pg_admin  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "audit_write.json"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/xinfang_bench_audit"


# --- child: one database ------------------------------------------------------------------------


def _summary(i: int) -> dict[str, Any]:
    return {"before": {"state": "registered", "deadline": "2026-03-01"}, "after": {"state": "accepted", "n": i}}


def _per_write(seconds: float, count: int) -> dict[str, float]:
    return {"events_per_s": round(count / seconds, 1), "us_per_write": round(seconds / count * 1e6, 1)}


def run_child(writes: int, verify_rows: int) -> dict[str, Any]:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    import tracemalloc
    import uuid

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from xinfang.audit.chain import GENESIS_HASH, HASHED_FIELDS, event_digest, normalise_summary
    from xinfang.audit.models import AuditEvent
    from xinfang.audit.services import audit_record

    call_command("migrate", verbosity=0)
    result: dict[str, Any] = {"vendor": connection.vendor, "writes": writes}

    def record(i: int) -> None:
        audit_record(
            actor=None,
            action="bench.write",
            object_type="bench.thing",
            object_id=str(i),
            object_label=f"事项{i}",
            org_id=1,
            summary=_summary(i),
        )

    for i in range(50):  # warm up connections, caches and the statement cache
        record(i)

    started = time.perf_counter()
    for i in range(writes):
        record(i)  # audit_record opens (and commits) its own transaction
    result["own_transaction"] = _per_write(time.perf_counter() - started, writes)

    started = time.perf_counter()
    with transaction.atomic():
        for i in range(writes):
            record(i)
    result["one_enclosing_transaction"] = _per_write(time.perf_counter() - started, writes)

    started = time.perf_counter()
    with transaction.atomic():
        for i in range(writes):
            AuditEvent(
                created_at=timezone.now(),
                action="bench.plain",
                object_type="bench.thing",
                object_id=str(i),
                object_label=f"事项{i}",
                org_id=1,
                summary=_summary(i),
                prev_hash=uuid.uuid4().hex * 2,
                hash=uuid.uuid4().hex * 2,
            ).save(force_insert=True)
    result["plain_insert_baseline"] = _per_write(time.perf_counter() - started, writes)
    overhead = result["one_enclosing_transaction"]["us_per_write"] - result["plain_insert_baseline"]["us_per_write"]
    result["chain_overhead_us_per_write"] = round(overhead, 1)

    # The baseline rows are not chained: start the verify data set from an empty table.
    from xinfang.audit.maintenance import audit_maintenance

    with audit_maintenance():
        AuditEvent.objects.all().delete()
    # Build a valid chain fast (bulk inserts of rows hashed exactly as audit_record hashes them).
    prev, batch, made = GENESIS_HASH, [], 0
    while made < verify_rows:
        event = AuditEvent(
            created_at=timezone.now(),
            actor_id=made % 50,
            actor_label=f"user{made % 50}",
            action="bench.verify",
            object_type="bench.thing",
            object_id=str(made),
            object_label=f"事项{made}",
            org_id=made % 300,
            summary=normalise_summary(_summary(made)),
            request_id=uuid.uuid4().hex,
            prev_hash=prev,
        )
        event.hash = event_digest(prev_hash=prev, values=[getattr(event, f) for f in HASHED_FIELDS])
        prev = event.hash
        batch.append(event)
        made += 1
        if len(batch) == 5000 or made == verify_rows:
            with transaction.atomic():
                AuditEvent.objects.bulk_create(batch)
            batch = []

    from io import StringIO

    out = StringIO()
    started = time.perf_counter()
    call_command("audit_verify", stdout=out)
    seconds = time.perf_counter() - started
    assert f"OK: {verify_rows} events" in out.getvalue(), out.getvalue()
    tracemalloc.start()
    call_command("audit_verify", stdout=StringIO())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    result["verify"] = {
        "rows": verify_rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(verify_rows / seconds),
        "seconds_per_100k": round(seconds / verify_rows * 100_000, 2),
        "peak_python_mib": round(peak / 2**20, 1),
    }
    return result


# --- parent: set up databases, run children, report ----------------------------------------------


def _run(label: str, database_url: str, var_dir: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "XINFANG_VAR_DIR": var_dir,
        "DJANGO_SECRET_KEY": "bench-audit-write",
    }
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(  # noqa: S603 (this script, our own interpreter)
            [
                sys.executable,
                __file__,
                "--child",
                out.name,
                "--writes",
                str(args.writes),
                "--verify-rows",
                str(args.verify_rows),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        data: dict[str, Any] = json.loads(Path(out.name).read_text())
    print(f"done: {label}", file=sys.stderr)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--verify-rows", type=int, default=100_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        Path(args.child).write_text(json.dumps(run_child(args.writes, args.verify_rows)))
        return

    results: dict[str, Any] = {
        "benchmark": "audit_write",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "databases": {},
    }
    with tempfile.TemporaryDirectory(prefix="xinfang-bench-") as tmp:
        results["databases"]["sqlite"] = _run("sqlite", f"sqlite:///{tmp}/bench.sqlite3", tmp, args)
        pg_url = os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL)
        try:
            pg_admin(pg_url, "DROP DATABASE IF EXISTS {}")
            pg_admin(pg_url, "CREATE DATABASE {}")
        except Exception as exc:  # not reachable: report and go on with SQLite only
            results["databases"]["postgresql"] = {"skipped": f"not reachable: {exc}"}
        else:
            try:
                results["databases"]["postgresql"] = _run("postgresql", pg_url, tmp, args)
            finally:
                pg_admin(pg_url, "DROP DATABASE IF EXISTS {}")

    print(f"\naudit_record cost ({args.writes} writes each; µs per write, events/s)")
    print(f"{'database':<12}{'own transaction':>24}{'one transaction':>24}{'plain insert':>22}{'chain cost':>12}")
    for name, data in results["databases"].items():
        if "skipped" in data:
            print(f"{name:<12}skipped: {data['skipped']}")
            continue
        cells = [
            f"{data[k]['us_per_write']:>9.1f} µs {data[k]['events_per_s']:>8.0f}/s"
            for k in ("own_transaction", "one_enclosing_transaction", "plain_insert_baseline")
        ]
        print(f"{name:<12}{cells[0]:>24}{cells[1]:>24}{cells[2]:>22}{data['chain_overhead_us_per_write']:>9.1f} µs")
    print("\naudit_verify")
    for name, data in results["databases"].items():
        if "verify" in data:
            v = data["verify"]
            print(
                f"{name:<12}{v['rows']} rows in {v['seconds']} s: {v['rows_per_s']:,} rows/s, "
                f"{v['seconds_per_100k']} s per 100k, peak Python memory {v['peak_python_mib']} MiB"
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
