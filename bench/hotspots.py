"""Benchmark: hot spots on the real message board (issue 9 item 3; not a test).

    .venv/bin/python bench/hotspots.py [--data DIR] [--top 5] [--recent-days 30]

Reads `messages_with_votes.csv` (4,326 messages, from ../shared/data, never copied into the repo),
computes the hot spots over the whole period with `xinfang.textmining.hotspots.hotspots_compute`
(window ending at the last message), prints the top hot spots with their messages for a person to
read, and writes figures to bench/results/hotspots.json (ids and numbers only, no message text).

Figures:
- time to compute (the whole corpus, one process);
- place extraction: share of messages with a primary place, by kind;
- coverage: share of messages inside a hot spot;
- purity of place hot spots: share of their messages whose title or text names the place (the
  rest joined through a near-duplicate text);
- exact repeats: of the pairs of messages with the same normalised text (the data set's repeats),
  the share that fall into the same hot spot (when the pair is in any hot spot).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "hotspots.json"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
CHINA = datetime.timezone(datetime.timedelta(hours=8))


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def parse_time(value: str) -> datetime.datetime:
    # The board gives Beijing time without an offset.
    return datetime.datetime.strptime(value.strip().replace("-", "/"), "%Y/%m/%d %H:%M:%S").replace(tzinfo=CHINA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--recent-days", type=int, default=30)
    args = parser.parse_args()
    path = args.data / "messages_with_votes.csv"
    if not path.exists():
        sys.exit(f"{path} not found: the shared data are needed for this benchmark")
    setup_django()
    from xinfang.textmining.hotspots import Document, hotspots_compute, primary_place
    from xinfang.textmining.minhash import normalise_text

    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    docs = [
        Document(
            ref=row["id"],
            title=row["title"],
            text=row["detail"],
            at=parse_time(row["time"]),
            author=row["user"],
            likes=int(row["likes"] or 0),
            dislikes=int(row["dislikes"] or 0),
        )
        for row in rows
    ]
    started = time.perf_counter()
    spots = hotspots_compute(docs, recent_days=args.recent_days)
    seconds = time.perf_counter() - started

    kinds: Counter[str] = Counter()
    for d in docs:
        place = primary_place(d.title, d.text)
        kinds[place.kind if place else "none"] += 1
    in_spot = {d.ref: s.key for s in spots for d in s.documents}
    place_spots = [s for s in spots if s.place]
    named = sum(
        1 for s in place_spots for d in s.documents if s.place and (s.place.name in d.title or s.place.name in d.text)
    )
    place_members = sum(s.messages for s in place_spots)
    by_text: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        by_text[normalise_text(d.text)].append(d.ref)
    pairs = same = 0
    for refs in by_text.values():
        for i, a in enumerate(refs):
            for b in refs[i + 1 :]:
                if a in in_spot or b in in_spot:
                    pairs += 1
                    same += in_spot.get(a) == in_spot.get(b)

    print(f"{len(docs)} messages, {len(spots)} hot spots in {seconds:.2f} s")
    print(f"primary place: {dict(kinds)}")
    print(
        f"coverage {len(in_spot) / len(docs):.3f}; place purity {named / max(place_members, 1):.3f}; "
        f"exact repeats together {same}/{pairs}"
    )
    for rank, spot in enumerate(spots[: args.top], 1):
        kind = spot.place.kind if spot.place else "topic"
        print(
            f"\n#{rank} {spot.label} [{kind}{' ' + spot.area if spot.area else ''}] heat {spot.heat}: "
            f"{spot.messages} messages, {spot.authors} authors, {spot.votes} votes, "
            f"recent {spot.recent} / previous {spot.previous}, "
            f"{spot.first_at:%Y-%m-%d} – {spot.last_at:%Y-%m-%d}; keywords {'、'.join(spot.keywords)}"
        )
        for d in spot.documents:
            print(f"   {d.at:%Y-%m-%d} {d.ref:>7} {d.author:<12} 👍{d.likes} 👎{d.dislikes} {d.title}")

    results = {
        "generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "note": "2 shared CPUs, other jobs running",
        },
        "data": {"file": path.name, "messages": len(docs)},
        "parameters": {"recent_days": args.recent_days, "until": "last message"},
        "seconds": round(seconds, 2),
        "hot_spots": len(spots),
        "primary_place": dict(kinds),
        "coverage": round(len(in_spot) / len(docs), 3),
        "place_purity": round(named / max(place_members, 1), 3),
        "exact_repeat_pairs_in_hot_spots": pairs,
        "exact_repeat_pairs_together": same,
        "top": [
            {
                "rank": rank,
                "kind": spot.place.kind if spot.place else "topic",
                "area": spot.area,
                "heat": spot.heat,
                "messages": spot.messages,
                "authors": spot.authors,
                "votes": spot.votes,
                "recent": spot.recent,
                "previous": spot.previous,
                "first": spot.first_at.date().isoformat(),
                "last": spot.last_at.date().isoformat(),
                "message_ids": [d.ref for d in spot.documents],
            }
            for rank, spot in enumerate(spots[:20], 1)
        ],
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
