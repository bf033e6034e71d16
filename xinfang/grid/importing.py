"""Bulk import of grid events from CSV or XLSX (issue 7 §3): 140,000 rows in well under a minute.

    grid_events_import(actor=user, name="events.csv", content=b"...", dry_run=False, progress=cb)

Every row is checked first (grid by code or name, category by code or name or blank, dates,
parties, coordinates, status); every problem becomes a `RowProblem` (row number as the spreadsheet
shows it, column header as written, translated message). A file with any row problem writes
nothing. A clean file is written in ONE transaction: event numbers reserved in blocks per grid and
year (`services.event_numbers_reserve`: the same counters the phone form uses, so numbers stay
unique), `bulk_create` in batches, the due clocks of open events, and ONE audit event.

Why the bulk path does not call `grid_event_report` row by row: that service is the phone form's
(one event, its own audit event, its own `clock.start` event, a point-in-grid lookup, photos). For
140,000 historical records that would be 420,000 hash-chained audit appends and tens of minutes.
Imported rows are records of what already happened, not new reports, so the import instead:

- records one audit event, "grid_event.import", on object ("grid.import", file sha256) with the
  batch id and the counts (no personal data); every created event carries `import_batch`, so the
  audit event names exactly the rows it created. The same file (same sha256) is not imported twice;
- starts a due clock only for events imported as still open (reported or accepted). Their `Clock`
  rows are bulk-created with the due date computed by the working calendar's pure function
  (`workcalendar.deadlines.compute_deadline` on one calendar snapshot; period and unit from
  `CategoryDue`, as `services.event_due` takes them), so the clock is the same one
  `clock_start` would store; only the per-clock audit event is left out (the import's event counts
  them). Handled, closed and verified events get no clock;
- gives uncategorised rows a suggested category from the same keyword rules as the phone form
  (`suggest.KeywordRules`, loaded once), keeping score and matched words; a suggestion is not a
  decision, so `category` stays empty until staff set it.

The CSV reader is a fast path of `xinfang.transfer.readers` (same encoding order: BOM, strict
UTF-8, GB18030; control characters refused), with its own size and row limits: the transfer app's
limits (20 MB, 100,000 rows) are for forms-based imports where every row goes through a service."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import time
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.policies import organisation_scope
from xinfang.accounts.roles import Action
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.orgs.models import Kind, Organisation
from xinfang.petitions.services.personal_data import normalise_phone
from xinfang.transfer.readers import FileProblem, cell_text, column_letter
from xinfang.workcalendar.deadlines import CalendarRangeError, compute_deadline
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import calendar_snapshot

from .geometry import Shape, point_in_shape, shape_from_geojson
from .models import CategoryDue, DisputeCategory, GridEvent, GridProfile
from .seed import DEFAULT_DUES
from .services import MAX_PARTIES, MAX_TEXT, event_numbers_reserve
from .states import CLOCK_DUE, CLOCK_OBJECT_TYPE, EventLevel, EventStatus, PartyRole
from .suggest import KeywordRules

AUDIT_ACTION = "grid_event.import"
AUDIT_OBJECT_TYPE = "grid.import"
IMPORTABLE_STATUSES = (
    EventStatus.REPORTED,
    EventStatus.ACCEPTED,
    EventStatus.HANDLED,
    EventStatus.CLOSED,
    EventStatus.VERIFIED,
)
OPEN_IMPORT_STATUSES = frozenset({EventStatus.REPORTED, EventStatus.ACCEPTED})
DEFAULT_STATUS = EventStatus.CLOSED  # a blank status: a historical record, already settled
VILLAGE_KINDS = frozenset({Kind.VILLAGE, Kind.COMMUNITY})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_PARTY_SPLIT = re.compile(r"[；;\n]+")
_TOKEN_SPLIT = re.compile(r"[\s/，,、|]+")
_DIGITS = re.compile(r"\+?[\d\-]+")
_PHONE = re.compile(r"\+?[\d\-\s]{5,24}")
_DATETIME_FORMATS = (
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日 %H时%M分",
    "%Y年%m月%d日",
)


def max_bytes() -> int:
    """Largest file accepted (XINFANG_GRID_IMPORT_MAX_BYTES, default 200 MB)."""
    return int(getattr(settings, "XINFANG_GRID_IMPORT_MAX_BYTES", 200 * 1024 * 1024))


def max_rows() -> int:
    """Most data rows in one file (XINFANG_GRID_IMPORT_MAX_ROWS, default 300,000)."""
    return int(getattr(settings, "XINFANG_GRID_IMPORT_MAX_ROWS", 300_000))


def batch_size() -> int:
    """Rows per bulk insert round (XINFANG_GRID_IMPORT_BATCH, default 5,000)."""
    return max(1, int(getattr(settings, "XINFANG_GRID_IMPORT_BATCH", 5_000)))


MAX_STORED_ERRORS = 1000  # the total is always counted


@dataclass(frozen=True)
class ImportColumn:
    name: str  # English field name (also accepted as the header)
    label: Promise  # the Chinese header (msgid)
    required: bool
    format: Promise


COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("grid", gettext_lazy("网格"), True, gettext_lazy("网格编码或名称")),
    ImportColumn("reported_at", gettext_lazy("上报时间"), True, gettext_lazy("日期和时间，如 2025-03-02 09:30")),
    ImportColumn("occurred_at", gettext_lazy("发生时间"), False, gettext_lazy("日期和时间；可空")),
    ImportColumn("place_text", gettext_lazy("事发地点"), True, gettext_lazy("文字，不超过200字")),
    ImportColumn("description", gettext_lazy("事件描述"), True, gettext_lazy("文字")),
    ImportColumn("category", gettext_lazy("类别"), False, gettext_lazy("类别编码或名称；空白则按关键词给出建议类别")),
    ImportColumn(
        "parties",
        gettext_lazy("当事人"),
        False,
        gettext_lazy("每人用分号隔开：姓名/身份/电话，如 张三/申请人/13800000001；李四/被申请人"),
    ),
    ImportColumn(
        "status", gettext_lazy("状态"), False, gettext_lazy("已上报、已受理、已处置、已办结、已核查；空白为已办结")
    ),
    ImportColumn("result", gettext_lazy("处置结果"), False, gettext_lazy("文字；可空")),
    ImportColumn("closed_at", gettext_lazy("办结时间"), False, gettext_lazy("日期和时间；可空")),
    ImportColumn("lon", gettext_lazy("经度"), False, gettext_lazy("数字；与纬度同填或同空")),
    ImportColumn("lat", gettext_lazy("纬度"), False, gettext_lazy("数字；与经度同填或同空")),
)
_BY_NAME = {c.name: c for c in COLUMNS}


@dataclass(frozen=True)
class RowProblem:
    """One problem of one row: the spreadsheet's row number, the column (header as written and its
    letter; "" when the whole row is concerned) and the translated message."""

    row: int
    column: str
    letter: str
    message: str


@dataclass
class ImportResult:
    """What an import did (or, on a dry run or with errors, would have done)."""

    sha256: str
    batch: str = ""
    rows: int = 0
    created: int = 0
    categorised: int = 0  # rows with a category given
    suggested: int = 0  # uncategorised rows given a suggested category by the keyword rules
    unclassified: int = 0  # uncategorised rows no keyword matched
    clocks_started: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    errors: list[RowProblem] = field(default_factory=list)
    error_count: int = 0
    dry_run: bool = False
    encoding: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)


Progress = Callable[[str, int, int], None]  # (stage, done, total); stages "check", "write"


# --- reading -------------------------------------------------------------------------------------


def _normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).strip().lower().rstrip("*").strip()
    return " ".join(text.split())


def _header_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for column in COLUMNS:
        names[_normalise_header(column.name)] = column.name
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.setdefault(_normalise_header(str(column.label)), column.name)
    return names


def _decode(content: bytes) -> tuple[str, str]:
    """(text, encoding): BOM, then strict UTF-8, then GB18030 — as transfer.readers.decode_text,
    with the control-character test done by a regular expression (fast on 40 MB)."""
    if content.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            break
        return text, encoding
    raise FileProblem(
        _("无法识别文件编码，或文件不是文本：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 CSV 文件后再导入。")
    )


def _csv_rows(text: str) -> Iterator[list[Any]]:
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise FileProblem(
            _("CSV 文件格式有误（第%(line)d行）：引号不成对或分隔符错误。") % {"line": reader.line_num}
        ) from exc


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "xl/workbook.xml" not in set(archive.namelist()):
                raise FileProblem(_("文件内容不是 Excel（.xlsx）格式，请检查文件。"))
    except zipfile.BadZipFile as exc:
        raise FileProblem(_("文件内容不是 Excel（.xlsx）格式，请检查文件。")) from exc
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise FileProblem(_("无法读取该 Excel 文件，文件可能已损坏或受密码保护。")) from exc
    try:
        if not workbook.worksheets:
            raise FileProblem(_("Excel 文件中没有工作表。"))
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def read_file(name: str, content: bytes) -> tuple[dict[str, int], dict[str, str], list[tuple[int, list[Any]]], str]:
    """(column name -> index, column name -> header as written, [(row number, cells)], encoding).
    Blank rows are skipped but keep their numbers; the first non-blank row is the header."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix == ".xls":
        raise FileProblem(_("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 文件后再导入。"))
    if suffix not in (".csv", ".xlsx"):
        raise FileProblem(_("只能导入 CSV（.csv）或 Excel（.xlsx）文件。"))
    if not content:
        raise FileProblem(_("文件是空的。"))
    if len(content) > max_bytes():
        raise FileProblem(_("文件超过大小上限（%(limit)s MB）。") % {"limit": max_bytes() // (1024 * 1024)})
    is_zip = content.startswith(b"PK\x03\x04")
    encoding = ""
    if suffix == ".xlsx":
        if not is_zip:
            raise FileProblem(_("文件内容不是 Excel（.xlsx）格式，请检查文件。"))
        source = _xlsx_rows(content)
    else:
        if is_zip:
            raise FileProblem(
                _("文件内容不是 CSV 文本，而像是 Excel 文件：请将扩展名改为 .xlsx，或在 Excel 中另存为 CSV。")
            )
        text, encoding = _decode(content)
        source = _csv_rows(text)
    names = _header_names()
    layout: dict[str, int] | None = None
    headers: dict[str, str] = {}
    rows: list[tuple[int, list[Any]]] = []
    limit = max_rows()
    for number, values in enumerate(source, start=1):
        if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
            continue
        if layout is None:
            layout, headers = _match_headers(values, names)
            continue
        if len(rows) >= limit:
            raise FileProblem(_("文件超过%(limit)d行数据的上限，请分成几个文件导入。") % {"limit": limit})
        rows.append((number, values))
    if layout is None:
        raise FileProblem(_("文件中没有表头，请使用模板。"))
    if not rows:
        raise FileProblem(_("文件中只有表头，没有数据行。"))
    return layout, headers, rows, encoding


def _match_headers(values: list[Any], names: dict[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    layout: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for index, raw in enumerate(values):
        written = cell_text(raw)
        if not written:
            continue
        name = names.get(_normalise_header(written))
        if name is None:
            unknown.append(written)
        elif name in layout:
            repeated.append(written)
        else:
            layout[name] = index
            headers[name] = written
    if unknown:
        raise FileProblem(
            _("无法识别的列：%(columns)s。请使用模板中的列名（中文列名或英文字段名）。")
            % {"columns": "、".join(unknown[:10])}
        )
    if repeated:
        raise FileProblem(_("以下列重复出现：%(columns)s。") % {"columns": "、".join(repeated[:10])})
    missing = [str(c.label) for c in COLUMNS if c.required and c.name not in layout]
    if missing:
        raise FileProblem(_("缺少必填列：%(columns)s。") % {"columns": "、".join(missing)})
    return layout, headers


# --- look-ups made once per import ---------------------------------------------------------------


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


@dataclass
class _Lookups:
    grids: dict[str, Organisation | None]  # key -> grid (None: the name is ambiguous)
    village_of: dict[int, Organisation]
    shapes: dict[int, Shape]
    categories: dict[str, DisputeCategory]
    statuses: dict[str, str]
    roles: dict[str, str]

    @classmethod
    def load(cls) -> _Lookups:
        grids: dict[str, Organisation | None] = {}
        by_name: dict[str, list[Organisation]] = defaultdict(list)
        all_grids = list(Organisation.objects.filter(kind=Kind.GRID).select_related("parent"))
        for grid in all_grids:
            grids[_key(grid.code)] = grid
            by_name[_key(grid.name)].append(grid)
        for key, found in by_name.items():
            grids.setdefault(key, found[0] if len(found) == 1 else None)
        village_of: dict[int, Organisation] = {}
        shapes: dict[int, Shape] = {}
        for profile in GridProfile.objects.select_related("village"):
            village_of[profile.organisation_id] = profile.village
            if profile.boundary:
                shapes[profile.organisation_id] = shape_from_geojson(profile.boundary)
        for grid in all_grids:
            if grid.pk not in village_of and grid.parent is not None and grid.parent.kind in VILLAGE_KINDS:
                village_of[grid.pk] = grid.parent
        categories: dict[str, DisputeCategory] = {}
        for category in DisputeCategory.objects.all():
            for spelling in (category.code, category.name, category.name_en):
                if spelling:
                    categories.setdefault(_key(spelling), category)
        statuses: dict[str, str] = {}
        roles: dict[str, str] = {}
        for code, _lang in settings.LANGUAGES:
            with translation.override(code):
                for status in IMPORTABLE_STATUSES:
                    statuses[_key(status.value)] = status.value
                    statuses[_key(str(status.label))] = status.value
                for role in PartyRole:
                    roles[_key(role.value)] = role.value
                    roles[_key(str(role.label))] = role.value
        roles.setdefault(_key("其他"), PartyRole.OTHER)
        roles.setdefault(_key("当事人"), PartyRole.OTHER)
        return cls(grids, village_of, shapes, categories, statuses, roles)


# --- cells ---------------------------------------------------------------------------------------


def _moment(value: Any) -> datetime.datetime | None:
    """A cell as an aware datetime (local time when the cell has none); None if unreadable."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        text = cell_text(value)
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            for pattern in _DATETIME_FORMATS:
                try:
                    moment = datetime.datetime.strptime(text, pattern)  # noqa: DTZ007 (made aware below)
                    break
                except ValueError:
                    continue
            else:
                return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@dataclass
class _Row:
    number: int
    grid: Organisation
    village: Organisation
    values: dict[str, Any]
    status: str


class _Checker:
    """Checks rows one by one; keeps the problems (the first MAX_STORED_ERRORS) and the count."""

    def __init__(self, layout: dict[str, int], headers: dict[str, str], lookups: _Lookups, scope: Any) -> None:
        self.layout = layout
        self.headers = headers
        self.lookups = lookups
        self.scope = scope
        self.problems: list[RowProblem] = []
        self.count = 0
        self.now = timezone.now()
        self.allowed: dict[int, bool] = {}

    def add(self, number: int, name: str, message: str) -> None:
        self.count += 1
        if len(self.problems) < MAX_STORED_ERRORS:
            index = self.layout.get(name)
            self.problems.append(
                RowProblem(
                    row=number,
                    column=self.headers.get(name, str(_BY_NAME[name].label) if name in _BY_NAME else ""),
                    letter=column_letter(index) if index is not None else "",
                    message=message,
                )
            )

    def check(self, number: int, cells: list[Any]) -> _Row | None:
        layout = self.layout
        width = len(cells)

        def cell(name: str) -> Any:
            index = layout.get(name)
            return cells[index] if index is not None and index < width else None

        before = self.count
        lookups = self.lookups
        # grid
        grid_text = cell_text(cell("grid"))
        grid: Organisation | None = None
        if not grid_text:
            self.add(number, "grid", _("请填写网格编码或名称。"))
        else:
            key = _key(grid_text)
            if key not in lookups.grids:
                self.add(number, "grid", _("找不到网格“%(value)s”：请填写网格的编码或名称。") % {"value": grid_text})
            else:
                grid = lookups.grids[key]
                if grid is None:
                    self.add(number, "grid", _("有多个网格名为“%(value)s”，请改填网格编码。") % {"value": grid_text})
                elif not grid.is_active:
                    self.add(number, "grid", _("网格“%(value)s”已停用。") % {"value": grid.name})
                    grid = None
                elif not self._allowed(grid):
                    self.add(number, "grid", _("您无权导入网格“%(value)s”的事件。") % {"value": grid.name})
                    grid = None
        village = lookups.village_of.get(grid.pk) if grid is not None else None
        if grid is not None and village is None:
            self.add(number, "grid", _("网格“%(value)s”没有所属的村（社区）。") % {"value": grid.name})
        # times
        reported_at = self._moment(number, cell, "reported_at", required=True)
        occurred_at = self._moment(number, cell, "occurred_at")
        closed_at = self._moment(number, cell, "closed_at")
        if reported_at is not None and reported_at > self.now:
            self.add(number, "reported_at", _("上报时间不能晚于现在。"))
        if occurred_at is not None and reported_at is not None and occurred_at > reported_at:
            self.add(number, "occurred_at", _("发生时间不能晚于上报时间。"))
        if closed_at is not None and reported_at is not None and closed_at < reported_at:
            self.add(number, "closed_at", _("办结时间不能早于上报时间。"))
        # texts
        place = cell_text(cell("place_text"))
        if not place:
            self.add(number, "place_text", _("请填写事发地点。"))
        elif len(place) > 200:
            self.add(number, "place_text", _("不超过 %(max)s 个字。") % {"max": 200})
        description = cell_text(cell("description"))
        if not description:
            self.add(number, "description", _("请填写事件描述。"))
        elif len(description) > MAX_TEXT:
            self.add(number, "description", _("不超过 %(max)s 个字。") % {"max": MAX_TEXT})
        result = cell_text(cell("result"))
        if len(result) > MAX_TEXT:
            self.add(number, "result", _("不超过 %(max)s 个字。") % {"max": MAX_TEXT})
        # category
        category: DisputeCategory | None = None
        category_text = cell_text(cell("category"))
        if category_text:
            category = lookups.categories.get(_key(category_text))
            if category is None:
                self.add(
                    number,
                    "category",
                    _("找不到类别“%(value)s”：请填写类别编码或名称，或留空。") % {"value": category_text},
                )
            elif not category.is_active:
                self.add(number, "category", _("类别“%(value)s”已停用。") % {"value": category.name})
                category = None
        # status
        status: str = DEFAULT_STATUS
        status_text = cell_text(cell("status"))
        if status_text:
            found = lookups.statuses.get(_key(status_text))
            if found is None:
                labels = "、".join(str(s.label) for s in IMPORTABLE_STATUSES)
                self.add(
                    number,
                    "status",
                    _("“%(value)s”不是可导入的状态，应为：%(choices)s。") % {"value": status_text, "choices": labels},
                )
            else:
                status = found
        if closed_at is not None and status in OPEN_IMPORT_STATUSES:
            self.add(number, "closed_at", _("未办结的事件不能填写办结时间。"))
        parties = self._parties(number, cell_text(cell("parties")))
        lon, lat = self._point(number, cell, grid)
        if self.count > before or grid is None or village is None or reported_at is None:
            return None
        return _Row(
            number=number,
            grid=grid,
            village=village,
            status=status,
            values={
                "reported_at": reported_at,
                "occurred_at": occurred_at,
                "place_text": place,
                "description": description,
                "category": category,
                "parties": parties,
                "result": result,
                "closed_at": closed_at,
                "lon": lon,
                "lat": lat,
            },
        )

    def _allowed(self, grid: Organisation) -> bool:
        if grid.pk not in self.allowed:
            self.allowed[grid.pk] = self.scope.contains(grid)
        return self.allowed[grid.pk]

    def _moment(
        self, number: int, cell: Callable[[str], Any], name: str, *, required: bool = False
    ) -> datetime.datetime | None:
        value = cell(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(number, name, _("请填写%(column)s。") % {"column": _BY_NAME[name].label})
            return None
        moment = _moment(value)
        if moment is None:
            self.add(
                number,
                name,
                _("“%(value)s”不是有效的日期和时间，应为如 2025-03-02 09:30。") % {"value": cell_text(value)},
            )
        return moment

    def _parties(self, number: int, text: str) -> list[dict[str, str]]:
        parties: list[dict[str, str]] = []
        if not text:
            return parties
        entries = [e.strip() for e in _PARTY_SPLIT.split(text) if e.strip()]
        if len(entries) > MAX_PARTIES:
            self.add(number, "parties", _("当事人不超过 %(max)s 人。") % {"max": MAX_PARTIES})
            return parties
        for entry in entries:
            tokens: list[str] = []
            for token in (t for t in _TOKEN_SPLIT.split(entry) if t):
                # "138 0000 0001": a phone number written in groups is one token
                if tokens and _DIGITS.fullmatch(token) and _DIGITS.fullmatch(tokens[-1]):
                    tokens[-1] += token
                else:
                    tokens.append(token)
            name, role, phone = tokens[0], "", ""
            for token in tokens[1:]:
                found = self.lookups.roles.get(_key(token))
                if found is not None and not role:
                    role = found
                elif _PHONE.fullmatch(token) and not phone:
                    phone = normalise_phone(token)
                else:
                    self.add(
                        number,
                        "parties",
                        _("无法识别当事人“%(entry)s”中的“%(token)s”：应为 姓名/身份/电话。")
                        % {"entry": entry, "token": token},
                    )
            if len(name) > 100:
                self.add(number, "parties", _("当事人姓名不超过 %(max)s 个字。") % {"max": 100})
            parties.append({"name": name, "role": role or PartyRole.OTHER, "phone": phone})
        return parties

    def _point(
        self, number: int, cell: Callable[[str], Any], grid: Organisation | None
    ) -> tuple[Decimal | None, Decimal | None]:
        lon_text, lat_text = cell_text(cell("lon")), cell_text(cell("lat"))
        if not lon_text and not lat_text:
            return None, None
        if not lon_text or not lat_text:
            self.add(number, "lon", _("请同时填写经度和纬度，或都不填。"))
            return None, None
        try:
            lon, lat = Decimal(lon_text), Decimal(lat_text)
        except InvalidOperation:
            self.add(number, "lon", _("经纬度应为数字。"))
            return None, None
        if not (lon.is_finite() and lat.is_finite() and -180 <= lon <= 180 and -90 <= lat <= 90):
            self.add(number, "lon", _("经度应在 -180 至 180 之间，纬度应在 -90 至 90 之间。"))
            return None, None
        lon, lat = lon.quantize(Decimal("0.000001")), lat.quantize(Decimal("0.000001"))
        if grid is None:
            return lon, lat
        shapes = self.lookups.shapes
        own = shapes.get(grid.pk)
        if own is not None and point_in_shape(own, float(lon), float(lat)):
            return lon, lat
        other = next(
            (pk for pk, shape in shapes.items() if pk != grid.pk and point_in_shape(shape, float(lon), float(lat))),
            None,
        )
        if other is not None:
            name = next((g.name for g in self.lookups.grids.values() if g is not None and g.pk == other), "")
            self.add(
                number, "lon", _("该位置属于“%(found)s”，不在“%(grid)s”范围内。") % {"found": name, "grid": grid.name}
            )
        elif own is not None or shapes:
            self.add(number, "lon", _("该位置不在任何网格范围内，请核对经纬度或不填坐标。"))
        return lon, lat


# --- the import ----------------------------------------------------------------------------------


def _common_ancestor(grids: list[Organisation]) -> int | None:
    """The deepest organisation above every grid of the file (the audit event's organisation)."""
    paths = [[int(p) for p in g.path.strip("/").split("/") if p] for g in grids]
    if not paths:
        return None
    common: list[int] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return common[-1] if common else None


def already_imported(sha256: str) -> AuditEvent | None:
    """The audit event of an earlier import of the same file, if any."""
    return AuditEvent.objects.filter(action=AUDIT_ACTION, object_type=AUDIT_OBJECT_TYPE, object_id=sha256).first()


def grid_events_import(
    *,
    actor: Any,
    name: str,
    content: bytes,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import grid events from a CSV or XLSX file, all or nothing (see the module docstring).

    Who may: `Action.ORG_MANAGE` (grids are reference data of the organisation tree; district
    system administrators), for every grid named in the file. Raises PermissionDenied for a user
    without it anywhere, FileProblem for a file that cannot be read at all (wrong type, encoding,
    header) or was imported already. Row problems come back in the result (`ok` is False) and
    nothing is written; with `dry_run` nothing is written either way."""
    started = time.perf_counter()
    scope = organisation_scope(actor, Action.ORG_MANAGE)
    if scope.is_empty:
        raise PermissionDenied(_("您没有权限执行“%(action)s”。") % {"action": Action.ORG_MANAGE.label})
    sha256 = hashlib.sha256(content).hexdigest()
    earlier = already_imported(sha256)
    if earlier is not None:
        raise FileProblem(
            _("该文件已于 %(when)s 导入（批次 %(batch)s），不再重复导入。")
            % {
                "when": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M"),
                "batch": earlier.summary.get("batch", ""),
            }
        )
    layout, headers, rows, encoding = read_file(name, content)
    result = ImportResult(sha256=sha256, rows=len(rows), dry_run=dry_run, encoding=encoding)
    checker = _Checker(layout, headers, _Lookups.load(), scope)
    rules = KeywordRules.load()
    checked: list[_Row] = []
    step = max(1, len(rows) // 100)
    for position, (number, cells) in enumerate(rows, start=1):
        row = checker.check(number, cells)
        if row is not None:
            checked.append(row)
        if progress is not None and (position % step == 0 or position == len(rows)):
            progress("check", position, len(rows))
    result.errors, result.error_count = checker.problems, checker.count
    for row in checked:
        result.by_status[row.status] = result.by_status.get(row.status, 0) + 1
        if row.values["category"] is not None:
            result.categorised += 1
            continue
        suggestion = rules.suggest(f"{row.values['description']}\n{row.values['place_text']}")
        row.values["suggestion"] = suggestion
        if suggestion is None:
            result.unclassified += 1
        else:
            result.suggested += 1
    calendar = calendar_snapshot()
    dues = _dues()
    deadlines: dict[tuple[datetime.date, int, str], Any] = {}
    for row in checked:
        if row.status not in OPEN_IMPORT_STATUSES:
            continue
        category = row.values["category"] or getattr(row.values.get("suggestion"), "category", None)
        period, unit = dues.get(
            (category.pk if category else None, EventLevel.VILLAGE), DEFAULT_DUES[EventLevel.VILLAGE]
        )
        start = timezone.localdate(row.values["reported_at"])
        key = (start, period, unit)
        if key not in deadlines:
            try:
                deadlines[key] = compute_deadline(start=start, period=period, unit=unit, calendar=calendar)
            except CalendarRangeError as exc:
                deadlines[key] = exc
        found = deadlines[key]
        if isinstance(found, CalendarRangeError):
            checker.add(row.number, "reported_at", " ".join(found.messages))
        else:
            row.values["deadline"] = found
    result.errors, result.error_count = checker.problems, checker.count
    result.errors.sort(key=lambda p: (p.row, p.column))
    if not result.ok or dry_run:
        result.seconds = round(time.perf_counter() - started, 2)
        return result
    with transaction.atomic():
        _write(actor=actor, result=result, rows=checked, progress=progress)
    result.seconds = round(time.perf_counter() - started, 2)
    return result


def _dues() -> dict[tuple[int | None, str], tuple[int, str]]:
    return {(d.category_id, d.level): (int(d.period), str(d.unit)) for d in CategoryDue.objects.all()}


def _write(*, actor: Any, result: ImportResult, rows: list[_Row], progress: Progress | None) -> None:
    now = timezone.now()
    result.batch = f"GI{timezone.localtime(now):%Y%m%d%H%M%S}-{result.sha256[:8]}"
    # Numbers: a block per grid and year, in the order of reporting.
    rows.sort(key=lambda r: (r.values["reported_at"], r.number))
    groups: dict[tuple[int, int], list[_Row]] = defaultdict(list)
    for row in rows:
        groups[(row.grid.pk, timezone.localdate(row.values["reported_at"]).year)].append(row)
    numbers: dict[int, str] = {}
    for (_grid_id, year), members in sorted(groups.items(), key=lambda item: item[0]):
        reserved = event_numbers_reserve(grid=members[0].grid, year=year, count=len(members))
        for row, number in zip(members, reserved, strict=True):
            numbers[row.number] = number
    events: list[GridEvent] = []
    for row in rows:
        values = row.values
        suggestion = values.get("suggestion")
        status = row.status
        closed_at = values["closed_at"]
        events.append(
            GridEvent(
                number=numbers[row.number],
                grid=row.grid,
                reported_by=None,
                reported_at=values["reported_at"],
                occurred_at=values["occurred_at"],
                place_text=values["place_text"],
                lon=values["lon"],
                lat=values["lat"],
                category=values["category"],
                suggested_category=suggestion.category if suggestion else None,
                suggestion_score=suggestion.score if suggestion else None,
                suggestion_words=suggestion.words if suggestion else [],
                description=values["description"],
                parties=values["parties"],
                status=status,
                level=EventLevel.VILLAGE,
                current_org=row.village,
                result=values["result"],
                accepted_at=values["reported_at"] if status != EventStatus.REPORTED else None,
                handled_at=closed_at if status not in OPEN_IMPORT_STATUSES else None,
                closed_at=closed_at if status in (EventStatus.CLOSED, EventStatus.VERIFIED) else None,
                import_batch=result.batch,
            )
        )
    size = batch_size()
    for start in range(0, len(events), size):
        GridEvent.objects.bulk_create(events[start : start + size], batch_size=size)
        if progress is not None:
            progress("write", min(start + size, len(events)), len(events))
    result.created = len(events)
    if any(event.pk is None for event in events):  # a backend that returns no ids on bulk insert
        ids = dict(GridEvent.objects.filter(import_batch=result.batch).values_list("number", "pk"))
        for event in events:
            event.pk = ids[event.number]
    clocks: list[Clock] = []
    for row, event in zip(rows, events, strict=True):
        deadline = row.values.get("deadline")
        if deadline is None:
            continue
        clocks.append(
            Clock(
                object_type=CLOCK_OBJECT_TYPE,
                object_id=str(event.pk),
                kind=CLOCK_DUE,
                org_id=row.village.pk,
                start_date=deadline.start,
                period=deadline.period,
                unit=deadline.unit,
                due_date=deadline.due_date,
                is_provisional=deadline.is_provisional,
                examined_from=deadline.examined_from,
                examined_to=deadline.examined_to,
                created_at=now,
                recomputed_at=now,
            )
        )
    Clock.objects.bulk_create(clocks, batch_size=size)
    result.clocks_started = len(clocks)
    grids = {row.grid.pk: row.grid for row in rows}
    audit_record(
        actor=actor,
        action=AUDIT_ACTION,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=result.sha256,
        object_label=result.batch,
        org_id=_common_ancestor(list(grids.values())),
        summary={
            "batch": result.batch,
            "sha256": result.sha256,
            "rows": result.rows,
            "created": result.created,
            "grids": len(grids),
            "by_status": dict(sorted(Counter(r.status for r in rows).items())),
            "categorised": result.categorised,
            "suggested": result.suggested,
            "unclassified": result.unclassified,
            "clocks_started": result.clocks_started,
        },
    )
