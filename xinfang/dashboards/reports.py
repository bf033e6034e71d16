"""The dashboard as a spreadsheet (through the one export path, xinfang.transfer.exports) and as a
printable PDF report (WeasyPrint with the Noto CJK fonts of the instruments, xinfang.notices):
the figures an annual report needs (XF-SUP-06: statistics by subject and organisation, 转送/交办
figures, supervision)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.notices.rendering import BODY_FONT, font_check

from .selectors import Bucket, Dashboard, rate

Row = tuple[str, str, int | None, int | None, float | None]


def export_rows(board: Dashboard) -> list[Row]:
    """(section, item, count, denominator, rate) rows of the whole dashboard."""
    rows: list[Row] = [(_("信访事项"), _("合计"), board.total, None, None)]

    def section(title: str, buckets: list[Bucket]) -> None:
        rows.extend((title, str(b.label), b.n, None, None) for b in buckets)

    section(_("按渠道"), board.by_channel)
    section(_("按事项类型"), board.by_category)
    section(_("按性质"), board.by_nature)
    section(_("按发生地"), board.by_place)
    section(_("按状态"), board.by_status)
    section(_("按责任单位"), board.by_org)
    rows.extend((_("五个法治化目标"), str(m.label), m.numerator, m.denominator, m.rate) for m in board.goals)
    rows.extend((_("按期办理率"), str(m.label), m.numerator, m.denominator, m.rate) for m in board.on_time)
    rows.append((_("转送交办"), _("转送"), board.routings["forward"], None, None))
    rows.append((_("转送交办"), _("交办"), board.routings["assign"], None, None))
    rows.append((_("网格事件"), _("合计"), board.grid["all"], None, None))
    rows.append((_("网格事件"), _("源头化解"), board.grid["at_source"], board.grid["all"], None))
    rows.append((_("网格事件"), _("已化解"), board.grid["resolved"], board.grid["all"], None))
    rows.append((_("网格事件"), _("转为信访事项"), board.grid["converted"], None, None))
    supervision = board.supervision
    if supervision.get("available"):
        rows.append((_("督办"), _("合计"), supervision["total"], None, None))
        rows.extend((_("督办（按状态）"), label, n, None, None) for label, n in supervision["by_status"])
        rows.extend((_("督办（按结论）"), label, n, None, None) for label, n in supervision["by_outcome"])
        adopted, answered = supervision["adopted"], supervision["answered"]
        rows.append((_("督办"), _("督办意见采纳"), adopted, answered, rate(adopted, answered)))
    return rows


def dashboard_pdf(board: Dashboard) -> bytes:
    """The report as A4 PDF. WeasyPrint is imported lazily (it loads Pango at import time)."""
    from weasyprint import HTML

    font_check()
    context: dict[str, Any] = {"board": board, "font": BODY_FONT, "generated": timezone.localtime()}
    return bytes(HTML(string=render_to_string("dashboards/report_pdf.html", context)).write_pdf())
