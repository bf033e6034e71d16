"""Shared set-up of the mediation tests: the mini district with a town mediation committee, its
mediators, a mediator elsewhere, and cases brought into each state through the real services."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.mediation.models import MediationBody, MediationCase, Mediator
from xinfang.mediation.services import (
    PartyData,
    mediation_agree,
    mediation_body_create,
    mediation_case_accept,
    mediation_case_open,
    mediator_create,
)
from xinfang.mediation.states import BodyKind, MediatorKind, PartyRole, SourceKind

AGREEMENT: dict[str, Any] = {
    "facts": "甲乙两户因宅基地边界围墙修建发生争执，双方各有过错。",
    "terms": "乙方于协议生效后十日内拆除越界围墙一米，甲方补偿乙方材料费三千元。",
    "performance": "乙方自行拆除；甲方于2026年12月31日前以转账方式一次性支付。",
}


@contextlib.contextmanager
def frozen(moment: datetime.datetime) -> Iterator[None]:
    """Django's clock stands at `moment` (a test seam; nothing of ours is mocked)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass
class Med:
    mini: MiniDistrict
    body: MediationBody
    mediator_user: User  # mediator of town A's committee
    mediator: Mediator
    outsider: User  # mediator of street B
    clerk: User  # reception clerk, no mediation right

    def open(self, *, consent: bool = True, source_kind: str = SourceKind.WALK_IN, **extra: Any) -> MediationCase:
        return mediation_case_open(
            actor=self.mediator_user,
            organisation=self.mini.town_a,
            source_kind=source_kind,
            parties=[
                PartyData(name="王五", role=PartyRole.APPLICANT, phone="13800002222", id_number="440115198001011234"),
                PartyData(name="赵六", role=PartyRole.RESPONDENT, address="甲一村三巷2号"),
            ],
            summary="宅基地边界围墙纠纷",
            category="邻里纠纷",
            consent_recorded=consent,
            **extra,
        )

    def accepted(self, **kwargs: Any) -> MediationCase:
        return mediation_case_accept(actor=self.mediator_user, case=self.open(**kwargs), mediators=[self.mediator])

    def agreed(self, **kwargs: Any) -> MediationCase:
        return mediation_agree(actor=self.mediator_user, case=self.accepted(**kwargs), **AGREEMENT)


@pytest.fixture
def med(mini) -> Med:  # type: ignore[no-untyped-def]
    body = mediation_body_create(
        actor=SYSTEM, organisation=mini.town_a, name="甲镇人民调解委员会", kind=BodyKind.COMMITTEE_TOWN
    )
    mediation_body_create(
        actor=SYSTEM, organisation=mini.town_b, name="乙街道人民调解委员会", kind=BodyKind.COMMITTEE_TOWN
    )
    user = make_user((Role.MEDIATOR, mini.town_a))
    mediator = mediator_create(
        actor=SYSTEM, body=body, name="陈调解", kind=MediatorKind.FULL_TIME, specialities=["邻里纠纷"], user=user
    )
    return Med(
        mini=mini,
        body=body,
        mediator_user=user,
        mediator=mediator,
        outsider=make_user((Role.MEDIATOR, mini.town_b)),
        clerk=make_user((Role.RECEPTION_CLERK, mini.town_a)),
    )
