"""Benchmark: the near-duplicate index (issue 9 item 2; not a test).

    .venv/bin/python bench/duplicates.py [--sizes 10000 100000] [--checks 200] [--no-pg] [--no-sqlite] [--data DIR]

Two parts; figures printed and written to bench/results/duplicates.json (no message text).

1. Quality, on `messages_with_votes.csv` (4,326 real messages, read from ../shared/data, never copied
   into the repo). Every message is a probe against all the others; its text is compared as at
   registration (title + title + detail, normalised: the title is both the title and the request).
   Labelled repeat pairs, two references:
   - **rapidfuzz** (the reference the index must reproduce): the pairs the brute-force matcher
     (`similar_texts` over the whole corpus, min score 70) proposes — what registration proposed
     before the index;
   - **exact**: pairs whose detail is the same after normalisation (the data set's exact repeats).
   The index's proposals are `similar_texts` over the LSH candidates only (in memory, same band
   hashes as the database). Reported: recall of each reference, precision against the rapidfuzz
   reference, LSH candidates per probe.
2. Latency per check at N stored matters (SQLite in a temporary file; PostgreSQL when reachable,
   BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/xinfang_bench_dups, created and dropped
   here). N realistic texts are generated in memory by recombining sentences of the shared CSVs
   (a real title and 2-8 real sentences), their bands computed with `text_bands` and inserted in
   bulk into `textmining_neardupband` (no Matter rows: the index alone is measured). A check is
   `neardup_candidates` (window of 24 months) plus the exact re-scoring of the candidates
   (`similar_texts`); half the probes are near-duplicates of a stored text (one sentence replaced),
   half new texts. Not included: reading the candidates' texts from the matter table (one query by
   primary key for at most 100 rows, cached per process; see bench/api_intake.py for end to end).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from _support import pg_admin  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "duplicates.json"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/xinfang_bench_dups"
OBJECT_TYPE = "petitions.matter"


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "mean": round(statistics.mean(values), 2),
        "median": round(statistics.median(values), 2),
        "p95": round(values[max(int(len(values) * 0.95) - 1, 0)], 2),
        "max": round(values[-1], 2),
    }


def _setup_django() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()


# --- 1. quality (no database) --------------------------------------------------------------------


def quality(data_dir: Path) -> dict[str, Any]:
    from xinfang.petitions.services.repeats import similar_texts, text_min_score
    from xinfang.textmining.minhash import normalise_text, params_from_settings, setting, text_bands

    rows = load(data_dir / "messages_with_votes.csv")
    params = params_from_settings()
    corpus = [
        (i, normalise_text(r["title"]), normalise_text(" ".join([r["title"], r["title"], r["detail"]])))
        for i, r in enumerate(rows)
    ]
    started = time.perf_counter()
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    bands = []
    for i, _title, text in corpus:
        hashes = text_bands(text, params)
        bands.append(hashes)
        for band, value in enumerate(hashes):
            buckets[(band, value)].append(i)
    index_ms = (time.perf_counter() - started) * 1000 / len(corpus)
    details: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        details[normalise_text(r["detail"])].append(i)
    exact = {frozenset((a, b)) for group in details.values() if len(group) > 1 for a in group for b in group if a != b}
    reference: set[frozenset[int]] = set()
    proposed: set[frozenset[int]] = set()
    candidate_pairs: set[frozenset[int]] = set()
    candidates_per_probe = []
    min_score = text_min_score()
    for i, title, text in corpus:
        others = corpus[:i] + corpus[i + 1 :]
        for j, _score in similar_texts(title=title, text=text, corpus=others, min_score=min_score, limit=50):
            reference.add(frozenset((i, j)))
        shared: Counter[int] = Counter()
        for band, value in enumerate(bands[i]):
            shared.update(j for j in buckets[(band, value)] if j != i)
        candidates = [j for j, _n in shared.most_common(setting("CANDIDATES"))]
        candidates_per_probe.append(len(candidates))
        candidate_pairs.update(frozenset((i, j)) for j in candidates)
        for j, _score in similar_texts(
            title=title, text=text, corpus=[corpus[j] for j in candidates], min_score=min_score, limit=50
        ):
            proposed.add(frozenset((i, j)))
    return {
        "messages": len(rows),
        "params": {"shingle_size": params.shingle_size, "bands": params.bands, "rows": params.rows},
        "min_score": min_score,
        "reference_rapidfuzz_pairs": len(reference),
        "reference_exact_pairs": len(exact),
        "recall_rapidfuzz": round(len(proposed & reference) / len(reference), 4) if reference else None,
        "precision_rapidfuzz": round(len(proposed & reference) / len(proposed), 4) if proposed else None,
        "recall_exact": round(len(proposed & exact) / len(exact), 4) if exact else None,
        "lsh_candidate_recall_rapidfuzz": round(len(candidate_pairs & reference) / len(reference), 4),
        "lsh_candidate_precision_rapidfuzz": round(len(candidate_pairs & reference) / len(candidate_pairs), 4)
        if candidate_pairs
        else None,
        "lsh_candidates_per_probe": round(statistics.mean(candidates_per_probe), 2),
        "ms_per_text_bands": round(index_ms, 3),
    }


# --- 2. latency (child process, one database) ----------------------------------------------------


def sentences(data_dir: Path) -> tuple[list[str], list[str]]:
    titles: list[str] = []
    parts: list[str] = []
    for name in ("messages_with_votes.csv", "messages_unlabeled.csv"):
        for row in load(data_dir / name):
            titles.append(row["title"][:120])
            parts.extend(s + "。" for s in row["detail"].split("。") if len(s) >= 8)
    return titles, parts


def latency(data_dir: Path, sizes: list[int], checks: int) -> dict[str, Any]:
    _setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from xinfang.petitions.services.repeats import similar_texts, text_min_score
    from xinfang.textmining.minhash import normalise_text, params_from_settings, text_bands
    from xinfang.textmining.models import NearDupBand
    from xinfang.textmining.selectors import neardup_candidates

    call_command("migrate", verbosity=0)
    titles, parts = sentences(data_dir)
    params = params_from_settings()
    rng = random.Random(9)
    now = timezone.now()
    since = now - datetime.timedelta(days=730)
    table = NearDupBand._meta.db_table
    texts: dict[int, str] = {}

    def make_text() -> str:
        return rng.choice(titles) + "".join(rng.choice(parts) for _ in range(rng.randint(2, 8)))

    results: dict[str, Any] = {"vendor": connection.vendor, "sizes": {}}
    stored = 0
    for size in sorted(sizes):
        started = time.perf_counter()
        batch: list[tuple[str, int, int, int, datetime.datetime]] = []
        insert = f"INSERT INTO {table} (object_type, object_id, band, hash, at) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608
        while stored < size:
            stored += 1
            text = make_text()
            texts[stored] = text
            at = now - datetime.timedelta(days=rng.randint(0, 900))  # some outside the 24-month window
            batch.extend((OBJECT_TYPE, stored, band, value, at) for band, value in enumerate(text_bands(text, params)))
            if len(batch) >= 20_000 or stored == size:
                with connection.cursor() as cursor:
                    if connection.vendor == "postgresql":  # COPY: ~5x faster than executemany at 42M rows
                        columns = "(object_type, object_id, band, hash, at)"
                        with cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                            for row in batch:
                                copy.write_row(row)
                    else:
                        cursor.executemany(insert, batch)
                batch = []
        load_s = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {table}")
        probes = []
        for n in range(checks):
            if n % 2 == 0:  # a near-duplicate of a stored text: one sentence replaced
                base = texts[rng.randint(1, stored)]
                pieces = base.split("。")
                pieces[rng.randrange(len(pieces))] = rng.choice(parts).rstrip("。")
                probes.append("。".join(pieces))
            else:
                probes.append(make_text())
        index_ms, rescore_ms, total_ms, found, counts = [], [], [], 0, []
        min_score = text_min_score()
        for probe in probes[:5]:  # warm up
            neardup_candidates(object_type=OBJECT_TYPE, text=probe, since=since)
        for probe in probes:
            t0 = time.perf_counter()
            ids = neardup_candidates(object_type=OBJECT_TYPE, text=probe, since=since)
            t1 = time.perf_counter()
            text = normalise_text(probe)
            corpus = [(pk, "", normalise_text(texts[pk])) for pk in ids]
            scored = similar_texts(title="", text=text, corpus=corpus, min_score=min_score, limit=20)
            t2 = time.perf_counter()
            index_ms.append((t1 - t0) * 1000)
            rescore_ms.append((t2 - t1) * 1000)
            total_ms.append((t2 - t0) * 1000)
            counts.append(len(ids))
            found += bool(scored)
        results["sizes"][str(size)] = {
            "stored_matters": stored,
            "band_rows": stored * params.bands,
            "load_seconds": round(load_s, 1),
            "checks": len(probes),
            "ms_per_check": _ms(total_ms),
            "ms_neardup_candidates": _ms(index_ms),
            "ms_rescoring": _ms(rescore_ms),
            "candidates_per_check": round(statistics.mean(counts), 1),
            "share_with_proposal": round(found / len(probes), 3),
        }
        print(f"  {connection.vendor} {size}: {results['sizes'][str(size)]['ms_per_check']}", file=sys.stderr)
    return results


# --- parent ---------------------------------------------------------------------------------------


def _run(label: str, database_url: str, var_dir: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "XINFANG_VAR_DIR": var_dir,
        "DJANGO_SECRET_KEY": "bench-duplicates",
    }
    command = [sys.executable, __file__, "--data", str(args.data), "--checks", str(args.checks), "--sizes"]
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(  # noqa: S603 (this script, our own interpreter)
            [*command, *map(str, args.sizes), "--child", out.name], cwd=ROOT, env=env, check=True
        )
        data: dict[str, Any] = json.loads(Path(out.name).read_text())
    print(f"done: {label}", file=sys.stderr)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("XINFANG_SHARED_DATA", DEFAULT_DATA)))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument(
        "--no-sqlite",
        action="store_true",
        help="PostgreSQL only (loading 1M matters into SQLite takes about an hour); the SQLite figures of "
        "the previous results file are kept, marked as such",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not (args.data / "messages_with_votes.csv").exists():
        sys.exit(f"real messages not found in {args.data}: pass --data (they are never copied into the repo)")
    if args.child:
        Path(args.child).write_text(json.dumps(latency(args.data, args.sizes, args.checks)))
        return

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    results: dict[str, Any] = {
        "benchmark": "duplicates",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "databases": {},
    }
    with tempfile.TemporaryDirectory(prefix="xinfang-bench-") as tmp:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/quality.sqlite3")
        os.environ.setdefault("XINFANG_VAR_DIR", tmp)
        _setup_django()
        results["quality"] = quality(args.data)
        print(json.dumps(results["quality"], indent=2), file=sys.stderr)
        if args.no_sqlite:
            previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
            earlier = previous.get("databases", {}).get("sqlite")
            if earlier and "skipped" not in earlier:
                results["databases"]["sqlite"] = {**earlier, "from_run": earlier.get("from_run", previous.get("when"))}
            else:
                results["databases"]["sqlite"] = {"skipped": "--no-sqlite"}
        else:
            results["databases"]["sqlite"] = _run("sqlite", f"sqlite:///{tmp}/bench.sqlite3", tmp, args)
        pg_url = os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL)
        if args.no_pg:
            results["databases"]["postgresql"] = {"skipped": "--no-pg"}
        else:
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

    q = results["quality"]
    print(f"\nquality on {q['messages']} messages ({q['params']}):")
    print(
        f"  recall vs brute-force rapidfuzz {q['recall_rapidfuzz']}, precision {q['precision_rapidfuzz']}, "
        f"recall of exact repeats {q['recall_exact']}, LSH candidates per probe {q['lsh_candidates_per_probe']}"
    )
    print(f"\n{'database':<12}{'stored':>10}{'ms mean':>9}{'ms p95':>8}{'index p95':>11}{'cands':>7}")
    for name, data in results["databases"].items():
        if "skipped" in data:
            print(f"{name:<12}skipped: {data['skipped']}")
            continue
        for size, figures in data["sizes"].items():
            print(
                f"{name:<12}{size:>10}{figures['ms_per_check']['mean']:>9.1f}{figures['ms_per_check']['p95']:>8.1f}"
                f"{figures['ms_neardup_candidates']['p95']:>11.1f}{figures['candidates_per_check']:>7.1f}"
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
