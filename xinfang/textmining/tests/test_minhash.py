"""MinHash (one-permutation hashing) and LSH banding: pure functions, no database (issue 9 item 2)."""

from __future__ import annotations

import pytest

from xinfang.textmining.minhash import (
    LshParams,
    band_hashes,
    collision_probability,
    jaccard,
    normalise_text,
    shingles,
    signature,
    text_bands,
)

PARAMS = LshParams(shingle_size=3, bands=32, rows=4)
WAGES = "本人在某工地务工，2026年8月至10月工资共计两万元未发放，多次讨要无果，请求责令施工单位支付拖欠的工资。"
NOISE = "丽发新城小区旁建了大型搅拌站，运渣车昼夜通行，噪音和灰尘严重影响居民生活，请求责令停止夜间作业。"


def shared_bands(a: list[int], b: list[int]) -> int:
    return sum(x == y for x, y in zip(a, b, strict=True))


class MinHashTests:
    def test_normalisation_is_the_repeat_rule(self):
        assert normalise_text("　ＡＢＣ，工资_x000D_拖欠！ \n三个月") == "abc工资拖欠三个月"
        assert len(normalise_text("字" * 5000)) == 2000

    def test_shingles_are_character_ngrams(self):
        assert shingles("abcd", 3) == {"abc", "bcd"}
        assert shingles("ab", 3) == set()

    def test_identical_texts_always_collide_on_every_band(self):
        assert text_bands(WAGES, PARAMS) == text_bands(WAGES, PARAMS)
        assert len(text_bands(WAGES, PARAMS)) == PARAMS.bands
        # Punctuation, width and spacing do not matter (the text is normalised first).
        assert text_bands(WAGES, PARAMS) == text_bands(WAGES.replace("，", " ").replace("2026", "２０２６"), PARAMS)

    def test_a_text_shorter_than_a_shingle_has_no_band(self):
        assert text_bands("工资", PARAMS) == []
        assert band_hashes((), PARAMS) == []

    def test_a_near_duplicate_collides_an_unrelated_text_does_not(self):
        near = WAGES.replace("10月", "11月").replace("两万元", "两万五千元")
        assert jaccard(shingles(normalise_text(WAGES)), shingles(normalise_text(near))) > 0.6
        assert shared_bands(text_bands(WAGES, PARAMS), text_bands(near, PARAMS)) >= 3
        assert shared_bands(text_bands(WAGES, PARAMS), text_bands(NOISE, PARAMS)) == 0

    def test_band_hashes_fit_a_signed_bigint(self):
        for value in text_bands(WAGES, PARAMS) + text_bands(NOISE, PARAMS):
            assert -(2**63) <= value < 2**63

    def test_other_parameters_never_match(self):
        # Rows written with other settings are inert until `neardup_rebuild` (keyed band hashes).
        other = LshParams(shingle_size=3, bands=32, rows=4), LshParams(shingle_size=3, bands=16, rows=8)
        assert shared_bands(text_bands(WAGES, other[0]), text_bands(WAGES, other[1])[:16] * 2) == 0

    def test_a_bin_agrees_with_probability_close_to_the_jaccard_similarity(self):
        for similarity in (0.2, 0.5, 0.8):
            agree = total = 0
            for trial in range(40):
                a, b = _pair(similarity, size=200, seed=trial)
                sa, sb = signature(a, PARAMS.num_perm), signature(b, PARAMS.num_perm)
                agree += sum(x == y for x, y in zip(sa, sb, strict=True))
                total += PARAMS.num_perm
            assert agree / total == pytest.approx(jaccard(a, b), abs=0.05)

    def test_the_default_parameters(self):
        # Documented in docs/textmining.md and config/settings/base.py (XINFANG_NEARDUP).
        assert LshParams() == LshParams(shingle_size=3, bands=42, rows=3)
        assert LshParams().threshold == pytest.approx(0.29, abs=0.01)
        assert collision_probability(0.5, LshParams()) > 0.99

    def test_the_collision_curve_is_the_lsh_s_curve(self):
        assert PARAMS.threshold == pytest.approx(0.42, abs=0.01)
        for similarity in (0.1, 0.3, 0.5, 0.7):
            hits = 0
            trials = 150
            for trial in range(trials):
                a, b = _pair(similarity, size=150, seed=1000 + trial)
                sa = band_hashes(signature(a, PARAMS.num_perm), PARAMS)
                sb = band_hashes(signature(b, PARAMS.num_perm), PARAMS)
                hits += shared_bands(sa, sb) > 0
            expected = collision_probability(jaccard(a, b), PARAMS)
            assert hits / trials == pytest.approx(expected, abs=0.12), similarity
        assert collision_probability(0.1, PARAMS) < 0.01
        assert collision_probability(0.6, PARAMS) > 0.98


def _pair(similarity: float, *, size: int, seed: int) -> tuple[set[str], set[str]]:
    """Two sets of `size` shingles with Jaccard similarity close to `similarity`."""
    common = round(2 * size * similarity / (1 + similarity))
    a = {f"{seed}:c{i}" for i in range(common)} | {f"{seed}:a{i}" for i in range(size - common)}
    b = {f"{seed}:c{i}" for i in range(common)} | {f"{seed}:b{i}" for i in range(size - common)}
    return a, b
