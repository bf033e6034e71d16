"""Handling benchmark (issue 4): the time of each step of the chain acceptance → classification →
extension → opinion → delivery → review → re-review (each issuing its PDF instrument), and the
server time of the matter page with its handling panel for a final matter.

Run: .venv/bin/python bench/handling_chain.py [--rounds 8] — on a fresh SQLite database in a
temporary folder; writes bench/results/handling_chain.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "handling_chain.json"


def _ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "median": round(statistics.median(values) * 1000, 1),
        "max": round(values[-1] * 1000, 1),
    }


def run(rounds: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from xinfang.core.actors import SYSTEM
    from xinfang.core.testing import build_mini_district
    from xinfang.petitions.services.handling import (
        extension_decide,
        extension_request,
        matter_classify,
        opinion_deliver,
        opinion_issue,
    )
    from xinfang.petitions.services.review import review_decide, review_request
    from xinfang.petitions.services.routing import matter_forward, routing_accept
    from xinfang.petitions.states import LevelDecision, ReviewStage
    from xinfang.petitions.tests.handling_support import OPINION, REVIEW_OPINION, build_handling_world, track
    from xinfang.petitions.tests.triage_support import BASIS, triaged
    from xinfang.workcalendar.services import calendar_seed

    calendar_seed(actor=SYSTEM)
    hw = build_handling_world(build_mini_district())
    steps: dict[str, list[float]] = {}

    def timed(name: str, service: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = service(**kwargs)
        steps.setdefault(name, []).append(time.perf_counter() - start)
        return result

    matter = None
    for _ in range(rounds):
        matter = triaged(hw.world, level=LevelDecision.LOWER)
        routing = matter_forward(actor=hw.clerk, matter=matter, to_org=hw.town, basis=BASIS)
        timed("accept", routing_accept, actor=hw.town_head, routing=routing)
        matter.refresh_from_db()
        timed("classify", matter_classify, actor=hw.town_officer, matter=matter, track=track())
        ext = timed(
            "extension_request", extension_request, actor=hw.town_officer, matter=matter, days=20, reason="补充调查"
        )
        timed("extension_approve_with_pdf", extension_decide, actor=hw.town_head, extension=ext, approve=True)
        opinion = timed("opinion_with_pdf", opinion_issue, actor=hw.town_officer, matter=matter, **OPINION)
        timed(
            "deliver_with_receipt_pdf",
            opinion_deliver,
            actor=hw.town_officer,
            opinion=opinion,
            method="hand",
            delivered_at=timezone.now(),
            recipient="张三",
        )
        review = timed(
            "review_request",
            review_request,
            actor=hw.housing_officer,
            matter=matter,
            stage=ReviewStage.REVIEW,
            organisation=hw.housing,
            received_at=timezone.now(),
            request="请求复查",
        )
        second = timed(
            "review_opinion_with_pdf", review_decide, actor=hw.housing_officer, review=review, **REVIEW_OPINION
        )
        opinion_deliver(
            actor=hw.housing_officer, opinion=second, method="online", delivered_at=timezone.now(), recipient="张三"
        )
        rereview = review_request(
            actor=hw.gov_officer,
            matter=matter,
            stage=ReviewStage.REREVIEW,
            organisation=hw.government,
            received_at=timezone.now(),
            request="请求复核",
        )
        timed("rereview_opinion_with_pdf", review_decide, actor=hw.gov_officer, review=rereview, **REVIEW_OPINION)

    assert matter is not None
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(hw.gov_officer)
    url = f"/matters/{matter.pk}/"
    client.get(url)  # warm
    page_times = []
    for _ in range(20):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            page_times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return {
        "rounds": rounds,
        "steps_ms": {name: _ms(values) for name, values in steps.items()},
        "matter_page_final_ms": _ms(page_times),
        "matter_page_queries": len(queries),
        "matter_page_html_kb": round(len(response.content) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xinfang-bench-") as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        data = run(args.rounds)
    result = {
        "benchmark": "handling_chain",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "database": "sqlite",
        **data,
    }
    print(f"handling chain, {args.rounds} rounds on SQLite (ms, median / max)")
    for name, values in data["steps_ms"].items():
        print(f"  {name:<28}{values['median']:>8.1f}{values['max']:>8.1f}")
    page = data["matter_page_final_ms"]
    extra = f"{data['matter_page_queries']} queries, {data['matter_page_html_kb']} KB"
    print(f"  {'matter page (final)':<28}{page['median']:>8.1f}{page['max']:>8.1f}  {extra}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
