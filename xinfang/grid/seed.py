"""The default dispute categories and due times, shared by the data migration and the tests (a
transactional test's flush removes seeded rows; tests call `categories_seed` to put them back).

The due times are the district's own configuration, not law: no regulation sets a period for grid
events. Defaults: a village (community) has 5 working days, a town (street) 10, the district 15;
wage arrears, which threaten livelihoods, go faster (3 / 5 / 10)."""

from __future__ import annotations

from typing import Any

# code, name, English name, keywords
DEFAULT_CATEGORIES: list[tuple[str, str, str, str]] = [
    (
        "marriage_family",
        "婚姻家庭",
        "Marriage and family",
        "离婚,婚姻,夫妻,家暴,家庭暴力,抚养,赡养,彩礼,分居,婆媳,子女抚养,继承,遗产,老人",
    ),
    (
        "neighbour",
        "邻里纠纷",
        "Neighbour disputes",
        "邻居,邻里,楼上,楼下,漏水,占道,宅基地界,围墙,通道,采光,堆放杂物,吵架",
    ),
    (
        "labour",
        "劳动人事",
        "Labour and personnel",
        "劳动合同,辞退,解除合同,社保,工伤,加班,工资待遇,劳动仲裁,试用期,经济补偿,用人单位,员工",
    ),
    (
        "property_management",
        "物业管理",
        "Property management",
        "物业,物业费,业主,业委会,停车位,电梯,小区,维修基金,保安,门禁,绿化",
    ),
    (
        "land_housing",
        "土地房屋",
        "Land and housing",
        "土地,征地,拆迁,宅基地,房屋,补偿款,承包地,确权,违建,安置,租赁,房租",
    ),
    ("contract_debt", "合同债务", "Contracts and debts", "借款,欠款,借条,债务,合同,违约,货款,还钱,担保,工程款,定金"),
    ("wage_arrears", "欠薪", "Wage arrears", "欠薪,拖欠工资,讨薪,工资,农民工,包工头,欠发,工钱,结算工资"),
    ("consumer", "消费", "Consumer disputes", "消费,退款,退货,商家,假货,质量问题,预付卡,会员卡,维权,售后,商品"),
    (
        "traffic_accident",
        "交通事故",
        "Traffic accidents",
        "交通事故,车祸,撞车,追尾,电动车,摩托车,肇事,剐蹭,交警,保险理赔",
    ),
    ("medical", "医疗", "Medical disputes", "医疗,医院,医生,手术,医疗事故,误诊,诊所,药品,病人,护士"),
    (
        "environment_nuisance",
        "环境与噪声扰民",
        "Environment and nuisance",
        "噪音,噪声,扰民,污染,异味,油烟,排污,垃圾,粉尘,施工噪音,广场舞,臭味",
    ),
]

# level -> (period, unit); wage arrears are faster.
DEFAULT_DUES: dict[str, tuple[int, str]] = {
    "village": (5, "working"),
    "town": (10, "working"),
    "district": (15, "working"),
}
FAST_DUES: dict[str, tuple[int, str]] = {"village": (3, "working"), "town": (5, "working"), "district": (10, "working")}
FAST_CATEGORIES = frozenset({"wage_arrears"})


def categories_seed(category_model: Any, due_model: Any) -> None:
    """Create the default categories and their due times where missing (idempotent); existing rows,
    which the district may have edited, are left as they are."""
    for sort, (code, name, name_en, keywords) in enumerate(DEFAULT_CATEGORIES, start=1):
        category, _created = category_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "keywords": "\n".join(keywords.split(",")),
                "sort": sort * 10,
                "is_active": True,
            },
        )
        dues = FAST_DUES if code in FAST_CATEGORIES else DEFAULT_DUES
        for level, (period, unit) in dues.items():
            due_model.objects.get_or_create(category=category, level=level, defaults={"period": period, "unit": unit})
