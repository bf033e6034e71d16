"""Shared set-up of the handling, review and closure tests: the triage world plus the people who
handle, approve, review and re-review, and matters brought into each handling state through the
real services. The chain that stays inside the district: a town government handles (town A's head),
the district housing bureau reviews (one level above a town), the district government office
re-reviews (one level above a district department)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.notices.kinds import Outcome
from xinfang.orgs.models import Function, Organisation
from xinfang.petitions.models import HandlingTrack, Matter, Opinion, Review
from xinfang.petitions.services.handling import matter_classify, opinion_deliver, opinion_issue
from xinfang.petitions.services.review import review_decide, review_request
from xinfang.petitions.services.routing import matter_forward, routing_accept
from xinfang.petitions.states import LevelDecision, Principle, ReviewStage

from .triage_support import BASIS, World, _org, build_world, triaged

OPINION = {
    "outcome": Outcome.EXPLAIN,
    "principle": Principle.EDUCATED,
    "request": "要求补发拖欠的工资三个月",
    "facts_reasons": "经调查，用人单位已于上月补发部分工资，其余部分正在协商。",
    "opinion": "督促用人单位在一个月内补发剩余工资。",
    "legal_basis": "《保障农民工工资支付条例》第十五条",
}
REVIEW_OPINION = {
    "outcome": Outcome.NOT_SUPPORT,
    "principle": Principle.EDUCATED,
    "findings": "原处理意见认定事实清楚，适用依据正确。",
    "opinion": "维持原处理意见。",
    "legal_basis": "《信访工作条例》第三十五条",
}


@dataclass
class HandlingWorld:
    """The triage world and the handling chain town A → housing bureau → district government."""

    world: World
    mediation: Organisation
    town_officer: User  # handling officer, town A (its government)
    town_head: User  # unit head, town A: approves extensions
    housing_officer: User  # handling officer, housing bureau: reviews town A's opinions
    housing_head: User
    gov_officer: User  # handling officer, district government office: re-reviews
    gov_head: User
    mediator: User

    @property
    def mini(self) -> Any:
        return self.world.mini

    @property
    def town(self) -> Organisation:
        return self.world.mini.town_a

    @property
    def housing(self) -> Organisation:
        return self.world.mini.housing_bureau

    @property
    def government(self) -> Organisation:
        return self.world.government

    @property
    def clerk(self) -> User:
        return self.world.clerk


def build_handling_world(mini: Any) -> HandlingWorld:
    world = build_world(mini)
    mediation = _org("测试区人民调解委员会", mini.district, Function.MEDIATION)
    return HandlingWorld(
        world=world,
        mediation=mediation,
        town_officer=make_user((Role.HANDLING_OFFICER, mini.town_a)),
        town_head=make_user((Role.UNIT_HEAD, mini.town_a)),
        housing_officer=world.housing_officer,
        housing_head=world.housing_head,
        gov_officer=make_user((Role.HANDLING_OFFICER, world.government)),
        gov_head=make_user((Role.UNIT_HEAD, world.government)),
        mediator=make_user((Role.MEDIATOR, mediation)),
    )


def track(code: str = "petition") -> HandlingTrack:
    return HandlingTrack.objects.get(code=code)


def accepted(hw: HandlingWorld, **overrides: Any) -> Matter:
    """A grievance forwarded by the district bureau to town A and accepted there (60-day clock)."""
    matter = triaged(hw.world, level=LevelDecision.LOWER, **overrides)
    routing = matter_forward(actor=hw.clerk, matter=matter, to_org=hw.town, basis=BASIS)
    routing_accept(actor=hw.town_head, routing=routing)
    matter.refresh_from_db()
    return matter


def classified(hw: HandlingWorld, code: str = "petition", **kwargs: Any) -> Matter:
    matter = accepted(hw)
    matter = matter_classify(actor=hw.town_officer, matter=matter, track=track(code), **kwargs)
    return matter


def replied(hw: HandlingWorld, *, deliver: bool = True, delivered_at: datetime.datetime | None = None) -> tuple[Matter, Opinion]:
    """A petition-track matter with its handling opinion issued (and delivered by hand)."""
    matter = classified(hw)
    opinion = opinion_issue(actor=hw.town_officer, matter=matter, **OPINION)
    if deliver:
        opinion = opinion_deliver(
            actor=hw.town_officer,
            opinion=opinion,
            method="hand",
            delivered_at=delivered_at or timezone.now(),
            recipient="张三",
        )
    matter.refresh_from_db()
    return matter, opinion


def in_review(hw: HandlingWorld) -> tuple[Matter, Review]:
    matter, _opinion = replied(hw)
    review = review_request(
        actor=hw.housing_officer,
        matter=matter,
        stage=ReviewStage.REVIEW,
        organisation=hw.housing,
        received_at=timezone.now(),
        request="不服处理意见，请求复查。",
    )
    matter.refresh_from_db()
    return matter, review


def reviewed(hw: HandlingWorld, *, deliver: bool = True) -> tuple[Matter, Opinion]:
    matter, review = in_review(hw)
    opinion = review_decide(actor=hw.housing_officer, review=review, **REVIEW_OPINION)
    if deliver:
        opinion = opinion_deliver(
            actor=hw.housing_officer, opinion=opinion, method="post", delivered_at=timezone.now(), recipient="张三"
        )
    matter.refresh_from_db()
    return matter, opinion


def in_rereview(hw: HandlingWorld) -> tuple[Matter, Review]:
    matter, _opinion = reviewed(hw)
    review = review_request(
        actor=hw.gov_officer,
        matter=matter,
        stage=ReviewStage.REREVIEW,
        organisation=hw.government,
        received_at=timezone.now(),
        request="不服复查意见，请求复核。",
    )
    matter.refresh_from_db()
    return matter, review


def final(hw: HandlingWorld) -> Matter:
    matter, review = in_rereview(hw)
    review_decide(actor=hw.gov_officer, review=review, **REVIEW_OPINION)
    matter.refresh_from_db()
    return matter
