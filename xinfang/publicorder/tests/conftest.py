"""Shared set-up of the order tests: the mini district, the people with `order.manage` (district
clerk and leader, a street clerk), people without it, and matters built through the real services."""

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
from xinfang.orgs.models import Function, Kind
from xinfang.orgs.services import organisation_create
from xinfang.petitions.models import Matter
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import Nature
from xinfang.petitions.testing import register_walk_in
from xinfang.publicorder.services import ConductData, conduct_record
from xinfang.publicorder.states import ConductKind, ResponseKind

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Order:
    mini: MiniDistrict
    clerk: User  # reception clerk of the district petition bureau: order.manage over the district
    leader: User  # district leader: order.manage over the district
    street_clerk: User  # reception clerk of street B's office: order.manage over street B only
    officer: User  # handling officer of the housing bureau: no order.manage
    supervisor: User  # supervisor: matter.view, no order.manage

    def matter(self, organisation: Any = None, **overrides: Any) -> Matter:
        return register_walk_in(self.mini, organisation, **overrides)

    def litigation_matter(self, **overrides: Any) -> Matter:
        matter = self.matter(title="不服判决申请再审", **overrides)
        return matter_triage(actor=self.clerk, matter=matter, level="this", nature=Nature.LITIGATION)

    def record(self, matter: Matter, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "kind": ConductKind.GATHERING,
            "occurred_at": timezone.now() - datetime.timedelta(hours=2),
            "place_text": "区信访局接待大厅门前",
            "description": "二十余人聚集，堵塞通道。",
            "responses": [ResponseKind.DISSUADE],
            "matters": [matter],
        }
        values.update(overrides)
        return conduct_record(actor=self.clerk, organisation=self.mini.petition_bureau, data=ConductData(**values))


@pytest.fixture
def order(mini, settings) -> Order:  # type: ignore[no-untyped-def]
    settings.XINFANG_ORDER_WARNING = {"WINDOW_DAYS": 30, "THRESHOLD": 3}
    return Order(
        mini=mini,
        clerk=make_user((Role.RECEPTION_CLERK, mini.petition_bureau)),
        leader=make_user((Role.LEADER, mini.district)),
        street_clerk=make_user((Role.RECEPTION_CLERK, mini.town_b_office)),
        officer=make_user((Role.HANDLING_OFFICER, mini.housing_bureau)),
        supervisor=make_user((Role.SUPERVISOR, mini.petition_bureau)),
    )


@pytest.fixture
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def court(mini):  # type: ignore[no-untyped-def]
    """The district court (a political-legal body: where litigation-related matters go)."""
    return organisation_create(
        actor=SYSTEM,
        name="测试区人民法院",
        code="TCOURT",
        kind=Kind.DEPARTMENT,
        parent=mini.district,
        function=Function.COURT,
    )
