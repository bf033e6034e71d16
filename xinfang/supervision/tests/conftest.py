"""Shared set-up of the supervision tests: the mini district with a discipline inspection body,
the supervisors of the district petition bureau, the housing bureau (supervised), outsiders, the
congress overseer, and matters built through the real petition services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.orgs.models import Function, Kind, Organisation
from xinfang.orgs.services import organisation_create
from xinfang.petitions.models import Matter
from xinfang.petitions.services.intake import matter_register
from xinfang.petitions.services.routing import matter_forward
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import LevelDecision, Nature
from xinfang.petitions.testing import walk_in_data
from xinfang.supervision.models import SupervisionOrder
from xinfang.supervision.services import order_open
from xinfang.supervision.states import Trigger


@dataclass
class Sup:
    mini: MiniDistrict
    discipline: Organisation  # 测试区纪委监委
    supervisor: User  # supervisor at the district petition bureau (area: district)
    bureau: User  # bureau head at the district petition bureau
    clerk: User  # reception clerk at the district petition bureau
    officer: User  # handling officer at the housing bureau (answers orders on it)
    official: User  # another handling officer at the housing bureau (reported on)
    outsider: User  # supervisor at 乙街道信访办 (area: 乙街道)
    overseer: User  # congress overseer (accountability.view)
    leader: User  # district leader (conference.manage)
    admin: User  # system administrator (user.manage)

    def matter(self, *, nature: str = Nature.GRIEVANCE, forward: bool = True, **triage: Any) -> Matter:
        matter = matter_register(actor=self.clerk, organisation=self.mini.petition_bureau, data=walk_in_data())
        matter_triage(actor=self.clerk, matter=matter, level=LevelDecision.THIS_LEVEL, nature=nature, **triage)
        if forward:
            matter_forward(actor=self.clerk, matter=matter, to_org=self.mini.housing_bureau, basis="属住建职责。")
        matter.refresh_from_db()
        return matter

    def order(self, matter: Matter | None = None, **overrides: Any) -> SupervisionOrder:
        values: dict[str, Any] = {
            "actor": self.supervisor,
            "issuing_org": self.mini.petition_bureau,
            "target_org": self.mini.housing_bureau,
            "matter": matter,
            "trigger": Trigger.SHIRKING,
            "demands": "请于期限内查明欠薪事实并书面反馈。",
        }
        values.update(overrides)
        return order_open(**values)


@pytest.fixture
def sup(mini) -> Sup:  # type: ignore[no-untyped-def]
    discipline = organisation_create(
        actor=SYSTEM,
        name="测试区纪委监委",
        code="TDIS01",
        kind=Kind.DEPARTMENT,
        parent=mini.district,
        function=Function.DISCIPLINE,
    )
    return Sup(
        mini=mini,
        discipline=discipline,
        supervisor=make_user((Role.SUPERVISOR, mini.petition_bureau)),
        bureau=make_user((Role.BUREAU_HEAD, mini.petition_bureau)),
        clerk=make_user((Role.RECEPTION_CLERK, mini.petition_bureau)),
        officer=make_user((Role.HANDLING_OFFICER, mini.housing_bureau)),
        official=make_user((Role.HANDLING_OFFICER, mini.housing_bureau)),
        outsider=make_user((Role.SUPERVISOR, mini.town_b_office)),
        overseer=make_user((Role.CONGRESS_OVERSEER, mini.congress)),
        leader=make_user((Role.LEADER, mini.district)),
        admin=make_user((Role.SYSTEM_ADMIN, mini.district)),
    )
