"""Shared set-up of the handling, review and closure tests: the triage world plus the people who
handle, approve, review and re-review, and matters brought into each handling state through the
real services. The chain that stays inside the district: a town government handles (town A's head),
the district housing bureau reviews (one level above a town), the district government office
re-reviews (one level above a district department)."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.notices.kinds import Outcome
from xinfang.notices.models import Document
from xinfang.orgs.models import Function, Organisation
from xinfang.petitions.models import HandlingTrack, Matter, Opinion, Review
from xinfang.petitions.services.handling import matter_classify, opinion_deliver, opinion_issue, running_clock
from xinfang.petitions.services.review import review_decide, review_request
from xinfang.petitions.services.routing import matter_forward, routing_accept, routing_object, routing_objection_decide
from xinfang.petitions.services.triage import matter_accept_here
from xinfang.petitions.states import LevelDecision, Nature, Principle, ReviewStage
from xinfang.petitions.tracks import tracks_seed
from xinfang.workcalendar.deadlines import compute_deadline
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import calendar_lookup

from .triage_support import BASIS, World, _org, build_world, triaged

T = TypeVar("T")

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
    tracks_seed()  # migration data; gone after a transactional test's flush
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


def replied(
    hw: HandlingWorld, *, deliver: bool = True, delivered_at: datetime.datetime | None = None
) -> tuple[Matter, Opinion]:
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


# --- More ways into "accepted", and what the tests read back ------------------------------------


def accepted_here(hw: HandlingWorld, **overrides: Any) -> Matter:
    """A this-level grievance accepted by the district petition bureau itself (matter_accept_here)."""
    matter = triaged(hw.world, **overrides)
    return matter_accept_here(actor=hw.clerk, matter=matter)


def accepted_after_objection(hw: HandlingWorld) -> Matter:
    """Forwarded to town A, objected to by town A, objection rejected by the bureau: accepted."""
    matter = triaged(hw.world, level=LevelDecision.LOWER)
    routing = matter_forward(actor=hw.clerk, matter=matter, to_org=hw.town, basis=BASIS)
    routing_object(actor=hw.town_head, routing=routing, reason="不属于本镇职权范围，应由区住建局办理，详见说明。")
    routing_objection_decide(actor=hw.world.head, routing=routing, upheld=False, note="异议不成立，由甲镇办理。")
    matter.refresh_from_db()
    return matter


def accepted_litigation(hw: HandlingWorld) -> Matter:
    """A litigation-related matter forwarded to the political-legal commission and accepted there."""
    matter = triaged(hw.world, nature=Nature.LITIGATION)
    routing = matter_forward(actor=hw.clerk, matter=matter, to_org=hw.world.political_legal, basis=BASIS)
    routing_accept(actor=hw.world.pl_head, routing=routing)
    matter.refresh_from_db()
    return matter


def calendar_due(start: datetime.date, period: int, unit: str = "calendar") -> datetime.date:
    """The due date on the stored working calendar (the reference the clocks must agree with)."""
    return compute_deadline(start=start, period=period, unit=unit, calendar=calendar_lookup()).due_date


def matter_events(matter: Matter, prefix: str = "") -> list[AuditEvent]:
    """The audit events recorded on a matter (its own actions and its clocks), oldest first."""
    events = AuditEvent.objects.filter(object_type="petitions.matter", object_id=str(matter.pk))
    if prefix:
        events = events.filter(action__startswith=prefix)
    return list(events.order_by("id"))


def actions(matter: Matter) -> list[str]:
    return [event.action for event in matter_events(matter)]


def status_moves(matter: Matter) -> list[tuple[str, str]]:
    """(before, after) of every status change in the matter's audit trail, in order (matter.* and
    routing.accept: every event matter_transition records)."""
    moves = []
    for event in matter_events(matter):
        before, after = event.summary.get("before"), event.summary.get("after")
        if isinstance(before, dict) and isinstance(after, dict) and "status" in before and "status" in after:
            moves.append((before["status"], after["status"]))
    return moves


def pdf_text(document: Document, tmp_path: Any) -> str:
    """The text of an instrument's PDF, whitespace removed (poppler's pdftotext). Skips when poppler
    is missing locally; fails in CI, where it must be installed."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext (poppler-utils) is not installed in CI")
        pytest.skip("pdftotext (poppler-utils) is not installed: apt-get install poppler-utils")
    path = tmp_path / f"{document.number}.pdf"
    path.write_bytes(bytes(document.pdf))
    command = ["pdftotext", "-enc", "UTF-8", str(path), "-"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    return "".join(text.split())


def date_text(day: datetime.date) -> str:
    """A date as the instruments print it."""
    return f"{day.year}年{day.month}月{day.day}日"


def clock_of(matter: Matter, kind: str) -> Clock:
    """The matter's running clock of `kind`, which the test expects to be there."""
    clock = running_clock(matter, kind)
    assert clock is not None, kind
    return clock


def the(value: T | None) -> T:
    """`value`, which the test expects to be set (an opinion's document, a follow-up …)."""
    assert value is not None
    return value
