"""Shared set-up of the risk tests: the mini district, the people who keep the district's decision
list, the owner unit's head, outsiders, and a decision built through the real services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.risk.models import DecisionList, MajorDecision
from xinfang.risk.services import (
    DecisionData,
    StepData,
    assessment_conclude,
    assessment_step_record,
    decision_add,
    decision_list_create,
)
from xinfang.risk.states import DecisionKind, StepKind


@dataclass
class Risk:
    mini: MiniDistrict
    bureau: User  # district petition bureau head: keeps the district's list, decides (area: district)
    owner: User  # head of the housing bureau, the owner unit (subtree)
    outsider: User  # a leader of street B: another area
    officer: User  # a handling officer: no risk.manage
    district_list: DecisionList

    def add(self, **overrides: Any) -> MajorDecision:
        values: dict[str, Any] = {
            "title": "甲一村旧村改造项目",
            "owner_org": self.mini.housing_bureau,
            "description": "甲一村整体拆除重建，涉及约300户村民安置补偿。",
            "kind": DecisionKind.CONSTRUCTION,
            "owner_person": "王五",
            "project_code": "GZ-2026-017",
            "place": self.mini.village_a1,
            "keywords": "旧村改造，拆迁补偿",
            "planned_date": datetime.date(2026, 12, 1),
        }
        values.update(overrides)
        return decision_add(actor=self.bureau, decision_list=self.district_list, data=DecisionData(**values))

    def assessed(
        self, level: str, *, measures: str = "分批签约，设立补偿听证，制定处置预案。", **overrides: Any
    ) -> MajorDecision:
        decision = self.add(**overrides)
        day = timezone.localdate()
        for kind in (StepKind.IDENTIFICATION, StepKind.CONSULTATION):
            assessment_step_record(
                actor=self.owner, decision=decision, data=StepData(kind=kind, date=day, text="已完成。")
            )
        assessment_conclude(actor=self.owner, decision=decision, level=level, measures=measures, conclusion="见报告。")
        decision.refresh_from_db()
        return decision


@pytest.fixture
def risk(mini) -> Risk:  # type: ignore[no-untyped-def]
    bureau = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
    return Risk(
        mini=mini,
        bureau=bureau,
        owner=make_user((Role.UNIT_HEAD, mini.housing_bureau)),
        outsider=make_user((Role.LEADER, mini.town_b)),
        officer=make_user((Role.HANDLING_OFFICER, mini.housing_bureau)),
        district_list=decision_list_create(actor=bureau, organisation=mini.district, year=2026),
    )
