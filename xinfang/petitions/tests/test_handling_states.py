"""The handling part of the state table (from "accepted" on), walked through the services.

1. Every allowed move out of a handling status has a service that makes it, and every other move
   is refused by `matter_transition` with a translated ServiceError (states.TRANSITIONS).
2. A stateful property test (hypothesis RuleBasedStateMachine): one matter at a time goes
   through random sequences of service calls (classify, procedure, records and hearings, extension
   request and decision, opinion, delivery, review and re-review requests in and out of the window,
   decisions, mediation, conclusion, termination, withdrawal, follow-up, evaluation, and time
   passing); refusals (ValidationError, ServiceError, PermissionDenied) change nothing, and no
   sequence reaches an illegal state (XF-DL-01/02, XF-OPN-01..04, XF-REV-01..07, XF-END-01).

Both run on SQLite and on PostgreSQL (the whole suite runs on both: `make test`, `make test-pg`)."""

from __future__ import annotations

import datetime
import itertools
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.errors import ServiceError
from xinfang.notices.kinds import Outcome
from xinfang.petitions.models import Extension, Matter, MediationReferral, Opinion, Review
from xinfang.petitions.services.common import matter_transition
from xinfang.petitions.services.handling import (
    evaluation_record,
    extension_decide,
    extension_request,
    follow_up_create,
    handling_record_add,
    matter_classify,
    matter_conclude,
    matter_procedure_set,
    matter_terminate,
    matter_withdraw,
    mediation_refer,
    mediation_result_record,
    opinion_deliver,
    opinion_issue,
)
from xinfang.petitions.services.review import review_decide, review_request
from xinfang.petitions.states import (
    CLOCK_HANDLING,
    CLOCK_REREVIEW,
    CLOCK_REREVIEW_WINDOW,
    CLOCK_REVIEW,
    CLOCK_REVIEW_WINDOW,
    CLOCK_SIMPLE_HANDLING,
    CLOSED_FOR_FOLLOW_UP,
    HANDLING_STATUSES,
    TRANSITIONS,
    EvaluationMethod,
    EvaluationStage,
    ExtensionStatus,
    FollowUpKind,
    LateReviewPolicy,
    MediationStatus,
    Nature,
    OpinionStage,
    Procedure,
    RecordKind,
    ReviewStage,
    ReviewStatus,
    Status,
    TrackProcedure,
)
from xinfang.workcalendar.models import Clock

from .handling_support import (
    OPINION,
    REVIEW_OPINION,
    HandlingWorld,
    accepted,
    build_handling_world,
    classified,
    final,
    in_rereview,
    in_review,
    replied,
    reviewed,
    status_moves,
)
from .handling_support import track as handling_track
from .triage_support import at, frozen

pytestmark = pytest.mark.django_db

ALLOWED = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
# The handling statuses: "accepted" and every status after it in the table (intake's are walked by
# test_routing_states.py).
HANDLING = [
    Status.ACCEPTED,
    Status.IN_MEDIATION,
    Status.ROUTED,
    Status.REPLIED,
    Status.IN_REVIEW,
    Status.REVIEWED,
    Status.IN_REREVIEW,
    Status.FINAL,
    Status.CONCLUDED,
    Status.TERMINATED,
    Status.WITHDRAWN,
]
TERMINAL = frozenset({Status.FINAL, Status.TERMINATED, Status.WITHDRAWN})
# The opinion a matter in each status must have (XF-OPN-01, XF-REV-02/04).
OPINION_NEEDED: dict[str, str] = {
    Status.REPLIED: OpinionStage.HANDLING,
    Status.IN_REVIEW: OpinionStage.HANDLING,
    Status.REVIEWED: OpinionStage.REVIEW,
    Status.IN_REREVIEW: OpinionStage.REVIEW,
    Status.FINAL: OpinionStage.REREVIEW,
}
HANDLING_CLOCKS = frozenset(
    {CLOCK_HANDLING, CLOCK_SIMPLE_HANDLING, CLOCK_REVIEW_WINDOW, CLOCK_REVIEW, CLOCK_REREVIEW_WINDOW, CLOCK_REREVIEW}
)
PAST = at(2026, 6, 1)  # a start far enough back for the 30-day windows to have passed by now


def _after(day: datetime.date) -> Any:
    """Django's clock on the day after `day`."""
    later = day + datetime.timedelta(days=1)
    return frozen(at(later.year, later.month, later.day))


def _window(matter: Matter, kind: str) -> datetime.date:
    return Clock.objects.get(
        object_type="petitions.matter", object_id=str(matter.pk), kind=kind, stopped_at__isnull=True
    ).due_date


def _holder(hw: HandlingWorld, matter: Matter) -> Any:
    """The handling officer of the organ holding the matter."""
    officers = {hw.town.pk: hw.town_officer, hw.housing.pk: hw.housing_officer, hw.government.pk: hw.gov_officer}
    return officers[matter.current_org_id]


def _review_org(hw: HandlingWorld, stage: str) -> tuple[Any, Any]:
    return (hw.housing, hw.housing_officer) if stage == ReviewStage.REVIEW else (hw.government, hw.gov_officer)


def _request(hw: HandlingWorld, matter: Matter, stage: str = ReviewStage.REVIEW) -> Any:
    org, actor = _review_org(hw, stage)
    return review_request(
        actor=actor,
        matter=matter,
        stage=stage,
        organisation=org,
        received_at=timezone.now(),
        request="不服，请求复查复核。",
    )


def _pending_review(matter: Matter) -> Review:
    return matter.reviews.get(status=ReviewStatus.PENDING)


# --- Ways into each handling status --------------------------------------------------------------


def _in_mediation(hw: HandlingWorld) -> Matter:
    matter = classified(hw)
    mediation_refer(actor=hw.town_officer, matter=matter, mediation_org=hw.mediation, consent_recorded=True)
    matter.refresh_from_db()
    return matter


def _routed(hw: HandlingWorld) -> Matter:
    matter = classified(hw, "litigation", receiving_body="测试区人民法院")
    matter.refresh_from_db()
    return matter


def _concluded_after_reply(hw: HandlingWorld) -> Matter:
    matter = replied(hw)[0]
    return matter_conclude(actor=hw.town_officer, matter=matter, note="已送达处理意见书。")


def _concluded_after_review(hw: HandlingWorld) -> Matter:
    matter = reviewed(hw)[0]
    return matter_conclude(actor=hw.housing_officer, matter=matter, note="已送达复查意见书。")


def _terminated(hw: HandlingWorld) -> Matter:
    return matter_terminate(actor=hw.town_officer, matter=_routed(hw), ground="已依法终结。")


def _withdrawn(hw: HandlingWorld) -> Matter:
    return matter_withdraw(actor=hw.town_officer, matter=accepted(hw), reason="信访人撤回。")


def _replied_long_ago(hw: HandlingWorld) -> Matter:
    with frozen(PAST):
        return replied(hw)[0]


def _reviewed_long_ago(hw: HandlingWorld) -> Matter:
    with frozen(PAST):
        return reviewed(hw)[0]


def _concluded_long_ago(hw: HandlingWorld) -> Matter:
    with frozen(PAST):
        return _concluded_after_reply(hw)


REACH: dict[str, Callable[[HandlingWorld], Matter]] = {
    Status.ACCEPTED: accepted,
    Status.IN_MEDIATION: _in_mediation,
    Status.ROUTED: _routed,
    Status.REPLIED: lambda hw: replied(hw)[0],
    Status.IN_REVIEW: lambda hw: in_review(hw)[0],
    Status.REVIEWED: lambda hw: reviewed(hw)[0],
    Status.IN_REREVIEW: lambda hw: in_rereview(hw)[0],
    Status.FINAL: final,
    Status.CONCLUDED: _concluded_after_reply,
    Status.TERMINATED: _terminated,
    Status.WITHDRAWN: _withdrawn,
}


def _terminate_after_window(hw: HandlingWorld, matter: Matter, kind: str, actor: Any) -> None:
    with _after(_window(matter, kind)):
        matter_terminate(actor=actor, matter=matter, ground="信访人逾期未请求。")


def _late_request_terminates(hw: HandlingWorld, matter: Matter) -> None:
    with (
        _after(_window(matter, CLOCK_REVIEW_WINDOW)),
        override_settings(XINFANG_LATE_REVIEW_POLICY=LateReviewPolicy.TERMINATE),
    ):
        _request(hw, matter)


# Every allowed move out of a handling status: how to reach the source, and the service that moves.
MOVES: dict[tuple[str, str], tuple[Callable[[HandlingWorld], Matter], Callable[[HandlingWorld, Matter], Any]]] = {
    (Status.ACCEPTED, Status.IN_MEDIATION): (
        lambda hw: classified(hw),
        lambda hw, m: mediation_refer(
            actor=hw.town_officer, matter=m, mediation_org=hw.mediation, consent_recorded=True
        ),
    ),
    (Status.ACCEPTED, Status.ROUTED): (
        accepted,
        lambda hw, m: matter_classify(
            actor=hw.town_officer, matter=m, track=handling_track("arbitration"), receiving_body="仲裁委员会"
        ),
    ),
    (Status.ACCEPTED, Status.REPLIED): (
        lambda hw: classified(hw),
        lambda hw, m: opinion_issue(actor=hw.town_officer, matter=m, **OPINION),
    ),
    (Status.ACCEPTED, Status.CONCLUDED): (
        lambda hw: classified(hw, "suggestion"),
        lambda hw, m: matter_conclude(actor=hw.town_officer, matter=m, note="建议已研究并答复。"),
    ),
    (Status.ACCEPTED, Status.WITHDRAWN): (
        accepted,
        lambda hw, m: matter_withdraw(actor=hw.town_officer, matter=m, reason="信访人撤回。"),
    ),
    (Status.IN_MEDIATION, Status.ACCEPTED): (
        _in_mediation,
        lambda hw, m: mediation_result_record(
            actor=hw.mediator, referral=m.mediations.get(), agreed=False, result="调解不成"
        ),
    ),
    (Status.IN_MEDIATION, Status.CONCLUDED): (
        _in_mediation,
        lambda hw, m: mediation_result_record(
            actor=hw.mediator, referral=m.mediations.get(), agreed=True, result="达成协议", agreement_kind="mediation"
        ),
    ),
    (Status.IN_MEDIATION, Status.WITHDRAWN): (
        _in_mediation,
        lambda hw, m: matter_withdraw(actor=hw.town_officer, matter=m, reason="信访人撤回。"),
    ),
    (Status.ROUTED, Status.CONCLUDED): (
        _routed,
        lambda hw, m: matter_conclude(actor=hw.town_officer, matter=m, note="已导入诉讼程序。"),
    ),
    (Status.ROUTED, Status.TERMINATED): (
        _routed,
        lambda hw, m: matter_terminate(actor=hw.town_officer, matter=m, ground="已依法终结。"),
    ),
    (Status.REPLIED, Status.IN_REVIEW): (lambda hw: replied(hw)[0], lambda hw, m: _request(hw, m)),
    (Status.REPLIED, Status.CONCLUDED): (
        lambda hw: replied(hw)[0],
        lambda hw, m: matter_conclude(actor=hw.town_officer, matter=m, note="已送达。"),
    ),
    (Status.REPLIED, Status.TERMINATED): (
        _replied_long_ago,
        lambda hw, m: _terminate_after_window(hw, m, CLOCK_REVIEW_WINDOW, hw.town_officer),
    ),
    (Status.IN_REVIEW, Status.REVIEWED): (
        lambda hw: in_review(hw)[0],
        lambda hw, m: review_decide(actor=hw.housing_officer, review=_pending_review(m), **REVIEW_OPINION),
    ),
    (Status.IN_REVIEW, Status.WITHDRAWN): (
        lambda hw: in_review(hw)[0],
        lambda hw, m: matter_withdraw(actor=hw.housing_officer, matter=m, reason="撤回复查请求。"),
    ),
    (Status.REVIEWED, Status.IN_REREVIEW): (
        lambda hw: reviewed(hw)[0],
        lambda hw, m: _request(hw, m, ReviewStage.REREVIEW),
    ),
    (Status.REVIEWED, Status.CONCLUDED): (
        lambda hw: reviewed(hw)[0],
        lambda hw, m: matter_conclude(actor=hw.housing_officer, matter=m, note="已送达。"),
    ),
    (Status.REVIEWED, Status.TERMINATED): (
        _reviewed_long_ago,
        lambda hw, m: _terminate_after_window(hw, m, CLOCK_REREVIEW_WINDOW, hw.housing_officer),
    ),
    (Status.IN_REREVIEW, Status.FINAL): (
        lambda hw: in_rereview(hw)[0],
        lambda hw, m: review_decide(actor=hw.gov_officer, review=_pending_review(m), **REVIEW_OPINION),
    ),
    (Status.IN_REREVIEW, Status.WITHDRAWN): (
        lambda hw: in_rereview(hw)[0],
        lambda hw, m: matter_withdraw(actor=hw.gov_officer, matter=m, reason="撤回复核请求。"),
    ),
    (Status.CONCLUDED, Status.IN_REVIEW): (_concluded_after_reply, lambda hw, m: _request(hw, m)),
    (Status.CONCLUDED, Status.IN_REREVIEW): (
        _concluded_after_review,
        lambda hw, m: _request(hw, m, ReviewStage.REREVIEW),
    ),
    (Status.CONCLUDED, Status.TERMINATED): (_concluded_long_ago, _late_request_terminates),
}
HANDLING_ALLOWED = {(source, target) for source, target in ALLOWED if source in HANDLING}
REFUSED = {source: [t for t in Status.values if (source, t) not in ALLOWED] for source in HANDLING}


class HandlingTransitionTableTests:
    def test_every_allowed_handling_move_has_a_service(self):
        """XF-OPN-01..04, XF-REV-01..07, XF-END-01: the table's handling moves all have a service."""
        assert set(MOVES) == HANDLING_ALLOWED
        assert set(REACH) == set(HANDLING)

    @pytest.mark.parametrize(("source", "target"), sorted(MOVES), ids=lambda v: str(v))
    def test_allowed_move_works_through_its_service(self, mini, source, target):
        """XF-OPN-01..04, XF-REV-01..07, XF-END-01: the move happens through the service, audited."""
        hw = build_handling_world(mini)
        reach, move = MOVES[(source, target)]
        matter = reach(hw)
        matter.refresh_from_db()
        assert matter.status == source
        move(hw, matter)
        matter.refresh_from_db()
        assert matter.status == target
        assert status_moves(matter)[-1] == (source, target)

    @pytest.mark.parametrize("source", HANDLING, ids=lambda v: str(v))
    def test_disallowed_moves_are_refused_translated(self, mini, source):
        """XF-REV-06 (final stays final), XF-END-01: any other move is refused, translated."""
        hw = build_handling_world(mini)
        matter = REACH[source](hw)
        matter.refresh_from_db()
        assert matter.status == source
        events = AuditEvent.objects.count()
        for target in REFUSED[source]:
            with pytest.raises(ServiceError) as exc:
                matter_transition(matter=matter, to=target, actor=hw.town_officer, action="test.move")
            assert exc.value.code == "transition"
            message = exc.value.messages[0]
            assert str(Status(source).label) in message and str(Status(target).label) in message, target
            assert matter.status == source
        matter.refresh_from_db()
        assert matter.status == source
        assert AuditEvent.objects.count() == events


# --- The stateful property test ------------------------------------------------------------------

REFUSALS = (ValidationError, PermissionDenied)  # ServiceError is a ValidationError
BASE = at(2026, 3, 2, 9)  # each example starts here; time then only moves forward


# The actions and the arguments each draws. `HandlingMachine` runs them in two ways: through rules
# whose preconditions pick the actions that make sense in the current status (so that examples go
# deep: opinion, delivery, review, re-review), and through one rule that runs any action in any
# status (so that refusals are exercised everywhere).
ACTIONS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "classify": st.fixed_dictionaries(
        {
            "code": st.sampled_from(["petition", "petition", "petition", "suggestion", "report", "litigation"]),
            "body": st.booleans(),
        }
    ),
    "procedure": st.fixed_dictionaries({"procedure": st.sampled_from(Procedure.values), "paper": st.booleans()}),
    "record": st.fixed_dictionaries(
        {
            "kind": st.sampled_from(RecordKind.values),
            "offset": st.integers(-3, 3),
            "days": st.integers(1, 3),
            "notice": st.booleans(),
        }
    ),
    "ask_extension": st.fixed_dictionaries({"days": st.sampled_from([5, 30, 31])}),
    "decide_extension": st.fixed_dictionaries({"approve": st.booleans(), "by_head": st.booleans()}),
    "opinion": st.fixed_dictionaries({"outcome": st.sampled_from(Outcome.values)}),
    "deliver": st.fixed_dictionaries({"method": st.sampled_from(["hand", "post", "sms"])}),
    "request_review": st.fixed_dictionaries(
        {
            "stage": st.sampled_from(ReviewStage.values),
            "right_body": st.booleans(),
            "late_reason": st.booleans(),
            "policy": st.sampled_from(LateReviewPolicy.values),
        }
    ),
    "decide_review": st.fixed_dictionaries({"outcome": st.sampled_from(Outcome.values)}),
    "refer_to_mediation": st.fixed_dictionaries({"consent": st.booleans()}),
    "mediation_result": st.fixed_dictionaries({"agreed": st.booleans()}),
    "conclude": st.fixed_dictionaries({}),
    "terminate": st.fixed_dictionaries({}),
    "withdraw": st.fixed_dictionaries({}),
    "follow_up": st.fixed_dictionaries({"kind": st.sampled_from(FollowUpKind.values)}),
    "evaluate": st.fixed_dictionaries(
        {
            "stage": st.sampled_from(EvaluationStage.values),
            "value": st.sampled_from(["satisfied", "basically_satisfied", "dissatisfied"]),
            "method": st.sampled_from(EvaluationMethod.values),
        }
    ),
}


POLICIES = st.sampled_from(LateReviewPolicy.values)


def _in(*statuses: str) -> Callable[[Any], bool]:
    return lambda machine: machine.status in statuses


def machine_for(hw: HandlingWorld) -> type[RuleBasedStateMachine]:
    class HandlingMachine(RuleBasedStateMachine):
        """One matter through random sequences of handling services."""

        def __init__(self) -> None:
            super().__init__()
            self.hw = hw
            self.now = BASE
            self.matter: Matter | None = None
            self.status = ""
            self.track = ""  # the procedure of the matter's track, "" before classification
            self.simplified = False
            self.terminal: str | None = None
            self.steps: list[str] = []

        # -- plumbing --

        def fresh(self) -> Matter:
            assert self.matter is not None
            return Matter.objects.select_related("current_org").get(pk=self.matter.pk)

        def attempt(self, name: str, call: Callable[[], Any], *, policy: str | None = None) -> None:
            """Run a service; a refusal must leave the matter and the audit log as they were."""
            before = (self.fresh().status, AuditEvent.objects.count())
            overrides = {"XINFANG_LATE_REVIEW_POLICY": policy} if policy else {}
            try:
                with frozen(self.now), override_settings(**overrides):
                    call()
            except REFUSALS:
                self.steps.append(f"{name}: refused")
                assert (self.fresh().status, AuditEvent.objects.count()) == before, (name, self.steps)
            else:
                self.steps.append(f"{name}: {self.fresh().status}")
            self.remember()

        def remember(self) -> None:
            """Keep what the preconditions look at."""
            matter = Matter.objects.select_related("track").get(pk=self.fresh().pk)
            self.status = matter.status
            self.track = matter.track.procedure if matter.track else ""
            self.simplified = matter.procedure == Procedure.SIMPLIFIED

        def holder(self) -> Any:
            return _holder(self.hw, self.fresh())

        def today(self) -> datetime.date:
            return timezone.localdate(self.now)

        def pending_extension(self) -> Extension | None:
            return Extension.objects.filter(matter_id=self.fresh().pk, status=ExtensionStatus.REQUESTED).first()

        def undelivered(self) -> Opinion | None:
            return Opinion.objects.filter(matter_id=self.fresh().pk, delivered_at__isnull=True).last()

        # -- the actions --

        def do_classify(self, code: str, body: bool) -> None:
            self.attempt(
                f"classify {code}",
                lambda: matter_classify(
                    actor=self.holder(),
                    matter=self.fresh(),
                    track=handling_track(code),
                    receiving_body="测试区人民法院" if body else "",
                    petitioner_deadline=self.today() + datetime.timedelta(days=30),
                ),
            )

        def do_procedure(self, procedure: str, paper: bool) -> None:
            self.attempt(
                f"procedure {procedure}",
                lambda: matter_procedure_set(
                    actor=self.holder(), matter=self.fresh(), procedure=procedure, reason="理由", paper_requested=paper
                ),
            )

        def do_record(self, kind: str, offset: int, days: int, notice: bool) -> None:
            start = self.today() + datetime.timedelta(days=offset)
            self.attempt(
                f"record {kind}",
                lambda: handling_record_add(
                    actor=self.holder(),
                    matter=self.fresh(),
                    kind=kind,
                    occurred_on=start,
                    end_date=start + datetime.timedelta(days=days - 1),
                    place="会议室",
                    summary="办理记录",
                    issue_notice=notice,
                ),
            )

        def do_ask_extension(self, days: int) -> None:
            self.attempt(
                f"extension {days}",
                lambda: extension_request(actor=self.holder(), matter=self.fresh(), days=days, reason="情况复杂"),
            )

        def do_decide_extension(self, approve: bool, by_head: bool) -> None:
            extension = self.pending_extension()
            if extension is None:
                return
            actor = self.hw.town_head if by_head else self.hw.town_officer
            self.attempt(
                f"extension decide {approve}",
                lambda: extension_decide(actor=actor, extension=extension, approve=approve),
            )

        def do_opinion(self, outcome: str) -> None:
            self.attempt(
                f"opinion {outcome}",
                lambda: opinion_issue(actor=self.holder(), matter=self.fresh(), **{**OPINION, "outcome": outcome}),
            )

        def do_deliver(self, method: str) -> None:
            opinion = self.undelivered()
            if opinion is None:
                return
            officers = {
                self.hw.town.pk: self.hw.town_officer,
                self.hw.housing.pk: self.hw.housing_officer,
                self.hw.government.pk: self.hw.gov_officer,
            }
            self.attempt(
                f"deliver {opinion.stage}",
                lambda: opinion_deliver(
                    actor=officers[opinion.organisation_id],
                    opinion=opinion,
                    method=method,
                    delivered_at=timezone.now(),
                    recipient="张三",
                ),
            )

        def do_request_review(self, stage: str, right_body: bool, late_reason: bool, policy: str) -> None:
            org, actor = _review_org(self.hw, stage) if right_body else (self.hw.mini.town_b, self.hw.town_officer)
            self.attempt(
                f"request {stage} ({policy})",
                lambda: review_request(
                    actor=actor,
                    matter=self.fresh(),
                    stage=stage,
                    organisation=org,
                    received_at=timezone.now(),
                    request="不服，请求复查复核。",
                    late_reason="住院治疗" if late_reason else "",
                ),
                policy=policy,
            )

        def do_decide_review(self, outcome: str) -> None:
            review = Review.objects.filter(matter_id=self.fresh().pk, status=ReviewStatus.PENDING).first()
            if review is None:
                return
            _org, actor = _review_org(self.hw, review.stage)
            self.attempt(
                f"decide {review.stage}",
                lambda: review_decide(actor=actor, review=review, **{**REVIEW_OPINION, "outcome": outcome}),
            )

        def do_refer_to_mediation(self, consent: bool) -> None:
            self.attempt(
                "mediation refer",
                lambda: mediation_refer(
                    actor=self.holder(), matter=self.fresh(), mediation_org=self.hw.mediation, consent_recorded=consent
                ),
            )

        def do_mediation_result(self, agreed: bool) -> None:
            referral = MediationReferral.objects.filter(
                matter_id=self.fresh().pk, status=MediationStatus.REFERRED
            ).first()
            if referral is None:
                return
            self.attempt(
                f"mediation result {agreed}",
                lambda: mediation_result_record(
                    actor=self.hw.mediator,
                    referral=referral,
                    agreed=agreed,
                    result="调解结果",
                    agreement_kind="settlement" if agreed else "",
                ),
            )

        def do_conclude(self) -> None:
            self.attempt("conclude", lambda: matter_conclude(actor=self.holder(), matter=self.fresh(), note="办结"))

        def do_terminate(self) -> None:
            self.attempt("terminate", lambda: matter_terminate(actor=self.holder(), matter=self.fresh(), ground="终结"))

        def do_withdraw(self) -> None:
            self.attempt("withdraw", lambda: matter_withdraw(actor=self.holder(), matter=self.fresh(), reason="撤回"))

        def do_follow_up(self, kind: str) -> None:
            matter = self.fresh()
            self.attempt(
                f"follow-up {kind}",
                lambda: follow_up_create(
                    actor=self.holder(),
                    matter=matter,
                    kind=kind,
                    organisation=matter.current_org,
                    description="后续工作",
                    due_date=self.today() + datetime.timedelta(days=5),
                ),
            )

        def do_evaluate(self, stage: str, value: str, method: str) -> None:
            # Online evaluations come from the portal (SYSTEM), but not "dissatisfied" ones: their
            # follow-up needs FollowUpTask.created_by nullable (see test_handling_services).
            online = method == EvaluationMethod.ONLINE and value != "dissatisfied"
            offline_method = EvaluationMethod.PHONE if method == EvaluationMethod.ONLINE else method
            self.attempt(
                f"evaluate {stage} {value}",
                lambda: evaluation_record(
                    actor=SYSTEM if online else self.holder(),
                    matter=self.fresh(),
                    stage=stage,
                    value=value,
                    method=method if online else offline_method,
                ),
            )

        # -- the rules --

        @initialize(
            nature=st.sampled_from([Nature.GRIEVANCE, Nature.GRIEVANCE, Nature.GRIEVANCE, Nature.SUGGESTION]),
            on_petition_track=st.booleans(),
        )
        def accept(self, nature: str, on_petition_track: bool) -> None:
            with frozen(self.now):
                self.matter = accepted(self.hw, nature=nature)
                if on_petition_track:
                    matter_classify(actor=self.hw.town_officer, matter=self.matter, track=handling_track("petition"))
            self.remember()

        @rule(days=st.sampled_from([1, 20, 35, 35, 65]))
        def time_passes(self, days: int) -> None:
            self.now += datetime.timedelta(days=days)
            self.steps.append(f"+{days}d")

        def do_advance(self, outcome: str, method: str, policy: str) -> None:
            """The next step of the ordinary course from the current status (for examples that go
            deep: opinion, delivery, review, decision, re-review, final)."""
            status = self.status
            if status == Status.ACCEPTED and not self.track:
                self.do_classify("petition", body=False)
            elif status == Status.ACCEPTED and self.track == TrackProcedure.PETITION:
                self.do_opinion(outcome)
            elif status in (Status.ACCEPTED, Status.ROUTED):
                self.do_conclude()
            elif status == Status.IN_MEDIATION:
                self.do_mediation_result(agreed=outcome == Outcome.SUPPORT)
            elif status in (Status.REPLIED, Status.REVIEWED) and self.undelivered() is not None:
                self.do_deliver(method)
            elif status in (Status.REPLIED, Status.REVIEWED):
                stage = ReviewStage.REVIEW if status == Status.REPLIED else ReviewStage.REREVIEW
                self.do_request_review(stage, right_body=True, late_reason=False, policy=policy)
            elif status in (Status.IN_REVIEW, Status.IN_REREVIEW):
                self.do_decide_review(outcome)
            elif status in CLOSED_FOR_FOLLOW_UP:
                self.do_follow_up(FollowUpKind.ASSISTANCE)

        @precondition(lambda self: self.status not in (Status.WITHDRAWN,))
        @rule(outcome=st.sampled_from(Outcome.values), method=st.sampled_from(["hand", "post", "sms"]), policy=POLICIES)
        def advance(self, outcome: str, method: str, policy: str) -> None:
            self.do_advance(outcome, method, policy)

        @precondition(lambda self: self.status not in (Status.WITHDRAWN,))
        @rule(outcome=st.sampled_from(Outcome.values), method=st.sampled_from(["hand", "post", "sms"]), policy=POLICIES)
        def advance_more(self, outcome: str, method: str, policy: str) -> None:
            self.do_advance(outcome, method, policy)

        @rule(data=st.data())
        def any_action(self, data: st.DataObject) -> None:
            name = data.draw(st.sampled_from(sorted(ACTIONS)))
            getattr(self, f"do_{name}")(**data.draw(ACTIONS[name]))

        @precondition(lambda self: self.status == Status.ACCEPTED and not self.track)
        @rule(kwargs=ACTIONS["classify"])
        def classify(self, kwargs: dict[str, Any]) -> None:
            self.do_classify(**kwargs)

        @precondition(_in(Status.ACCEPTED))
        @rule(kwargs=ACTIONS["procedure"])
        def procedure(self, kwargs: dict[str, Any]) -> None:
            self.do_procedure(**kwargs)

        @precondition(_in(Status.ACCEPTED, Status.IN_MEDIATION, Status.IN_REVIEW, Status.IN_REREVIEW))
        @rule(kwargs=ACTIONS["record"])
        def record(self, kwargs: dict[str, Any]) -> None:
            self.do_record(**kwargs)

        @precondition(lambda self: self.status in HANDLING_STATUSES and not self.simplified)
        @rule(kwargs=ACTIONS["ask_extension"])
        def ask_extension(self, kwargs: dict[str, Any]) -> None:
            self.do_ask_extension(**kwargs)

        @precondition(lambda self: self.pending_extension() is not None)
        @rule(kwargs=ACTIONS["decide_extension"])
        def decide_extension(self, kwargs: dict[str, Any]) -> None:
            self.do_decide_extension(**kwargs)

        @precondition(lambda self: self.status == Status.ACCEPTED and self.track == TrackProcedure.PETITION)
        @rule(kwargs=ACTIONS["opinion"])
        def opinion(self, kwargs: dict[str, Any]) -> None:
            self.do_opinion(**kwargs)

        @precondition(lambda self: self.undelivered() is not None)
        @rule(kwargs=ACTIONS["deliver"])
        def deliver(self, kwargs: dict[str, Any]) -> None:
            self.do_deliver(**kwargs)

        @precondition(_in(Status.REPLIED, Status.REVIEWED, Status.CONCLUDED))
        @rule(kwargs=ACTIONS["request_review"])
        def request_review(self, kwargs: dict[str, Any]) -> None:
            if self.status == Status.REPLIED:
                kwargs = {**kwargs, "stage": ReviewStage.REVIEW}
            elif self.status == Status.REVIEWED:
                kwargs = {**kwargs, "stage": ReviewStage.REREVIEW}
            self.do_request_review(**kwargs)

        @precondition(_in(Status.IN_REVIEW, Status.IN_REREVIEW))
        @rule(kwargs=ACTIONS["decide_review"])
        def decide_review(self, kwargs: dict[str, Any]) -> None:
            self.do_decide_review(**kwargs)

        @precondition(_in(Status.ACCEPTED))
        @rule(kwargs=ACTIONS["refer_to_mediation"])
        def refer_to_mediation(self, kwargs: dict[str, Any]) -> None:
            self.do_refer_to_mediation(**kwargs)

        @precondition(_in(Status.IN_MEDIATION))
        @rule(kwargs=ACTIONS["mediation_result"])
        def mediation_result(self, kwargs: dict[str, Any]) -> None:
            self.do_mediation_result(**kwargs)

        @precondition(
            lambda self: (
                self.status in (Status.ROUTED, Status.REPLIED, Status.REVIEWED)
                or (self.status == Status.ACCEPTED and self.track not in ("", TrackProcedure.PETITION))
            )
        )
        @rule()
        def conclude(self) -> None:
            self.do_conclude()

        @precondition(_in(Status.ROUTED, Status.REPLIED, Status.REVIEWED))
        @rule()
        def terminate(self) -> None:
            self.do_terminate()

        @precondition(_in(Status.CONCLUDED, Status.TERMINATED, Status.FINAL))
        @rule(kwargs=ACTIONS["follow_up"])
        def follow_up(self, kwargs: dict[str, Any]) -> None:
            self.do_follow_up(**kwargs)

        def teardown(self) -> None:
            if os.environ.get("XINFANG_SHOW_STEPS") and self.matter is not None:
                print(self.status, self.steps)

        # -- invariants --

        @invariant()
        def status_is_a_status_reached_by_allowed_moves(self) -> None:
            matter = self.fresh()
            assert matter.status in Status.values
            moves = status_moves(matter)
            for (_before, after), (next_before, _next_after) in itertools.pairwise(moves):
                assert after == next_before, (moves, self.steps)
            assert all(move in ALLOWED for move in moves), (moves, self.steps)
            assert moves[-1][1] == matter.status, (moves, self.steps)

        @invariant()
        def terminal_statuses_never_change(self) -> None:
            status = self.fresh().status
            if self.terminal is not None:
                assert status == self.terminal, self.steps
            elif status in TERMINAL:
                self.terminal = status

        @invariant()
        def at_most_one_extension_of_at_most_30_days(self) -> None:
            approved = list(Extension.objects.filter(matter_id=self.fresh().pk, status=ExtensionStatus.APPROVED))
            assert len(approved) <= 1 and all(e.days <= 30 for e in approved), self.steps
            assert Extension.objects.filter(matter_id=self.fresh().pk, status=ExtensionStatus.REQUESTED).count() <= 1

        @invariant()
        def clocks_fit_the_status(self) -> None:
            matter = self.fresh()
            running = Clock.objects.filter(object_type="petitions.matter", object_id=str(matter.pk), stopped_at=None)
            per_kind = dict(running.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
            assert all(n == 1 for n in per_kind.values()), (per_kind, self.steps)
            kinds = set(per_kind)
            if kinds & {CLOCK_HANDLING, CLOCK_SIMPLE_HANDLING}:
                assert matter.status in HANDLING_STATUSES, (kinds, matter.status, self.steps)
            assert not ({CLOCK_HANDLING, CLOCK_SIMPLE_HANDLING} <= kinds), self.steps
            if kinds & {CLOCK_REVIEW_WINDOW, CLOCK_REREVIEW_WINDOW}:
                assert matter.status in {Status.REPLIED, Status.REVIEWED, Status.CONCLUDED}, (kinds, self.steps)
            if CLOCK_REVIEW in kinds:
                assert matter.status == Status.IN_REVIEW, self.steps
            if CLOCK_REREVIEW in kinds:
                assert matter.status == Status.IN_REREVIEW, self.steps
            if matter.status in TERMINAL:
                # The intake's notice clocks (D2/D3) are the registering organs' own duty; every
                # clock of handling and review has stopped.
                assert not kinds & HANDLING_CLOCKS, (kinds, self.steps)

        @invariant()
        def opinions_fit_the_status(self) -> None:
            matter = self.fresh()
            stages = set(Opinion.objects.filter(matter_id=matter.pk).values_list("stage", flat=True))
            needed = OPINION_NEEDED.get(matter.status)
            if needed is not None:
                assert needed in stages, (matter.status, stages, self.steps)

        @invariant()
        def reviews_start_from_delivered_opinions(self) -> None:
            matter = self.fresh()
            for review in Review.objects.filter(matter_id=matter.pk).select_related("contested"):
                assert review.contested.delivered_at is not None, self.steps
            pending = list(Review.objects.filter(matter_id=matter.pk, status=ReviewStatus.PENDING))
            assert len(pending) <= 1, self.steps
            if matter.status in (Status.IN_REVIEW, Status.IN_REREVIEW):
                stage = ReviewStage.REVIEW if matter.status == Status.IN_REVIEW else ReviewStage.REREVIEW
                assert [r.stage for r in pending] == [stage], self.steps
            else:
                assert not pending, (matter.status, self.steps)

        @invariant()
        def mediation_open_only_in_mediation(self) -> None:
            matter = self.fresh()
            open_referrals = MediationReferral.objects.filter(matter_id=matter.pk, status=MediationStatus.REFERRED)
            assert open_referrals.exists() == (matter.status == Status.IN_MEDIATION), self.steps

    return HandlingMachine


def _examples() -> int:
    """25 examples in CI, 60 locally; XINFANG_HANDLING_EXAMPLES=500 for a long hunt."""
    if os.environ.get("XINFANG_HANDLING_EXAMPLES"):
        return int(os.environ["XINFANG_HANDLING_EXAMPLES"])
    return 25 if os.environ.get("CI") == "true" else 60


class HandlingPropertyTests:
    def test_no_sequence_of_services_reaches_an_illegal_state(self, mini):
        """XF-DL-01/02, XF-OPN-01..04, XF-REV-01..07, XF-END-01: every example drives a matter of its
        own through random service calls; the invariants hold after every step."""
        machine = machine_for(build_handling_world(mini))
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=_examples(),
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
