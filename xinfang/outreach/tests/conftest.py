"""Shared set-up of the outreach tests: the mini district, a cadre (town A's leader), a petition
clerk, a grid worker, a mediator with a mediation committee, and an outsider in street B — built
through the real services; nothing of ours is mocked."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.outreach.models import OutreachVisit, ReceptionDay
from xinfang.outreach.services import (
    ItemData,
    ReceptionDayData,
    VisitData,
    reception_day_create,
    reception_day_publish,
    visit_record,
)
from xinfang.outreach.states import VisitKind


def today() -> datetime.date:
    return timezone.localdate()


@dataclass
class World:
    mini: MiniDistrict
    leader: User  # town A's leader: reception days, visits, assignments (outreach.manage, area)
    village_head: User  # village A1's head (outreach.manage, subtree)
    clerk: User  # town A's petition office clerk (matter.register)
    worker: User  # grid worker of grid A1-1 (grid_event.report)
    mediator: User  # town A's mediator (mediation.handle)
    outsider: User  # street B's leader

    def day(self, *, capacity: int = 3, published: bool = True, days_ahead: int = 7, **extra: Any) -> ReceptionDay:
        data = ReceptionDayData(
            leader_name=extra.pop("leader_name", "王镇长"),
            leader_title=extra.pop("leader_title", "甲镇镇长"),
            place=extra.pop("place", "甲镇综治中心一楼接待室"),
            date=today() + datetime.timedelta(days=days_ahead),
            start_time=datetime.time(9, 0),
            end_time=datetime.time(11, 30),
            capacity=capacity,
            topic=extra.pop("topic", "征地拆迁与农村土地问题"),
            **extra,
        )
        day = reception_day_create(actor=self.leader, organisation=self.mini.town_a, data=data)
        if published:
            day = reception_day_publish(actor=self.leader, day=day)
        return day

    def visit(self, *, items: list[ItemData] | None = None, **extra: Any) -> OutreachVisit:
        organisation = extra.pop("organisation", self.mini.grid_a1_1)
        cadre = extra.pop("cadre", self.leader)
        actor = extra.pop("actor", self.leader)
        data = VisitData(
            kind=extra.pop("kind", VisitKind.OUTREACH),
            date=extra.pop("date", today()),
            people_met=extra.pop("people_met", 12),
            place_text=extra.pop("place_text", "甲一村文化室"),
            notes=extra.pop("notes", "座谈会，听取村民意见。"),
            items=items
            if items is not None
            else [ItemData("村道路灯损坏，晚上出行不便。", raised_by="张三", raised_by_phone="13800000001")],
            **extra,
        )
        return visit_record(actor=actor, cadre=cadre, organisation=organisation, data=data)


@pytest.fixture
def world(mini: MiniDistrict) -> World:
    return World(
        mini=mini,
        leader=make_user((Role.LEADER, mini.town_a), display_name="王镇长"),
        village_head=make_user((Role.UNIT_HEAD, mini.village_a1), display_name="李书记"),
        clerk=make_user((Role.RECEPTION_CLERK, mini.town_a_office)),
        worker=make_user((Role.GRID_WORKER, mini.grid_a1_1)),
        mediator=make_user((Role.MEDIATOR, mini.town_a)),
        outsider=make_user((Role.LEADER, mini.town_b)),
    )


@pytest.fixture
def grid_ready(mini: MiniDistrict) -> None:
    """The grid categories and grid A1-1's boundary (grid events need them)."""
    from xinfang.grid.models import CategoryDue, DisputeCategory
    from xinfang.grid.seed import categories_seed
    from xinfang.grid.services import grid_profile_save
    from xinfang.grid.states import Layer

    categories_seed(DisputeCategory, CategoryDue)
    square = {
        "type": "Polygon",
        "coordinates": [[[113.5, 22.7], [113.51, 22.7], [113.51, 22.71], [113.5, 22.71], [113.5, 22.7]]],
    }
    grid_profile_save(actor=SYSTEM, grid=mini.grid_a1_1, boundary=square, layers=[Layer.GOVERNANCE])


@pytest.fixture
def mediation_ready(mini: MiniDistrict) -> None:
    from xinfang.mediation.services import mediation_body_create
    from xinfang.mediation.states import BodyKind

    mediation_body_create(
        actor=SYSTEM, organisation=mini.town_a, name="甲镇人民调解委员会", kind=BodyKind.COMMITTEE_TOWN
    )
