"""Shared set-up of the triage and routing tests: the mini district plus the bodies routing needs
(political-legal, court, discipline, Party committee, government), staff in each role, and
matters built through the real services. `frozen(...)` fixes Django's clock (timezone.now) for
tests of dates on the working calendar; our own code is never mocked."""

from __future__ import annotations

import contextlib
import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.orgs.models import Function, Kind, Organisation
from xinfang.orgs.services import organisation_create
from xinfang.petitions.models import Matter, Routing
from xinfang.petitions.services.routing import matter_assign, matter_forward
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import LevelDecision, Nature
from xinfang.petitions.testing import register_walk_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
BASIS = "属地管理、分级负责，谁主管、谁负责"
_codes = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """An aware local (Asia/Shanghai) time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@contextlib.contextmanager
def frozen(moment: datetime.datetime) -> Iterator[None]:
    """Django's clock stands at `moment` (a test seam for deadlines; nothing of ours is mocked)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _org(name: str, parent: Organisation, function: str, kind: str = Kind.DEPARTMENT) -> Organisation:
    return organisation_create(
        actor=SYSTEM, name=name, code=f"TR{next(_codes):05d}", kind=kind, parent=parent, function=function
    )


@dataclass
class World:
    """The mini district and the people and bodies triage and routing involve."""

    mini: MiniDistrict
    political_legal: Organisation
    court: Organisation
    discipline: Organisation
    party_committee: Organisation
    government: Organisation
    town_a_discipline: Organisation
    clerk: User  # reception clerk, district petition bureau
    head: User  # bureau head, district petition bureau
    housing_head: User  # unit head, housing bureau (receives forwarded matters)
    housing_officer: User  # handling officer, housing bureau
    town_a_head: User  # unit head, town A (its government and everything under it)
    town_b_clerk: User  # reception clerk, street B office: another area
    pl_head: User  # unit head, political-legal commission
    discipline_head: User  # unit head, discipline commission
    overseer: User  # congress overseer: may view, may not act

    @property
    def bureau(self) -> Organisation:
        return self.mini.petition_bureau

    @property
    def housing(self) -> Organisation:
        return self.mini.housing_bureau


def build_world(mini: MiniDistrict) -> World:
    district = mini.district
    political_legal = _org("测试区委政法委", district, Function.POLITICAL_LEGAL)
    court = _org("测试区人民法院", district, Function.COURT)
    discipline = _org("测试区纪委监委", district, Function.DISCIPLINE)
    party = _org("中共测试区委办公室", district, Function.PARTY_COMMITTEE)
    government = _org("测试区人民政府办公室", district, Function.GOVERNMENT)
    town_a_discipline = _org("甲镇纪委", mini.town_a, Function.DISCIPLINE)
    return World(
        mini=mini,
        political_legal=political_legal,
        court=court,
        discipline=discipline,
        party_committee=party,
        government=government,
        town_a_discipline=town_a_discipline,
        clerk=make_user((Role.RECEPTION_CLERK, mini.petition_bureau)),
        head=make_user((Role.BUREAU_HEAD, mini.petition_bureau)),
        housing_head=make_user((Role.UNIT_HEAD, mini.housing_bureau)),
        housing_officer=make_user((Role.HANDLING_OFFICER, mini.housing_bureau)),
        town_a_head=make_user((Role.UNIT_HEAD, mini.town_a)),
        town_b_clerk=make_user((Role.RECEPTION_CLERK, mini.town_b_office)),
        pl_head=make_user((Role.UNIT_HEAD, political_legal)),
        discipline_head=make_user((Role.UNIT_HEAD, discipline)),
        overseer=make_user((Role.CONGRESS_OVERSEER, mini.district)),
    )


def registered(world: World, **overrides: Any) -> Matter:
    """A walk-in registered at the district petition bureau (triage and notice clocks running)."""
    return register_walk_in(world.mini, **overrides)


def triaged(
    world: World, *, level: str = LevelDecision.THIS_LEVEL, nature: str = Nature.GRIEVANCE, **overrides: Any
) -> Matter:
    """A registered matter with level and nature decided."""
    matter = registered(world, **overrides)
    return matter_triage(actor=world.clerk, matter=matter, level=level, nature=nature)


def forwarded(world: World, *, to_org: Organisation | None = None, **kwargs: Any) -> tuple[Matter, Routing]:
    """A this-level grievance forwarded electronically to the housing bureau (or `to_org`)."""
    matter = triaged(world)
    routing = matter_forward(actor=world.clerk, matter=matter, to_org=to_org or world.housing, basis=BASIS, **kwargs)
    matter.refresh_from_db()
    return matter, routing


def assigned(world: World, *, report_due: datetime.date | None = None) -> tuple[Matter, Routing]:
    """A this-level grievance assigned to the housing bureau with a report deadline 30 days on."""
    matter = triaged(world)
    due = report_due or timezone.localdate() + datetime.timedelta(days=30)
    routing = matter_assign(actor=world.clerk, matter=matter, to_org=world.housing, report_due=due, basis=BASIS)
    matter.refresh_from_db()
    return matter, routing
