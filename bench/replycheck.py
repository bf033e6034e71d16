"""Benchmark: reply checks on the real message board's replies (issue 9 item 4; not a test).

    .venv/bin/python bench/replycheck.py [--data DIR] [--show-sample]

Reads `messages_with_replies.csv` (2,816 messages with the reply given and its time, from
../shared/data, never copied into the repo), runs `xinfang.textmining.replycheck.reply_check` on
every (title + detail, reply) pair and prints, and writes to bench/results/replycheck.json (ids and
numbers only, no text):

- the distribution of flags (irrelevant, incomplete, perfunctory; late under two due rules);
- a label-free check of relevance: each reply given to another, random message (seeded shuffle)
  should be flagged irrelevant, the reply actually given mostly not;
- precision on a hand-labelled sample (bench/replycheck_labels.json: message ids and a yes/no per
  flag, written by a person reading request and reply, see docs/hotspots.md); `--show-sample`
  prints the sample's texts for labelling;
- lateness: reply time − message time in working days (`working_days_between` on the working
  calendar: the days the stored calendar is seeded with, chinesecalendar 2004–2026, held in
  memory, no database), and the share of replies after two due rules computed with
  `compute_deadline`: 15 working days (a message-board reply rule, an assumption, configurable
  nowhere yet) and 60 calendar days (the handling limit of Art. 34, XF-DL-01).
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
import sys
import time
from collections import Counter
from pathlib import Path

from hotspots import DEFAULT_DATA, parse_time, setup_django  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "replycheck.json"
LABELS = ROOT / "bench" / "replycheck_labels.json"
FLAGS = ("irrelevant", "incomplete", "perfunctory")
SAMPLE_SEED = 20261127
SAMPLE_PER_FLAG = 10


def sample_ids(rows: list[dict[str, str]], codes: dict[str, set[str]]) -> list[str]:
    """SAMPLE_PER_FLAG flagged messages per flag and as many with no flag (seeded)."""
    rng = random.Random(SAMPLE_SEED)
    chosen: list[str] = []
    for flag in (*FLAGS, None):
        pool = [
            r["id"] for r in rows if (flag in codes[r["id"]] if flag else not codes[r["id"]]) and r["id"] not in chosen
        ]
        chosen += rng.sample(pool, min(SAMPLE_PER_FLAG, len(pool)))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show-sample", action="store_true")
    args = parser.parse_args()
    path = args.data / "messages_with_replies.csv"
    if not path.exists():
        sys.exit(f"{path} not found: the shared data are needed for this benchmark")
    setup_django()
    from xinfang.textmining.replycheck import reply_check
    from xinfang.workcalendar.choices import Unit
    from xinfang.workcalendar.deadlines import MemoryCalendar, compute_deadline, working_days_between
    from xinfang.workcalendar.testing import calendar_days

    calendar = MemoryCalendar(calendar_days())
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))

    started = time.perf_counter()
    results = {r["id"]: reply_check(r["detail"], r["reply"], title=r["title"]) for r in rows}
    seconds = time.perf_counter() - started
    codes = {key: value.codes for key, value in results.items()}
    distribution = Counter(code for c in codes.values() for code in c)
    combos = Counter("+".join(sorted(c)) or "none" for c in codes.values())

    shuffled = [r["reply"] for r in rows]
    random.Random(SAMPLE_SEED).shuffle(shuffled)
    shuffled_irrelevant = sum(
        "irrelevant" in reply_check(r["detail"], other, title=r["title"]).codes
        for r, other in zip(rows, shuffled, strict=True)
    )

    # Lateness on the working calendar.
    delays: list[int] = []
    late = {"15_working_days": 0, "60_calendar_days": 0}
    late_days: dict[str, list[int]] = {"15_working_days": [], "60_calendar_days": []}
    skipped = 0
    for r in rows:
        try:
            asked, replied = parse_time(r["time"]).date(), parse_time(r["reply_time"]).date()
        except ValueError:
            skipped += 1
            continue
        delays.append(working_days_between(calendar, asked, replied))
        for key, period, unit in (("15_working_days", 15, Unit.WORKING), ("60_calendar_days", 60, Unit.CALENDAR)):
            due = compute_deadline(start=asked, period=period, unit=unit, calendar=calendar).due_date
            check = reply_check("", "", due_date=due, replied_on=replied, calendar=calendar)
            if "late" in check.codes:
                late[key] += 1
                late_days[key].append(check.late_working_days or 0)
    n = len(delays)
    quantiles = statistics.quantiles(delays, n=10)

    # Hand-labelled sample.
    sample = sample_ids(rows, codes)
    if args.show_sample:
        by_id = {r["id"]: r for r in rows}
        for key in sample:
            r = by_id[key]
            print(f"=== {key} flags={sorted(codes[key])} missing={results[key].missing}")
            print(f"TITLE {r['title']}\nREQUEST {r['detail'][:350]}\nREPLY {r['reply'][:550]}\n")
        return
    precision: dict[str, dict[str, float | int]] = {}
    labelled = json.loads(LABELS.read_text()) if LABELS.exists() else {"labels": {}}
    labels: dict[str, dict[str, bool]] = labelled["labels"]
    for flag in FLAGS:
        flagged = [k for k in labels if flag in codes.get(k, set())]
        right = sum(1 for k in flagged if labels[k].get(flag))
        truly = [k for k in labels if labels[k].get(flag)]
        found = sum(1 for k in truly if flag in codes.get(k, set()))
        precision[flag] = {
            "flagged": len(flagged),
            "confirmed": right,
            "precision": round(right / len(flagged), 3) if flagged else 0.0,
            "labelled_true": len(truly),
            "found": found,
        }

    print(f"{len(rows)} replies checked in {seconds:.2f} s ({1000 * seconds / len(rows):.2f} ms each)")
    print("flags:", {k: f"{v} ({v / len(rows):.1%})" for k, v in distribution.most_common()})
    print("combinations:", dict(combos.most_common()))
    print(
        f"irrelevant: true pairs {distribution['irrelevant'] / len(rows):.1%}, "
        f"shuffled pairs {shuffled_irrelevant / len(rows):.1%}"
    )
    print(
        f"working days to reply: median {statistics.median(delays)}, p10 {quantiles[0]}, p90 {quantiles[-1]}, "
        f"max {max(delays)} (n={n}, skipped {skipped})"
    )
    for key in late:
        days = late_days[key]
        print(
            f"late after {key}: {late[key]} ({late[key] / n:.1%}), "
            f"median delay {statistics.median(days) if days else 0} working days"
        )
    print(f"hand-labelled sample ({len(labels)} messages):")
    for flag, p in precision.items():
        print(
            f"  {flag}: precision {p['precision']} ({p['confirmed']}/{p['flagged']}), "
            f"found {p['found']}/{p['labelled_true']} labelled true"
        )

    out = {
        "generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "note": "2 shared CPUs, other jobs running",
        },
        "data": {"file": path.name, "replies": len(rows)},
        "seconds": round(seconds, 2),
        "ms_per_reply": round(1000 * seconds / len(rows), 2),
        "flags": dict(distribution),
        "flag_combinations": dict(combos),
        "relevance_check": {
            "true_pairs_flagged": round(distribution["irrelevant"] / len(rows), 3),
            "shuffled_pairs_flagged": round(shuffled_irrelevant / len(rows), 3),
        },
        "lateness": {
            "replies": n,
            "skipped": skipped,
            "working_days_median": statistics.median(delays),
            "working_days_p10": quantiles[0],
            "working_days_p90": quantiles[-1],
            "working_days_max": max(delays),
            "late": {
                k: {
                    "count": v,
                    "share": round(v / n, 3),
                    "median_delay_working_days": statistics.median(late_days[k]) if late_days[k] else 0,
                }
                for k, v in late.items()
            },
        },
        "hand_labelled": {"sample_seed": SAMPLE_SEED, "messages": len(labels), "precision": precision},
    }
    RESULTS.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
