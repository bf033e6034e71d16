"""The columns of each kind of import: English field name, Chinese header (the msgid, so the header
is the same whatever the reader's language), whether required, the format and an example. One
table feeds the header matching, the templates, the import page and docs/import_export.md."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import ImportKind


@dataclass(frozen=True)
class Column:
    name: str  # the English field name (also accepted as the header)
    label: Promise  # the Chinese header; msgid of the translated label
    required: bool
    format: Promise
    example: str
    max_length: int | None = None


YES_NO = _("是 或 否（空白为否）")

MATTER_COLUMNS: tuple[Column, ...] = (
    Column("received_at", _("收到时间"), True, _("日期和时间，如 2025-03-02 09:30（北京时间）"), "2025-03-02 09:30"),
    Column("channel", _("渠道"), True, _("走访、来信、电话、传真、网上信访"), "走访"),
    Column("source", _("来源"), False, _("接待窗口、领导信箱、12345热线转来、邮寄等；空白为接待窗口"), "接待窗口"),
    Column("title", _("标题"), False, _("不填则取诉求的开头"), "工地拖欠工资", 120),
    Column("request", _("诉求"), True, _("文字"), "请求责令施工单位支付拖欠的工资。"),
    Column("facts", _("事实"), True, _("文字"), "2024年8月至10月工资共计两万元未发放。"),
    Column("reasons", _("理由"), True, _("文字"), "劳动报酬应当按时足额支付。"),
    Column(
        "oral_recorded_by",
        _("记录人"),
        False,
        _("走访、电话提出的必填（《信访工作条例》第十九条）"),
        "王五",
        60,
    ),
    Column("petitioner_name", _("信访人姓名或名称"), False, _("匿名检举控告以外必填"), "张三", 100),
    Column("petitioner_kind", _("信访人类型"), False, _("个人 或 法人或其他组织；空白为个人"), "个人"),
    Column("petitioner_id_number", _("证件号码"), False, _("以文本格式填写"), "440115199001011234", 32),
    Column("petitioner_phone", _("联系电话"), False, _("数字"), "13800001111", 32),
    Column("petitioner_address", _("住址"), False, _("匿名或姓名、住址不清的以外必填"), "测试路1号", 200),
    Column("name_or_address_unclear", _("姓名或住址不清"), False, YES_NO, "否"),
    Column("is_anonymous", _("匿名检举控告"), False, YES_NO, "否"),
    Column(
        "nature_hint", _("性质（初步判断）"), False, _("建议意见类、检举控告类、申诉求决类、涉法涉诉类、纪检监察类"), ""
    ),
    Column("group_size", _("人数"), False, _("整数；空白为1"), "1"),
    Column(
        "representatives",
        _("其他推选代表"),
        False,
        _("每行一人：姓名、证件号码、电话，以空格分隔"),
        "",
    ),
    Column("participants", _("其他参与人"), False, _("每行一人：姓名、证件号码、电话，以空格分隔"), ""),
    Column("place_org", _("发生地"), False, _("本区镇街、村（社区）或网格的编码或名称"), ""),
    Column("place_text", _("详细地点"), False, _("文字"), "", 200),
    Column("hotline_order_ref", _("12345工单号"), False, _("来源为12345热线转来的必填"), "", 40),
)

PETITIONER_COLUMNS: tuple[Column, ...] = (
    Column("name", _("姓名或名称"), True, _("文字"), "张三", 100),
    Column("kind", _("信访人类型"), False, _("个人 或 法人或其他组织；空白为个人"), "个人"),
    Column(
        "id_number",
        _("证件号码"),
        False,
        _("以文本格式填写；有证件号码的按证件号码更新已有信访人"),
        "440115199001011234",
        32,
    ),
    Column("phone", _("联系电话"), False, _("数字"), "13800001111", 32),
    Column("address", _("住址"), False, _("文字"), "测试路1号", 200),
)

POWERLIST_COLUMNS: tuple[Column, ...] = (
    Column("matter_type_code", _("事项类型编码"), True, _("每个事项类型一个，不重复"), "WAGE-ARREARS", 32),
    Column("matter_type_name", _("事项类型名称"), False, _("新的事项类型必填"), "拖欠工资", 100),
    Column("matter_type_name_en", _("英文名称"), False, _("文字"), "Wage arrears", 200),
    Column("keywords", _("关键词"), False, _("以空格分隔"), "欠薪 工资", 500),
    Column("description", _("说明"), False, _("文字"), ""),
    Column("level", _("层级"), False, _("省级、市级、区县级、镇街级、村居级；填写权责事项时必填"), "区县级"),
    Column("organisation", _("主管机构"), False, _("机构编码或名称；与主管职能二者选其一"), ""),
    Column(
        "function",
        _("主管职能"),
        False,
        _("如 人民政府（办公室）、司法行政部门；与主管机构二者选其一"),
        "人民政府（办公室）",
    ),
    Column("department_keyword", _("部门名称关键词"), False, _("按职能查找部门时用于区分"), "", 40),
    Column("is_lead", _("牵头"), False, _("是 或 否（空白为是）"), "是"),
    Column(
        "legal_basis",
        _("法定依据"),
        False,
        _("法律、法规名称及条款；填写权责事项时必填"),
        "《保障农民工工资支付条例》第十条",
    ),
    Column("valid_from", _("生效日期"), False, _("日期，如 2025-01-01；填写权责事项时必填"), "2025-01-01"),
    Column("valid_to", _("失效日期"), False, _("日期；空白为长期有效"), ""),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.MATTERS: MATTER_COLUMNS,
    ImportKind.PETITIONERS: PETITIONER_COLUMNS,
    ImportKind.POWERLIST: POWERLIST_COLUMNS,
}

# Columns that hold a power-list entry: a row with all of them empty records the matter type only.
POWER_FIELDS = (
    "level",
    "organisation",
    "function",
    "department_keyword",
    "is_lead",
    "legal_basis",
    "valid_from",
    "valid_to",
)


def column_map(kind: str) -> dict[str, Column]:
    return {column.name: column for column in COLUMNS[kind]}
