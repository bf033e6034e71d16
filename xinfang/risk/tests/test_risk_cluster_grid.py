"""The cluster trigger counts grid events too (docs/risk.md): the decision's keywords or project
code in the event's description or place, or the event's grid in the decision's place subtree; an
event turned into a petition counts once, as the petition."""

from __future__ import annotations

import pytest

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.risk.models import ReviewFlag
from xinfang.risk.services import risk_cluster_check

grid_services = pytest.importorskip("xinfang.grid.services")

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(mini):
    return make_user((Role.GRID_WORKER, mini.grid_a1_1))


def report(mini, worker, description: str, place_text: str = "甲一村3巷", grid=None):
    parties = [grid_services.PartyEntry(name="村民甲", role="applicant", phone="13800000009")]
    data = grid_services.GridEventData(place_text=place_text, description=description, parties=parties)
    return grid_services.grid_event_report(actor=worker, grid=grid or mini.grid_a1_1, data=data)


def test_grid_events_cluster_by_keyword_and_place(risk, worker, settings):
    settings.XINFANG_RISK_CLUSTER_MIN = 3
    decision = risk.add(keywords="旧村改造", project_code="", place=risk.mini.village_a1)
    by_word = report(risk.mini, worker, "村民聚集议论旧村改造补偿方案，情绪激动。", grid=risk.mini.grid_a1_1)
    by_place = report(risk.mini, worker, "两户因宅基地边界发生争吵。")
    assert risk_cluster_check() == []  # two items: below the threshold
    elsewhere = make_user((Role.GRID_WORKER, risk.mini.grid_b1_1))
    unrelated = report(risk.mini, elsewhere, "邻居装修噪声扰民。", place_text="乙一社区", grid=risk.mini.grid_b1_1)
    third = report(risk.mini, elsewhere, "有人张贴旧村改造反对标语。", place_text="乙一社区", grid=risk.mini.grid_b1_1)
    (flag,) = risk_cluster_check()
    assert flag.decision == decision and flag.matched_count == 3
    found = {(item["kind"], item["id"]): item["rules"] for item in flag.matched}
    assert found == {
        ("grid_event", by_word.pk): ["place", "keyword"],
        ("grid_event", by_place.pk): ["place"],
        ("grid_event", third.pk): ["keyword"],
    }
    assert ("grid_event", unrelated.pk) not in found
    assert flag.matched[0]["number"] == by_word.number
    assert risk_cluster_check() == [] and ReviewFlag.objects.count() == 1


def test_an_event_turned_into_a_petition_counts_once(risk, worker, settings):
    settings.XINFANG_RISK_CLUSTER_MIN = 2
    risk.add(keywords="旧村改造", project_code="", place=None)
    event = report(risk.mini, worker, "村民反映旧村改造补偿不公，要求上访。")
    matter = grid_services.grid_event_to_petition(
        actor=risk.bureau, event=event, organisation=risk.mini.petition_bureau
    )
    assert risk_cluster_check() == []  # one item: the event and its petition are the same
    report(risk.mini, worker, "旧村改造签约现场有人阻挠。")
    (flag,) = risk_cluster_check()
    kinds = sorted(item["kind"] for item in flag.matched)
    assert flag.matched_count == 2 and kinds == ["grid_event", "matter"]
    assert {item["id"] for item in flag.matched if item["kind"] == "matter"} == {matter.pk}
