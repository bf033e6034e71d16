"""Render-time benchmark for the written instruments (issue 4, item 7: under a second per PDF).

Run: .venv/bin/python bench/notices_render.py — writes bench/results/notices_render.json with the
first render (fonts loaded and subset for the first time) and warm renders (HarfBuzz subsetting)."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from xinfang.notices.kinds import SPECS, DocumentKind  # noqa: E402
from xinfang.notices.rendering import body_render, pdf_render  # noqa: E402

CONTEXT = {
    "petitioner_name": "张三",
    "received_date": "2026年11月20日",
    "matter_number": "XF2026000123",
    "request": "请求责令施工单位支付拖欠的三个月工资。",
    "facts_reasons": "经调查，信访人在某工地务工，2026年8月至10月工资共计两万元未发放，情况属实。" * 3,
    "outcome": "予以支持",
    "legal_basis": "《信访工作条例》第三十二条；《保障农民工工资支付条例》第三条。",
    "review_route": "测试区人民政府",
}


def render_once() -> float:
    start = time.perf_counter()
    with translation.override("zh-hans"):
        pdf_render(
            organisation_name="测试区住房和城乡建设局",
            title=str(DocumentKind.HANDLING_OPINION.label),
            number="测试住建信意〔2026〕12号",
            body=body_render(SPECS[DocumentKind.HANDLING_OPINION].body, CONTEXT),
            issue_date="2026年11月27日",
            verification_code="ABCDEFGHJKLMNPQR",
            verify_url="https://xinfang.example.gov.cn/documents/verify/ABCDEFGHJKLMNPQR/",
        )
    return time.perf_counter() - start


def main() -> None:
    first = render_once()
    warm = [render_once() for _ in range(10)]
    result = {
        "first_render_s": round(first, 3),
        "warm_render_median_s": round(statistics.median(warm), 3),
        "warm_render_max_s": round(max(warm), 3),
        "warm_runs": len(warm),
        "under_one_second": max([first, *warm]) < 1.0,
    }
    out = ROOT / "bench" / "results" / "notices_render.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
