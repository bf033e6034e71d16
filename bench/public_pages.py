"""Public pages benchmark (issue 5, item 7: every public page accessible and fast): for each public
page of the portal (/portal/), the one-stop services (/services/), the guidance maps and guides
(/guide/) and the document verification page, in each language (zh-hans, zh-hant, en):

- server time with the Django test client: warm-up requests, then N timed requests (p50 / p95 /
  max in ms, wall clock), the CPU time of the request's thread (p50 / p95: what the page costs,
  without the time spent waiting for a CPU when the machine is busy; the load average is recorded)
  and the number of queries of one request;
- page weight: the HTML bytes plus the bytes of every CSS and JS file the page links
  (<link rel=stylesheet>, <script src>) that is not vendored (static/vendor/: Bootstrap, htmx),
  read through the static files finders; vendored bytes are listed apart.

Budgets: own weight (HTML + own CSS/JS) at most 100 KB (100,000 bytes) and server time p95 at
most 100 ms. The PDFs (a notice of the tracked matter, the A4 guidance map) are timed only and
reported apart, without the 100 ms budget (the map's first, uncached render is shown too).

The data is the demo district (`demo_district`, `demo_legalservices`, `demo_powerlist`,
`demo_matters`, all through the real services) plus one petition submitted through the portal
itself and then forwarded, accepted, given its written notices, classified, answered and the
answer delivered by the district's staff, and one accepted people's-mediation service request.
Rate limits count per client address, so each request comes from its own address (nothing is
turned off and no cache is cleared); only the portal's minimum form time is set to 0.

Run: .venv/bin/python bench/public_pages.py [--requests 30] [--matters 300] — on a fresh SQLite
database in a temporary folder; prints a table and writes bench/results/public_pages.json."""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "public_pages.json"
LANGUAGES = ("zh-hans", "zh-hant", "en")
WEIGHT_BUDGET = 100_000  # bytes of HTML + own CSS/JS
TIME_BUDGET_MS = 100.0  # p95 server time
WARM_UP = 3
HOST = "127.0.0.1"  # in the default ALLOWED_HOSTS
VENDOR_PREFIX = "vendor/"

PETITION = {
    "petitioner_kind": "person",
    "name": "李四",
    "id_number": "",
    "phone": "13900002222",
    "address": "南沙区横沥镇幸福路8号",
    "title": "村口道路破损多年未修，施工单位还拖欠工资",
    "facts": "村口道路自去年起坑洼不平，雨天积水，多次有老人摔倒。修路的施工单位拖欠工人三个月工资。",
    "request": "请求尽快修复村口道路，并督促施工单位支付拖欠的工资。",
    "reasons": "道路破损影响出行安全；工资拖欠影响生活。",
    "problem_kind": "general",
    "place_text": "村口",
    "website": "",
}
OPINION = {
    "outcome": "explain",
    "principle": "educated",
    "facts_reasons": "经调查，该路段已列入今年的村道修缮计划，施工单位已补发部分工资。",
    "opinion": "督促施工单位在一个月内补发剩余工资，村道修缮于下季度开工。",
    "legal_basis": "《信访工作条例》第三十二条；《保障农民工工资支付条例》第十五条",
}


class _Assets(HTMLParser):
    """The stylesheets and scripts a page links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and "stylesheet" in a.get("rel", "").lower().split() and a.get("href"):
            self.urls.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.urls.append(a["src"])


@dataclass
class Page:
    """One public page: how to request it, and what to do before each request (outside the timing)."""

    name: str
    path: str
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    pdf: bool = False
    expect: str = ""  # a piece of HTML the page must hold (so that a 200 is the page measured)
    prepare: Callable[[Any], None] | None = None


def _percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def _asset_bytes(url: str) -> tuple[str, int, bool]:
    """(static path, size, vendored) of a linked stylesheet or script, read through the finders."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = url.split("?", 1)[0]
    if not path.startswith(prefix):
        raise ValueError(f"a page links {url}, which is not one of the installation's static files")
    relative = path[len(prefix) :]
    found = finders.find(relative)
    if not found:
        raise FileNotFoundError(relative)
    return relative, Path(str(found)).stat().st_size, relative.startswith(VENDOR_PREFIX)


def _world(matters: int) -> dict[str, Any]:
    """The demo district and its services, one petition submitted through the portal and taken to
    "replied" by the district's staff, and one accepted service request; what the pages need."""
    import datetime
    import re

    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from xinfang.accounts.models import Membership, User
    from xinfang.accounts.roles import Role
    from xinfang.core.actors import SYSTEM
    from xinfang.guidance.models import Guide
    from xinfang.legalservices import services as ls_services
    from xinfang.legalservices.models import ServiceKind, ServicePoint
    from xinfang.notices.models import Document
    from xinfang.orgs.models import Kind, Organisation
    from xinfang.petitions.models import HandlingTrack, Matter
    from xinfang.petitions.services.handling import matter_classify, opinion_deliver, opinion_issue
    from xinfang.petitions.services.notices import notice_give
    from xinfang.petitions.services.routing import matter_forward, routing_accept
    from xinfang.petitions.services.triage import matter_triage
    from xinfang.petitions.states import LevelDecision, Nature, NoticeKind, NoticeMethod, Status
    from xinfang.workcalendar.services import calendar_seed

    call_command("migrate", verbosity=0)
    calendar_seed(actor=SYSTEM)
    quiet = io.StringIO()
    for command, options in (
        ("demo_district", {}),
        ("demo_legalservices", {}),
        ("demo_powerlist", {}),
        ("demo_matters", {"count": matters}),
    ):
        call_command(command, stdout=quiet, stderr=quiet, **options)

    # A petition through the portal's own pages, placed in a village of Hengli.
    hengli = Organisation.objects.get(name="横沥镇", kind=Kind.TOWN)
    village = Organisation.objects.filter(parent=hengli, kind=Kind.VILLAGE).order_by("code").first()
    assert village is not None
    client = Client(HTTP_HOST=HOST, REMOTE_ADDR="10.255.0.1")
    token = re.search(r'name="form_token" value="([^"]+)"', client.get("/portal/submit/").content.decode())
    assert token, "the petition form carries its token"
    petition = {**PETITION, "place": str(village.pk), "form_token": token.group(1)}
    assert client.post("/portal/submit/", {**petition, "step": "check"}).status_code == 200
    submitted = client.post("/portal/submit/", {**petition, "step": "submit", "consent": "on"})
    assert submitted.status_code == 302, submitted.content.decode()[:2000]
    receipt = client.get("/portal/submit/receipt/").content.decode()
    ref = re.search(r'id="receipt-ref">([^<]+)<', receipt)
    code = re.search(r'id="receipt-code">([^<]+)<', receipt)
    assert ref and code, receipt[:2000]
    matter = Matter.objects.get(public_ref=ref.group(1).replace("-", ""))

    # The district bureau forwards it to the housing bureau, which accepts it; each gives its
    # written notice; the bureau classifies it, answers and delivers the answer.
    clerk, head, officer = (User.objects.get(username=u) for u in ("clerk", "unithead", "officer"))
    housing = Membership.objects.get(user=officer, role=Role.HANDLING_OFFICER).organisation
    matter = matter_triage(actor=clerk, matter=matter, level=LevelDecision.THIS_LEVEL, nature=Nature.GRIEVANCE)
    routing = matter_forward(actor=clerk, matter=matter, to_org=housing, basis="属地管理、分级负责，谁主管、谁负责")
    matter.refresh_from_db()
    notice_give(actor=clerk, matter=matter, kind=NoticeKind.FORWARDED_TO, method=NoticeMethod.ONLINE)
    routing_accept(actor=head, routing=routing)
    matter.refresh_from_db()
    notice_give(actor=head, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.ONLINE)
    matter = matter_classify(actor=officer, matter=matter, track=HandlingTrack.objects.get(code="petition"))
    opinion = opinion_issue(actor=officer, matter=matter, request=matter.request, **OPINION)
    opinion = opinion_deliver(
        actor=officer, opinion=opinion, method="online", delivered_at=timezone.now(), recipient="李四"
    )
    matter.refresh_from_db()
    assert matter.status == Status.REPLIED and opinion.document is not None
    document = Document.objects.get(pk=opinion.document.pk)

    # An accepted people's-mediation request (its completion clock running, a note to the person).
    kind = ServiceKind.objects.get(code="people_mediation")
    point = ServicePoint.objects.filter(kinds=kind, is_active=True).order_by("pk").first()
    assert point is not None
    service = ls_services.public_request_submit(
        point=point,
        kind=kind,
        preferred_date=timezone.localdate() + datetime.timedelta(days=3),
        time_slot="morning",
        name="王五",
        phone="13800001111",
        description="与邻居因排水沟堵塞发生纠纷，希望调解。",
        language="zh-hans",
    )
    ls_services.request_accept(
        actor=SYSTEM,
        service_request=service.request,
        note="请于预约当天上午九点带身份证到服务点，调解员会先听双方意见。",
    )
    guide = Guide.objects.filter(is_published=True).order_by("sort_order", "pk").first()
    assert guide is not None
    return {
        "matter": matter,
        "ref": ref.group(1),
        "code": code.group(1),
        "document": document,
        "point": point,
        "kind": kind,
        "service_reference": service.request.reference,
        "service_code": service.access_code,
        "guide": guide,
    }


def _pages(w: dict[str, Any], receipt: Callable[[Any], None], language: str) -> list[Page]:
    import re

    from django.test import Client

    token_client = Client(HTTP_HOST=HOST, REMOTE_ADDR="10.255.0.2")
    token = re.search(r'name="form_token" value="([^"]+)"', token_client.get("/portal/submit/").content.decode())
    assert token
    petition = {**PETITION, "place": str(w["matter"].place_org_id), "form_token": token.group(1), "step": "check"}
    return [
        Page("portal home", "/portal/"),
        Page("petition form", "/portal/submit/"),
        Page(
            "petition check step (POST)",
            "/portal/submit/",
            method="post",
            data=petition,
            expect='id="summary-heading"',
        ),
        Page("receipt", "/portal/submit/receipt/", prepare=receipt, expect='id="receipt-code"'),
        Page("track form", "/portal/track/"),
        Page("track detail (replied)", "/portal/track/matter/", expect='id="review-heading"'),
        Page("privacy", "/portal/privacy/"),
        Page("notice PDF", f"/portal/track/documents/{w['document'].pk}/", pdf=True),
        Page("services catalogue", "/services/"),
        Page("service point", f"/services/points/{w['point'].pk}/"),
        Page("service request form", f"/services/request/?point={w['point'].pk}&kind={w['kind'].code}"),
        Page(
            "service status (POST)",
            "/services/status/",
            method="post",
            data={"reference": w["service_reference"], "code": w["service_code"]},
            expect='id="result-title"',
        ),
        Page("guidance map", "/guide/"),
        Page("guidance map PDF A4", f"/guide/map.pdf?size=a4&lang={language}", pdf=True),
        Page("guides", "/guide/guides/"),
        Page("guide", f"/guide/guides/{w['guide'].slug}/"),
        Page("verification form", "/documents/verify/"),
        Page(
            "verification result",
            f"/documents/verify/{w['document'].verification_code}/",
            expect=w["document"].number,
        ),
    ]


def _client(language: str, w: dict[str, Any]) -> Any:
    """A browser in `language` that has opened the tracked matter with its reference and code."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    opened = client.post("/portal/track/", {"public_ref": w["ref"], "query_code": w["code"]}, REMOTE_ADDR="10.254.0.1")
    assert opened.status_code == 302, opened.content.decode()[:2000]
    return client


def _measure(client: Any, page: Page, requests: int, addresses: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times: list[float] = []
    cpu: list[float] = []
    first_ms = 0.0
    response = None
    queries = 0
    for i in range(WARM_UP + requests):
        if page.prepare:
            page.prepare(client)
        kwargs = {"REMOTE_ADDR": next(addresses)}  # the rate limits count per client address
        with CaptureQueriesContext(connection) as captured:
            start, start_cpu = time.perf_counter(), time.thread_time()
            if page.method == "post":
                response = client.post(page.path, page.data, **kwargs)
            else:
                response = client.get(page.path, **kwargs)
            elapsed, elapsed_cpu = time.perf_counter() - start, time.thread_time() - start_cpu
        assert response.status_code == 200, (page.name, page.path, response.status_code)
        if i == 0:
            first_ms = elapsed * 1000
        if i >= WARM_UP:
            times.append(elapsed * 1000)
            cpu.append(elapsed_cpu * 1000)
            queries = len(captured)
    assert response is not None
    ms, cpu_ms = sorted(times), sorted(cpu)
    result: dict[str, Any] = {
        "page": page.name,
        "path": page.path,
        "method": page.method.upper(),
        "server_ms": {
            "p50": round(statistics.median(ms), 1),
            "p95": round(_percentile(ms, 95), 1),
            "max": round(ms[-1], 1),
        },
        # The CPU time of the request's thread: what the page costs, whatever else the machine runs.
        "cpu_ms": {"p50": round(statistics.median(cpu_ms), 1), "p95": round(_percentile(cpu_ms, 95), 1)},
        "queries": queries,
    }
    if page.pdf:
        assert response["Content-Type"].startswith("application/pdf"), page.name
        result["pdf_bytes"] = len(response.content)
        result["first_request_ms"] = round(first_ms, 1)
        return result
    html = response.content
    assert page.expect in html.decode(), (page.name, page.expect)
    finder = _Assets()
    finder.feed(html.decode())
    own: dict[str, int] = {}
    vendored: dict[str, int] = {}
    for url in finder.urls:
        relative, size, is_vendored = _asset_bytes(url)
        (vendored if is_vendored else own)[relative] = size
    own_bytes = len(html) + sum(own.values())
    result.update(
        {
            "html_bytes": len(html),
            "own_assets": own,
            "own_bytes": own_bytes,
            "vendored_assets": vendored,
            "vendored_bytes": sum(vendored.values()),
            "weight_ok": own_bytes <= WEIGHT_BUDGET,
            "time_ok": result["server_ms"]["p95"] <= TIME_BUDGET_MS,
        }
    )
    result["ok"] = result["weight_ok"] and result["time_ok"]
    return result


def _addresses() -> Any:
    n = 0
    while True:
        n += 1
        yield f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def run(requests: int, matters: int, media: str) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.test.utils import override_settings

    with override_settings(XINFANG_PORTAL_FORM_MIN_SECONDS=0, MEDIA_ROOT=media):
        started = time.perf_counter()
        w = _world(matters)
        setup_s = time.perf_counter() - started

        def receipt(client: Any) -> None:
            # The receipt is shown once: put it back in the session before every request.
            session = client.session
            session["portal_receipt"] = {"matter": w["matter"].pk, "ref": w["ref"], "code": w["code"]}
            session.save()

        addresses = _addresses()
        pages: list[dict[str, Any]] = []
        pdfs: list[dict[str, Any]] = []
        for language in LANGUAGES:
            client = _client(language, w)
            for page in _pages(w, receipt, language):
                row = {"language": language, **_measure(client, page, requests, addresses)}
                (pdfs if page.pdf else pages).append(row)
    return {
        "requests": requests,
        "warm_up": WARM_UP,
        "demo_matters": matters,
        "setup_s": round(setup_s, 1),
        "budgets": {"own_bytes": WEIGHT_BUDGET, "p95_ms": TIME_BUDGET_MS},
        "pages": pages,
        "pdfs": pdfs,
        "all_ok": all(p["ok"] for p in pages),
    }


def _table(data: dict[str, Any]) -> str:
    lines = [
        f"public pages, {data['requests']} requests each after {data['warm_up']} warm-up, SQLite, demo district "
        f"({data['demo_matters']} demo matters); KB = 1,000 bytes",
        f"{'page':<30}{'lang':<9}{'HTML':>7}{'own CSS/JS':>11}{'own':>7}{'vendored':>9}"
        f"{'p50':>7}{'p95':>7}{'max':>7}{'cpu95':>7}{'q':>4}  budget",
    ]
    for p in data["pages"]:
        status = (
            "ok"
            if p["ok"]
            else ("OVER: " + ("weight " if not p["weight_ok"] else "") + ("time" if not p["time_ok"] else ""))
        )
        ms = p["server_ms"]
        lines.append(
            f"{p['page']:<30}{p['language']:<9}{p['html_bytes'] / 1000:>7.1f}"
            f"{(p['own_bytes'] - p['html_bytes']) / 1000:>11.1f}{p['own_bytes'] / 1000:>7.1f}"
            f"{p['vendored_bytes'] / 1000:>9.1f}{ms['p50']:>7.1f}{ms['p95']:>7.1f}{ms['max']:>7.1f}"
            f"{p['cpu_ms']['p95']:>7.1f}{p['queries']:>4}  {status}"
        )
    lines.append("PDFs (timed only, no 100 ms budget)")
    lines.append(f"{'page':<30}{'lang':<9}{'KB':>7}{'first':>9}{'p50':>7}{'p95':>7}{'max':>7}{'q':>4}")
    for p in data["pdfs"]:
        ms = p["server_ms"]
        lines.append(
            f"{p['page']:<30}{p['language']:<9}{p['pdf_bytes'] / 1000:>7.1f}{p['first_request_ms']:>9.1f}"
            f"{ms['p50']:>7.1f}{ms['p95']:>7.1f}{ms['max']:>7.1f}{p['queries']:>4}"
        )
    lines.append(
        "times in ms: p50/p95/max wall clock of the request, cpu95 the p95 CPU time of its thread "
        f"(load average {data['load_average'][0]} at the start, {data['load_average'][1]} at the end "
        f"on {os.cpu_count()} CPUs: above the CPU count, wall times include waiting for a CPU)"
    )
    over = [f"{p['page']} ({p['language']})" for p in data["pages"] if not p["ok"]]
    lines.append("all pages within budget" if not over else "over budget: " + ", ".join(over))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--matters", type=int, default=300, help="demo matters to load (the similar-matter search)")
    args = parser.parse_args()
    load = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="xinfang-bench-") as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        data = run(args.requests, args.matters, media=tmp)
    data["load_average"] = [load, round(os.getloadavg()[0], 2)]
    result = {
        "benchmark": "public_pages",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "database": "sqlite",
        **data,
    }
    print(_table(data))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
