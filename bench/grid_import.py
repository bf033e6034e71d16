"""Benchmark: bulk import of 140,000 grid events and the analysis page on them (issue 7 §3; not a test).

    .venv/bin/python bench/grid_import.py [--rows 140000] [--seed 7] [--only sqlite|postgresql]

1. Generates realistic events into var/bench/grid_events_<rows>.csv (UTF-8 with BOM, as "CSV UTF-8"
   from Excel): the demo district's grids (xinfang.orgs.demo), the 11 default dispute categories
   with a skewed distribution, Chinese descriptions from templates with place names and parties,
   recurring places (a few hotspots per grid, written with stray spaces and full-width digits) and
   recurring parties, reported over the last five years, about 3 % uncategorised, recent events
   partly still open (they get due clocks). A second small file holds deliberately bad rows.
2. For SQLite (a temporary file) and PostgreSQL (BENCH_PG_URL, default
   postgres://postgres@127.0.0.1:5432/xinfang_bench_grid, created and dropped here), in a child
   process each: migrate, load the demo district, then time `grid_events_import` on the big file
   (read, check, classify, write, clocks, audit: everything), check the bad file (must write
   nothing), and time the analysis selectors and the whole `grid/analysis/` page for a district
   user over the five years.

Prints seconds and rows/s and writes bench/results/grid_import.json with the machine's cores and
load average before and after each run (the machine is shared: read the figures with the load)."""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _support import pg_admin  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "grid_import.json"
VAR = ROOT / "var" / "bench"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/xinfang_bench_grid"
TARGET_SECONDS = 60.0
PAGE_TARGET_SECONDS = 1.0

HEADER = ["网格", "上报时间", "发生时间", "事发地点", "事件描述", "类别", "当事人", "状态", "处置结果", "办结时间"]

# code -> (weight, name, description templates). {p}: place, {a}/{b}: parties, {n}: a number.
CATEGORIES: dict[str, tuple[int, str, list[str]]] = {
    "neighbour": (22, "邻里纠纷", [
        "{a}反映楼上{b}家中漏水，渗到其家天花板，双方协商不成发生争吵。",
        "{p}两户因通道堆放杂物发生口角，{a}要求{b}清理。",
        "{a}与邻居{b}因围墙界址问题争执，请求网格员到场调处。",
        "{p}邻里之间因采光问题产生矛盾，{a}称{b}加建遮挡窗户。",
    ]),
    "property_management": (15, "物业管理", [
        "{p}业主{a}反映物业公司电梯长期故障未修，拒交物业费。",
        "{a}称小区停车位被物业收费上调{n}元，业主不满。",
        "{p}业主与物业因维修基金使用发生争议，{a}代表多名业主反映。",
    ]),
    "marriage_family": (12, "婚姻家庭", [
        "{a}与{b}夫妻因子女抚养问题多次争吵，{a}提出离婚。",
        "{a}反映子女不履行赡养义务，老人生活困难。",
        "{p}一户家庭因遗产继承发生纠纷，兄妹{a}、{b}互不相让。",
    ]),
    "labour": (10, "劳动人事", [
        "{a}称被用人单位无故辞退，未支付经济补偿。",
        "{a}在{p}附近工厂工作时受伤，工伤认定后单位拒不赔偿。",
        "员工{a}反映公司未依法缴纳社保，要求补缴。",
    ]),
    "contract_debt": (9, "合同债务", [
        "{a}称{b}借款{n}元到期不还，有借条为证。",
        "{a}与{b}因货款结算发生纠纷，对方以质量为由拒付{n}元。",
        "{p}商户{a}反映工程款{n}元被拖欠，对方违约。",
    ]),
    "environment_nuisance": (9, "环境与噪声扰民", [
        "{p}附近餐馆油烟直排，居民{a}多次反映异味扰民。",
        "{p}夜间施工噪音扰民，居民{a}无法休息。",
        "{p}广场舞音响声音过大，{a}等居民投诉噪声扰民。",
        "{p}有工厂排污，河涌出现臭味，{a}要求处理。",
    ]),
    "land_housing": (7, "土地房屋", [
        "{a}对{p}征地补偿款分配有异议，认为少算{n}平方米。",
        "{a}与{b}因宅基地确权发生争议。",
        "租户{a}与房东{b}因房租上涨和押金退还发生纠纷。",
    ]),
    "wage_arrears": (6, "欠薪", [
        "{a}等{n}名农民工反映{p}工地包工头拖欠工资。",
        "{a}称在{p}务工三个月，老板欠发工钱，多次讨薪未果。",
    ]),
    "consumer": (5, "消费", [
        "{a}在{p}商家购买商品出现质量问题，商家拒绝退货。",
        "{a}反映{p}健身房预付卡无法退款，商家失联。",
    ]),
    "traffic_accident": (3, "交通事故", [
        "{p}路口电动车与小汽车剐蹭，{a}与{b}就赔偿协商不成。",
        "{a}骑摩托车在{p}被追尾受伤，双方对保险理赔有争议。",
    ]),
    "medical": (2, "医疗", [
        "{a}认为在{p}诊所就诊被误诊，要求诊所赔偿。",
        "{a}家属对医院手术结果不满，与医生发生争执。",
    ]),
}  # fmt: skip
UNCLEAR = ["{a}到网格工作站反映情况，具体诉求待核实。", "{p}有群众聚集，原因不明，网格员前往了解。"]
PLACE_SUFFIXES = ["巷{n}号", "路{n}号", "市场", "村委会旁", "小区{n}栋", "文化广场", "码头", "工地", "祠堂前", "菜市场"]
RESULTS_TEXT = ["经网格员调解，双方达成和解。", "已协调相关部门处理完毕。", "当事人撤回诉求。", "经村调委会调解成功。"]


def _digits_fullwidth(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def generate(path: Path, rows: int, seed: int) -> dict[str, Any]:
    """Write the CSV of `rows` realistic events; returns facts about it."""
    from xinfang.orgs.demo import data as demo_data
    from xinfang.orgs.demo.plan import demo_plan
    from xinfang.orgs.models import Kind

    rng = random.Random(seed)
    plan = demo_plan()
    by_code = {spec.code: spec for spec in plan.organisations}
    grids = [spec for spec in plan.organisations if spec.kind == Kind.GRID]
    # Grids and places: a skewed share (a few busy grids, a few hotspots per grid).
    grid_weights = [1.0 / (rank + 3) ** 0.7 for rank in range(len(grids))]
    rng.shuffle(grid_weights)
    places: dict[str, list[str]] = {}
    for grid in grids:
        village = by_code[grid.parent or ""].name
        places[grid.code] = [
            village + rng.choice(PLACE_SUFFIXES).format(n=rng.randint(1, 60)) for _ in range(rng.randint(8, 20))
        ]
    place_weights = [1.0 / (rank + 1) for rank in range(20)]
    names = [s + g for s in demo_data.SURNAMES for g in demo_data.GIVEN_NAMES]
    regulars = rng.sample(names, 300)  # people who come back again and again
    codes = list(CATEGORIES)
    weights = [CATEGORIES[c][0] for c in codes]
    now = datetime.datetime.now().replace(microsecond=0)  # noqa: DTZ005 (local wall time in the file)
    span = datetime.timedelta(days=5 * 365)
    uncategorised = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for _ in range(rows):
            grid = rng.choices(grids, grid_weights)[0]
            pool = places[grid.code]
            place = rng.choices(pool, place_weights[: len(pool)])[0]
            if rng.random() < 0.05:  # typed differently: full-width digits, stray spaces
                place = _digits_fullwidth(place).replace("村", "村 ", 1)
            reported = now - span * rng.random() ** 1.3 - datetime.timedelta(minutes=rng.randint(30, 600))
            occurred = reported - datetime.timedelta(hours=rng.randint(1, 72))
            a = rng.choice(regulars) if rng.random() < 0.15 else rng.choice(names)
            b = rng.choice(names)
            code = rng.choices(codes, weights)[0]
            template = rng.choice(CATEGORIES[code][2])
            category = code if rng.random() < 0.5 else CATEGORIES[code][1]
            if rng.random() < 0.03:
                category = ""
                uncategorised += 1
                if rng.random() < 0.2:
                    template = rng.choice(UNCLEAR)
            description = template.format(p=place, a=a, b=b, n=rng.randint(2, 50) * (100 if "元" in template else 1))
            parties = f"{a}/申请人/13{rng.randint(100000000, 999999999)}"
            if "{b}" in template:
                parties += f"；{b}/被申请人"
            age = (now - reported).days
            if age < 60 and rng.random() < 0.5:
                status, result, closed = rng.choice(["已上报", "已受理"]), "", ""
            else:
                status = rng.choices(["已办结", "已核查", "已处置"], [70, 25, 5])[0]
                result = rng.choice(RESULTS_TEXT)
                closed_at = min(reported + datetime.timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 8)), now)
                closed = closed_at.strftime("%Y-%m-%d %H:%M") if status != "已处置" else ""
            writer.writerow(
                [
                    grid.code if rng.random() < 0.8 else grid.name,
                    reported.strftime("%Y-%m-%d %H:%M"),
                    occurred.strftime("%Y-%m-%d %H:%M"),
                    place,
                    description,
                    category,
                    parties,
                    status,
                    result,
                    closed,
                ]
            )
    return {"rows": rows, "grids": len(grids), "uncategorised_rows": uncategorised, "bytes": path.stat().st_size}


def generate_bad(path: Path, good: Path) -> int:
    """The first 1,000 rows of the big file with deliberately bad rows mixed in; returns how many."""
    with good.open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for _, row in zip(range(1001), csv.reader(handle), strict=False)]
    bad = [
        ["没有这个网格", *rows[1][1:]],
        [rows[2][0], "昨天下午", *rows[2][2:]],
        [*rows[3][:5], "不存在的类别", *rows[3][6:]],
        [*rows[4][:3], "", *rows[4][4:]],
        [*rows[5][:7], "已转办", *rows[5][8:]],
    ]
    for offset, row in enumerate(bad):
        rows.insert(100 + offset * 150, row)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return len(bad)


# --- child: one database ------------------------------------------------------------------------


def run_child(csv_path: Path, bad_path: Path, bad_rows: int) -> dict[str, Any]:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from xinfang.accounts.roles import Role
    from xinfang.core.actors import SYSTEM
    from xinfang.core.testing import make_user
    from xinfang.grid import analysis
    from xinfang.grid.importing import grid_events_import
    from xinfang.grid.models import GridEvent
    from xinfang.orgs.demo.loader import demo_district_load
    from xinfang.orgs.models import Organisation
    from xinfang.workcalendar.models import CalendarYear
    from xinfang.workcalendar.services import calendar_seed

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not CalendarYear.objects.exists():
        calendar_seed(actor=SYSTEM)
    plan_result = demo_district_load()
    district = Organisation.objects.get(code=plan_result.plan.district_code)
    admin = make_user((Role.SYSTEM_ADMIN, district), username="bench-admin")
    viewer = make_user((Role.BUREAU_HEAD, Organisation.objects.get(code=f"{district.code}-XFJ")), username="bench-view")
    setup_seconds = time.perf_counter() - started

    bad = grid_events_import(actor=admin, name=bad_path.name, content=bad_path.read_bytes())
    assert not bad.ok and GridEvent.objects.count() == 0, "bad rows must write nothing"

    content = csv_path.read_bytes()
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    result = grid_events_import(actor=admin, name=csv_path.name, content=content)
    seconds = time.perf_counter() - t0
    load_after = os.getloadavg()
    assert result.ok, result.errors[:5]
    stored = GridEvent.objects.count()

    # Analysis over the five years, district-wide (restricted through grid_event.view).
    today = timezone.localdate()
    period_from = today - datetime.timedelta(days=5 * 366)
    analysis.analysis_build(user=viewer, organisation=None, date_from=period_from, date_to=today)  # warm
    selector_runs = []
    for _ in range(3):
        t1 = time.perf_counter()
        report = analysis.analysis_build(user=viewer, organisation=None, date_from=period_from, date_to=today)
        selector_runs.append(time.perf_counter() - t1)
    client = Client()
    client.force_login(viewer)
    url = f"/grid/analysis/?date_from={period_from.isoformat()}&date_to={today.isoformat()}"
    client.get(url)  # warm
    page_runs = []
    for _ in range(3):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            t2 = time.perf_counter()
            response = client.get(url)
            page_runs.append(time.perf_counter() - t2)
        assert response.status_code == 200, response.status_code
    return {
        "vendor": connection.vendor,
        "setup_seconds_not_timed": round(setup_seconds, 1),
        "rows": result.rows,
        "created": result.created,
        "stored": stored,
        "suggested": result.suggested,
        "unclassified": result.unclassified,
        "clocks_started": result.clocks_started,
        "seconds": round(seconds, 2),
        "rows_per_second": round(result.rows / seconds),
        "under_target": seconds < TARGET_SECONDS,
        "bad_file": {"rows": bad.rows, "bad_rows": bad_rows, "errors": bad.error_count, "written": 0},
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "analysis": {
            "events_in_period": report.total,
            "selectors_seconds_best": round(min(selector_runs), 3),
            "page_seconds_best": round(min(page_runs), 3),
            "page_seconds_runs": [round(x, 3) for x in page_runs],
            "page_queries": len(queries.captured_queries),
            "page_under_target": min(page_runs) < PAGE_TARGET_SECONDS,
        },
    }


# --- parent -----------------------------------------------------------------------------------------


def _run(label: str, database_url: str, var_dir: str, csv_path: Path, bad_path: Path, bad_rows: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "XINFANG_VAR_DIR": var_dir,
        "DJANGO_SECRET_KEY": "bench-grid-import",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(  # noqa: S603 (this script, our own interpreter)
            [sys.executable, __file__, "--child", out.name, "--csv", str(csv_path), "--bad", str(bad_path),
             "--bad-rows", str(bad_rows)],
            cwd=ROOT,
            env=env,
            check=True,
        )  # fmt: skip
        data: dict[str, Any] = json.loads(Path(out.name).read_text())
    print(f"done: {label}", file=sys.stderr)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=140_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bad", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bad-rows", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        Path(args.child).write_text(json.dumps(run_child(args.csv, args.bad, args.bad_rows)))
        return

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    with tempfile.TemporaryDirectory(prefix="xinfang-bench-grid-") as tmp:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/unused.sqlite3")
        os.environ.setdefault("XINFANG_VAR_DIR", tmp)
        django.setup()
        csv_path = VAR / f"grid_events_{args.rows}.csv"
        bad_path = VAR / "grid_events_bad.csv"
        t0 = time.perf_counter()
        facts = generate(csv_path, args.rows, args.seed)
        facts["generate_seconds"] = round(time.perf_counter() - t0, 1)
        bad_rows = generate_bad(bad_path, csv_path)
        print(f"generated {csv_path.relative_to(ROOT)}: {facts}", file=sys.stderr)

        results: dict[str, Any] = {
            "benchmark": "grid_import",
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "target_seconds": TARGET_SECONDS,
            "file": facts,
            "databases": {},
        }
        if args.only in (None, "sqlite"):
            results["databases"]["sqlite"] = _run(
                "sqlite", f"sqlite:///{tmp}/bench.sqlite3", tmp, csv_path, bad_path, bad_rows
            )
        if args.only in (None, "postgresql"):
            pg_url = os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL)
            try:
                pg_admin(pg_url, "DROP DATABASE IF EXISTS {}")
                pg_admin(pg_url, "CREATE DATABASE {}")
            except Exception as exc:  # not reachable: report and go on
                results["databases"]["postgresql"] = {"skipped": f"not reachable: {exc}"}
            else:
                try:
                    results["databases"]["postgresql"] = _run("postgresql", pg_url, tmp, csv_path, bad_path, bad_rows)
                finally:
                    pg_admin(pg_url, "DROP DATABASE IF EXISTS {}")

    print(f"\ngrid event import: {args.rows:,} rows, {facts['bytes'] / 1e6:.1f} MB CSV; {os.cpu_count()} cores")
    print(f"{'database':<12}{'seconds':>9}{'rows/s':>9}{'clocks':>8}{'page s':>8}{'queries':>8}  load before/after")
    for name, data in results["databases"].items():
        if "skipped" in data:
            print(f"{name:<12}skipped: {data['skipped']}")
            continue
        page = data["analysis"]
        print(
            f"{name:<12}{data['seconds']:>9.1f}{data['rows_per_second']:>9,}{data['clocks_started']:>8}"
            f"{page['page_seconds_best']:>8.2f}{page['page_queries']:>8}  "
            f"{data['load_average_before'][0]:.2f} / {data['load_average_after'][0]:.2f}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
