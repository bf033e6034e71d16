"""Reading an import file: CSV or XLSX, recognised by content (not only by the name), within the
size and row limits, into rows of cells keyed by column name.

CSV from Chinese Excel is saved in GBK (GB18030 is its superset); "CSV UTF-8" starts with a BOM;
other tools write plain UTF-8; "Unicode text" is UTF-16 with tabs. The encoding is detected in
that order of certainty (BOM, strict UTF-8, GB18030), and text that decodes to control characters
is refused instead of being garbled. XLSX is read with openpyxl in read-only mode (rows streamed),
from the first worksheet; a cell keeps its type (dates stay dates, numbers numbers).

Every problem is a `FileProblem` with a translated message; nothing is imported from a file
that has one."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

from . import conf
from .columns import COLUMNS

EXTENSIONS = (".csv", ".xlsx")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and other old Office files
_TEXT_CONTROL_OK = frozenset("\t\n\r\f")
# An XLSX is a zip: its parts, unpacked, may not exceed this many times the upload limit.
_UNPACKED_FACTOR = 20
_DELIMITERS = ",\t;"


class FileProblem(ValueError):
    """The file cannot be imported at all (wrong type, too big, unreadable, bad header)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    """Where a known column sits in the file."""

    index: int
    header: str  # the header as written in the file
    letter: str  # the spreadsheet column letter


@dataclass
class Row:
    """One data row: its cells as read (str for CSV; str, int, float, bool, datetime or None for
    XLSX), looked up through the file's column layout (shared by all rows)."""

    number: int  # the row number a spreadsheet shows (the header is row 1 when it is first)
    values: list[Any]
    layout: dict[str, Column]
    extra: list[str] = field(default_factory=list)  # letters of filled cells under no header

    def value(self, name: str) -> Any:
        column = self.layout.get(name)
        if column is None or column.index >= len(self.values):
            return None
        return self.values[column.index]

    def text(self, name: str) -> str:
        """The cell as text, stripped: numbers without a spurious ".0", dates in ISO form."""
        return cell_text(self.value(name))

    def column(self, name: str) -> Column | None:
        """The file's column `name` (None when the file has no such column)."""
        return self.layout.get(name)


@dataclass
class Table:
    rows: list[Row]
    headers: dict[str, str]  # column name -> header as written
    encoding: str = ""  # CSV only


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- header matching ---------------------------------------------------------------------------


def _normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    text = text.rstrip("*").strip()  # templates may mark required columns with "*"
    return " ".join(text.split())


@lru_cache(maxsize=8)
def _header_names(kind: str) -> dict[str, str]:
    """Every accepted spelling of a header -> column name: the English name, and the label in each
    language of the site (the Chinese label first: it is what the templates use)."""
    names: dict[str, str] = {}
    for column in COLUMNS[kind]:
        names[_normalise_header(column.name)] = column.name
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.setdefault(_normalise_header(str(column.label)), column.name)
    return names


def match_headers(kind: str, headers: list[Any]) -> dict[int, tuple[str, str]]:
    """Position -> (column name, header as written). Unknown, repeated or missing required
    columns are a FileProblem naming them."""
    names = _header_names(kind)
    found: dict[int, tuple[str, str]] = {}
    unknown: list[str] = []
    seen: dict[str, str] = {}
    repeated: list[str] = []
    for index, raw in enumerate(headers):
        written = cell_text(raw)
        if not written:
            continue
        name = names.get(_normalise_header(written))
        if name is None:
            unknown.append(written)
        elif name in seen:
            repeated.append(written)
        else:
            seen[name] = written
            found[index] = (name, written)
    if unknown:
        raise FileProblem(
            _("无法识别的列：%(columns)s。请使用模板中的列名（中文列名或英文字段名）。")
            % {"columns": "、".join(unknown[:10])}
        )
    if repeated:
        raise FileProblem(_("以下列重复出现：%(columns)s。") % {"columns": "、".join(repeated[:10])})
    missing = [str(c.label) for c in COLUMNS[kind] if c.required and c.name not in seen]
    if missing:
        raise FileProblem(_("缺少必填列：%(columns)s。") % {"columns": "、".join(missing)})
    return found


# --- file type ---------------------------------------------------------------------------------


def check_upload(name: str, size: int | None) -> str:
    """The extension of an acceptable upload (".csv" or ".xlsx"), from its name and declared size."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix == ".xls":
        raise FileProblem(_("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 文件后再导入。"))
    if suffix not in EXTENSIONS:
        raise FileProblem(_("只能导入 CSV（.csv）或 Excel（.xlsx）文件。"))
    limit = conf.max_bytes()
    if size is not None and size > limit:
        raise FileProblem(_("文件超过大小上限（%(limit)s）。") % {"limit": filesizeformat(limit)})
    if size == 0:
        raise FileProblem(_("文件是空的。"))
    return suffix


def _check_content(suffix: str, content: bytes) -> None:
    """The bytes must be what the name says: a zip for .xlsx, text for .csv."""
    if not content:
        raise FileProblem(_("文件是空的。"))
    if len(content) > conf.max_bytes():
        raise FileProblem(_("文件超过大小上限（%(limit)s）。") % {"limit": filesizeformat(conf.max_bytes())})
    is_zip = content.startswith(_ZIP_MAGIC)
    if suffix == ".xlsx" and not is_zip:
        if content.startswith(_OLE_MAGIC):
            raise FileProblem(_("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 文件后再导入。"))
        raise FileProblem(_("文件内容不是 Excel（.xlsx）格式，请检查文件。"))
    if suffix == ".csv" and (is_zip or content.startswith(_OLE_MAGIC)):
        raise FileProblem(
            _("文件内容不是 CSV 文本，而像是 Excel 文件：请将扩展名改为 .xlsx，或在 Excel 中另存为 CSV。")
        )


# --- CSV ---------------------------------------------------------------------------------------


def decode_text(content: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV file: BOM first, then strict UTF-8, then GB18030 (GBK)."""
    candidates: list[str]
    if content.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(ch) < 32 and ch not in _TEXT_CONTROL_OK for ch in text) or "\x7f" in text:
            break  # decodes, but to control characters: not a text file
        return text, encoding
    raise FileProblem(
        _("无法识别文件编码，或文件不是文本：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 CSV 文件后再导入。")
    )


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _csv_rows(text: str) -> Iterator[list[Any]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        yield from reader
    except csv.Error as exc:
        raise FileProblem(
            _("CSV 文件格式有误（第%(line)d行）：引号不成对或分隔符错误。") % {"line": reader.line_num}
        ) from exc


# --- XLSX --------------------------------------------------------------------------------------


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise FileProblem(_("文件内容不是 Excel（.xlsx）格式，请检查文件。")) from exc
    if "xl/workbook.xml" not in names:
        raise FileProblem(_("文件内容不是 Excel（.xlsx）格式，请检查文件。"))
    if unpacked > conf.max_bytes() * _UNPACKED_FACTOR:
        raise FileProblem(_("文件超过大小上限（%(limit)s）。") % {"limit": filesizeformat(conf.max_bytes())})
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise FileProblem(_("无法读取该 Excel 文件，文件可能已损坏或受密码保护。")) from exc
    try:
        if not workbook.worksheets:
            raise FileProblem(_("Excel 文件中没有工作表。"))
        sheet = workbook.worksheets[0]
        try:
            for values in sheet.iter_rows(values_only=True):
                yield list(values)
        except FileProblem:
            raise
        except Exception as exc:
            raise FileProblem(_("无法读取该 Excel 文件，文件可能已损坏或受密码保护。")) from exc
    finally:
        workbook.close()


# --- both --------------------------------------------------------------------------------------


def _blank(values: Iterable[Any]) -> bool:
    return all(v is None or v == "" or (isinstance(v, str) and not v.strip()) for v in values)


def _source(name: str, content: bytes) -> tuple[Iterator[list[Any]], str, str]:
    """(rows of cells, suffix, CSV encoding) after the checks on name, size and content."""
    suffix = check_upload(name, len(content))
    _check_content(suffix, content)
    if suffix == ".csv":
        text, encoding = decode_text(content)
        return _csv_rows(text), suffix, encoding
    return _xlsx_rows(content), suffix, ""


def _too_many_rows(limit: int) -> FileProblem:
    return FileProblem(_("文件超过%(limit)d行数据的上限，请分成几个文件导入。") % {"limit": limit})


def read_table(*, kind: str, name: str, content: bytes) -> Table:
    """The rows of an import file. Blank rows are skipped (their numbers are kept, so a row number
    is the one the spreadsheet shows); the first non-blank row is the header."""
    source, _suffix, encoding = _source(name, content)
    limit = conf.max_rows()
    layout: dict[str, Column] | None = None
    known: set[int] = set()
    rows: list[Row] = []
    for number, values in enumerate(source, start=1):
        if _blank(values):
            continue
        if layout is None:
            positions = match_headers(kind, values)
            layout = {name: Column(i, header, column_letter(i)) for i, (name, header) in positions.items()}
            known = set(positions)
            continue
        if len(rows) >= limit:
            raise _too_many_rows(limit)
        row = Row(number=number, values=values, layout=layout)
        if len(values) > len(known) or any(i not in known for i in range(len(values))):
            row.extra = [column_letter(i) for i, v in enumerate(values) if i not in known and cell_text(v)]
        rows.append(row)
    if layout is None:
        raise FileProblem(_("文件中没有表头，请使用模板。"))
    if not rows:
        raise FileProblem(_("文件中只有表头，没有数据行。"))
    return Table(rows=rows, headers={n: c.header for n, c in layout.items()}, encoding=encoding)


def check_file(*, kind: str, name: str, content: bytes) -> int:
    """The checks of `read_table` without keeping the rows, for the upload (a bad file is refused
    at once, before it is stored): type, size, encoding, header and the row limit. Returns the
    number of data rows, or -1 when an XLSX is known to be within the limit without counting them
    (its recorded dimension says so: reading 100 000 rows takes seconds, the worker does that)."""
    source, suffix, _encoding = _source(name, content)
    limit = conf.max_rows()
    header_seen = False
    count = 0
    for values in source:
        if _blank(values):
            continue
        if not header_seen:
            match_headers(kind, values)
            header_seen = True
            if suffix == ".xlsx" and _xlsx_dimension_rows(content) - 1 <= limit:
                return -1
            continue
        count += 1
        if count > limit:
            raise _too_many_rows(limit)
    if not header_seen:
        raise FileProblem(_("文件中没有表头，请使用模板。"))
    if not count:
        raise FileProblem(_("文件中只有表头，没有数据行。"))
    return count


def _xlsx_dimension_rows(content: bytes) -> int:
    """The rows the first worksheet says it spans (header included), or a huge number when it
    does not say: then the rows are counted."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].max_row
    finally:
        workbook.close()
    return rows if isinstance(rows, int) and rows > 0 else 1 << 62
