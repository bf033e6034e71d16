"""Hot spots (热点): recurring issues among many messages, grouped by place and topic inside a time
window and ranked by a heat index (issue 9 item 3; mission O1 early warning, G1 dashboards).
Pure functions, no database: the documents come from the sources registered in
`XINFANG_HOTSPOT_SOURCES` (see `hotspots_sources.py`), which apply the reader's permissions.

1. **Places** (`extract_places`): named estates (小区, 花园, 苑 …), schools, companies, villages
   and communities, roads, found with regular expressions; the name is cut after the last
   administrative prefix (A市, A3区, 街道 …) or function word (位于, 的, 我们 …), generic names
   (该小区, 本公司 …) are dropped. A message's *primary place* is the first place of its title, else
   the first of its text (estates, schools, companies and villages before roads).
2. **Groups**: messages with the same primary place form one group; messages whose texts are near
   duplicates (MinHash LSH of `minhash.py`, then the exact Jaccard of character 3-grams at least
   `NEAR_MIN`) join the same group, unless that would merge two different places.
3. **Heat index** of a group of N messages from U distinct authors, V votes (likes + dislikes),
   R messages in the last `recent_days` of the window and P in the `recent_days` before:

       heat = (U + 0.5 (N − U)) × (1 + 0.2 ln(1 + V)) × (1 + 0.5 min(2, max(0, (R + 1)/(P + 1) − 1)))

   People count fully, repeats by the same author half; votes add attention on a log scale;
   growth (more in the recent window than before) multiplies by up to 2. A hot spot needs at least
   `min_messages` messages from at least `min_authors` authors.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .minhash import LshParams, band_hashes, jaccard, normalise_text, shingles, signature

NEAR_MIN = 0.3  # Jaccard of character 3-grams at which two messages are the same issue
NEAR_CHARS = 600  # texts are compared on their first part (speed; repeats share their start)
BUCKET_MAX = 60  # an LSH bucket larger than this is boilerplate shared by many texts: skipped
MAX_NAME = 8  # characters of a name before its suffix (longer: the start is context)
HEAD_CHARS = 400  # places are looked for in the title and the first part of the text

# --- Places -----------------------------------------------------------------------------------------

KIND_LABELS = {
    "estate": _("小区"),
    "school": _("学校"),
    "company": _("单位"),
    "village": _("村（社区）"),
    "road": _("道路"),
}
_KIND_ORDER = {"estate": 0, "school": 0, "company": 0, "village": 0, "road": 1}

_NAME = r"[\u4e00-\u9fa5A-Za-z0-9·]"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("school", re.compile(rf"({_NAME}{{2,14}}?)(幼儿园|小学|中学|学校|大学|学院|一中|二中|附中)")),
    ("company", re.compile(rf"({_NAME}{{2,14}}?)(有限责任公司|有限公司|股份公司|公司|集团|工厂|厂)(?![房区长家商])")),
    (
        "estate",
        re.compile(
            rf"({_NAME}{{2,14}}?)(小区|花园|家园|公寓|新村|山庄|华府|名苑|雅苑|佳苑|华苑|嘉园|名城|新城|广场|大厦|苑|湾|庭)"
            r"(?![路街道区])"
        ),
    ),
    ("village", re.compile(rf"({_NAME}{{1,10}}?)(社区|村)(?![民委干级组里庄部务规])")),
    ("road", re.compile(rf"({_NAME}{{1,10}}?)(大道|路|街)(?![道口灯面段边上况线费况过人头])")),
]
# Everything up to and including the last of these is not part of the name.
_CUT = re.compile(
    r".*(?:[A-Z]\d*[市区县镇]|街道|办事处|乡|镇|位于|地处|座落|坐落|关于|反映|举报|投诉|咨询|请问|建议|希望|要求|"
    r"我们|我|你们|他们|这个|那个|这些|整个|附近|周边|旁边|对面|门口|里面|以及|还有|是|在|的|了|和|与|及|对|从|向|给|把|被|"
    r"让|请|为|到|由|将|就|都|也|又|但|而|或|，|该|本|各|原|这|那|其|至|会|后|去|还|得|过|有|无|问|造成|提供|进入|沿|"
    r"路|大道|街|商品房|开发商|楼盘|项目|片区|住宅|安置|职工|居民|老旧|生活|旧|政)"
)
_GENERIC = {
    "",
    "小",
    "新",
    "老",
    "一个",
    "某",
    "某某",
    "多个",
    "整",
    "城市",
    "城中",
    "农",
    "农村",
    "乡村",
    "马",
    "道",
    "公",
    "铁",
    "水",
    "一",
    "线",
    "出",
    "走",
    "网",
    "思",
    "用",
    "物业",
    "开发",
    "房地产",
    "建筑",
    "劳务",
    "科技",
    "有限",
    "工",
    "商",
    "企业",
    "相关",
    "电力",
    "自来水",
    "燃气",
    "供水",
    "供电",
    "物业服务",
    "房地产开发",
    "置业",
    "我们",
    "业主",
    "社区",
    "小区",
    "学校",
    "公立",
    "民办",
    "私立",
    "中心",
    "市中心",
    "一条",
    "条",
    "城",
    "新城",
    "上",
}
_NOT_ROAD_END = set("线铁马公道出网思水一")
_ALNUM_ONLY = re.compile(r"^[A-Za-z0-9·]+$")


@dataclass(frozen=True)
class Place:
    kind: str  # estate, school, company, village, road
    name: str  # as written, suffix included (e.g. 景蓉华苑, 博才小学)

    @property
    def key(self) -> str:
        """What makes two mentions the same place: the name without a trailing 小区 after another
        estate word (景蓉华苑小区 = 景蓉华苑) and without 有限/股份 in company names."""
        name = self.name
        if self.kind == "estate" and name.endswith("小区") and len(name) > 4:
            name = name[:-2]
        if self.kind == "company":
            name = re.sub(r"(有限责任|有限|股份)?公司$", "公司", name)
        return f"{self.kind}:{name}"

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _clean_name(prefix: str) -> str:
    return _CUT.sub("", prefix)[-MAX_NAME:]


def extract_places(text: str) -> list[Place]:
    """The named places of a text, in order of appearance (each once)."""
    text = (text or "").replace("_x000D_", "")
    found: list[tuple[int, Place]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            name = _clean_name(match.group(1))
            if name in _GENERIC or len(name) < 2 or _ALNUM_ONLY.match(name):
                continue
            if kind == "road" and name[-1] in _NOT_ROAD_END:
                continue
            name_start = match.start(2) - len(name)
            taken.append((name_start, end))
            found.append((name_start, Place(kind, name + match.group(2))))
    seen: set[str] = set()
    places: list[Place] = []
    for _start, place in sorted(found, key=lambda item: item[0]):
        if place.key not in seen:
            seen.add(place.key)
            places.append(place)
    return places


def primary_place(title: str, text: str) -> Place | None:
    """The place a message is about: from the title first, then the start of the text; estates,
    schools, companies and villages before roads."""
    for part in (title, (text or "")[:HEAD_CHARS]):
        places = extract_places(part)
        if places:
            return min(places, key=lambda p: _KIND_ORDER[p.kind])
    return None


_AREA = re.compile(r"[A-Z]\d*[区县市]")


def area_of(title: str, text: str) -> str:
    """The first district-level area named (A3区), or an empty string."""
    match = _AREA.search(title or "") or _AREA.search((text or "")[:HEAD_CHARS])
    return match.group(0) if match else ""


# --- Documents and hot spots ------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One message as the hot-spot computation needs it. `ref` identifies it in its source;
    `author` is any stable key of who wrote it (distinct authors count fully)."""

    ref: str
    title: str
    text: str
    at: datetime.datetime
    author: str
    likes: int = 0
    dislikes: int = 0
    url: str = ""


@dataclass
class HotSpot:
    key: str
    label: str
    place: Place | None
    area: str
    keywords: list[str]
    documents: list[Document]
    messages: int
    authors: int
    votes: int
    recent: int
    previous: int
    first_at: datetime.datetime
    last_at: datetime.datetime
    heat: float
    monthly: list[tuple[str, int]] = field(default_factory=list)

    @property
    def growth(self) -> float:
        """(R + 1) / (P + 1): above 1 when the issue grows."""
        return (self.recent + 1) / (self.previous + 1)

    @property
    def span_days(self) -> int:
        return (self.last_at - self.first_at).days


def heat_index(*, messages: int, authors: int, votes: int, recent: int, previous: int) -> float:
    """The heat index of the module docstring (docs/hotspots.md)."""
    base = authors + 0.5 * (messages - authors)
    vote_factor = 1 + 0.2 * math.log1p(max(votes, 0))
    growth_factor = 1 + 0.5 * min(2.0, max(0.0, (recent + 1) / (previous + 1) - 1))
    return round(base * vote_factor * growth_factor, 2)


class _Groups:
    """Union-find that keeps the place key of each group and refuses to merge two places."""

    def __init__(self, keys: Sequence[str | None]) -> None:
        self.parent = list(range(len(keys)))
        self.key = list(keys)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ka, kb = self.key[ra], self.key[rb]
        if ka is not None and kb is not None and ka != kb:
            return False
        self.parent[rb] = ra
        self.key[ra] = ka if ka is not None else kb
        return True


_BIGRAM_SKIP = re.compile(r"[0-9a-z]")
_STOP_CHARS = set("的了是在我们你他她它这那有和与及就都也区市县省镇街道路请问一个不没")


def _bigrams(normalised: str) -> set[str]:
    return {normalised[i : i + 2] for i in range(len(normalised) - 1)} - {""}


def _keywords(members: list[int], bigram_sets: list[set[str]], df: Counter[str], total: int, exclude: str) -> list[str]:
    """Up to five character bigrams frequent in the group and rare in the corpus (TF-IDF)."""
    skip = set(exclude) | _STOP_CHARS
    counts: Counter[str] = Counter()
    for i in members:
        counts.update(bigram_sets[i])
    need = max(2, math.ceil(0.3 * len(members)))
    scored = sorted(
        (
            (count * math.log(total / df[gram]), gram)
            for gram, count in counts.items()
            if count >= need and not _BIGRAM_SKIP.search(gram) and not (set(gram) & skip)
        ),
        reverse=True,
    )
    chosen: list[str] = []
    for _score, gram in scored:
        if any(gram[0] in c or gram[1] in c for c in chosen):
            continue
        chosen.append(gram)
        if len(chosen) == 5:
            break
    return chosen


def hotspots_compute(
    documents: Iterable[Document],
    *,
    until: datetime.datetime | None = None,
    recent_days: int = 30,
    min_messages: int = 3,
    min_authors: int = 2,
    params: LshParams | None = None,
) -> list[HotSpot]:
    """The hot spots of the documents, hottest first. `until` (default: the latest document) ends
    the recent window of `recent_days`; the previous window is the `recent_days` before it."""
    docs = list(documents)
    if not docs:
        return []
    params = params or LshParams()
    until = until or max(d.at for d in docs)
    recent_from = until - datetime.timedelta(days=recent_days)
    previous_from = recent_from - datetime.timedelta(days=recent_days)

    places = [primary_place(d.title, d.text) for d in docs]
    groups = _Groups([p.key if p else None for p in places])
    first_of_key: dict[str, int] = {}
    for i, place in enumerate(places):
        if place is not None:
            if place.key in first_of_key:
                groups.union(first_of_key[place.key], i)
            else:
                first_of_key[place.key] = i

    normalised = [normalise_text(f"{d.title} {d.text}") for d in docs]
    shingle_sets = [shingles(text[:NEAR_CHARS], params.shingle_size) for text in normalised]
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, items in enumerate(shingle_sets):
        for band, value in enumerate(band_hashes(signature(items, params.num_perm), params)):
            buckets[(band, value)].append(i)
    checked: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2 or len(members) > BUCKET_MAX:
            continue
        for x, a in enumerate(members):
            for b in members[x + 1 :]:
                if (a, b) in checked or groups.find(a) == groups.find(b):
                    continue
                checked.add((a, b))
                if jaccard(shingle_sets[a], shingle_sets[b]) >= NEAR_MIN:
                    groups.union(a, b)

    by_root: dict[int, list[int]] = defaultdict(list)
    for i in range(len(docs)):
        by_root[groups.find(i)].append(i)

    bigram_sets = [_bigrams(text[:HEAD_CHARS]) for text in normalised]
    df: Counter[str] = Counter()
    for grams in bigram_sets:
        df.update(grams)

    spots: list[HotSpot] = []
    for root, members in by_root.items():
        authors = {docs[i].author for i in members}
        if len(members) < min_messages or len(authors) < min_authors:
            continue
        members.sort(key=lambda i: docs[i].at)
        member_docs = [docs[i] for i in members]
        votes = sum(d.likes + d.dislikes for d in member_docs)
        recent = sum(1 for d in member_docs if recent_from < d.at <= until)
        previous = sum(1 for d in member_docs if previous_from < d.at <= recent_from)
        place_key = groups.key[root]
        place = next((places[i] for i in members if places[i] is not None and places[i].key == place_key), None)  # type: ignore[union-attr]
        areas = Counter(a for a in (area_of(d.title, d.text) for d in member_docs) if a)
        top = max(member_docs, key=lambda d: (d.likes + d.dislikes, -d.at.timestamp()))
        keywords = _keywords(members, bigram_sets, df, len(docs), place.name if place else top.title)
        label = place.name if place else top.title
        identity = place_key or f"doc:{min(d.ref for d in member_docs)}"
        monthly = Counter(d.at.strftime("%Y-%m") for d in member_docs)
        spots.append(
            HotSpot(
                key=hashlib.blake2b(identity.encode(), digest_size=6).hexdigest(),
                label=label,
                place=place,
                area=areas.most_common(1)[0][0] if areas else "",
                keywords=keywords,
                documents=member_docs,
                messages=len(member_docs),
                authors=len(authors),
                votes=votes,
                recent=recent,
                previous=previous,
                first_at=member_docs[0].at,
                last_at=member_docs[-1].at,
                heat=heat_index(
                    messages=len(member_docs), authors=len(authors), votes=votes, recent=recent, previous=previous
                ),
                monthly=sorted(monthly.items()),
            )
        )
    spots.sort(key=lambda s: (-s.heat, -s.messages, s.key))
    return spots
