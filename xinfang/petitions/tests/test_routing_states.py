"""The state table walked through the services: every allowed move works through a service, every
other move is refused with a translated ServiceError (states.TRANSITIONS; XF-TRI-01, XF-NOT-03)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinfang.core.errors import ServiceError
from xinfang.petitions.models import Matter
from xinfang.petitions.services.common import matter_transition
from xinfang.petitions.services.routing import (
    matter_assign,
    matter_forward,
    routing_accept,
    routing_object,
    routing_objection_decide,
)
from xinfang.petitions.services.triage import (
    matter_accept_here,
    matter_guide_elsewhere,
    matter_not_accept,
    matter_triage,
)
from xinfang.petitions.states import TRANSITIONS, LevelDecision, Nature, NonAcceptanceGround, Status

from .triage_support import BASIS, World, assigned, build_world, forwarded, triaged

pytestmark = pytest.mark.django_db

REASON = "不属于本单位职权范围，应由其他部门办理，详见附件说明。"


def _latest_routing(matter: Matter) -> Any:
    return matter.routings.order_by("-sent_at", "-pk").first()


def _report_due() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=20)


# How to bring a matter into each state, through the services.
def reach(world: World, status: str) -> Matter:
    if status == Status.REGISTERED:
        return triaged(world)
    if status == Status.FORWARDED:
        return forwarded(world)[0]
    if status == Status.ASSIGNED:
        return assigned(world)[0]
    if status == Status.OBJECTED:
        matter, routing = forwarded(world)
        routing_object(actor=world.housing_head, routing=routing, reason=REASON)
        matter.refresh_from_db()
        return matter
    if status == Status.ACCEPTED:
        return matter_accept_here(actor=world.clerk, matter=triaged(world))
    if status == Status.NOT_ACCEPTED:
        return matter_not_accept(
            actor=world.clerk,
            matter=triaged(world),
            ground=NonAcceptanceGround.NOT_OUR_POWER,
            proper_channel="向有权机关提出",
            legal_basis="第二十三条",
        )
    if status == Status.GUIDED:
        return matter_guide_elsewhere(
            actor=world.clerk, matter=triaged(world, level=LevelDecision.OUTSIDE), proper_channel="向法院起诉"
        )
    raise AssertionError(status)


def _guide(world: World, matter: Matter) -> None:
    matter_triage(actor=world.clerk, matter=matter, level=LevelDecision.OUTSIDE, nature=Nature.GRIEVANCE)
    matter_guide_elsewhere(actor=world.clerk, matter=matter, proper_channel="向市场监管部门投诉")


# Every allowed move and the service that makes it.
MOVES: dict[tuple[str, str], Callable[[World, Matter], Any]] = {
    (Status.REGISTERED, Status.FORWARDED): lambda w, m: matter_forward(
        actor=w.clerk, matter=m, to_org=w.housing, basis=BASIS
    ),
    (Status.REGISTERED, Status.ASSIGNED): lambda w, m: matter_assign(
        actor=w.clerk, matter=m, to_org=w.housing, report_due=_report_due(), basis=BASIS
    ),
    (Status.REGISTERED, Status.ACCEPTED): lambda w, m: matter_accept_here(actor=w.clerk, matter=m),
    (Status.REGISTERED, Status.NOT_ACCEPTED): lambda w, m: matter_not_accept(
        actor=w.clerk,
        matter=m,
        ground=NonAcceptanceGround.PENDING_HIGHER,
        proper_channel="等待上级机关办理结果",
        legal_basis="第十九条第三款",
    ),
    (Status.REGISTERED, Status.GUIDED): _guide,
    (Status.FORWARDED, Status.ACCEPTED): lambda w, m: routing_accept(
        actor=w.housing_officer, routing=_latest_routing(m)
    ),
    (Status.FORWARDED, Status.OBJECTED): lambda w, m: routing_object(
        actor=w.housing_head, routing=_latest_routing(m), reason=REASON
    ),
    (Status.ASSIGNED, Status.ACCEPTED): lambda w, m: routing_accept(actor=w.housing_head, routing=_latest_routing(m)),
    (Status.ASSIGNED, Status.OBJECTED): lambda w, m: routing_object(
        actor=w.housing_head, routing=_latest_routing(m), reason=REASON
    ),
    (Status.OBJECTED, Status.REGISTERED): lambda w, m: routing_objection_decide(
        actor=w.head, routing=_latest_routing(m), upheld=True, note="成立"
    ),
    (Status.OBJECTED, Status.FORWARDED): lambda w, m: routing_objection_decide(
        actor=w.head, routing=_latest_routing(m), upheld=True, note="成立", reroute_to=w.mini.town_a
    ),
    (Status.OBJECTED, Status.ASSIGNED): lambda w, m: routing_objection_decide(
        actor=w.head,
        routing=_latest_routing(m),
        upheld=True,
        note="成立",
        reroute_to=w.mini.town_a,
        reroute_kind="assign",
        reroute_report_due=_report_due(),
    ),
    (Status.OBJECTED, Status.ACCEPTED): lambda w, m: routing_objection_decide(
        actor=w.head, routing=_latest_routing(m), upheld=False, note="不成立"
    ),
}
ALLOWED = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
# Statuses of intake and routing, walked here; the handling statuses (from "accepted" on) are
# walked by test_handling_states.py.
INTAKE_STATUSES = {Status.REGISTERED, Status.FORWARDED, Status.ASSIGNED, Status.OBJECTED}
# Merging into an earlier matter is the intake area's service (repeats), not triage's; moves out
# of the handling statuses belong to the handling services.
ELSEWHERE = {(Status.REGISTERED, Status.MERGED)} | {(s, t) for s, t in ALLOWED if s not in INTAKE_STATUSES}
REACHABLE = INTAKE_STATUSES | {Status.ACCEPTED, Status.NOT_ACCEPTED, Status.GUIDED}
REFUSED = [(s, t) for s in Status.values for t in Status.values if (s, t) not in ALLOWED and s in REACHABLE]


class TransitionTableTests:
    def test_every_allowed_move_has_a_service(self):
        assert set(MOVES) | ELSEWHERE == ALLOWED

    @pytest.mark.parametrize(("source", "target"), sorted(MOVES), ids=lambda v: str(v))
    def test_allowed_move_works_through_its_service(self, mini, source, target):
        world = build_world(mini)
        matter = reach(world, source)
        assert matter.status == source
        MOVES[(source, target)](world, matter)
        matter.refresh_from_db()
        assert matter.status == target

    @pytest.mark.parametrize(("source", "target"), REFUSED, ids=lambda v: str(v))
    def test_disallowed_move_is_refused_translated(self, mini, source, target):
        world = build_world(mini)
        matter = reach(world, source)
        with pytest.raises(ServiceError) as exc:
            matter_transition(matter=matter, to=target, actor=world.clerk, action="test.move")
        message = exc.value.messages[0]
        assert str(Status(source).label) in message and str(Status(target).label) in message
        matter.refresh_from_db()
        assert matter.status == source

    @pytest.mark.parametrize("terminal", [Status.ACCEPTED, Status.NOT_ACCEPTED, Status.GUIDED])
    def test_decided_matters_refuse_every_decision_service(self, mini, terminal):
        world = build_world(mini)
        matter = reach(world, terminal)
        for (source, _target), move in MOVES.items():
            if source != Status.REGISTERED:
                continue
            with pytest.raises(ServiceError) as exc:
                move(world, matter)
            assert exc.value.code in {"stale", "transition"}
        matter.refresh_from_db()
        assert matter.status == terminal
