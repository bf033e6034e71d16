"""Reply checks (答复质量检查, issue 9 item 4; mission S1, XF-HDL-02 no 敷衍 or 拖延): a draft reply
(处理意见) is compared with the request it answers and flagged when it

- **irrelevant** (答非所问): shares too few of the request's content words (character bigrams of
  the request's head, boilerplate removed) and none of its named places;
- **incomplete** (漏答): leaves out questions or demands of the request (sentences with 吗 / 什么 /
  何时 / 是否 / 要求 / 希望 / 请 …): an item is covered when enough of its content bigrams are in the
  reply;
- **perfunctory** (敷衍): very short once the greetings and thanks are removed, or made of template
  phrases (高度重视, 转交相关部门, 进一步加强 …) with no specifics (no number, date, amount, place,
  law or named measure);
- **late** (逾期): given after its due date; the delay counted in working days on the stored
  working calendar (`xinfang.workcalendar`).

Pure function, no database except the working calendar for lateness. Suggestions for the officer:
nothing is refused on a flag.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xinfang.workcalendar.deadlines import CalendarLookup, working_days_between
from xinfang.workcalendar.selectors import calendar_lookup

from .hotspots import extract_places
from .minhash import normalise_text

RELEVANCE_MIN = 0.04  # share of the request's content bigrams found in the reply
TITLE_MIN = 0.2  # share of the title's content bigrams found in the reply
ITEM_COVER_MIN = 0.12  # share of a question's content bigrams found in the reply for it to count as answered
SHORT_CHARS = 25  # fewer content characters than this (greetings removed): perfunctory
REQUEST_HEAD = 300  # characters of the request whose bigrams are compared

TEMPLATE_PHRASES = (
    "高度重视",
    "转交相关部门",
    "转相关部门",
    "已转交",
    "相关部门",
    "有关部门",
    "进一步加强",
    "加大力度",
    "加强管理",
    "积极协调",
    "正在处理",
    "正在研究",
    "认真研究",
    "予以关注",
    "密切关注",
    "持续关注",
    "依法依规",
    "妥善处理",
    "尽快解决",
    "及时处理",
    "跟踪督办",
    "调查核实",
    "按照相关规定",
    "按相关规定",
    "有关规定",
    "请您理解",
    "请您谅解",
    "研究解决",
    "耐心等待",
    "酌情处理",
    "做好相关工作",
)
# Greetings, thanks and frames that every reply carries: removed before measuring the content.
_FRAME = re.compile(
    r"(网友|您好|你好|感谢您?对我们工作的(关心|信任|支持|理解)[、和与及，]*(监督|支持|理解)?(与|和)?(支持|监督)?|"
    r"感谢您的(来信|留言|关注|支持|理解)|谢谢|现(将[^。]{0,40})?(答复|回复)如下|答复如下|回复如下|"
    r"[^。]{0,30}(留言|来信)(已)?收悉|特此(答复|回复)|祝您?[^。]{0,8}|此复|[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日)"
)
_QUESTION = re.compile(r"吗|什么|怎么|怎样|如何|何时|何日|多久|为什么|为何|是否|能否|可否|有没有|是不是|哪里|多少|谁")
_DEMAND = re.compile(r"要求|希望|请求|恳请|恳求|呼吁|建议|请.{0,6}(部门|领导|政府|有关|相关|尽快|帮|给|予以|查)|望")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_SPECIFIC = re.compile(
    r"\d+(\.\d+)?\s*(年|月|日|号|元|万|亿|米|平方|㎡|户|人|栋|个|条|天|次|%|公里|km|吨|辆|台|处)|《[^》]{2,30}》|第[一二三四五六七八九十百零\d]+条"
)
_STOP_CHARS = set("的了是在我们你他她它这那有和与及就都也请问一个不没吗呢吧啊么您")
_HAN = re.compile(r"[\u4e00-\u9fa5]")


def _content_bigrams(text: str) -> set[str]:
    text = normalise_text(text)
    return {
        text[i : i + 2]
        for i in range(len(text) - 1)
        if _HAN.match(text[i]) and _HAN.match(text[i + 1]) and not (set(text[i : i + 2]) & _STOP_CHARS)
    }


def request_items(request_text: str) -> list[str]:
    """The questions and demands of a request: its sentences with a question or demand marker
    (each once, at most ten)."""
    items: list[str] = []
    for sentence in _SENTENCE.findall((request_text or "").replace("_x000D_", "\n")):
        sentence = sentence.strip(" \t\u3000，,")
        if len(sentence) >= 6 and (_QUESTION.search(sentence) or _DEMAND.search(sentence)) and sentence not in items:
            items.append(sentence)
    return items[:10]


@dataclass(frozen=True)
class Flag:
    code: str  # irrelevant, incomplete, perfunctory, late
    label: str
    reasons: tuple[str, ...]


@dataclass
class ReplyCheck:
    flags: list[Flag] = field(default_factory=list)
    relevance: float = 0.0
    items: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    content_chars: int = 0
    specifics: int = 0
    template_phrases: list[str] = field(default_factory=list)
    late_working_days: int | None = None

    @property
    def ok(self) -> bool:
        return not self.flags

    @property
    def codes(self) -> set[str]:
        return {flag.code for flag in self.flags}


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reply_check(
    request_text: str,
    reply_text: str,
    *,
    title: str = "",
    due_date: datetime.date | None = None,
    replied_on: datetime.date | None = None,
    calendar: CalendarLookup | None = None,
) -> ReplyCheck:
    """Check a reply against its request (see the module docstring). `due_date` and `replied_on`
    (default: today) add the lateness check, counted on `calendar` (default: the stored working
    calendar, `calendar_lookup()`); `title`, when given, is part of the request."""
    result = ReplyCheck()
    reply_text = (reply_text or "").replace("_x000D_", "\n")
    request_text = (request_text or "").replace("_x000D_", "\n")
    reply_grams = _content_bigrams(reply_text)
    reply_norm = normalise_text(reply_text)

    # Relevance.
    if title:
        request_text = f"{title}。{request_text}"
    request_grams = _content_bigrams(request_text[:REQUEST_HEAD])
    result.relevance = round(len(request_grams & reply_grams) / len(request_grams), 3) if request_grams else 1.0
    title_grams = _content_bigrams(title)
    title_share = len(title_grams & reply_grams) / len(title_grams) if title_grams else 0.0
    places = extract_places(request_text[:REQUEST_HEAD])
    place_named = any(normalise_text(p.name) in reply_norm for p in places)
    if request_grams and result.relevance < RELEVANCE_MIN and title_share < TITLE_MIN and not place_named:
        result.flags.append(
            Flag(
                "irrelevant",
                _("答非所问"),
                (
                    _("答复与诉求的共同用语很少（%(share)d%%），也没有提到诉求中的地点。")
                    % {"share": round(100 * result.relevance)},
                ),
            )
        )

    # Completeness.
    result.items = request_items(request_text)
    for item in result.items:
        grams = _content_bigrams(_QUESTION.sub("", _DEMAND.sub("", item)))
        if grams and len(grams & reply_grams) / len(grams) < ITEM_COVER_MIN:
            result.missing.append(item)
    if len(result.items) >= 2 and len(result.missing) * 2 >= len(result.items):
        reasons = [
            ngettext(
                "诉求中的%(missing)d个问题或要求（共%(total)d个）在答复中没有回应：",
                "诉求中的%(missing)d个问题或要求（共%(total)d个）在答复中没有回应：",
                len(result.missing),
            )
            % {"missing": len(result.missing), "total": len(result.items)}
        ]
        reasons += [_("未回应：“%(item)s”") % {"item": _short(item)} for item in result.missing[:5]]
        result.flags.append(Flag("incomplete", _("漏答"), tuple(reasons)))

    # Perfunctory.
    content = _FRAME.sub("", reply_text)
    result.template_phrases = [p for p in TEMPLATE_PHRASES if p in reply_norm]
    content_norm = normalise_text(content)
    for phrase in result.template_phrases:
        content_norm = content_norm.replace(phrase, "")
    result.content_chars = len(content_norm)
    result.specifics = len(_SPECIFIC.findall(reply_text)) + sum(
        1 for p in extract_places(reply_text) if normalise_text(p.name) in reply_norm
    )
    perfunctory: list[str] = []
    if result.content_chars < SHORT_CHARS:
        perfunctory.append(
            _("去掉问候和套话后只有%(chars)d个字，没有说明查明的情况和处理结果。") % {"chars": result.content_chars}
        )
    if result.specifics == 0 and len(result.template_phrases) >= 2:
        perfunctory.append(
            _("只有套话（%(phrases)s），没有具体的时间、数字、地点、依据或措施。")
            % {"phrases": "、".join(result.template_phrases[:4])}
        )
    if perfunctory:
        result.flags.append(Flag("perfunctory", _("敷衍"), tuple(perfunctory)))

    # Lateness.
    if due_date is not None:
        replied_on = replied_on or timezone.localdate()
        if replied_on > due_date:
            days = working_days_between(calendar or calendar_lookup(), due_date, replied_on)
            result.late_working_days = days
            result.flags.append(
                Flag(
                    "late",
                    _("逾期"),
                    (
                        ngettext(
                            "答复日期%(replied)s晚于期限%(due)s，逾期%(days)d个工作日。",
                            "答复日期%(replied)s晚于期限%(due)s，逾期%(days)d个工作日。",
                            days,
                        )
                        % {"replied": replied_on.isoformat(), "due": due_date.isoformat(), "days": days},
                    ),
                )
            )
        else:
            result.late_working_days = 0
    return result
