"""Benchmark: repeat and duplicate detection at registration (not a test).

    .venv/bin/python bench/petitions_repeats.py [--stored 4000] [--data ../shared/data/messages_with_votes.csv]

Real citizen messages (read from ../shared/data with the csv module, never copied into the repo) are
stored as matters — 4,000 by default, all received within the matcher's window — and every *exact
repeat* (a message whose text equals an earlier message's text; the data set has 104) is then
registered again as a new matter's text: `repeat_candidates` must propose the earlier copy.

Reported, per database (SQLite in a temporary file; PostgreSQL when reachable, BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/xinfang_bench_repeats, created and dropped here):

- recall: share of exact repeats whose earlier copy is proposed;
- precision_at_1: share of exact repeats whose first proposal is an exact copy;
- precision: share of all proposals made for exact repeats that are exact copies (the others are
  near repeats — real, but not exact; see near_share_of_proposals);
- control: for messages that are not repeats and not stored, proposals per query and the share of
  queries with a near-identical proposal (score >= 98: a false "exact" alarm);
- ms per query: `repeat_candidates` end to end (restricted read of the window, normalisation of
  what is not cached yet, matching, labelling; the first query of a process, which normalises the
  whole window, separately) and the text matcher alone (`similar_texts` on a preloaded corpus).

Prints a table and writes bench/results/petitions_repeats.json (figures only, no message text).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _support import pg_admin  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "petitions_repeats.json"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "messages_with_votes.csv"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/xinfang_bench_repeats"


def load_messages(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def split(rows: list[dict[str, str]], stored: int) -> tuple[list[int], list[tuple[int, set[int]]], list[int]]:
    """(stored rows, exact repeats with the rows they repeat, control rows)."""
    first_seen: dict[str, list[int]] = {}
    repeats: list[tuple[int, set[int]]] = []
    for index, row in enumerate(rows):
        key = row["detail"].strip()
        if key in first_seen:
            repeats.append((index, set(first_seen[key])))
        first_seen.setdefault(key, []).append(index)
    repeat_rows = {index for index, _earlier in repeats}
    needed = set().union(*(earlier for _index, earlier in repeats)) - repeat_rows
    others = [i for i in range(len(rows)) if i not in repeat_rows and i not in needed]
    fill = max(stored - len(needed), 0)
    stored_rows = sorted(needed | set(others[:fill]))
    control = others[fill:]
    return stored_rows, repeats, control


def _ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "mean": round(statistics.mean(values), 2),
        "median": round(statistics.median(values), 2),
        "p95": round(values[int(len(values) * 0.95) - 1], 2),
        "max": round(values[-1], 2),
    }


# --- child: one database ------------------------------------------------------------------------


def run_child(data_path: Path, stored_count: int) -> dict[str, Any]:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from xinfang.accounts.roles import Role
    from xinfang.core.testing import build_mini_district, make_user
    from xinfang.petitions.models import Matter
    from xinfang.petitions.services.intake import MatterData
    from xinfang.petitions.services.repeats import normalise_text, repeat_candidates, similar_texts, text_min_score
    from xinfang.petitions.states import Channel, Source

    call_command("migrate", verbosity=0)
    rows = load_messages(data_path)
    stored_rows, repeats, control = split(rows, stored_count)
    mini = build_mini_district()
    clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))

    # Received times keep the messages' order, spread over the last 20 months (inside the window).
    now = timezone.now()
    span = datetime.timedelta(days=600)
    matters = []
    for position, index in enumerate(stored_rows):
        row = rows[index]
        holder = mini.town_a_office if position % 3 == 0 else mini.petition_bureau
        matters.append(
            Matter(
                number=f"BENCH-{index:06d}",
                channel=Channel.ONLINE,
                source=Source.PORTAL,
                received_at=now - span + span * position / len(stored_rows),
                registered_by=clerk,
                registered_org=holder,
                current_org=holder,
                title=row["title"][:120],
                request="",
                facts=row["detail"],
            )
        )
    Matter.objects.bulk_create(matters, batch_size=500)
    call_command("neardup_rebuild", stdout=io.StringIO(), stderr=io.StringIO())  # bulk rows skip the service
    pk_of = dict(Matter.objects.values_list("number", "pk"))
    row_of = {pk: int(number.split("-")[1]) for number, pk in pk_of.items()}
    same_text: dict[str, set[int]] = {}
    for index in stored_rows:
        same_text.setdefault(rows[index]["detail"].strip(), set()).add(index)

    def query(index: int) -> tuple[list[Any], float]:
        row = rows[index]
        data = MatterData(
            channel=Channel.ONLINE, received_at=now, title=row["title"][:120], request="", facts=row["detail"]
        )
        started = time.perf_counter()
        found = repeat_candidates(user=clerk, data=data, organisation=mini.petition_bureau, limit=10)
        return found, (time.perf_counter() - started) * 1000

    # The first query of a process normalises the whole window (then only what changed).
    cold_ms = query(control[0] if control else repeats[0][0])[1]
    for index, _earlier in repeats[:5]:  # warm up connections and caches
        query(index)

    timings: list[float] = []
    recall = first_exact = proposals = exact_proposals = 0
    for index, earlier in repeats:
        found, ms = query(index)
        timings.append(ms)
        copies = same_text.get(rows[index]["detail"].strip(), set())
        rows_found = [row_of[c.matter.pk] for c in found]
        recall += bool(earlier & set(rows_found))
        first_exact += bool(rows_found) and rows_found[0] in copies
        proposals += len(rows_found)
        exact_proposals += sum(1 for r in rows_found if r in copies)

    control_timings: list[float] = []
    control_proposals = control_identical = control_any = 0
    for index in control:
        found, ms = query(index)
        control_timings.append(ms)
        control_proposals += len(found)
        control_any += bool(found)
        control_identical += any(c.score >= 98 for c in found)

    # The matcher alone, on a preloaded, normalised corpus.
    corpus = [
        (
            index,
            normalise_text(rows[index]["title"][:120]),
            normalise_text(rows[index]["title"][:120] + rows[index]["detail"]),
        )
        for index in stored_rows
    ]
    matcher_timings = []
    for index, _earlier in repeats:
        title = normalise_text(rows[index]["title"][:120])
        text = normalise_text(rows[index]["title"][:120] + rows[index]["detail"])
        started = time.perf_counter()
        similar_texts(title=title, text=text, corpus=corpus, min_score=text_min_score())
        matcher_timings.append((time.perf_counter() - started) * 1000)

    n = len(repeats)
    return {
        "vendor": connection.vendor,
        "stored_matters": Matter.objects.count(),
        "exact_repeats": n,
        "control_queries": len(control),
        "min_score": text_min_score(),
        "recall": round(recall / n, 4),
        "precision_at_1": round(first_exact / n, 4),
        "precision": round(exact_proposals / proposals, 4) if proposals else None,
        "near_share_of_proposals": round(1 - exact_proposals / proposals, 4) if proposals else None,
        "proposals_per_repeat": round(proposals / n, 2),
        "control": {
            "proposals_per_query": round(control_proposals / len(control), 2) if control else None,
            "share_with_any_proposal": round(control_any / len(control), 4) if control else None,
            "share_with_near_identical_proposal": round(control_identical / len(control), 4) if control else None,
        },
        "ms_first_query_cold": round(cold_ms, 1),
        "ms_per_query": _ms(timings + control_timings),
        "ms_per_query_matcher_only": _ms(matcher_timings),
    }


# --- parent: set up databases, run children, report ----------------------------------------------


def _run(label: str, database_url: str, var_dir: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "XINFANG_VAR_DIR": var_dir,
        "DJANGO_SECRET_KEY": "bench-petitions-repeats",
    }
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(  # noqa: S603 (this script, our own interpreter)
            [sys.executable, __file__, "--child", out.name, "--stored", str(args.stored), "--data", str(args.data)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        data: dict[str, Any] = json.loads(Path(out.name).read_text())
    print(f"done: {label}", file=sys.stderr)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=4000)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("XINFANG_MESSAGES_CSV", DEFAULT_DATA)))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"real messages not found at {args.data}: pass --data (they are never copied into the repo)")
    if args.child:
        Path(args.child).write_text(json.dumps(run_child(args.data, args.stored)))
        return

    results: dict[str, Any] = {
        "benchmark": "petitions_repeats",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "data": args.data.name,
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

    print(f"\nrepeat detection: {args.stored} stored matters, exact repeats of {args.data.name}")
    columns = [("recall", 8), ("P@1", 8), ("precision", 11), ("ctrl≥98", 9), ("ms mean", 9), ("ms p95", 8)]
    print(f"{'database':<12}" + "".join(f"{name:>{width}}" for name, width in columns) + f"{'matcher':>9}")
    for name, data in results["databases"].items():
        if "skipped" in data:
            print(f"{name:<12}skipped: {data['skipped']}")
            continue
        print(
            f"{name:<12}{data['recall']:>8.3f}{data['precision_at_1']:>8.3f}{data['precision']:>11.3f}"
            f"{data['control']['share_with_near_identical_proposal']:>9.3f}"
            f"{data['ms_per_query']['mean']:>9.1f}{data['ms_per_query']['p95']:>8.1f}"
            f"{data['ms_per_query_matcher_only']['mean']:>9.1f}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
