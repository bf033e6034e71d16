"""Demo power list for the demo district (modelled on Nansha): matter types with keywords, who is
competent at district and town level (by function and name keyword, so one entry serves every
town: 属地管理、分级负责), the legal basis, and one decision of the joint conference.

Illustrative data, not an official 权责清单: the laws cited exist, article numbers are given only
where the article is the one that assigns the duty. Loaded through the services (validated and
audited); idempotent: what is already there is left alone."""

# ruff: noqa: E501 - the tables keep one row a line

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from xinfang.core.actors import SYSTEM
from xinfang.orgs.demo.data import DISTRICT_CODE
from xinfang.orgs.models import Function, Kind, Level, Organisation

from .models import JurisdictionDecision, MatterType, Power
from .services import jurisdiction_dispute_decide, matter_type_create, power_add

# The day the demo list took effect (the district's list for the year).
DEMO_VALID_FROM = datetime.date(2026, 1, 1)


class DemoPowerlistRefusedError(Exception):
    """The demo district is not there: the demo power list names its departments."""


class MatterTypeRow(NamedTuple):
    code: str
    name: str
    name_en: str
    keywords: str
    description: str = ""


class PowerRow(NamedTuple):
    """One entry: matter type code, level, function, department name keyword, lead?, legal basis."""

    matter_type: str
    level: int
    function: str
    keyword: str
    is_lead: bool
    legal_basis: str


F = Function
D, T = Level.DISTRICT, Level.TOWNSHIP
FN = F.FUNCTIONAL
LEAD, CO = True, False

# fmt: off
MATTER_TYPES: tuple[MatterTypeRow, ...] = (
    MatterTypeRow("WAGE-ARREARS", "拖欠工资", "Wage arrears", "拖欠工资 欠薪 讨薪 工资 工钱 克扣 农民工 包工头", "用人单位拖欠、克扣劳动者工资，含工程建设领域农民工工资。"),
    MatterTypeRow("LABOUR-CONTRACT", "劳动合同纠纷", "Labour contract disputes", "劳动合同 解除合同 辞退 开除 经济补偿 赔偿金 加班费 劳动仲裁 试用期"),
    MatterTypeRow("SOCIAL-INSURANCE", "社会保险", "Social insurance", "社保 社会保险 养老保险 失业保险 工伤保险 养老金 退休待遇 断缴 补缴"),
    MatterTypeRow("MEDICAL-INSURANCE", "医疗保障", "Medical insurance", "医保 医疗保险 报销 医保卡 异地就医 住院费用"),
    MatterTypeRow("HOUSING-QUALITY", "房屋质量与交付", "Housing quality and delivery", "房屋质量 漏水 开裂 渗水 交楼 延期交房 烂尾 商品房 开发商"),
    MatterTypeRow("PROPERTY-MGMT", "物业管理", "Property management", "物业 物业费 物业公司 业主委员会 业委会 业主大会 小区 维修资金 电梯 停车位"),
    MatterTypeRow("LAND-EXPROPRIATION", "征地拆迁补偿", "Land expropriation and demolition compensation", "征地 拆迁 征收 补偿款 安置房 回迁 拆迁款 补偿标准 青苗补偿"),
    MatterTypeRow("RURAL-LAND", "农村土地与集体经济", "Rural land and collective economy", "宅基地 集体土地 土地承包 承包地 分红 股份社 经济社 村集体 集体经济"),
    MatterTypeRow("ENV-POLLUTION", "环境污染", "Environmental pollution", "污染 排污 废气 废水 异味 臭味 偷排 粉尘 黑烟 固体废物"),
    MatterTypeRow("NOISE", "噪声扰民", "Noise nuisance", "噪声 噪音 扰民 施工噪声 夜间施工 广场舞 装修噪音"),
    MatterTypeRow("ILLEGAL-BUILDING", "违法建设", "Illegal construction", "违建 违章建筑 违法建设 违法搭建 加建 加层 抢建"),
    MatterTypeRow("URBAN-MGMT", "市容环境卫生", "City appearance and sanitation", "占道经营 乱摆卖 流动摊贩 市容 环境卫生 垃圾 户外广告 乱张贴"),
    MatterTypeRow("TRANSPORT", "交通运输", "Transport services", "公交 公交车 出租车 网约车 客运 班车 货运 道路破损 公路"),
    MatterTypeRow("ROAD-SAFETY", "道路交通安全", "Road traffic safety", "交通事故 违章停车 违停 超速 酒驾 红绿灯 交警 罚单"),
    MatterTypeRow("MEDICAL-DISPUTE", "医疗纠纷", "Medical disputes", "医疗纠纷 医疗事故 医院 误诊 医患 手术 诊所"),
    MatterTypeRow("EDUCATION", "教育", "Education", "学校 学位 入学 招生 幼儿园 教师 学费 校外培训 补课 校车"),
    MatterTypeRow("CONSUMER", "消费维权", "Consumer complaints", "消费 退款 退货 假货 售后 预付卡 会员卡 商家 虚假宣传"),
    MatterTypeRow("MARKET-REGULATION", "食品安全与经营监管", "Food safety and market regulation", "食品安全 无证经营 无照经营 餐馆 过期食品 药品 价格 缺斤短两"),
    MatterTypeRow("SOCIAL-ASSISTANCE", "民政救助", "Social assistance", "低保 最低生活保障 特困 临时救助 救助 困难家庭 残疾 孤儿 养老院 殡葬"),
    MatterTypeRow("VETERANS", "退役军人事务", "Veterans' affairs", "退役军人 退伍 转业 复员 优抚 军属 烈属 伤残军人"),
    MatterTypeRow("WATER", "供水排水与防洪", "Water supply, drainage and flooding", "供水 停水 水压 排水 水浸 内涝 河涌 堤围 水利 自来水"),
    MatterTypeRow("SAFETY-HAZARD", "安全生产与消防隐患", "Work safety and fire hazards", "安全隐患 消防 火灾 危险品 燃气 爆炸 坍塌 安全生产 消防通道"),
    MatterTypeRow("POLICE-CONDUCT", "公安民警执法问题", "Police conduct", "民警 警察 派出所 出警 不立案 执法不公 辅警"),
    MatterTypeRow("LITIGATION", "涉法涉诉（判决执行等）", "Litigation-related (judgment enforcement)", "判决 执行 法院 官司 诉讼 强制执行 裁定 上诉 执行款", "已经或者依法应当通过诉讼、仲裁、行政复议解决的，依法导入法定程序（诉访分离）。"),
    MatterTypeRow("OFFICIAL-MISCONDUCT", "干部违纪违法", "Misconduct of officials", "干部 贪污 受贿 腐败 违纪 作风 吃拿卡要 村干部 公款 不作为", "检举控告类：对被反映人严格保密。"),
    MatterTypeRow("NEIGHBOUR-DISPUTE", "邻里与家庭纠纷", "Neighbour and family disputes", "邻里 邻居 相邻 家庭纠纷 婚姻 赡养 抚养 继承"),
    MatterTypeRow("TAX", "税费", "Taxes and invoices", "发票 税务 个税 退税 纳税"),
    MatterTypeRow("GOV-SERVICE", "政务服务", "Government services", "办事难 审批 窗口 办证 营业执照 不动产登记 排队"),
)

POWERS: tuple[PowerRow, ...] = (
    PowerRow("WAGE-ARREARS", D, FN, "人力资源", LEAD, "《劳动保障监察条例》第十一条；《保障农民工工资支付条例》"),
    PowerRow("WAGE-ARREARS", D, FN, "住房", CO, "《保障农民工工资支付条例》（工程建设领域）"),
    PowerRow("WAGE-ARREARS", T, FN, "社会事务", LEAD, "《保障农民工工资支付条例》（镇街排查调处欠薪矛盾）"),
    PowerRow("LABOUR-CONTRACT", D, FN, "人力资源", LEAD, "《劳动合同法》第七十三条；《劳动争议调解仲裁法》"),
    PowerRow("LABOUR-CONTRACT", T, FN, "社会事务", CO, "《劳动争议调解仲裁法》第十条（乡镇、街道劳动争议调解组织）"),
    PowerRow("SOCIAL-INSURANCE", D, FN, "人力资源", LEAD, "《社会保险法》第七条"),
    PowerRow("MEDICAL-INSURANCE", D, FN, "医疗保障", LEAD, "《社会保险法》第七条；《医疗保障基金使用监督管理条例》"),
    PowerRow("HOUSING-QUALITY", D, FN, "住房", LEAD, "《建设工程质量管理条例》；《城市房地产开发经营管理条例》"),
    PowerRow("PROPERTY-MGMT", D, FN, "住房", LEAD, "《物业管理条例》第五条；《广东省物业管理条例》"),
    PowerRow("PROPERTY-MGMT", T, FN, "规划建设", LEAD, "《物业管理条例》第十条；《广东省物业管理条例》"),
    PowerRow("LAND-EXPROPRIATION", D, FN, "规划和自然资源", LEAD, "《土地管理法》第四十七条、第四十八条"),
    PowerRow("LAND-EXPROPRIATION", D, FN, "住房", CO, "《国有土地上房屋征收与补偿条例》第四条"),
    PowerRow("LAND-EXPROPRIATION", T, F.GOVERNMENT, "", CO, "《土地管理法》（镇街协助实施征收补偿安置）"),
    PowerRow("RURAL-LAND", D, FN, "农业农村", LEAD, "《农村土地承包法》；《土地管理法》第六十二条"),
    PowerRow("RURAL-LAND", T, F.GOVERNMENT, "", LEAD, "《农村土地承包经营纠纷调解仲裁法》；《村民委员会组织法》"),
    PowerRow("ENV-POLLUTION", D, FN, "生态环境", LEAD, "《环境保护法》第十条"),
    PowerRow("NOISE", D, FN, "生态环境", LEAD, "《噪声污染防治法》"),
    PowerRow("NOISE", D, FN, "住房", CO, "《噪声污染防治法》（建筑施工噪声）"),
    PowerRow("NOISE", D, F.POLICE, "", CO, "《噪声污染防治法》（社会生活噪声）；《治安管理处罚法》"),
    # Both listed as lead: the overlap the joint conference settled (see DECISION below).
    PowerRow("ILLEGAL-BUILDING", D, FN, "城市管理", LEAD, "《行政处罚法》第十八条（相对集中行政处罚权）；《城乡规划法》"),
    PowerRow("ILLEGAL-BUILDING", D, FN, "规划和自然资源", LEAD, "《城乡规划法》第六十四条"),
    PowerRow("URBAN-MGMT", D, FN, "城市管理", LEAD, "《城市市容和环境卫生管理条例》"),
    PowerRow("TRANSPORT", D, FN, "交通运输", LEAD, "《道路运输条例》；《公路法》"),
    PowerRow("ROAD-SAFETY", D, F.POLICE, "", LEAD, "《道路交通安全法》第五条"),
    PowerRow("MEDICAL-DISPUTE", D, FN, "卫生健康", LEAD, "《医疗纠纷预防和处理条例》"),
    PowerRow("MEDICAL-DISPUTE", D, F.JUSTICE, "", CO, "《人民调解法》（医疗纠纷人民调解）"),
    PowerRow("EDUCATION", D, FN, "教育", LEAD, "《义务教育法》第七条；《教育法》"),
    PowerRow("CONSUMER", D, FN, "市场监督", LEAD, "《消费者权益保护法》第三十二条；《市场监督管理投诉举报处理暂行办法》"),
    PowerRow("MARKET-REGULATION", D, FN, "市场监督", LEAD, "《食品安全法》第六条；《无证无照经营查处办法》"),
    PowerRow("SOCIAL-ASSISTANCE", D, FN, "民政", LEAD, "《社会救助暂行办法》"),
    PowerRow("SOCIAL-ASSISTANCE", T, FN, "社会事务", LEAD, "《社会救助暂行办法》（乡镇人民政府、街道办事处受理申请、调查审核）"),
    PowerRow("VETERANS", D, FN, "退役军人", LEAD, "《退役军人保障法》；《军人抚恤优待条例》"),
    PowerRow("VETERANS", T, FN, "社会事务", CO, "《退役军人保障法》（镇街退役军人服务站）"),
    PowerRow("WATER", D, FN, "水务", LEAD, "《水法》第十二条；《城镇排水与污水处理条例》"),
    PowerRow("SAFETY-HAZARD", D, FN, "应急管理", LEAD, "《安全生产法》"),
    PowerRow("SAFETY-HAZARD", D, FN, "消防", CO, "《消防法》"),
    PowerRow("SAFETY-HAZARD", T, F.GOVERNMENT, "", LEAD, "《安全生产法》（乡镇人民政府、街道办事处安全生产监督检查）"),
    PowerRow("POLICE-CONDUCT", D, F.POLICE, "", LEAD, "《人民警察法》；《公安机关督察条例》"),
    PowerRow("POLICE-CONDUCT", D, F.DISCIPLINE, "", CO, "《监察法》（公职人员涉嫌职务违法）"),
    PowerRow("LITIGATION", D, F.POLITICAL_LEGAL, "", LEAD, "《信访工作条例》第二十二条第二款、第三十一条（涉法涉诉事项依法按法定程序处理）"),
    PowerRow("LITIGATION", D, F.COURT, "", CO, "《民事诉讼法》（执行程序）"),
    PowerRow("OFFICIAL-MISCONDUCT", D, F.DISCIPLINE, "", LEAD, "《信访工作条例》第二十二条第二款、第三十条；《监察法》"),
    PowerRow("OFFICIAL-MISCONDUCT", D, F.ORGANISATION_DEPT, "", CO, "《信访工作条例》第三十条（反映干部问题的通报组织（人事）部门）"),
    PowerRow("NEIGHBOUR-DISPUTE", D, F.JUSTICE, "", LEAD, "《人民调解法》第五条"),
    PowerRow("NEIGHBOUR-DISPUTE", T, F.MEDIATION, "", LEAD, "《人民调解法》"),
    PowerRow("NEIGHBOUR-DISPUTE", T, F.JUSTICE, "", CO, "《人民调解法》（司法所指导人民调解）"),
    PowerRow("TAX", D, FN, "税务", LEAD, "《税收征收管理法》"),
    PowerRow("GOV-SERVICE", D, FN, "政务服务", LEAD, "《优化营商环境条例》；《行政许可法》"),
)
# fmt: on


class DecisionRow(NamedTuple):
    """The decision of the district's joint conference on one overlap, by department code suffix."""

    matter_type: str
    disputing: tuple[str, ...]
    competent: str
    decided_by: str
    decision_ref: str
    reason: str
    decided_on: datetime.date


DECISION = DecisionRow(
    matter_type="ILLEGAL-BUILDING",
    disputing=("CGJ", "GZJ"),
    competent="CGJ",
    decided_by="XFJ",
    decision_ref="南沙区信访工作联席会议纪要〔2026〕2号",
    reason=(
        "违法建设的查处已相对集中由城市管理综合执法部门行使，由区城市管理和综合执法局受理；"
        "规划和自然资源部门负责认定是否取得规划许可并配合查处。"
    ),
    decided_on=datetime.date(2026, 3, 12),
)


@dataclass
class DemoPowerlistResult:
    """What one run created, by kind."""

    created: Counter[str] = field(default_factory=Counter)

    @property
    def created_anything(self) -> bool:
        return any(self.created.values())


def _department(district: Organisation, code_suffix: str) -> Organisation:
    return Organisation.objects.get(code=f"{district.code}-{code_suffix}", kind=Kind.DEPARTMENT)


def demo_powerlist_load(*, actor: Any = SYSTEM) -> DemoPowerlistResult:
    """Load what is missing of the demo power list in one transaction (all or nothing).
    DemoPowerlistRefusedError when the demo district is not in the database."""
    district = Organisation.objects.filter(code=DISTRICT_CODE, kind=Kind.DISTRICT).first()
    if district is None:
        raise DemoPowerlistRefusedError(
            f"The demo district ({DISTRICT_CODE}) is not in the database; run `manage.py demo_district` first."
        )
    result = DemoPowerlistResult()
    with transaction.atomic():
        types = {t.code: t for t in MatterType.objects.filter(code__in=[row.code for row in MATTER_TYPES])}
        for order, row in enumerate(MATTER_TYPES, start=1):
            if row.code in types:
                continue
            types[row.code] = matter_type_create(
                actor=actor,
                code=row.code,
                name=row.name,
                name_en=row.name_en,
                keywords=row.keywords,
                description=row.description,
                sort_order=order * 10,
            )
            result.created["matter_type"] += 1
        existing = set(
            Power.objects.filter(matter_type__in=types.values(), organisation__isnull=True).values_list(
                "matter_type__code", "level", "function", "department_keyword"
            )
        )
        for p in POWERS:
            if (p.matter_type, p.level, p.function, p.keyword) in existing:
                continue
            power_add(
                actor=actor,
                matter_type=types[p.matter_type],
                level=p.level,
                function=p.function,
                department_keyword=p.keyword,
                is_lead=p.is_lead,
                legal_basis=p.legal_basis,
                valid_from=DEMO_VALID_FROM,
            )
            result.created["power"] += 1
        if not JurisdictionDecision.objects.filter(decision_ref=DECISION.decision_ref).exists():
            jurisdiction_dispute_decide(
                actor=actor,
                matter_type=types[DECISION.matter_type],
                area=district,
                disputing=[_department(district, code) for code in DECISION.disputing],
                competent=_department(district, DECISION.competent),
                decided_by=_department(district, DECISION.decided_by),
                decision_ref=DECISION.decision_ref,
                reason=DECISION.reason,
                decided_on=min(DECISION.decided_on, timezone.localdate()),
            )
            result.created["jurisdiction_decision"] += 1
    return result
