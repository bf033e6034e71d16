"""The persisted near-duplicate index: `neardup_index` and `neardup_candidates` (issue 9 item 2),
on the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from xinfang.textmining.minhash import LshParams
from xinfang.textmining.models import NearDupBand
from xinfang.textmining.selectors import neardup_candidates
from xinfang.textmining.services import neardup_forget, neardup_index, neardup_index_many

pytestmark = pytest.mark.django_db

TYPE = "tests.text"
WAGES = "本人在某工地务工，2026年8月至10月工资共计两万元未发放，多次讨要无果，请求责令施工单位支付拖欠的工资。"
NEAR = WAGES.replace("10月", "11月").replace("两万元", "两万五千元")
NOISE = "丽发新城小区旁建了大型搅拌站，运渣车昼夜通行，噪音和灰尘严重影响居民生活，请求责令停止夜间作业。"
LIGHTS = "村口的路灯已经坏了一个多月，晚上出行很不方便，老人和孩子容易摔倒，请求尽快派人修复路灯。"


def index(object_id: int, text: str, days_ago: int = 0, object_type: str = TYPE) -> int:
    at = timezone.now() - datetime.timedelta(days=days_ago)
    return neardup_index(object_type=object_type, object_id=object_id, text=text, at=at)


class NearDupIndexTests:
    def test_an_object_has_one_row_per_band_and_replacing_keeps_it_bounded(self, settings):
        settings.XINFANG_NEARDUP = {"SHINGLE_SIZE": 3, "BANDS": 32, "ROWS": 4, "CANDIDATES": 100}
        assert index(1, WAGES) == 32
        for text in (NEAR, NOISE, WAGES, WAGES):
            index(1, text)
        assert NearDupBand.objects.filter(object_type=TYPE, object_id=1).count() == 32
        assert sorted(NearDupBand.objects.values_list("band", flat=True)) == list(range(32))

    def test_a_text_too_short_removes_the_rows_and_writes_none(self):
        index(1, WAGES)
        assert index(1, "工资") == 0
        assert not NearDupBand.objects.filter(object_id=1).exists()

    def test_identical_and_near_texts_are_candidates_unrelated_are_not(self):
        index(1, WAGES)
        index(2, NEAR)
        index(3, NOISE)
        index(4, LIGHTS)
        found = neardup_candidates(object_type=TYPE, text=WAGES)
        assert found[:2] == [1, 2]  # most shared bands first: the identical text before the near one
        assert 3 not in found and 4 not in found
        assert neardup_candidates(object_type=TYPE, text="工资") == []

    def test_the_window_the_type_and_the_limit_are_kept(self):
        index(1, WAGES, days_ago=800)
        index(2, WAGES, days_ago=10)
        index(3, WAGES, object_type="tests.other")
        since = timezone.now() - datetime.timedelta(days=730)
        assert neardup_candidates(object_type=TYPE, text=WAGES, since=since) == [2]
        assert set(neardup_candidates(object_type=TYPE, text=WAGES)) == {1, 2}
        assert len(neardup_candidates(object_type=TYPE, text=WAGES, limit=1)) == 1

    def test_rows_of_other_parameters_never_match(self):
        old = LshParams(shingle_size=3, bands=16, rows=8)
        neardup_index(object_type=TYPE, object_id=1, text=WAGES, at=timezone.now(), params=old)
        assert neardup_candidates(object_type=TYPE, text=WAGES) == []
        assert neardup_candidates(object_type=TYPE, text=WAGES, params=old) == [1]

    def test_bulk_indexing_and_forgetting(self):
        now = timezone.now()
        bands = LshParams().bands
        rows = neardup_index_many(object_type=TYPE, documents=[(1, WAGES, now), (2, NOISE, now), (3, "短", now)])
        assert rows == 2 * bands == NearDupBand.objects.count()
        neardup_index_many(object_type=TYPE, documents=[(1, LIGHTS, now)])  # replaces, does not add
        assert NearDupBand.objects.filter(object_id=1).count() == bands
        assert neardup_candidates(object_type=TYPE, text=LIGHTS) == [1]
        assert neardup_forget(object_type=TYPE, object_ids=[1]) == bands
        assert neardup_forget(object_type=TYPE) == bands
        assert not NearDupBand.objects.exists()
