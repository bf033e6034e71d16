"""Shared set-up of the dashboard tests: the handling world of the petition tests (matters driven
through the real services), the people who read the figures, and a direct count to compare the
rollups with."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.dashboards.models import Fact, Period, Source, Tally
from xinfang.dashboards.rollups import FACTS
from xinfang.grid.models import GridEvent
from xinfang.grid.tests.conftest import categories, gw
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import Matter
from xinfang.petitions.tests.handling_support import HandlingWorld, build_handling_world


@dataclass
class Stats:
    hw: HandlingWorld
    bureau_head: User  # district petition bureau head: statistics.view over the district (area)
    town_clerk: User  # reception clerk of town B: statistics.view over town B only (area)
    officer: User  # handling officer of the housing bureau: no statistics.view

    @property
    def mini(self) -> MiniDistrict:
        return self.hw.mini


@pytest.fixture
def stats(mini: MiniDistrict) -> Stats:
    hw = build_handling_world(mini)
    return Stats(
        hw=hw,
        bureau_head=make_user((Role.BUREAU_HEAD, mini.petition_bureau)),
        town_clerk=make_user((Role.RECEPTION_CLERK, mini.town_b_office)),
        officer=make_user((Role.HANDLING_OFFICER, mini.housing_bureau)),
    )


def direct_tallies() -> Counter[tuple[str, object, int, str, str]]:
    """The tallies computed afresh from the source tables (no rollup involved): each fact counts
    for every organisation whose subtree holds the fact's organisation (found here by comparing
    materialised paths, not by the rollups' own ancestor expansion), per day and per month."""
    paths = dict(Organisation.objects.values_list("pk", "path"))
    expected: Counter[tuple[str, object, int, str, str]] = Counter()
    for source, model in ((Source.MATTER, Matter), (Source.GRID_EVENT, GridEvent)):
        facts = FACTS[source](list(model.objects.values_list("pk", flat=True)))
        for day, org, keys in facts.values():
            holders = [pk for pk, path in paths.items() if paths[org].startswith(path)]
            for key in keys:
                dim, _sep, value = key.partition(":")
                for holder in holders:
                    expected[(Period.DAY, day, holder, dim, value)] += 1
                    expected[(Period.MONTH, day.replace(day=1), holder, dim, value)] += 1
    return expected


def stored_tallies() -> Counter[tuple[str, object, int, str, str]]:
    return Counter({(t.period, t.start, t.org_id, t.dim, t.value): t.n for t in Tally.objects.exclude(n=0)})


__all__ = ["Fact", "Period", "Stats", "categories", "direct_tallies", "gw", "stored_tallies"]
