"""Shared set-up of the notify tests: the mini district, the people who answer for a clock at the
housing bureau, those one level up (the district's leader, the district petition bureau's head and
supervisor), an outsider in another street, and clocks started through the real service."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.services import clock_start

# A plain week of the test calendar: Mon 16 … Fri 20, Mon 23 November 2026 are working days.
MON = datetime.date(2026, 11, 16)
TUE, WED, THU, FRI = (MON + datetime.timedelta(days=n) for n in range(1, 5))
NEXT_MON = MON + datetime.timedelta(days=7)
OBJECT_TYPE = "notifytest.thing"  # no resolver registered: the fallback (the organisation's managers)


@dataclass
class Watch:
    mini: MiniDistrict
    head: User  # unit head of the housing bureau: answers for its clocks
    officer: User  # a handling officer there (not a managing role)
    leader: User  # leader of the district: one level up from the housing bureau
    bureau_head: User  # head of the district petition bureau: one level up too (督办)
    supervisor: User  # supervisor at the district petition bureau
    outsider: User  # unit head in street B

    def clock(self, object_id: str = "1", *, due: datetime.date = WED, org: Any = None, **extra: Any) -> Clock:
        """A running clock due on `due` (a calendar-day period from the day before)."""
        values: dict[str, Any] = {
            "object_type": OBJECT_TYPE,
            "object_id": object_id,
            "kind": "test_period",
            "start_date": due - datetime.timedelta(days=1),
            "period": 1,
            "unit": "calendar",
            "actor": SYSTEM,
            "org_id": (org or self.mini.housing_bureau).pk,
        }
        values.update(extra)
        return clock_start(**values)


@pytest.fixture
def watch(mini) -> Watch:  # type: ignore[no-untyped-def]
    return Watch(
        mini=mini,
        head=make_user((Role.UNIT_HEAD, mini.housing_bureau), email="head@example.org", phone="13900000001"),
        officer=make_user((Role.HANDLING_OFFICER, mini.housing_bureau)),
        leader=make_user((Role.LEADER, mini.district), email="leader@example.org"),
        bureau_head=make_user((Role.BUREAU_HEAD, mini.petition_bureau)),
        supervisor=make_user((Role.SUPERVISOR, mini.petition_bureau)),
        outsider=make_user((Role.UNIT_HEAD, mini.town_b)),
    )
