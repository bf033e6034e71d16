"""Blank import templates, generated (never committed): a CSV with the header row (UTF-8 with BOM,
so Excel opens the Chinese headers correctly) and an XLSX whose first sheet has the header row
(text format on the ID-number and phone columns, so Excel keeps every digit) and whose second
sheet explains each column: header, English name, required, format, example."""

from __future__ import annotations

import codecs
import csv
import io

from django.utils.translation import gettext as _

from .columns import COLUMNS
from .readers import column_letter

TEXT_COLUMNS = frozenset({"petitioner_id_number", "petitioner_phone", "id_number", "phone", "matter_type_code"})


def template_csv(kind: str) -> bytes:
    stream = io.StringIO()
    csv.writer(stream).writerow([str(column.label) for column in COLUMNS[kind]])
    return codecs.BOM_UTF8 + stream.getvalue().encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("数据")
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(COLUMNS[kind]):
        cell = sheet.cell(row=1, column=index + 1, value=str(column.label))
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = required_fill
        letter = column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(str(column.label)) * 2 + 4)
        if column.name in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet(_("填写说明"))
    guide.append([_("列名"), _("英文字段名"), _("必填"), _("格式"), _("示例")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS[kind]:
        guide.append(
            [str(column.label), column.name, _("是") if column.required else "", str(column.format), column.example]
        )
    for letter, width in zip("ABCDE", (22, 26, 8, 60, 36), strict=True):
        guide.column_dimensions[letter].width = width
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()
