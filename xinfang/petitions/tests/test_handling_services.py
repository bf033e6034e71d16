"""The handling services rule by rule: classification into tracks (XF-CLS-01..04), the 60-day clock
(XF-DL-01) and its one extension (XF-DL-02), the written opinion (XF-OPN-01..03, XF-HDL-01),
mediation inside handling (XF-OPN-04), closure and follow-up (XF-END-01/02), the petitioner's
evaluation (XF-SAT-01/02), the simplified procedure (XF-SIMP-03..09), withdrawal, and the audit
event of every write (a refused call leaves neither rows nor events)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.errors import ServiceError
from xinfang.core.testing import make_user
from xinfang.notices.kinds import DocumentKind, Outcome
from xinfang.notices.models import Document
from xinfang.petitions.models import (
    Evaluation,
    Extension,
    FollowUpTask,
    HandlingRecord,
    HandlingTrack,
    Matter,
    MatterLink,
    MediationReferral,
    Opinion,
)
from xinfang.petitions.services.handling import (
    evaluation_record,
    extension_decide,
    extension_request,
    follow_up_close,
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
    running_clock,
    satisfaction_scale,
    simplified_obstacles,
    track_limit_state,
)
from xinfang.petitions.services.routing import matter_assign, routing_accept
from xinfang.petitions.states import (
    CLOCK_HANDLING,
    CLOCK_REVIEW_WINDOW,
    CLOCK_SIMPLE_HANDLING,
    AgreementKind,
    EvaluationMethod,
    EvaluationStage,
    ExtensionStatus,
    FollowUpKind,
    FollowUpStatus,
    LinkKind,
    MediationStatus,
    Nature,
    OpinionStage,
    Principle,
    Procedure,
    RecordKind,
    Status,
    TrackProcedure,
)
from xinfang.workcalendar.models import Clock, ClockAdjustment

from .handling_support import (
    OPINION,
    HandlingWorld,
    accepted,
    accepted_after_objection,
    accepted_here,
    accepted_litigation,
    actions,
    build_handling_world,
    calendar_due,
    classified,
    clock_of,
    date_text,
    final,
    in_rereview,
    in_review,
    matter_events,
    pdf_text,
    replied,
    reviewed,
    status_moves,
    the,
)
from .handling_support import track as handling_track
from .triage_support import BASIS, at, frozen, triaged

pytestmark = pytest.mark.django_db

REASON = "涉及多个部门，需要会同住建、人社部门联合调查核实。"


@pytest.fixture
def hw(mini: Any) -> HandlingWorld:
    return build_handling_world(mini)


def clocks(matter: Matter, kind: str) -> list[Clock]:
    return list(
        Clock.objects.filter(object_type="petitions.matter", object_id=str(matter.pk), kind=kind).order_by("id")
    )


def local(moment: datetime.datetime | None) -> datetime.date:
    assert moment is not None
    return timezone.localdate(moment)


# --- XF-CLS-01..04: classification --------------------------------------------------------------


class ClassificationTests:
    def test_xf_cls_04_petition_track_keeps_the_60_day_clock(self, hw):
        matter = accepted(hw)
        clock = clock_of(matter, CLOCK_HANDLING)
        matter = matter_classify(actor=hw.town_officer, matter=matter, track=handling_track("petition"))
        assert the(matter.track).code == "petition" and matter.status == Status.ACCEPTED
        assert running_clock(matter, CLOCK_HANDLING) == clock  # the same clock runs on
        event = matter_events(matter, "matter.classify")[-1]
        assert event.summary["after"]["procedure"] == TrackProcedure.PETITION

    def test_xf_cls_04_petition_track_starts_the_clock_from_acceptance(self, hw):
        # A matter triaged as a suggestion has no clock; put on the petition track, it gets one.
        matter = accepted(hw, nature=Nature.SUGGESTION)
        assert running_clock(matter, CLOCK_HANDLING) is None
        matter_classify(actor=hw.town_officer, matter=matter, track=handling_track("petition"))
        clock = clock_of(matter, CLOCK_HANDLING)
        assert clock is not None and clock.start_date == local(matter.accepted_at)
        assert clock.due_date == calendar_due(local(matter.accepted_at), 60)

    @pytest.mark.parametrize("code", ["suggestion", "report"])
    def test_xf_cls_01_02_suggestion_and_report_stop_the_clock_and_conclude_with_a_reply(self, hw, code):
        matter = accepted(hw)
        matter = matter_classify(actor=hw.town_officer, matter=matter, track=handling_track(code))
        assert running_clock(matter, CLOCK_HANDLING) is None
        [stopped] = clocks(matter, CLOCK_HANDLING)
        assert stopped.stop_reason == "matter.classify"
        with pytest.raises(ValidationError) as exc:
            matter_conclude(actor=hw.town_officer, matter=matter, note="  ")
        assert "note" in exc.value.message_dict
        matter = matter_conclude(actor=hw.town_officer, matter=matter, note="经研究，建议已部分采纳，书面回复信访人。")
        assert matter.status == Status.CONCLUDED and matter.closed_at is not None
        assert matter.closure_note == "经研究，建议已部分采纳，书面回复信访人。"
        assert ("accepted", "concluded") in [(m[0], m[1]) for m in _moves(matter)]

    def test_xf_cls_04_statutory_track_routes_the_matter(self, hw):
        matter = accepted(hw)
        deadline = timezone.localdate() + datetime.timedelta(days=40)
        matter = matter_classify(
            actor=hw.town_officer,
            matter=matter,
            track=handling_track("labour_arbitration"),
            receiving_body="测试区劳动人事争议仲裁委员会",
            petitioner_deadline=deadline,
            note="告知信访人向仲裁委员会申请仲裁。",
        )
        matter.refresh_from_db()
        assert matter.status == Status.ROUTED
        assert matter.track_receiving_body == "测试区劳动人事争议仲裁委员会"
        assert matter.track_petitioner_deadline == deadline
        assert running_clock(matter, CLOCK_HANDLING) is None
        event = matter_events(matter, "matter.classify")[-1]
        assert event.summary["before"]["status"] == Status.ACCEPTED
        assert event.summary["after"]["status"] == Status.ROUTED
        assert event.summary["petitioner_deadline"] == deadline.isoformat()

    def test_xf_cls_04_statutory_track_requires_the_receiving_body(self, hw):
        matter = accepted(hw)
        before = AuditEvent.objects.count()
        with pytest.raises(ValidationError) as exc:
            matter_classify(
                actor=hw.town_officer, matter=matter, track=handling_track("litigation"), receiving_body=" "
            )
        assert "receiving_body" in exc.value.message_dict
        matter.refresh_from_db()
        assert matter.status == Status.ACCEPTED and matter.track is None
        assert AuditEvent.objects.count() == before

    def test_xf_cls_04_petitioner_deadline_kept_only_on_a_statutory_track(self, hw):
        matter = accepted(hw)
        later = timezone.localdate() + datetime.timedelta(days=5)
        matter = matter_classify(
            actor=hw.town_officer, matter=matter, track=handling_track("petition"), petitioner_deadline=later
        )
        assert matter.track_petitioner_deadline is None

    @pytest.mark.parametrize(
        ("days", "expected"),
        [(None, ""), (-1, "past"), (0, "close"), (15, "close"), (16, "")],
    )
    def test_xf_cls_04_track_limit_state(self, days, expected):
        today = datetime.date(2026, 11, 27)
        matter = Matter(track_petitioner_deadline=None if days is None else today + datetime.timedelta(days=days))
        assert track_limit_state(matter, today) == expected

    @override_settings(XINFANG_TRACK_LIMIT_WARNING_DAYS=5)
    def test_xf_cls_04_track_limit_warning_days_is_configuration(self):
        today = datetime.date(2026, 11, 27)
        assert track_limit_state(Matter(track_petitioner_deadline=today + datetime.timedelta(days=5)), today) == "close"
        assert track_limit_state(Matter(track_petitioner_deadline=today + datetime.timedelta(days=6)), today) == ""

    def test_xf_cls_04_track_limit_state_defaults_to_today(self, hw):
        matter = accepted(hw)
        matter = matter_classify(
            actor=hw.town_officer,
            matter=matter,
            track=handling_track("litigation"),
            receiving_body="测试区人民法院",
            petitioner_deadline=timezone.localdate() - datetime.timedelta(days=1),
        )
        assert track_limit_state(matter) == "past"
        assert matter_events(matter, "matter.classify")[-1].summary["limit_state"] == "past"

    def test_xf_cls_04_inactive_track_is_refused(self, hw):
        matter = accepted(hw)
        inactive = handling_track("arbitration")
        inactive.is_active = False
        inactive.save()
        with pytest.raises(ValidationError) as exc:
            matter_classify(actor=hw.town_officer, matter=matter, track=inactive, receiving_body="仲裁委员会")
        assert "track" in exc.value.message_dict
        matter.refresh_from_db()
        assert matter.status == Status.ACCEPTED

    @pytest.mark.parametrize(
        ("procedure", "status", "runs_clock"),
        [(TrackProcedure.STATUTORY, Status.ROUTED, False), (TrackProcedure.PETITION, Status.ACCEPTED, True)],
    )
    def test_xf_cls_04_tracks_are_data(self, hw, procedure, status, runs_clock):
        new = HandlingTrack.objects.create(
            code=f"local_{procedure}",
            name="导入行政裁决程序" if procedure == TrackProcedure.STATUTORY else "按信访程序办理（本地）",
            procedure=procedure,
            receiving_body_hint="区人民政府",
        )
        matter = accepted(hw)
        matter = matter_classify(actor=hw.town_officer, matter=matter, track=new, receiving_body="测试区人民政府")
        matter.refresh_from_db()
        assert matter.track == new and matter.status == status
        assert (running_clock(matter, CLOCK_HANDLING) is not None) is runs_clock

    def test_xf_cls_04_classify_only_accepted_matters_by_their_handler(self, hw):
        matter, _opinion = replied(hw)
        with pytest.raises(ServiceError) as exc:
            matter_classify(actor=hw.town_officer, matter=matter, track=handling_track("suggestion"))
        assert exc.value.code == "status"
        other = accepted(hw)
        with pytest.raises(PermissionDenied):
            matter_classify(actor=hw.housing_officer, matter=other, track=handling_track("suggestion"))


def _moves(matter: Matter) -> list[tuple[str, str]]:
    return status_moves(matter)


# --- XF-DL-01: the 60-day clock ------------------------------------------------------------------


class HandlingClockTests:
    @pytest.mark.parametrize(
        "how", ["accepted_here", "accepted_by_recipient", "objection_rejected"], ids=lambda v: str(v)
    )
    def test_xf_dl_01_sixty_days_from_acceptance(self, hw, how):
        build = {
            "accepted_here": accepted_here,
            "accepted_by_recipient": accepted,
            "objection_rejected": accepted_after_objection,
        }[how]
        matter = build(hw)
        assert matter.status == Status.ACCEPTED and matter.handling_org_id == matter.current_org_id
        clock = clock_of(matter, CLOCK_HANDLING)
        assert clock is not None
        assert (clock.start_date, clock.period, clock.unit) == (local(matter.accepted_at), 60, "calendar")
        assert clock.due_date == calendar_due(local(matter.accepted_at), 60)

    def test_xf_dl_01_due_date_rolls_over_the_national_day_holiday(self, hw):
        # Accepted 2026-08-02: the 60th day is 2026-10-01, a holiday; the due date is the next
        # working day on the stored calendar.
        with frozen(at(2026, 8, 2, 10)):
            matter = accepted(hw)
        clock = clock_of(matter, CLOCK_HANDLING)
        assert clock.start_date == datetime.date(2026, 8, 2)
        assert clock.due_date == calendar_due(datetime.date(2026, 8, 2), 60)
        assert clock.due_date > datetime.date(2026, 10, 1)

    @pytest.mark.parametrize("nature", [Nature.SUGGESTION, Nature.REPORT])
    def test_xf_dl_01_no_clock_for_suggestions_and_reports(self, hw, nature):
        matter = accepted(hw, nature=nature)
        assert matter.status == Status.ACCEPTED
        assert clocks(matter, CLOCK_HANDLING) == []

    def test_xf_dl_01_no_clock_for_litigation_matters(self, hw):
        matter = accepted_litigation(hw)
        assert matter.status == Status.ACCEPTED
        assert clocks(matter, CLOCK_HANDLING) == []


# --- XF-DL-02: the extension ----------------------------------------------------------------------


class ExtensionTests:
    def test_xf_dl_02_at_most_30_days(self, hw):
        matter = classified(hw)
        with pytest.raises(ValidationError) as exc:
            extension_request(actor=hw.town_officer, matter=matter, days=31, reason=REASON)
        [message] = exc.value.message_dict["days"]
        assert "最多30日" in message and "XF-DL-02" in message
        for days in (0, -3, True):
            with pytest.raises(ValidationError):
                extension_request(actor=hw.town_officer, matter=matter, days=days, reason=REASON)
        assert not Extension.objects.filter(matter=matter).exists()
        assert extension_request(actor=hw.town_officer, matter=matter, days=30, reason=REASON).days == 30

    @override_settings(XINFANG_MAX_EXTENSION_DAYS=15)
    def test_xf_dl_02_limit_is_configuration(self, hw):
        matter = classified(hw)
        with pytest.raises(ValidationError) as exc:
            extension_request(actor=hw.town_officer, matter=matter, days=16, reason=REASON)
        assert "最多15日" in exc.value.message_dict["days"][0]

    def test_xf_dl_02_reason_required(self, hw):
        matter = classified(hw)
        with pytest.raises(ValidationError) as exc:
            extension_request(actor=hw.town_officer, matter=matter, days=10, reason="  ")
        assert "reason" in exc.value.message_dict

    def test_xf_dl_02_only_the_head_approves(self, hw):
        matter = classified(hw)
        extension = extension_request(actor=hw.town_officer, matter=matter, days=20, reason=REASON)
        assert "matter.extension_request" in actions(matter)
        for outsider in (hw.town_officer, hw.housing_head):
            with pytest.raises(PermissionDenied):
                extension_decide(actor=outsider, extension=extension, approve=True)
        extension.refresh_from_db()
        assert extension.status == ExtensionStatus.REQUESTED

    def test_xf_dl_02_approval_moves_the_clock_and_issues_doc_04(self, hw, tmp_path):
        matter = classified(hw)
        clock = clock_of(matter, CLOCK_HANDLING)
        original = clock.due_date
        extension = extension_request(actor=hw.town_officer, matter=matter, days=20, reason=REASON)
        extension = extension_decide(actor=hw.town_head, extension=extension, approve=True, note="同意")
        clock.refresh_from_db()
        assert extension.status == ExtensionStatus.APPROVED
        assert clock.due_date == calendar_due(clock.start_date, 80)
        assert (extension.original_due, extension.new_due) == (original, clock.due_date)
        [adjustment] = ClockAdjustment.objects.filter(clock=clock)
        assert (adjustment.kind, adjustment.days) == ("extension", 20)
        document = the(extension.document)
        assert document.kind == DocumentKind.EXTENSION and document.matter_id == matter.pk
        text = pdf_text(document, tmp_path)
        assert "".join(REASON.split()) in text
        assert date_text(clock.due_date) in text
        event = matter_events(matter, "matter.extension_approve")[-1]
        assert event.summary["after"]["due"] == clock.due_date.isoformat()
        assert "clock.extension" in actions(matter)

    def test_xf_dl_02_second_extension_refused(self, hw):
        matter = classified(hw)
        first = extension_request(actor=hw.town_officer, matter=matter, days=10, reason=REASON)
        extension_decide(actor=hw.town_head, extension=first, approve=True)
        with pytest.raises(ValidationError) as exc:
            extension_request(actor=hw.town_officer, matter=matter, days=10, reason=REASON)
        assert "只能延长一次" in exc.value.message_dict["days"][0]

    def test_xf_dl_02_refusal_then_a_new_request(self, hw):
        matter = classified(hw)
        first = extension_request(actor=hw.town_officer, matter=matter, days=10, reason=REASON)
        with pytest.raises(ValidationError):
            extension_request(actor=hw.town_officer, matter=matter, days=10, reason=REASON)  # one pending
        due = clock_of(matter, CLOCK_HANDLING).due_date
        first = extension_decide(actor=hw.town_head, extension=first, approve=False, note="理由不充分")
        assert first.status == ExtensionStatus.REFUSED and first.document is None
        assert clock_of(matter, CLOCK_HANDLING).due_date == due
        assert "matter.extension_refuse" in actions(matter)
        second = extension_request(actor=hw.town_officer, matter=matter, days=15, reason=REASON)
        with pytest.raises(ServiceError):
            extension_decide(actor=hw.town_head, extension=first, approve=True)  # already decided
        extension_decide(actor=hw.town_head, extension=second, approve=True)
        assert clock_of(matter, CLOCK_HANDLING).due_date == calendar_due(local(matter.accepted_at), 75)

    def test_xf_dl_02_no_request_after_the_due_date(self, hw):
        with frozen(at(2026, 6, 1)):
            matter = classified(hw)
        due = clock_of(matter, CLOCK_HANDLING).due_date
        with frozen(at(due.year, due.month, due.day, 16)):
            extension = extension_request(actor=hw.town_officer, matter=matter, days=5, reason=REASON)
        late = due + datetime.timedelta(days=1)
        with frozen(at(late.year, late.month, late.day)):
            with pytest.raises(ServiceError) as exc:
                extension_decide(actor=hw.town_head, extension=extension, approve=True)
            assert exc.value.code == "overdue"
            extension_decide(actor=hw.town_head, extension=extension, approve=False)
            with pytest.raises(ServiceError) as exc:
                extension_request(actor=hw.town_officer, matter=matter, days=5, reason=REASON)
            assert exc.value.code == "overdue"

    def test_xf_dl_02_simplified_procedure_cannot_be_extended(self, hw):
        matter = classified(hw)
        matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.SIMPLIFIED, reason="事实清楚")
        with pytest.raises(ServiceError) as exc:
            extension_request(actor=hw.town_officer, matter=matter, days=5, reason=REASON)
        assert exc.value.code == "simplified"

    def test_xf_dl_02_pending_request_ends_with_handling(self, hw):
        # A request still pending when the opinion is issued can no longer be approved, but it
        # can be refused, so that no request stays pending for ever.
        matter = classified(hw)
        extension = extension_request(actor=hw.town_officer, matter=matter, days=5, reason=REASON)
        opinion_issue(actor=hw.town_officer, matter=matter, **OPINION)
        with pytest.raises(ServiceError):
            extension_decide(actor=hw.town_head, extension=extension, approve=True)
        extension = extension_decide(actor=hw.town_head, extension=extension, approve=False)
        assert extension.status == ExtensionStatus.REFUSED


# --- XF-OPN-01..03, XF-HDL-01: the written opinion -------------------------------------------


class OpinionTests:
    @pytest.mark.parametrize("field", ["request", "facts_reasons", "opinion", "legal_basis"])
    def test_xf_opn_01_required_contents(self, hw, field):
        matter = classified(hw)
        before = AuditEvent.objects.count()
        with pytest.raises(ValidationError) as exc:
            opinion_issue(actor=hw.town_officer, matter=matter, **{**OPINION, field: " "})
        assert field in exc.value.message_dict
        assert not Opinion.objects.filter(matter=matter).exists()
        assert AuditEvent.objects.count() == before

    def test_xf_opn_02_outcome_is_one_of_three_and_xf_hdl_01_principle_required(self, hw):
        matter = classified(hw)
        with pytest.raises(ValidationError) as exc:
            opinion_issue(actor=hw.town_officer, matter=matter, **{**OPINION, "outcome": "partly", "principle": ""})
        assert {"outcome", "principle"} <= set(exc.value.message_dict)
        assert set(Outcome.values) == {"support", "explain", "not_support"}

    @pytest.mark.parametrize(
        ("outcome", "follow_up"),
        [
            (Outcome.SUPPORT, FollowUpKind.EXECUTION),
            (Outcome.NOT_SUPPORT, FollowUpKind.EXPLANATION),
            (Outcome.EXPLAIN, None),
        ],
    )
    def test_xf_opn_03_follow_up_of_each_outcome(self, hw, outcome, follow_up):
        matter = classified(hw)
        opinion = opinion_issue(actor=hw.town_officer, matter=matter, **{**OPINION, "outcome": outcome})
        tasks = list(FollowUpTask.objects.filter(matter=matter))
        if follow_up is None:
            assert tasks == []
        else:
            [task] = tasks
            assert task.kind == follow_up and task.organisation == hw.town
            assert task.due_date == calendar_due(local(opinion.issued_at), 10, "working")
            assert "matter.follow_up_create" in actions(matter)

    def test_xf_opn_01_doc_05_issued_and_handling_clock_stopped(self, hw, tmp_path):
        matter = classified(hw)
        opinion = opinion_issue(actor=hw.town_officer, matter=matter, **{**OPINION, "principle": Principle.RESOLVED})
        matter.refresh_from_db()
        assert matter.status == Status.REPLIED
        assert (opinion.stage, opinion.principle, opinion.organisation) == (
            OpinionStage.HANDLING,
            Principle.RESOLVED,
            hw.town,
        )
        assert the(opinion.document).kind == DocumentKind.HANDLING_OPINION
        text = pdf_text(the(opinion.document), tmp_path)
        assert "".join(OPINION["request"].split()) in text and "测试区住建局" in text  # review route named
        assert running_clock(matter, CLOCK_HANDLING) is None
        assert clocks(matter, CLOCK_HANDLING)[-1].stop_reason == "opinion.issue"
        event = matter_events(matter, "matter.opinion")[-1]
        assert event.summary["late"] is False and event.summary["principle"] == Principle.RESOLVED
        # The window starts at delivery, not at issue (XF-REV-01).
        assert running_clock(matter, CLOCK_REVIEW_WINDOW) is None

    def test_xf_opn_01_late_opinion_is_flagged(self, hw):
        with frozen(at(2026, 6, 1)):
            matter = classified(hw)
        with frozen(at(2026, 8, 20)):
            opinion_issue(actor=hw.town_officer, matter=matter, **OPINION)
        assert matter_events(matter, "matter.opinion")[-1].summary["late"] is True
        assert running_clock(matter, CLOCK_HANDLING) is None

    @pytest.mark.parametrize("code", ["suggestion", None])
    def test_xf_opn_01_only_on_the_petition_track(self, hw, code):
        matter = classified(hw, code) if code else accepted(hw)
        with pytest.raises(ValidationError) as exc:
            opinion_issue(actor=hw.town_officer, matter=matter, **OPINION)
        assert "__all__" in exc.value.message_dict
        assert not Opinion.objects.filter(matter=matter).exists()

    def test_xf_rev_01_delivery_cannot_precede_the_opinion_or_be_repeated(self, hw):
        matter = classified(hw)
        opinion = opinion_issue(actor=hw.town_officer, matter=matter, **OPINION)
        with pytest.raises(ValidationError):
            opinion_deliver(
                actor=hw.town_officer,
                opinion=opinion,
                method="hand",
                delivered_at=opinion.issued_at - datetime.timedelta(hours=1),
                recipient="张三",
            )
        opinion_deliver(
            actor=hw.town_officer, opinion=opinion, method="sms", delivered_at=timezone.now(), recipient="张三"
        )
        with pytest.raises(ServiceError) as exc:
            opinion_deliver(
                actor=hw.town_officer, opinion=opinion, method="hand", delivered_at=timezone.now(), recipient="张三"
            )
        assert exc.value.code == "delivered"
        kinds = set(Document.objects.filter(matter=matter).values_list("kind", flat=True))
        assert DocumentKind.DELIVERY_RECEIPT not in kinds  # SMS needs no 送达回证


# --- XF-OPN-04: mediation inside handling --------------------------------------------------------


class MediationTests:
    def test_xf_opn_04_consent_and_a_mediation_org_required(self, hw):
        matter = classified(hw)
        with pytest.raises(ValidationError) as exc:
            mediation_refer(actor=hw.town_officer, matter=matter, mediation_org=hw.housing, consent_recorded=False)
        assert {"consent_recorded", "mediation_org"} <= set(exc.value.message_dict)
        assert not MediationReferral.objects.filter(matter=matter).exists()

    def test_xf_opn_04_only_grievances(self, hw):
        matter = accepted(hw, nature=Nature.SUGGESTION)
        with pytest.raises(ValidationError):
            mediation_refer(actor=hw.town_officer, matter=matter, mediation_org=hw.mediation, consent_recorded=True)

    @pytest.mark.parametrize("kind", [AgreementKind.MEDIATION, AgreementKind.SETTLEMENT])
    def test_xf_opn_04_agreement_concludes(self, hw, kind):
        matter = classified(hw)
        referral = mediation_refer(
            actor=hw.town_officer, matter=matter, mediation_org=hw.mediation, consent_recorded=True
        )
        matter.refresh_from_db()
        assert matter.status == Status.IN_MEDIATION
        with pytest.raises(ValidationError) as exc:
            mediation_result_record(actor=hw.mediator, referral=referral, agreed=True, result="达成协议")
        assert "agreement_kind" in exc.value.message_dict
        referral = mediation_result_record(
            actor=hw.mediator, referral=referral, agreed=True, result="双方达成协议，分期支付。", agreement_kind=kind
        )
        matter.refresh_from_db()
        assert (referral.status, referral.agreement_kind) == (MediationStatus.AGREED, kind)
        assert matter.status == Status.CONCLUDED and matter.closed_at is not None
        assert running_clock(matter, CLOCK_HANDLING) is None
        assert _moves(matter)[-2:] == [(Status.ACCEPTED, Status.IN_MEDIATION), (Status.IN_MEDIATION, Status.CONCLUDED)]

    def test_xf_opn_04_failure_returns_to_handling_with_the_clock_running(self, hw):
        matter = classified(hw)
        clock = clock_of(matter, CLOCK_HANDLING)
        referral = mediation_refer(
            actor=hw.town_officer, matter=matter, mediation_org=hw.mediation, consent_recorded=True
        )
        assert running_clock(matter, CLOCK_HANDLING) == clock
        mediation_result_record(actor=hw.town_officer, referral=referral, agreed=False, result="调解不成")
        matter.refresh_from_db()
        assert matter.status == Status.ACCEPTED
        assert running_clock(matter, CLOCK_HANDLING) == clock
        with pytest.raises(ServiceError):
            mediation_result_record(actor=hw.mediator, referral=referral, agreed=False, result="again")

    def test_xf_opn_04_only_the_mediator_or_handler_records_the_result(self, hw):
        matter = classified(hw)
        referral = mediation_refer(
            actor=hw.town_officer, matter=matter, mediation_org=hw.mediation, consent_recorded=True
        )
        with pytest.raises(PermissionDenied):
            mediation_result_record(actor=hw.housing_officer, referral=referral, agreed=False, result="调解不成")


# --- XF-END-01/02: closure and follow-up ---------------------------------------------------------


class ClosureTests:
    def test_xf_end_01_follow_up_only_after_closure(self, hw):
        matter = classified(hw)
        due = timezone.localdate() + datetime.timedelta(days=10)
        with pytest.raises(ValidationError) as exc:
            follow_up_create(
                actor=hw.town_officer,
                matter=matter,
                kind=FollowUpKind.ASSISTANCE,
                organisation=hw.town,
                description="帮扶",
                due_date=due,
            )
        assert "__all__" in exc.value.message_dict

    @pytest.mark.parametrize("state", ["concluded", "terminated", "final"])
    def test_xf_end_01_02_follow_up_on_closed_matters(self, hw, state):
        if state == "final":
            matter = final(hw)
            actor, org = hw.gov_officer, hw.government
        else:
            matter = classified(hw, "litigation", receiving_body="测试区人民法院")
            actor, org = hw.town_officer, hw.town
            if state == "concluded":
                matter_conclude(actor=actor, matter=matter, note="已导入诉讼程序。")
            else:
                matter_terminate(actor=actor, matter=matter, ground="涉法涉诉事项已依法终结。")
        member = make_user((Role.HANDLING_OFFICER, org))
        due = timezone.localdate() + datetime.timedelta(days=10)
        with pytest.raises(ValidationError) as exc:
            follow_up_create(
                actor=actor,
                matter=matter,
                kind=FollowUpKind.ASSISTANCE,
                organisation=org,
                description="协助申请司法救助",
                due_date=due,
                assignee=hw.housing_officer,  # not a member of the organisation
            )
        assert "assignee" in exc.value.message_dict
        task = follow_up_create(
            actor=actor,
            matter=matter,
            kind=FollowUpKind.ASSISTANCE,
            organisation=org,
            description="协助申请司法救助（XF-END-02）",
            due_date=due,
            assignee=member,
        )
        assert task.status == FollowUpStatus.OPEN
        with pytest.raises(PermissionDenied):
            follow_up_close(actor=hw.housing_officer, task=task, result="已办")
        with pytest.raises(ValidationError):
            follow_up_close(actor=member, task=task, result=" ")
        task = follow_up_close(actor=member, task=task, result="已协助提交司法救助申请。")
        assert (task.status, task.closed_by, task.result) == (FollowUpStatus.DONE, member, "已协助提交司法救助申请。")
        with pytest.raises(ServiceError):
            follow_up_close(actor=member, task=task, result="again")
        assert {"matter.follow_up_create", "matter.follow_up_close"} <= set(actions(matter))

    def test_xf_end_01_follow_up_due_date_not_in_the_past(self, hw):
        matter = classified(hw, "litigation", receiving_body="测试区人民法院")
        matter_conclude(actor=hw.town_officer, matter=matter, note="已导入诉讼程序。")
        with pytest.raises(ValidationError) as exc:
            follow_up_create(
                actor=hw.town_officer,
                matter=matter,
                kind=FollowUpKind.EXPLANATION,
                organisation=hw.town,
                description="疏导",
                due_date=timezone.localdate() - datetime.timedelta(days=1),
            )
        assert "due_date" in exc.value.message_dict

    def test_xf_end_01_terminate_refused_while_the_review_window_is_open(self, hw):
        matter, _opinion = replied(hw)
        with pytest.raises(ValidationError) as exc:
            matter_terminate(actor=hw.town_officer, matter=matter, ground="逾期未请求复查。")
        assert "尚未届满" in exc.value.message_dict["__all__"][0]
        matter.refresh_from_db()
        assert matter.status == Status.REPLIED

    def test_xf_end_01_terminate_after_the_window_issues_doc_11(self, hw):
        with frozen(at(2026, 6, 1)):
            matter, opinion = replied(hw)
        window = clock_of(matter, CLOCK_REVIEW_WINDOW)
        after = window.due_date + datetime.timedelta(days=1)
        with frozen(at(after.year, after.month, after.day)):
            matter = matter_terminate(actor=hw.town_officer, matter=matter, ground="信访人逾期未请求复查。")
        assert matter.status == Status.TERMINATED
        document = Document.objects.get(matter=matter, kind=DocumentKind.TERMINATION)
        assert the(opinion.document).number in document.context["final_instruments"]
        assert running_clock(matter, CLOCK_REVIEW_WINDOW) is None

    def test_xf_end_01_reply_without_delivery_cannot_close(self, hw):
        matter, _opinion = replied(hw, deliver=False)
        with pytest.raises(ValidationError):
            matter_conclude(actor=hw.town_officer, matter=matter, note="已答复")
        with pytest.raises(ValidationError):
            matter_terminate(actor=hw.town_officer, matter=matter, ground="终结")

    def test_xf_rev_03_reviewed_matter_closes_only_on_its_delivered_review_opinion(self, hw):
        # Both opinions carry the same time: the review opinion is still the one that counts.
        with frozen(at(2026, 6, 1)):
            matter, _opinion = reviewed(hw, deliver=False)
            with pytest.raises(ValidationError):
                matter_conclude(actor=hw.housing_officer, matter=matter, note="已办结")
        with frozen(at(2026, 9, 1)), pytest.raises(ValidationError):
            matter_terminate(actor=hw.housing_officer, matter=matter, ground="终结")
        matter.refresh_from_db()
        assert matter.status == Status.REVIEWED

    def test_xf_end_01_conclude_a_replied_matter_keeps_the_window(self, hw):
        matter, _opinion = replied(hw)
        matter = matter_conclude(actor=hw.town_officer, matter=matter, note="已送达处理意见书。")
        assert matter.status == Status.CONCLUDED
        assert running_clock(matter, CLOCK_REVIEW_WINDOW) is not None

    def test_xf_end_01_petition_track_needs_an_opinion_to_conclude(self, hw):
        matter = classified(hw)
        with pytest.raises(ValidationError):
            matter_conclude(actor=hw.town_officer, matter=matter, note="已办结")

    def test_withdrawal_stops_every_clock(self, hw):
        """Withdrawal (XF-DL-01, XF-REV-02/04 clocks): every clock of the matter stops."""
        matter, review = in_review(hw)
        handling = accepted(hw)
        for subject in (matter, handling):
            running = Clock.objects.filter(
                object_type="petitions.matter", object_id=str(subject.pk), stopped_at__isnull=True
            )
            assert running.exists()
            with pytest.raises(ValidationError):
                matter_withdraw(actor=_handler(hw, subject), matter=subject, reason=" ")
            subject = matter_withdraw(actor=_handler(hw, subject), matter=subject, reason="信访人书面撤回。")
            assert subject.status == Status.WITHDRAWN
            assert not running.exists()
        review.refresh_from_db()
        assert review.status == "withdrawn"

    def test_xf_opn_04_withdrawal_during_mediation_closes_the_referral(self, hw):
        matter = classified(hw)
        referral = mediation_refer(
            actor=hw.town_officer, matter=matter, mediation_org=hw.mediation, consent_recorded=True
        )
        matter_withdraw(actor=hw.town_officer, matter=matter, reason="信访人撤回")
        referral.refresh_from_db()
        assert referral.status == MediationStatus.FAILED


def _handler(hw: HandlingWorld, matter: Matter) -> Any:
    return hw.housing_officer if matter.current_org_id == hw.housing.pk else hw.town_officer


# --- XF-SAT-01/02: evaluation --------------------------------------------------------------------

FIVE_VALUES = [
    ("very_satisfied", "非常满意", False),
    ("satisfied", "满意", False),
    ("neutral", "一般", False),
    ("dissatisfied", "不满意", True),
    ("very_dissatisfied", "非常不满意", True),
]


class EvaluationTests:
    def test_xf_sat_02_default_scale(self):
        assert [value for value, _label, _bad in satisfaction_scale()] == [
            "satisfied",
            "basically_satisfied",
            "dissatisfied",
        ]

    @override_settings(XINFANG_SATISFACTION_SCALE=FIVE_VALUES)
    def test_xf_sat_02_configured_five_value_scale(self, hw):
        assert [value for value, _label, _bad in satisfaction_scale()] == [v for v, _l, _b in FIVE_VALUES]
        matter, _opinion = replied(hw)
        with pytest.raises(ValidationError) as exc:
            evaluation_record(
                actor=SYSTEM,
                matter=matter,
                stage=EvaluationStage.HANDLING,
                value="basically_satisfied",
                method="online",
            )
        assert "value" in exc.value.message_dict
        evaluation = evaluation_record(
            actor=hw.town_officer,
            matter=matter,
            stage=EvaluationStage.HANDLING,
            value="very_dissatisfied",
            method="paper",
        )
        assert evaluation.is_dissatisfied and evaluation.follow_up is not None

    def test_xf_sat_01_online_evaluation_by_system(self, hw):
        matter, _opinion = replied(hw)
        evaluation = evaluation_record(
            actor=SYSTEM, matter=matter, stage=EvaluationStage.HANDLING, value="satisfied", method="online"
        )
        assert (evaluation.recorded_by, evaluation.method, evaluation.follow_up) == (None, "online", None)
        event = matter_events(matter, "matter.evaluate")[-1]
        assert event.actor_label == "system" and event.summary["value"] == "satisfied"

    def test_xf_sat_01_once_per_stage_and_stage_must_be_reached(self, hw):
        matter = classified(hw)
        with pytest.raises(ValidationError) as exc:
            evaluation_record(
                actor=hw.town_officer, matter=matter, stage=EvaluationStage.HANDLING, value="satisfied", method="phone"
            )
        assert "stage" in exc.value.message_dict
        first = evaluation_record(
            actor=hw.town_officer, matter=matter, stage=EvaluationStage.ACCEPTANCE, value="satisfied", method="phone"
        )
        assert (first.recorded_by, first.is_dissatisfied, first.follow_up) == (hw.town_officer, False, None)
        with pytest.raises(ValidationError):
            evaluation_record(
                actor=hw.town_officer,
                matter=matter,
                stage=EvaluationStage.ACCEPTANCE,
                value="dissatisfied",
                method="paper",
            )
        assert Evaluation.objects.filter(matter=matter).count() == 1
        assert "matter.evaluate" in actions(matter)

    @pytest.mark.parametrize(
        "method",
        [
            EvaluationMethod.ONLINE,
            EvaluationMethod.PHONE,
            EvaluationMethod.PAPER,
        ],
    )
    def test_xf_sat_02_dissatisfaction_opens_a_follow_up(self, hw, method):
        matter, _opinion = replied(hw)
        actor = SYSTEM if method == EvaluationMethod.ONLINE else hw.town_officer
        evaluation = evaluation_record(
            actor=actor,
            matter=matter,
            stage=EvaluationStage.HANDLING,
            value="dissatisfied",
            method=method,
            comment="工资仍未到位",
        )
        assert evaluation.method == method
        assert evaluation.recorded_by == (None if actor is SYSTEM else actor)
        task = the(evaluation.follow_up)
        assert task.kind == FollowUpKind.DISSATISFACTION and task.organisation == hw.town
        assert task.due_date == calendar_due(timezone.localdate(), 10, "working")

    def test_xf_sat_01_unknown_method_and_outsiders_refused(self, hw):
        matter, _opinion = replied(hw)
        with pytest.raises(ValidationError) as exc:
            evaluation_record(actor=SYSTEM, matter=matter, stage="handling", value="satisfied", method="email")
        assert "method" in exc.value.message_dict
        outsider = make_user((Role.HANDLING_OFFICER, hw.mini.town_b_office))
        with pytest.raises(PermissionDenied):
            evaluation_record(actor=outsider, matter=matter, stage="handling", value="satisfied", method="phone")


# --- XF-SIMP-03..09: the simplified procedure -----------------------------------------------------


class SimplifiedTests:
    def test_xf_simp_06_ten_working_days_from_acceptance(self, hw):
        matter = classified(hw)
        matter = matter_procedure_set(
            actor=hw.town_officer,
            matter=matter,
            procedure=Procedure.SIMPLIFIED,
            reason="事实清楚、责任明确",
            paper_requested=False,
        )
        assert matter.procedure == Procedure.SIMPLIFIED and matter.paper_requested is False
        assert running_clock(matter, CLOCK_HANDLING) is None
        clock = clock_of(matter, CLOCK_SIMPLE_HANDLING)
        assert (clock.start_date, clock.period, clock.unit) == (local(matter.accepted_at), 10, "working")
        assert clock.due_date == calendar_due(local(matter.accepted_at), 10, "working")
        event = matter_events(matter, "matter.procedure")[-1]
        assert event.summary["after"] == {"procedure": "simplified", "paper_requested": False}

    def test_xf_simp_07_paper_requested_recorded(self, hw):
        matter = classified(hw)
        matter = matter_procedure_set(
            actor=hw.town_officer,
            matter=matter,
            procedure=Procedure.SIMPLIFIED,
            reason="事实清楚",
            paper_requested=True,
        )
        matter.refresh_from_db()
        assert matter.paper_requested is True

    def test_xf_simp_09_converting_back_restarts_the_60_days_from_acceptance(self, hw):
        with frozen(at(2026, 6, 1)):
            matter = classified(hw)
            matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.SIMPLIFIED, reason="简单")
        with frozen(at(2026, 6, 10)):
            matter = matter_procedure_set(
                actor=hw.town_officer, matter=matter, procedure=Procedure.ORDINARY, reason="情况复杂，转普通程序"
            )
        assert running_clock(matter, CLOCK_SIMPLE_HANDLING) is None
        clock = clock_of(matter, CLOCK_HANDLING)
        assert clock.start_date == datetime.date(2026, 6, 1)
        assert clock.due_date == calendar_due(datetime.date(2026, 6, 1), 60)
        with pytest.raises(ValidationError):  # already ordinary
            matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.ORDINARY, reason="x")

    def test_xf_simp_09_converting_back_keeps_no_clock_for_a_suggestion(self, hw):
        matter = accepted(hw, nature=Nature.SUGGESTION)
        matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.SIMPLIFIED, reason="可当场答复")
        matter = matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.ORDINARY, reason="转")
        assert running_clock(matter, CLOCK_HANDLING) is None  # XF-DL-01: no 60 days for a suggestion

    def test_xf_simp_04_assigned_matters_excluded(self, hw):
        matter = triaged(hw.world, level="lower")
        routing = matter_assign(
            actor=hw.clerk,
            matter=matter,
            to_org=hw.town,
            report_due=timezone.localdate() + datetime.timedelta(days=30),
            basis=BASIS,
        )
        routing_accept(actor=hw.town_head, routing=routing)
        matter.refresh_from_db()
        assert simplified_obstacles(matter)
        with pytest.raises(ValidationError) as exc:
            matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.SIMPLIFIED, reason="简单")
        assert "交办" in " ".join(exc.value.message_dict["procedure"])
        matter.refresh_from_db()
        assert matter.procedure == Procedure.ORDINARY

    def test_xf_simp_04_group_matters_excluded(self, hw):
        matter = accepted(hw)
        Matter.objects.filter(pk=matter.pk).update(is_group=True)
        matter.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.SIMPLIFIED, reason="简单")
        assert "集体访" in " ".join(exc.value.message_dict["procedure"])

    def test_xf_simp_03_repeat_linked_matters_excluded(self, hw):
        earlier = accepted(hw)
        matter = accepted(hw)
        MatterLink.objects.create(
            matter=matter, other=earlier, kind=LinkKind.SAME_PETITIONER, reason="同一信访人", decided_by=hw.clerk
        )
        with pytest.raises(ValidationError) as exc:
            matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.SIMPLIFIED, reason="简单")
        assert "初次信访" in " ".join(exc.value.message_dict["procedure"])

    def test_xf_simp_03_extended_or_non_petition_matters_excluded(self, hw):
        matter = classified(hw)
        extension = extension_request(actor=hw.town_officer, matter=matter, days=5, reason=REASON)
        extension_decide(actor=hw.town_head, extension=extension, approve=True)
        assert any("延期" in reason for reason in simplified_obstacles(matter))
        suggestion = classified(hw, "suggestion")
        assert any("其他程序" in reason for reason in simplified_obstacles(suggestion))

    def test_xf_simp_05_reason_required_and_handler_decides(self, hw):
        matter = classified(hw)
        with pytest.raises(ValidationError) as exc:
            matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.SIMPLIFIED, reason="")
        assert "reason" in exc.value.message_dict
        with pytest.raises(PermissionDenied):
            matter_procedure_set(actor=hw.housing_officer, matter=matter, procedure=Procedure.SIMPLIFIED, reason="简单")

    def test_xf_simp_06_simplified_opinion_stops_the_short_clock(self, hw):
        matter = classified(hw)
        matter_procedure_set(actor=hw.town_officer, matter=matter, procedure=Procedure.SIMPLIFIED, reason="简单")
        opinion_issue(actor=hw.town_officer, matter=matter, **OPINION)
        assert running_clock(matter, CLOCK_SIMPLE_HANDLING) is None


# --- Handling records (XF-HDL-04 recusal, hearings during handling) ------------------------------


class HandlingRecordTests:
    def test_xf_hdl_04_xf_rev_05_records_during_handling_and_hearing_leaves_the_60_days(self, hw):
        matter = classified(hw)
        due = clock_of(matter, CLOCK_HANDLING).due_date
        today = timezone.localdate()
        record = handling_record_add(
            actor=hw.town_officer, matter=matter, kind=RecordKind.RECUSAL, occurred_on=today, summary="经办人回避"
        )
        assert record.organisation == hw.town and record.review is None
        hearing = handling_record_add(
            actor=hw.town_officer,
            matter=matter,
            kind=RecordKind.HEARING,
            occurred_on=today,
            end_date=today + datetime.timedelta(days=2),
            place="甲镇政府会议室",
            summary="公开听证",
        )
        assert hearing.end_date == today + datetime.timedelta(days=2)
        assert clock_of(matter, CLOCK_HANDLING).due_date == due
        assert matter_events(matter, "matter.record")[-1].summary["clock_paused"] is False

    def test_xf_hdl_04_record_validation(self, hw):
        matter = classified(hw)
        today = timezone.localdate()
        with pytest.raises(ValidationError) as exc:
            handling_record_add(
                actor=hw.town_officer,
                matter=matter,
                kind=RecordKind.INVESTIGATION,
                occurred_on=today + datetime.timedelta(days=1),
                summary="",
            )
        assert {"summary", "occurred_on"} <= set(exc.value.message_dict)
        with pytest.raises(ValidationError) as exc:
            handling_record_add(
                actor=hw.town_officer, matter=matter, kind=RecordKind.HEARING, occurred_on=today, summary="听证"
            )
        assert "place" in exc.value.message_dict
        assert not HandlingRecord.objects.filter(matter=matter).exists()


# --- Every write has its audit event; a refused write leaves nothing ------------------------------


class AuditTests:
    def test_every_handling_write_is_audited(self, hw):
        """XF-OPN-01, XF-REV-01..04: each step of the chain to final leaves its audit event."""
        matter = final(hw)
        recorded = actions(matter)
        for action in (
            "routing.accept",
            "clock.start",
            "matter.classify",
            "matter.opinion",
            "matter.opinion_deliver",
            "matter.review_request",
            "matter.review_decide",
            "matter.rereview_request",
            "matter.rereview_decide",
            "clock.stop",
        ):
            assert action in recorded, action
        for opinion in Opinion.objects.filter(matter=matter):
            assert AuditEvent.objects.filter(action="document.issue", object_id=str(opinion.document_id)).exists()

    def test_xf_rev_05_refused_hearing_leaves_neither_record_nor_event(self, hw):
        matter = _in_rereview(hw)
        today = timezone.localdate()
        hearing: dict[str, Any] = {"kind": RecordKind.HEARING, "place": "区政府会议室", "summary": "听证"}
        handling_record_add(
            actor=hw.gov_officer,
            matter=matter,
            occurred_on=today,
            end_date=today + datetime.timedelta(days=2),
            **hearing,
        )
        records, events, adjustments = (
            HandlingRecord.objects.count(),
            AuditEvent.objects.count(),
            ClockAdjustment.objects.count(),
        )
        with pytest.raises(ValidationError):
            handling_record_add(actor=hw.gov_officer, matter=matter, occurred_on=today, **hearing)  # overlaps
        assert (HandlingRecord.objects.count(), AuditEvent.objects.count(), ClockAdjustment.objects.count()) == (
            records,
            events,
            adjustments,
        )

    def test_refused_writes_leave_nothing(self, hw):
        """XF-END-01, XF-OPN-01: refused calls leave no event, document or opinion."""
        matter, _opinion = reviewed(hw)
        counts = (AuditEvent.objects.count(), Document.objects.count(), Opinion.objects.count())
        with pytest.raises(ValidationError):
            matter_terminate(actor=hw.housing_officer, matter=matter, ground="终结")  # window open
        with pytest.raises(ServiceError):
            opinion_issue(actor=hw.housing_officer, matter=matter, **OPINION)  # not accepted
        with pytest.raises(PermissionDenied):
            matter_conclude(actor=hw.town_officer, matter=matter, note="办结")  # not the holder any more
        assert (AuditEvent.objects.count(), Document.objects.count(), Opinion.objects.count()) == counts


def _in_rereview(hw: HandlingWorld) -> Matter:
    return in_rereview(hw)[0]
