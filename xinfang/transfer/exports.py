"""Export of staff lists to CSV and Excel: one path for every list page.

A page declares its columns (`Column`: a header msgid and a value getter) and, when the request asks
for it (`?export=csv` or `?export=xlsx` on the page's own URL, so the filter query string is kept),
hands the SAME restricted, filtered queryset it shows to `export_response` instead of paginating it:

    if fmt := export_format(request):
        return export_response(request=request, rows=queryset, columns=COLUMNS, filename=_("…"), fmt=fmt)

The rows are read in chunks (`.iterator(chunk_size=…)`, prefetches included); `prepare` turns each
chunk into what the getters read, with the page's own per-page lookups (clocks, organisation names),
so the number of queries does not grow with the number of rows. Personal data goes out exactly as
the page shows it (the getters use the page's masking helpers). Each export is one audit event
("data.export": who, which list, the filter parameters without personal data, the row count, the
format). Above `XINFANG_EXPORT_MAX_ROWS` rows (default 100 000) nothing is exported and the reader is
asked to narrow the filter: never a silently truncated file.

CSV is streamed, UTF-8 with a byte-order mark (so Excel opens Chinese text correctly); XLSX is
written by openpyxl in write-only mode (bold frozen header row, dates as real Excel dates in local
time). Text cells starting with = + - @ tab or carriage return get a leading single quote in both
formats, so a spreadsheet never runs a value as a formula (CSV/formula injection)."""

from __future__ import annotations

import csv
import datetime
import decimal
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.template import engines
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record

__all__ = [
    "CSV",
    "FORMATS",
    "XLSX",
    "Column",
    "export_format",
    "export_max_rows",
    "export_record",
    "export_response",
    "guard_formula",
    "list_query",
]

EXPORT_PARAM = "export"
CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
DEFAULT_MAX_ROWS = 100_000
CHUNK_SIZE = 500
AUDIT_ACTION = "data.export"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_CELL = 32_767  # Excel refuses longer cells
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Filter parameters that may hold personal data (a petitioner's name, an ID number, free text that
# may name someone): the audit event records that they were used, not their values.
PERSONAL_PARAMS = frozenset({"q", "petitioner", "id_number", "caller", "name", "phone"})
REDACTED = "***"
_NOT_FILTERS = frozenset({EXPORT_PARAM, "page"})
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

# The refusal page, filled with strings translated in Python (no {% translate %} here, so the
# catalogs pick every msgid up from this module).
_REFUSAL_PAGE = """{% extends "base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
<div class="alert alert-warning" role="alert">
  <h1 class="h4">{{ title }}</h1>
  <p class="mb-0">{{ message }}</p>
</div>
<a href="{{ back_url }}">{{ back_label }}</a>
{% endblock %}"""


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (a msgid, lazily translated into the request's language)
    and how to read the value from a row. Values may be text, numbers, dates, datetimes (written in
    local time), booleans, lists (joined with 、) or None (an empty cell)."""

    header: str | Promise
    value: Callable[[Any], Any]
    width: int = 16  # Excel column width, in characters


def export_format(request: HttpRequest) -> str | None:
    """The format asked for with `?export=…`, or None for the page itself. An unknown value is
    returned as it is; `export_response` answers it with a 400."""
    return request.GET.get(EXPORT_PARAM) or None


def list_query(request: HttpRequest) -> QueryDict:
    """The page's own query parameters, without `export`: a filter form bound to these reads the
    export URL exactly as it read the page's (a form with defaults for an unbound state sees an
    unbound state again)."""
    query = request.GET.copy()
    query.pop(EXPORT_PARAM, None)
    return query


def export_max_rows() -> int:
    """How many rows one export may hold (settings.XINFANG_EXPORT_MAX_ROWS)."""
    return int(getattr(settings, "XINFANG_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def guard_formula(text: str) -> str:
    """Text a spreadsheet would read as a formula gets a leading single quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# --- The audit event ----------------------------------------------------------------------------


def _filter_summary(request: HttpRequest, personal: Collection[str]) -> dict[str, Any]:
    """The filter parameters of the list, as recorded in the audit event: values of parameters
    that may hold personal data replaced by a mark; long or many values cut short."""
    filters: dict[str, Any] = {}
    for key in sorted(request.GET)[:30]:
        values = [v for v in request.GET.getlist(key) if v != ""]
        if key in _NOT_FILTERS or not values:
            continue
        if key in personal:
            filters[key[:64]] = REDACTED
        else:
            kept = [v[:200] for v in values[:10]]
            filters[key[:64]] = kept[0] if len(kept) == 1 else kept
    return filters


def _actor_org_id(actor: Any) -> int | None:
    """The organisation the event is filed under: the actor's first active membership (so that the
    auditors of that organisation see their staff's exports); none for an account without one."""
    memberships = getattr(actor, "memberships", None)
    if memberships is None:
        return None
    return memberships.filter(is_active=True).order_by("pk").values_list("organisation_id", flat=True).first()


@transaction.atomic
def export_record(
    *, actor: Any, list_key: str, object_type: str, fmt: str, row_count: int, filters: dict[str, Any]
) -> AuditEvent:
    """Record one export: who exported which list, with which filters, how many rows, in which
    format. No personal data: `filters` comes without the values of personal parameters."""
    return audit_record(
        actor=actor,
        action=AUDIT_ACTION,
        object_type=object_type[:64],
        object_label=list_key[:200],
        org_id=_actor_org_id(actor),
        summary={"list": list_key, "format": fmt, "rows": row_count, "filters": filters},
    )


# --- Values -------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as both formats understand it: text, a number, a date or a naive local datetime."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (datetime.date, int, float, decimal.Decimal, str)):
        return value
    if isinstance(value, (list, tuple)):
        return "、".join(str(_plain(item)) for item in value)
    return str(value)


def _csv_cell(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return guard_formula(value)
    return str(value)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str):
        # Control characters are not allowed in the file format; Excel's cell limit is 32 767.
        return guard_formula(ILLEGAL_CHARACTERS_RE.sub("", value))[:XLSX_MAX_CELL]
    return value


# --- Reading the rows ---------------------------------------------------------------------------


def _chunks(
    rows: QuerySet[Any] | Iterable[Any], chunk_size: int, prepare: Callable[[list[Any]], Iterable[Any]] | None
) -> Iterator[list[Any]]:
    """The rows in chunks, each prepared (its lookups made once per chunk)."""
    source = rows.iterator(chunk_size=chunk_size) if isinstance(rows, QuerySet) else iter(rows)
    while chunk := list(islice(source, chunk_size)):
        yield list(prepare(chunk)) if prepare is not None else chunk


def _row_count(rows: QuerySet[Any] | Iterable[Any]) -> int:
    if isinstance(rows, QuerySet):
        return rows.count()
    if isinstance(rows, Sequence):
        return len(rows)
    raise TypeError("export rows must be a queryset or a sequence")


# --- Responses ----------------------------------------------------------------------------------


def _back_url(request: HttpRequest) -> str:
    query = request.GET.copy()
    for key in _NOT_FILTERS:
        query.pop(key, None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _refusal(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 page with the reason and a link back to the list, filters kept."""
    context = {
        "title": _("无法导出"),
        "message": message,
        "back_url": _back_url(request),
        "back_label": _("返回列表"),
    }
    page = engines["django"].from_string(_REFUSAL_PAGE)
    return HttpResponse(page.render(context, request), status=400)


def _list_key(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None and match.view_name else request.path


def _disposition(name: str, ascii_name: str) -> str:
    """RFC 6266: an ASCII fallback, and the real (e.g. Chinese) name as filename* in UTF-8."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _file_names(request: HttpRequest, title: str, fmt: str) -> tuple[str, str]:
    today = timezone.localdate()
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", title).strip() or "export"
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "-", _list_key(request)).strip("-") or "export"
    return f"{name}_{today:%Y%m%d}.{fmt}", f"{fallback}_{today:%Y%m%d}.{fmt}"


def _csv_response(chunks: Iterator[list[Any]], columns: Sequence[Column], language: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream() -> Iterator[bytes]:
        # The body is produced after the view returns: each piece is written in the language the
        # request asked for, whatever the thread's language is by then.
        with translation.override(language):
            header = writer.writerow([guard_formula(str(column.header)) for column in columns])
        yield ("\ufeff" + header).encode("utf-8")
        while True:
            with translation.override(language):
                chunk = next(chunks, None)
                if chunk is None:
                    return
                lines = [writer.writerow([_csv_cell(column.value(row)) for column in columns]) for row in chunk]
            yield "".join(lines).encode("utf-8")

    return StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _sheet_title(title: str) -> str:
    return _SHEET_TITLE_FORBIDDEN.sub("_", title)[:31] or "Sheet1"


def _xlsx_response(chunks: Iterator[list[Any]], columns: Sequence[Column], title: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=guard_formula(str(column.header)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for chunk in chunks:
        for row in chunk:
            sheet.append([_xlsx_cell(sheet, column.value(row)) for column in columns])
    # A temporary file rather than memory: a large workbook does not sit in the process twice.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, content_type=XLSX_CONTENT_TYPE)


def export_response(
    *,
    request: HttpRequest,
    rows: QuerySet[Any] | Sequence[Any],
    columns: Sequence[Column],
    filename: str | Promise,
    fmt: str,
    prepare: Callable[[list[Any]], Iterable[Any]] | None = None,
    invalid: bool = False,
    personal_params: Collection[str] = PERSONAL_PARAMS,
    chunk_size: int = CHUNK_SIZE,
) -> HttpResponseBase:
    """The list as a download in `fmt` ("csv" or "xlsx"), or a 400 page saying why not: an unknown
    format, an invalid filter (`invalid`), or more rows than the cap. `rows` is the page's own
    restricted and filtered queryset (not paginated); `prepare` maps each chunk of it to the objects
    the column getters read (e.g. with clocks looked up for the whole chunk). `filename` is the
    list's name; the file is called "<name>_<YYYYMMDD>.<fmt>". One audit event per export."""
    if fmt not in FORMATS:
        return _refusal(request, _("不支持的导出格式“%(format)s”，请选择 CSV 或 Excel。") % {"format": str(fmt)[:20]})
    if invalid:
        return _refusal(request, _("筛选条件有误，请修改后再导出。"))
    count = _row_count(rows)
    limit = export_max_rows()
    if count > limit:
        return _refusal(
            request,
            _("符合条件的记录共 %(count)s 条，超过了一次导出的上限 %(limit)s 条。请缩小筛选范围后再导出。")
            % {"count": count, "limit": limit},
        )
    model = getattr(rows, "model", None)
    export_record(
        actor=request.user,
        list_key=_list_key(request),
        object_type=model._meta.label_lower if model is not None else "",
        fmt=fmt,
        row_count=count,
        filters=_filter_summary(request, personal_params),
    )
    title = str(filename)
    name, fallback = _file_names(request, title, fmt)
    chunks = _chunks(rows, chunk_size, prepare)
    response: HttpResponseBase
    if fmt == CSV:
        response = _csv_response(chunks, columns, translation.get_language() or settings.LANGUAGE_CODE)
    else:
        response = _xlsx_response(chunks, columns, title)
    response["Content-Disposition"] = _disposition(name, fallback)
    # Lists hold personal data, even masked: no shared or stored copies.
    patch_cache_control(response, private=True, no_store=True)
    return response
