"""Hot spots (issue 9 item 3; mission O1 early warning for clusters, G1 dashboards): place
extraction, grouping by place and near-duplicate text, the heat index and its growth term, and the
recurring issues of the real message board (messages_with_votes.csv)."""

from __future__ import annotations

import csv
import datetime
import os
from pathlib import Path

import pytest

from xinfang.textmining.hotspots import (
    Document,
    Place,
    area_of,
    extract_places,
    heat_index,
    hotspots_compute,
    primary_place,
)

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "messages_with_votes.csv"
CHINA = datetime.timezone(datetime.timedelta(hours=8))
T0 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


def doc(ref: str, title: str, text: str = "", *, days: int = 0, author: str = "", likes: int = 0) -> Document:
    return Document(
        ref=ref, title=title, text=text, at=T0 + datetime.timedelta(days=days), author=author or ref, likes=likes
    )


def names(text: str) -> list[str]:
    return [p.name for p in extract_places(text)]


class TestPlaces:
    def test_estate_school_company_village_road(self):
        text = (
            "A3区学士街道裕园小区楼下的绿化带成菜市场了，旁边博才小学的学生上学不便，"
            "华泉置业有限公司不管，茶场村也有人反映，麓谷大道也堵。"
        )
        places = extract_places(text)
        assert [p.kind for p in places] == ["estate", "school", "company", "village", "road"]
        assert [p.name for p in places] == ["裕园小区", "博才小学", "华泉置业有限公司", "茶场村", "麓谷大道"]

    def test_administrative_prefix_and_function_words_are_cut(self):
        assert names("A市A5区劳动东路魅力之城小区油烟扰民") == ["劳动东路", "魅力之城小区"]
        assert primary_place("A5区劳动东路魅力之城小区油烟扰民", "").name == "魅力之城小区"  # type: ignore[union-attr]
        assert names("我们位于青青家园的住户") == ["青青家园"]

    def test_generic_mentions_are_not_places(self):
        assert names("该小区的物业公司不作为，本小区业主意见很大，我们社区也是") == []
        assert names("公交线路太少，马路上全是坑") == []

    def test_same_estate_with_or_without_xiaoqu_is_one_key(self):
        assert Place("estate", "景蓉华苑小区").key == Place("estate", "景蓉华苑").key
        assert Place("company", "华泉置业有限公司").key == Place("company", "华泉置业公司").key

    def test_primary_place_prefers_title_and_named_places_over_roads(self):
        assert primary_place("人民路丽景花园停车难", "").name == "丽景花园"  # type: ignore[union-attr]
        assert primary_place("停车难", "丽景花园业主反映……").name == "丽景花园"  # type: ignore[union-attr]
        assert primary_place("停车难", "") is None
        assert area_of("A3区丽景花园停车难", "") == "A3区"


class TestHeatIndex:
    def test_o1_formula(self):
        """O1: authors count fully, repeats by one author half, votes on a log scale, growth up to x2."""
        assert heat_index(messages=4, authors=4, votes=0, recent=0, previous=0) == 4.0
        assert heat_index(messages=6, authors=4, votes=0, recent=0, previous=0) == 5.0
        assert heat_index(messages=4, authors=4, votes=0, recent=3, previous=0) == 8.0  # growth capped
        assert heat_index(messages=4, authors=4, votes=0, recent=1, previous=1) == 4.0  # no growth
        assert heat_index(messages=4, authors=4, votes=0, recent=0, previous=5) == 4.0  # falling: no bonus
        assert heat_index(messages=4, authors=4, votes=9, recent=0, previous=0) == round(4 * (1 + 0.2 * 2.302585), 2)


class TestCompute:
    def corpus(self) -> list[Document]:
        return [
            doc("1", "丽景花园小区停车收费太高", "丽景花园物业擅自涨停车费。", days=0, author="u1"),
            doc("2", "丽景花园停车费问题", "物业乱收停车费。", days=40, author="u2", likes=5),
            doc("3", "反映丽景花园小区物业", "停车费每月涨到三百元。", days=45, author="u3"),
            doc("4", "丽景花园停车费", "还是停车费。", days=50, author="u3"),
            doc("5", "博才小学门口交通拥堵", "上下学时段车辆乱停。", days=10, author="u4"),
            doc("6", "建议增设公交站", "希望在人民医院门口增设公交站台，方便老人看病出行，谢谢。", days=1, author="u5"),
            doc(
                "7", "建议增设公交站台", "希望在人民医院门口增设公交站台，方便老人看病出行，谢谢！", days=2, author="u6"
            ),
            doc("8", "增设公交站台的建议", "希望在人民医院门口增设公交站台，方便老人看病出行。", days=55, author="u7"),
        ]

    def test_o1_recurring_place_is_one_hot_spot_with_growth(self):
        """O1: the messages about one estate form one hot spot; the recent window counts its growth."""
        spots = hotspots_compute(self.corpus(), until=T0 + datetime.timedelta(days=56), recent_days=30)
        estate = next(s for s in spots if s.place and s.place.name.startswith("丽景花园"))
        assert [d.ref for d in estate.documents] == ["1", "2", "3", "4"]
        assert (estate.messages, estate.authors, estate.votes) == (4, 3, 5)
        assert (estate.recent, estate.previous) == (3, 1)  # days 40-50 against day 0
        assert estate.growth == 2.0
        assert estate.heat == heat_index(messages=4, authors=3, votes=5, recent=3, previous=1)
        assert "车费" in estate.keywords
        assert estate.area == ""

    def test_near_duplicates_without_a_place_form_a_topic(self):
        spots = hotspots_compute(self.corpus(), until=T0 + datetime.timedelta(days=56))
        topic = next(s for s in spots if s.place is None)
        assert sorted(d.ref for d in topic.documents) == ["6", "7", "8"]
        assert topic.label  # the most voted (then earliest) title

    def test_a_single_school_message_is_not_a_hot_spot(self):
        spots = hotspots_compute(self.corpus())
        assert all(not (s.place and s.place.kind == "school") for s in spots)
        assert spots == sorted(spots, key=lambda s: -s.heat)

    def test_two_places_are_never_merged_through_a_shared_text(self):
        text = "物业公司擅自提高停车费，每个车位每月涨到三百元，业主强烈反对，请有关部门查处。"
        corpus = [
            doc("a1", "丽景花园停车费", text, author="a"),
            doc("a2", "丽景花园停车费", text + "！", author="b"),
            doc("a3", "丽景花园停车", text + "。", author="c"),
            doc("m", "停车费", text, author="d"),  # no place: joins one of them
            doc("b1", "金麓小区停车费", text, author="e"),
            doc("b2", "金麓小区停车费", text + "？", author="f"),
            doc("b3", "金麓小区停车费", text + "…", author="g"),
        ]
        spots = hotspots_compute(corpus)
        keys = {s.place.key for s in spots if s.place}
        assert keys == {"estate:丽景花园", "estate:金麓小区"}
        assert sum(s.messages for s in spots) == 7

    def test_keys_are_stable(self):
        first = [s.key for s in hotspots_compute(self.corpus())]
        assert first == [s.key for s in hotspots_compute(list(reversed(self.corpus())))]

    def test_empty(self):
        assert hotspots_compute([]) == []


def _votes_documents() -> list[Document]:
    if not DATA.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DATA} is missing (CI must have the shared data)")
        pytest.skip(f"{DATA} is absent (shared data not available here)")
    docs = []
    with DATA.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            at = datetime.datetime.strptime(row["time"].strip().replace("-", "/"), "%Y/%m/%d %H:%M:%S").replace(
                tzinfo=CHINA
            )
            docs.append(
                Document(
                    ref=row["id"],
                    title=row["title"],
                    text=row["detail"],
                    at=at,
                    author=row["user"],
                    likes=int(row["likes"] or 0),
                    dislikes=int(row["dislikes"] or 0),
                )
            )
    return docs


def test_o1_real_board_recurring_estates_and_schools_rank_first():
    """O1/G1 on messages_with_votes.csv: the most reported estates lead the ranking; schools and
    companies appear among the hot spots."""
    spots = hotspots_compute(_votes_documents())
    top = [s.label for s in spots[:5]]
    assert top[:2] == ["丽发新城", "伊景园滨河苑"]
    assert spots[0].messages >= 40 and spots[0].authors >= 40
    kinds = {s.place.kind for s in spots[:60] if s.place}
    assert {"estate", "school", "company", "road"} <= kinds
    assert all(s.messages >= 3 and s.authors >= 2 for s in spots)
