"""Shared set-up of the grid tests: the mini district with grid boundaries, and people at each
level of an event's path (built through the real services; nothing of ours is mocked)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.grid.models import CategoryDue, DisputeCategory, GridEvent
from xinfang.grid.seed import categories_seed
from xinfang.grid.services import GridEventData, PartyEntry, grid_event_report, grid_profile_save
from xinfang.grid.states import Layer


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    """A GeoJSON square polygon with its south-west corner at (lon, lat)."""
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
    }


@dataclass
class GridWorld:
    mini: MiniDistrict
    admin: User  # system administrator: grid boundaries
    worker: User  # grid worker of grid A1-1
    other_worker: User  # grid worker of grid B1-1 (another street)
    village_head: User  # unit head of village A1
    town_head: User  # unit head of town A
    town_mediator: User  # mediator at town A
    bureau_head: User  # district petition bureau head (area: the whole district)
    outsider: User  # unit head of street B

    def report(self, description: str = "楼上漏水，邻居协商不成，双方发生争吵。", **overrides: Any) -> GridEvent:
        grid = overrides.pop("grid", self.mini.grid_a1_1)
        actor = overrides.pop("actor", self.worker)
        data = GridEventData(
            place_text=overrides.pop("place_text", "甲一村3巷5号"),
            description=description,
            parties=overrides.pop(
                "parties",
                [PartyEntry(name="张三", role="applicant", phone="13800000001"), PartyEntry("李四", "respondent")],
            ),
            **overrides,
        )
        return grid_event_report(actor=actor, grid=grid, data=data)


@pytest.fixture
def categories(db) -> None:
    """The default categories (a transactional test's flush removes what the migration seeded)."""
    categories_seed(DisputeCategory, CategoryDue)


@pytest.fixture
def gw(mini: MiniDistrict, categories: None) -> GridWorld:
    admin = make_user((Role.SYSTEM_ADMIN, mini.district))
    layers = [Layer.PARTY_BUILDING, Layer.GOVERNANCE, Layer.SERVICE]
    grid_profile_save(actor=admin, grid=mini.grid_a1_1, boundary=square(113.50, 22.70), layers=layers)
    grid_profile_save(actor=admin, grid=mini.grid_a1_2, boundary=square(113.51, 22.70), layers=layers[1:])
    grid_profile_save(actor=admin, grid=mini.grid_b1_1, boundary=square(113.53, 22.70), layers=layers)
    return GridWorld(
        mini=mini,
        admin=admin,
        worker=make_user((Role.GRID_WORKER, mini.grid_a1_1), display_name="网格员甲"),
        other_worker=make_user((Role.GRID_WORKER, mini.grid_b1_1)),
        village_head=make_user((Role.UNIT_HEAD, mini.village_a1)),
        town_head=make_user((Role.UNIT_HEAD, mini.town_a)),
        town_mediator=make_user((Role.MEDIATOR, mini.town_a)),
        bureau_head=make_user((Role.BUREAU_HEAD, mini.petition_bureau)),
        outsider=make_user((Role.UNIT_HEAD, mini.town_b)),
    )


__all__ = ["SYSTEM", "GridWorld", "square"]
