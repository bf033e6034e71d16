"""Reading import files: the encoding of a CSV is detected (never garbled), an XLSX is recognised by
content, headers match in Chinese or English, row numbers are the spreadsheet's, and every
problem is a translated FileProblem."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest
from django.utils import translation

from xinfang.transfer.models import ImportKind
from xinfang.transfer.readers import FileProblem, column_letter, decode_text, read_table

from .conftest import csv_bytes, xlsx_bytes

HEADER = ["姓名或名称", "住址"]
ROWS = [["张三", "广州市南沙区黄阁镇"], ["李四", "番禺区市桥街"]]


def read(name: str, content: bytes):  # type: ignore[no-untyped-def]
    return read_table(kind=ImportKind.PETITIONERS, name=name, content=content)


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-16", "utf-16")],
)
def test_csv_encodings_are_detected_and_never_garbled(encoding, detected):
    table = read("p.csv", csv_bytes(HEADER, ROWS, encoding=encoding))
    assert [row.text("address") for row in table.rows] == ["广州市南沙区黄阁镇", "番禺区市桥街"]
    assert table.encoding == detected


def test_gbk_bytes_are_not_taken_for_utf8():
    content = "姓名或名称,住址\n张三,黄阁镇\n".encode("gbk")
    assert decode_text(content) == ("姓名或名称,住址\n张三,黄阁镇\n", "gb18030")
    assert decode_text(codecs.BOM_UTF8 + "姓名".encode())[1] == "utf-8-sig"


def test_tabs_and_semicolons_and_quoted_line_breaks():
    text = '姓名或名称\t住址\n张三\t"第一行\n第二行"\n'
    table = read("p.csv", text.encode("utf-8"))
    assert table.rows[0].text("address") == "第一行\n第二行"
    table = read("p.csv", "name;address\n张三;黄阁镇\n".encode())
    assert table.rows[0].text("name") == "张三"


def test_headers_in_english_chinese_with_marks_and_spaces():
    table = read("p.csv", csv_bytes([" Name ", "住址*", "ID_NUMBER"], [["张三", "黄阁镇", "X1"]]))
    assert set(table.headers) == {"name", "address", "id_number"}
    with translation.override("en"):
        table = read("p.csv", csv_bytes(["姓名或名称"], [["张三"]]))  # the Chinese header whatever the language
    assert table.rows[0].text("name") == "张三"


def test_row_numbers_are_the_spreadsheets_and_blank_rows_are_skipped():
    content = "\n姓名或名称,住址\n张三,甲\n,\n李四,乙\n".encode()
    table = read("p.csv", content)
    assert [(row.number, row.text("name")) for row in table.rows] == [(3, "张三"), (5, "李四")]
    assert table.rows[1].column("address").letter == "B"


def test_cells_under_no_header_are_kept_for_the_row_error():
    table = read("p.csv", "姓名或名称,住址,\n张三,甲,多出来的\n".encode())
    assert table.rows[0].extra == ["C"]


def test_xlsx_keeps_cell_types_and_skips_other_sheets():
    table = read("p.xlsx", xlsx_bytes(["姓名或名称", "联系电话"], [["张三", 13800001111]]))
    assert table.rows[0].value("phone") == 13800001111 and table.rows[0].text("phone") == "13800001111"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("p.txt", b"a,b", "只能导入"),
        ("p.csv", b"", "空"),
        ("p.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "编码"),
        ("p.xlsx", b"PK\x03\x04broken", "Excel"),
        ("p.csv", "姓名或名称,姓名或名称\n张三,李四\n".encode(), "重复"),
        ("p.csv", "住址\n甲\n".encode(), "姓名或名称"),
        ("p.csv", b"\n\n", "表头"),
    ],
)
def test_file_problems(name, content, expected):
    with pytest.raises(FileProblem) as caught:
        read(name, content)
    assert expected in caught.value.message


def test_a_zip_that_is_not_a_workbook_is_refused():
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileProblem) as caught:
        read("p.xlsx", stream.getvalue())
    assert "Excel" in caught.value.message


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
