"""The fixed tables of the demo district, modelled on the structure of Guangzhou's Nansha district.

Everything here is synthetic and written for the project: the district, town and street names are
the real place names (public knowledge), but every village and community name is generated from
syllables, every person is fictional, every address uses invented roads, and every telephone
number is fake by construction (020-0000-xxxx cannot exist: Guangzhou local numbers never start
with 0; mobiles are 1380000xxxx). Nothing here describes a real office, person or telephone.
"""

# ruff: noqa: E501 - the department tables keep one row a line

from __future__ import annotations

from typing import NamedTuple

from xinfang.orgs.models import Function, Kind

# The one documented password of every demo login. DEMO ONLY: docs/demo.md.
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - a published demo password, never a real one

# The seed of every generated name: the demo is the same on every machine and every run.
DEMO_SEED = 20240223  # the day the Nansha article was published

DISTRICT_CODE = "440115"
PROVINCE_CODE = "440000"
CITY_CODE = "440100"

# Opening hours of reception points, in Chinese and in English.
OFFICE_HOURS = "周一至周五 9:00-12:00，14:00-17:30（法定节假日除外）"
MEDIATION_HOURS = "周一至周六 9:00-17:00（法定节假日除外）"
OFFICE_HOURS_EN = "Monday to Friday 9:00-12:00 and 14:00-17:30 (except public holidays)"
MEDIATION_HOURS_EN = "Monday to Saturday 9:00-17:00 (except public holidays)"
HOURS_EN = {OFFICE_HOURS: OFFICE_HOURS_EN, MEDIATION_HOURS: MEDIATION_HOURS_EN}

# How English addresses name the district ("1/F" is the ground floor, 一楼, as written in Guangdong).
DISTRICT_EN = "Nansha District, Guangzhou"

# The audit action the loader records once per load that wrote something; with the district code it
# marks a database as holding the demo (see loader._check_database).
DEMO_AUDIT_ACTION = "demo.load"


class DepartmentRow(NamedTuple):
    """One department: code suffix (joined to the parent area's code), full name, short name,
    English name and function."""

    abbr: str
    name: str
    short_name: str
    name_en: str
    function: str


F = Function

# The department tables read best one row a line.
# fmt: off
PROVINCE_DEPARTMENTS: tuple[DepartmentRow, ...] = (
    DepartmentRow("ZFB", "广东省人民政府办公厅", "省政府办公厅", "General Office of the Guangdong Provincial Government", F.GOVERNMENT),
    DepartmentRow("XFJ", "广东省信访局", "省信访局", "Guangdong Provincial Petition Bureau", F.PETITION_BUREAU),
    DepartmentRow("ZJT", "广东省住房和城乡建设厅", "省住建厅", "Guangdong Department of Housing and Urban-Rural Development", F.FUNCTIONAL),
    DepartmentRow("RST", "广东省人力资源和社会保障厅", "省人社厅", "Guangdong Department of Human Resources and Social Security", F.FUNCTIONAL),
    DepartmentRow("ZRT", "广东省自然资源厅", "省自然资源厅", "Guangdong Department of Natural Resources", F.FUNCTIONAL),
    DepartmentRow("GY", "广东省高级人民法院", "省高院", "Guangdong High People's Court", F.COURT),
    DepartmentRow("JCY", "广东省人民检察院", "省检察院", "Guangdong Provincial People's Procuratorate", F.PROCURATORATE),
)

CITY_DEPARTMENTS: tuple[DepartmentRow, ...] = (
    DepartmentRow("ZFB", "广州市人民政府办公厅", "市政府办公厅", "General Office of the Guangzhou Municipal Government", F.GOVERNMENT),
    DepartmentRow("XFJ", "广州市信访局", "市信访局", "Guangzhou Municipal Petition Bureau", F.PETITION_BUREAU),
    DepartmentRow("ZFW", "中共广州市委政法委员会", "市委政法委", "Guangzhou Political and Legal Affairs Commission", F.POLITICAL_LEGAL),
    DepartmentRow("ZY", "广州市中级人民法院", "市中院", "Guangzhou Intermediate People's Court", F.COURT),
    DepartmentRow("JCY", "广州市人民检察院", "市检察院", "Guangzhou Municipal People's Procuratorate", F.PROCURATORATE),
    DepartmentRow("JW", "广州市纪委监委", "市纪委监委", "Guangzhou Commission for Discipline Inspection and Supervision", F.DISCIPLINE),
    DepartmentRow("GAJ", "广州市公安局", "市公安局", "Guangzhou Public Security Bureau", F.POLICE),
    DepartmentRow("SFJ", "广州市司法局", "市司法局", "Guangzhou Justice Bureau", F.JUSTICE),
    DepartmentRow("RX", "广州市12345政府服务热线", "市12345热线", "Guangzhou 12345 Government Service Hotline", F.HOTLINE),
    DepartmentRow("ZJJ", "广州市住房和城乡建设局", "市住建局", "Guangzhou Housing and Urban-Rural Development Bureau", F.FUNCTIONAL),
    DepartmentRow("RSJ", "广州市人力资源和社会保障局", "市人社局", "Guangzhou Human Resources and Social Security Bureau", F.FUNCTIONAL),
    DepartmentRow("GZJ", "广州市规划和自然资源局", "市规划和自然资源局", "Guangzhou Planning and Natural Resources Bureau", F.FUNCTIONAL),
    DepartmentRow("HBJ", "广州市生态环境局", "市生态环境局", "Guangzhou Ecology and Environment Bureau", F.FUNCTIONAL),
    DepartmentRow("SJJ", "广州市市场监督管理局", "市市场监管局", "Guangzhou Market Regulation Administration", F.FUNCTIONAL),
)

# The district's departments: the party and state bodies petition work routes to by function
# (XF-TRI-02), then the functional bureaus the power list routes to by matter type.
DISTRICT_DEPARTMENTS: tuple[DepartmentRow, ...] = (
    DepartmentRow("QW", "中共广州市南沙区委员会办公室", "区委办", "Office of the Nansha District Party Committee", F.PARTY_COMMITTEE),
    DepartmentRow("ZFB", "广州市南沙区人民政府办公室", "区政府办", "Nansha District Government Office", F.GOVERNMENT),
    DepartmentRow("XFJ", "广州市南沙区信访局", "区信访局", "Nansha District Petition Bureau", F.PETITION_BUREAU),
    DepartmentRow("ZFW", "中共广州市南沙区委政法委员会", "区委政法委", "Nansha Political and Legal Affairs Commission", F.POLITICAL_LEGAL),
    DepartmentRow("GAJ", "广州市公安局南沙区分局", "区公安分局", "Nansha Branch, Guangzhou Public Security Bureau", F.POLICE),
    DepartmentRow("JCY", "广州市南沙区人民检察院", "区检察院", "Nansha District People's Procuratorate", F.PROCURATORATE),
    DepartmentRow("FY", "广州市南沙区人民法院", "区法院", "Nansha District People's Court", F.COURT),
    DepartmentRow("SFJ", "广州市南沙区司法局", "区司法局", "Nansha District Justice Bureau", F.JUSTICE),
    DepartmentRow("JW", "广州市南沙区纪委监委", "区纪委监委", "Nansha Commission for Discipline Inspection and Supervision", F.DISCIPLINE),
    DepartmentRow("RD", "广州市南沙区人大常委会", "区人大常委会", "Standing Committee of the Nansha District People's Congress", F.CONGRESS),
    DepartmentRow("ZX", "政协广州市南沙区委员会", "区政协", "Nansha District Committee of the CPPCC", F.CPPCC),
    DepartmentRow("ZZB", "中共广州市南沙区委组织部", "区委组织部", "Organisation Department of the Nansha District Party Committee", F.ORGANISATION_DEPT),
    DepartmentRow("ZZZX", "广州市南沙区综治中心", "区综治中心", "Nansha Comprehensive Governance Centre", F.GOVERNANCE_CENTRE),
    DepartmentRow("RX", "广州市南沙区12345政府服务热线", "区12345热线", "Nansha 12345 Government Service Hotline", F.HOTLINE),
    DepartmentRow("TWH", "广州市南沙区人民调解委员会", "区人民调解委员会", "Nansha District People's Mediation Committee", F.MEDIATION),
    DepartmentRow("ZJJ", "广州市南沙区住房和城乡建设局", "区住建局", "Nansha Housing and Urban-Rural Development Bureau", F.FUNCTIONAL),
    DepartmentRow("RSJ", "广州市南沙区人力资源和社会保障局", "区人社局", "Nansha Human Resources and Social Security Bureau", F.FUNCTIONAL),
    DepartmentRow("GZJ", "广州市规划和自然资源局南沙区分局", "区规划和自然资源分局", "Nansha Branch, Planning and Natural Resources Bureau", F.FUNCTIONAL),
    DepartmentRow("HBJ", "广州市生态环境局南沙分局", "区生态环境分局", "Nansha Branch, Ecology and Environment Bureau", F.FUNCTIONAL),
    DepartmentRow("JTJ", "广州市南沙区交通运输局", "区交通局", "Nansha Transport Bureau", F.FUNCTIONAL),
    DepartmentRow("WJJ", "广州市南沙区卫生健康局", "区卫健局", "Nansha Health Bureau", F.FUNCTIONAL),
    DepartmentRow("JYJ", "广州市南沙区教育局", "区教育局", "Nansha Education Bureau", F.FUNCTIONAL),
    DepartmentRow("MZJ", "广州市南沙区民政局", "区民政局", "Nansha Civil Affairs Bureau", F.FUNCTIONAL),
    DepartmentRow("SJJ", "广州市南沙区市场监督管理局", "区市场监管局", "Nansha Market Regulation Administration", F.FUNCTIONAL),
    DepartmentRow("CGJ", "广州市南沙区城市管理和综合执法局", "区城管执法局", "Nansha Urban Management and Law Enforcement Bureau", F.FUNCTIONAL),
    DepartmentRow("NYJ", "广州市南沙区农业农村局", "区农业农村局", "Nansha Agriculture and Rural Affairs Bureau", F.FUNCTIONAL),
    DepartmentRow("SWJ", "广州市南沙区水务局", "区水务局", "Nansha Water Affairs Bureau", F.FUNCTIONAL),
    DepartmentRow("YJJ", "广州市南沙区应急管理局", "区应急管理局", "Nansha Emergency Management Bureau", F.FUNCTIONAL),
    DepartmentRow("TYJ", "广州市南沙区退役军人事务局", "区退役军人事务局", "Nansha Veterans Affairs Bureau", F.FUNCTIONAL),
    DepartmentRow("YBJ", "广州市南沙区医疗保障局", "区医保局", "Nansha Healthcare Security Bureau", F.FUNCTIONAL),
    DepartmentRow("SWU", "国家税务总局广州市南沙区税务局", "区税务局", "Nansha Tax Bureau", F.FUNCTIONAL),
    DepartmentRow("WGLT", "广州市南沙区文化广电旅游体育局", "区文广旅体局", "Nansha Culture, Radio, Television, Tourism and Sports Bureau", F.FUNCTIONAL),
    DepartmentRow("SWUJ", "广州市南沙区商务局", "区商务局", "Nansha Commerce Bureau", F.FUNCTIONAL),
    DepartmentRow("FGJ", "广州市南沙区发展和改革局", "区发改局", "Nansha Development and Reform Bureau", F.FUNCTIONAL),
    DepartmentRow("CZJ", "广州市南沙区财政局", "区财政局", "Nansha Finance Bureau", F.FUNCTIONAL),
    DepartmentRow("TJJ", "广州市南沙区统计局", "区统计局", "Nansha Statistics Bureau", F.FUNCTIONAL),
    DepartmentRow("GHJ", "广州市南沙区港航局", "区港航局", "Nansha Port and Shipping Bureau", F.FUNCTIONAL),
    DepartmentRow("XFJY", "广州市南沙区消防救援大队", "区消防救援大队", "Nansha Fire and Rescue Brigade", F.FUNCTIONAL),
    DepartmentRow("GXJ", "广州市南沙区工业和信息化局", "区工信局", "Nansha Industry and Information Technology Bureau", F.FUNCTIONAL),
    DepartmentRow("ZSJ", "广州市南沙区政务服务和数据管理局", "区政务数据局", "Nansha Government Services and Data Administration", F.FUNCTIONAL),
)

# Reception points of district departments: department code suffix, name, address, hours, then the
# English name, address and hours. The "和谐南沙" named mediation points number 15 as in the article:
# 3 here, 9 in towns, 3 in villages.
_HALL_EN = "1/F, District Administrative Service Centre, 1 Zhengwu Road, Nansha District, Guangzhou"
DISTRICT_RECEPTION_POINTS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("XFJ", "南沙区信访局接待大厅", "广州市南沙区政务路1号区行政服务中心一楼", OFFICE_HOURS,
     "Reception Hall of the Nansha District Petition Bureau", _HALL_EN, OFFICE_HOURS_EN),
    ("XFJ", "南沙区领导接访室", "广州市南沙区政务路1号区行政服务中心一楼东侧", "每周三 9:00-12:00（区领导轮值接访）",
     "Nansha District Leaders' Reception Room", f"East side, {_HALL_EN}", "Wednesdays 9:00-12:00 (district leaders receive visitors in turn)"),
    ("ZZZX", "南沙区综治中心矛盾纠纷调处大厅", "广州市南沙区政务路3号", OFFICE_HOURS,
     "Dispute Resolution Hall of the Nansha Comprehensive Governance Centre", "3 Zhengwu Road, Nansha District, Guangzhou", OFFICE_HOURS_EN),
    ("FY", "南沙区法院诉讼服务中心涉诉信访窗口", "广州市南沙区法治路8号", OFFICE_HOURS,
     "Litigation-related Petitions Window, Litigation Service Centre of the Nansha District People's Court", "8 Fazhi Road, Nansha District, Guangzhou", OFFICE_HOURS_EN),
    ("JCY", "南沙区检察院12309检察服务中心", "广州市南沙区法治路12号", OFFICE_HOURS,
     "12309 Procuratorial Service Centre of the Nansha District People's Procuratorate", "12 Fazhi Road, Nansha District, Guangzhou", OFFICE_HOURS_EN),
    ("TWH", "和谐南沙调解点（区信访局接待大厅驻点）", "广州市南沙区政务路1号区行政服务中心一楼", OFFICE_HOURS,
     "Harmonious Nansha Mediation Point (Petition Bureau Reception Hall)", _HALL_EN, OFFICE_HOURS_EN),
    ("TWH", "和谐南沙调解点（区综治中心）", "广州市南沙区政务路3号", OFFICE_HOURS,
     "Harmonious Nansha Mediation Point (Comprehensive Governance Centre)", "3 Zhengwu Road, Nansha District, Guangzhou", OFFICE_HOURS_EN),
    ("TWH", "和谐南沙调解点（区公共法律服务中心）", "广州市南沙区政务路5号", MEDIATION_HOURS,
     "Harmonious Nansha Mediation Point (Public Legal Service Centre)", "5 Zhengwu Road, Nansha District, Guangzhou", MEDIATION_HOURS_EN),
)
# fmt: on

# District departments whose staff handle matters (a unit head and handling officers each). The
# petition bureau, the people's congress, the CPPCC and the mediation committee have their own staff.
NON_HANDLING_DISTRICT_DEPARTMENTS = frozenset({"XFJ", "RD", "ZX", "TWH"})


class TownRow(NamedTuple):
    """A town or street: code suffix for logins, name, kind, division code, how many villages and
    communities it has, English name, and the invented road its offices are on (in Chinese and in
    English)."""

    slug: str
    name: str
    kind: str
    division_code: str
    villages: int
    communities: int
    name_en: str
    road: str
    road_en: str


# Streets first, then towns, in division-code order; 150 villages and communities in all.
TOWNS: tuple[TownRow, ...] = (
    TownRow("nansha", "南沙街道", Kind.STREET, "440115001", 3, 11, "Nansha Subdistrict", "和谐路", "Hexie Road"),
    TownRow("zhujiang", "珠江街道", Kind.STREET, "440115002", 4, 8, "Zhujiang Subdistrict", "法治路", "Fazhi Road"),
    TownRow("longxue", "龙穴街道", Kind.STREET, "440115003", 2, 8, "Longxue Subdistrict", "安澜路", "Anlan Road"),
    TownRow("wanqingsha", "万顷沙镇", Kind.TOWN, "440115100", 18, 3, "Wanqingsha Town", "丰收路", "Fengshou Road"),
    TownRow("hengli", "横沥镇", Kind.TOWN, "440115101", 11, 3, "Hengli Town", "平安路", "Ping'an Road"),
    TownRow("huangge", "黄阁镇", Kind.TOWN, "440115102", 12, 4, "Huangge Town", "团结路", "Tuanjie Road"),
    TownRow("dongchong", "东涌镇", Kind.TOWN, "440115103", 19, 4, "Dongchong Town", "惠民路", "Huimin Road"),
    TownRow("dagang", "大岗镇", Kind.TOWN, "440115104", 19, 3, "Dagang Town", "兴业路", "Xingye Road"),
    TownRow("lanhe", "榄核镇", Kind.TOWN, "440115105", 16, 2, "Lanhe Town", "友爱路", "You'ai Road"),
)

# Departments of every town and street; the name is the town's name followed by the suffix.
TOWN_DEPARTMENTS: tuple[DepartmentRow, ...] = (
    DepartmentRow("DZB", "党政综合办公室", "党政办", "Party and Government Office", F.GOVERNMENT),
    DepartmentRow("ZZZX", "综治中心", "综治中心", "Comprehensive Governance Centre", F.GOVERNANCE_CENTRE),
    DepartmentRow("XFB", "信访办公室", "信访办", "Petition Office", F.PETITION_BUREAU),
    DepartmentRow("SFS", "司法所", "司法所", "Justice Office", F.JUSTICE),
    DepartmentRow("PCS", "派出所", "派出所", "Police Station", F.POLICE),
    DepartmentRow("TWH", "人民调解委员会", "调委会", "People's Mediation Committee", F.MEDIATION),
    DepartmentRow("SWB", "社会事务办公室", "社会事务办", "Social Affairs Office", F.FUNCTIONAL),
    DepartmentRow("GJB", "规划建设办公室", "规划建设办", "Planning and Construction Office", F.FUNCTIONAL),
)

# Town departments with a unit head and a handling officer each (the petition office, the mediation
# committee have their own staff).
TOWN_HANDLING_DEPARTMENTS = ("DZB", "ZZZX", "SFS", "PCS", "SWB", "GJB")

# The towns whose first village committee hosts a "和谐南沙" mediation point (3 + 9 + 3 = 15 points).
HARMONY_VILLAGE_TOWNS = frozenset({"wanqingsha", "hengli", "huangge"})

# Syllables for village and community names (two characters, never a repeated character).
VILLAGE_FIRST = "新东西南北大上下沙海福安兴隆庆合和永丰义鱼莲金银石龙凤鹤围乌塘洪官同太江岭华乐明"
VILLAGE_SECOND = "沙涌围基头尾湾洲坦滘口岗塘堡埔田联隆兴安丰利裕胜坑墩洋环庄益盛和"

# The syllables in pinyin, for the English names of villages and communities ("新沙村" → "Xinsha
# Village"). Place-name readings: 涌 chong, 滘 jiao, 埔 pu, 堡 bao.
SYLLABLES_EN = {
    "新": "xin",
    "东": "dong",
    "西": "xi",
    "南": "nan",
    "北": "bei",
    "大": "da",
    "上": "shang",
    "下": "xia",
    "沙": "sha",
    "海": "hai",
    "福": "fu",
    "安": "an",
    "兴": "xing",
    "隆": "long",
    "庆": "qing",
    "合": "he",
    "和": "he",
    "永": "yong",
    "丰": "feng",
    "义": "yi",
    "鱼": "yu",
    "莲": "lian",
    "金": "jin",
    "银": "yin",
    "石": "shi",
    "龙": "long",
    "凤": "feng",
    "鹤": "he",
    "围": "wei",
    "乌": "wu",
    "塘": "tang",
    "洪": "hong",
    "官": "guan",
    "同": "tong",
    "太": "tai",
    "江": "jiang",
    "岭": "ling",
    "华": "hua",
    "乐": "le",
    "明": "ming",
    "涌": "chong",
    "基": "ji",
    "头": "tou",
    "尾": "wei",
    "湾": "wan",
    "洲": "zhou",
    "坦": "tan",
    "滘": "jiao",
    "口": "kou",
    "岗": "gang",
    "堡": "bao",
    "埔": "pu",
    "田": "tian",
    "联": "lian",
    "利": "li",
    "裕": "yu",
    "胜": "sheng",
    "坑": "keng",
    "墩": "dun",
    "洋": "yang",
    "环": "huan",
    "庄": "zhuang",
    "益": "yi",
    "盛": "sheng",
}


def place_name_en(name: str) -> str:
    """A generated two-character place name in pinyin: "新沙" → "Xinsha", "西安" → "Xi'an" (an
    apostrophe before a syllable that starts with a vowel)."""
    syllables = [SYLLABLES_EN[ch] for ch in name]
    text = syllables[0]
    for syllable in syllables[1:]:
        text += f"'{syllable}" if syllable[0] in "aeo" else syllable
    return text.capitalize()


# Grids per village or community (inclusive range).
GRIDS_PER_VILLAGE = (2, 5)

# Fictional people: common surnames of the Pearl River delta and given-name characters.
SURNAMES = "陈李黄梁何罗张林吴郭冯麦谭邓刘周叶潘杨钟苏郑区卢曾胡余莫朱"
GIVEN_NAMES = (  # noqa: SIM905 - a space-separated list reads better than 55 quoted items
    "志强 伟明 家豪 嘉欣 晓琳 俊杰 慧敏 子轩 文静 国华 建明 少芬 秀英 丽华 锦荣 永康 淑仪 婉婷 浩然 振华 "
    "海燕 玉兰 美玲 德明 少华 伟强 颖欣 嘉怡 泽宇 家明 志伟 晓东 雪梅 春燕 国强 文杰 丽娟 洁仪 耀华 惠玲 "
    "敏 静 磊 军 勇 涛 斌 琳 峰 辉 燕 雯 锋 芳 鹏"
).split()
