"""Which channel a problem belongs to (issue 5 item 1; regulations §4; XF-LEG-01): the table of
rules, matched on the person's answer, on words, and on power-list matter types."""

from __future__ import annotations

import pytest

from xinfang.core.actors import SYSTEM
from xinfang.petitions.models import HandlingTrack
from xinfang.portal.channels import PROBLEM_KIND_VALUES, RULES, channel_matches
from xinfang.powerlist.services import matter_type_create

pytestmark = pytest.mark.django_db


def codes(matches) -> list[str]:
    return [m.rule.code for m in matches]


class ChannelRuleTests:
    def test_every_rule_names_existing_tracks_and_answers(self):
        tracks = set(HandlingTrack.objects.values_list("code", flat=True))
        for rule in RULES:
            assert set(rule.track_codes) <= tracks, rule.code
            assert set(rule.problem_kinds) <= PROBLEM_KIND_VALUES, rule.code
            assert rule.keywords

    def test_words_point_to_the_court(self):
        (match,) = channel_matches(text="法院的判决已经生效，对方拒不履行")
        assert match.rule.code == "litigation"
        assert match.words == ["判决", "法院"]
        assert [t.code for t in match.tracks] == ["litigation", "procuratorial"]

    def test_traditional_script_is_read_too(self):
        assert codes(channel_matches(text="法院的判決已經生效")) == ["litigation"]

    def test_the_persons_answer_alone_is_enough(self):
        (match,) = channel_matches(text="单位不给我补偿", problem_kind="labour")
        assert match.rule.code == "labour_arbitration" and match.chosen and not match.words

    def test_a_power_list_matter_type_points_to_its_channel(self):
        matter_type_create(actor=SYSTEM, code="OFFICIAL-MISCONDUCT", name="干部违纪违法", keywords="村干部 优亲厚友")
        (match,) = channel_matches(text="村干部在低保评定中优亲厚友")
        assert match.rule.code == "discipline"
        assert [mt.code for mt in match.matter_types] == ["OFFICIAL-MISCONDUCT"]

    def test_binding_channels_come_before_optional_ones(self):
        matches = channel_matches(text="邻居占用通道，法院判决后仍不执行", problem_kind="neighbour")
        assert codes(matches) == ["litigation", "mediation"]

    def test_nothing_for_an_ordinary_request(self):
        assert channel_matches(text="村口路灯不亮，请求维修", problem_kind="general") == []

    def test_an_inactive_track_is_not_shown(self):
        HandlingTrack.objects.filter(code="procuratorial").update(is_active=False)
        (match,) = channel_matches(text="法院判决")
        assert [t.code for t in match.tracks] == ["litigation"]
