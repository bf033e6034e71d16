"""Does a problem belong to another channel? (issue 5 item 1; regulations §4, 条例 Arts. 22(2),
28(2), 31(1)-(5); XF-LEG-01.)

A small, explainable table: each rule names the legal channel, the handling tracks of the
classified-handling list it corresponds to (`HandlingTrack` codes: their names, receiving bodies
and the petitioner's time limits are shown from the data staff maintain), the person's own answer
to "what kind of problem is it" that points to it, the words in the text that point to it, and the
power-list matter types (`powerlist.MatterType` codes, matched on their own keywords) that point
to it. A match is shown with why it was made (the answer, the words, the matter type). It only
informs: the person may still submit, and the petition bureau decides (XF-TRI-02)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import opencc
from django.db.models.query import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinfang.petitions.models import HandlingTrack
from xinfang.powerlist.models import MatterType
from xinfang.powerlist.routing import matter_type_suggest

# "What kind of problem is it?" — the person's own answer (the first is the default).
PROBLEM_KINDS: tuple[tuple[str, Promise], ...] = (
    ("general", _("向政府部门反映问题、提出诉求")),
    ("suggestion", _("提出意见建议")),
    ("court", _("与法院的判决、裁定、诉讼或执行有关")),
    ("labour", _("与用人单位的劳动争议（解除合同、补偿、加班费等）")),
    ("admin_decision", _("不服行政机关作出的处罚或其他决定")),
    ("contract", _("合同或商事纠纷（合同约定了仲裁）")),
    ("official", _("检举控告党员、公职人员违纪违法")),
    ("neighbour", _("邻里、家庭、物业等民间纠纷")),
    ("unsure", _("不确定")),
)
PROBLEM_KIND_VALUES = frozenset(value for value, _label in PROBLEM_KINDS)


@dataclass(frozen=True)
class ChannelRule:
    code: str
    title: Promise
    guidance: Promise  # plain language: where to go, by when, and what petitioning does not change
    track_codes: tuple[str, ...]
    problem_kinds: tuple[str, ...]
    keywords: tuple[str, ...]  # simplified Chinese (traditional input is converted before matching)
    matter_types: tuple[str, ...] = ()
    exclusive: bool = True  # the law sends the matter there (False: another way that may also help)


RULES: tuple[ChannelRule, ...] = (
    ChannelRule(
        code="litigation",
        title=_("法院诉讼、执行和检察监督"),
        guidance=_(
            "已经由法院判决、裁定，正在诉讼、执行，或者依法应当通过诉讼解决的问题，应当向人民法院提出；"
            "对法院的生效裁判或执行活动有意见的，可以向人民检察院申请法律监督。信访部门不能改变法院的裁判（诉访分离）。"
            "对判决不服的，一般应在收到判决书之日起15日内上诉（裁定为10日）；判决生效后6个月内可以申请再审；"
            "申请强制执行的期限为2年。提出信访不会让这些期限停止计算。"
        ),
        track_codes=("litigation", "procuratorial"),
        problem_kinds=("court",),
        keywords=(
            "判决",
            "裁定书",
            "法院",
            "起诉",
            "诉讼",
            "上诉",
            "再审",
            "强制执行",
            "申请执行",
            "执行款",
            "执行局",
            "官司",
            "开庭",
            "检察院",
        ),
        matter_types=("LITIGATION",),
    ),
    ChannelRule(
        code="labour_arbitration",
        title=_("劳动人事争议仲裁"),
        guidance=_(
            "与用人单位之间的劳动争议（解除或终止劳动合同、经济补偿、加班费、工伤待遇等），"
            "可以向劳动人事争议仲裁委员会申请仲裁，一般应在知道权利被侵害之日起1年内提出；"
            "也可以先向企业、镇街的劳动争议调解组织申请调解。被拖欠工资的，还可以向人力资源社会保障部门投诉。"
        ),
        track_codes=("labour_arbitration",),
        problem_kinds=("labour",),
        keywords=(
            "劳动合同",
            "劳动仲裁",
            "解除合同",
            "辞退",
            "开除",
            "经济补偿",
            "赔偿金",
            "加班费",
            "试用期",
            "工伤待遇",
        ),
        matter_types=("LABOUR-CONTRACT",),
    ),
    ChannelRule(
        code="admin_reconsideration",
        title=_("行政复议和行政诉讼"),
        guidance=_(
            "对行政机关作出的罚款、吊销证照、不予许可、强制措施等决定不服的，可以自知道该决定之日起60日内"
            "申请行政复议，或者自知道之日起6个月内向人民法院提起行政诉讼。决定书上一般写明了复议机关和期限。"
            "提出信访不会让这些期限停止计算，请尽早申请。"
        ),
        track_codes=("admin_reconsideration",),
        problem_kinds=("admin_decision",),
        keywords=(
            "行政处罚",
            "处罚决定",
            "罚款",
            "吊销",
            "不予许可",
            "行政许可",
            "行政复议",
            "行政强制",
            "没收",
            "行政拘留",
        ),
    ),
    ChannelRule(
        code="arbitration",
        title=_("仲裁"),
        guidance=_(
            "合同中约定了仲裁的纠纷，应当向约定的仲裁委员会申请仲裁，法院和信访部门一般不再处理；"
            "没有约定仲裁的民事纠纷，可以向人民法院起诉，诉讼时效一般为3年。"
        ),
        track_codes=("arbitration",),
        problem_kinds=("contract",),
        keywords=("仲裁条款", "仲裁协议", "仲裁委员会", "仲裁裁决"),
    ),
    ChannelRule(
        code="discipline",
        title=_("纪检监察机关（检举控告）"),
        guidance=_(
            "检举控告党员、公职人员违纪违法（如贪污受贿、滥用职权、吃拿卡要），由纪检监察机关依规依纪依法处理，"
            "可以拨打12388举报电话、登录纪检监察举报网站，或者来信来访提出。您在这里提交的，"
            "信访部门会依法转送纪检监察机关，并对您的信息严格保密。"
        ),
        track_codes=("report", "party_appeal"),
        problem_kinds=("official",),
        keywords=("贪污", "受贿", "行贿", "腐败", "违纪", "吃拿卡要", "公款", "以权谋私", "滥用职权"),
        matter_types=("OFFICIAL-MISCONDUCT",),
    ),
    ChannelRule(
        code="mediation",
        title=_("人民调解"),
        guidance=_(
            "邻里、家庭、物业等民间纠纷，可以向村（社区）、镇街的人民调解委员会申请调解，调解不收费；"
            "达成的调解协议可以在30日内共同向法院申请司法确认。"
        ),
        track_codes=("people_mediation",),
        problem_kinds=("neighbour",),
        keywords=("邻居", "邻里", "家庭纠纷", "婚姻", "赡养", "抚养", "继承"),
        matter_types=("NEIGHBOUR-DISPUTE",),
        exclusive=False,
    ),
)


@dataclass
class ChannelMatch:
    """A rule that applies, and why: the person's answer, the words found, the matter types."""

    rule: ChannelRule
    chosen: bool = False
    words: list[str] = field(default_factory=list)
    matter_types: list[MatterType] = field(default_factory=list)
    tracks: list[HandlingTrack] = field(default_factory=list)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def channel_matches(*, text: str, problem_kind: str = "") -> list[ChannelMatch]:
    """The rules that apply to a problem described by `text` and the person's `problem_kind`,
    those the law sends elsewhere first. Two queries (matter types, tracks) whatever the text."""
    simplified = str(_t2s().convert(text or ""))
    suggested = [s.matter_type for s in matter_type_suggest(text=simplified, limit=5)] if simplified.strip() else []
    matches: list[ChannelMatch] = []
    for rule in RULES:
        match = ChannelMatch(
            rule=rule,
            chosen=problem_kind in rule.problem_kinds,
            words=[word for word in rule.keywords if word in simplified],
            matter_types=[mt for mt in suggested if mt.code in rule.matter_types],
        )
        if match.chosen or match.words or match.matter_types:
            matches.append(match)
    if matches:
        wanted = {code for m in matches for code in m.rule.track_codes}
        tracks: QuerySet[HandlingTrack] = HandlingTrack.objects.filter(code__in=wanted, is_active=True)
        by_code = {t.code: t for t in tracks}
        for match in matches:
            match.tracks = [by_code[c] for c in match.rule.track_codes if c in by_code]
    matches.sort(key=lambda m: (not m.rule.exclusive, not m.chosen))
    return matches
