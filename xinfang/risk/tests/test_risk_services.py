"""Services of major decisions and their risk assessment: the list, the steps, the conclusion and the
outcome each risk level permits (RA-02, RA-03, RA-04, RA-06, RA-07), every write audited, bad
input refused with nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.core.errors import ServiceError
from xinfang.risk.models import Assessment, AssessmentStep, DecisionList, MajorDecision, StepDocument
from xinfang.risk.services import (
    StepData,
    assessment_conclude,
    assessment_start,
    assessment_step_record,
    decision_decide,
    decision_list_create,
    keywords_parse,
)
from xinfang.risk.states import (
    AssessmentStatus,
    DecisionStatus,
    Outcome,
    RiskLevel,
    StepKind,
    permitted_outcomes,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _actions(decision: MajorDecision) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="risk.majordecision", object_id=str(decision.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


class DecisionListTests:
    def test_one_list_per_government_and_year(self, risk):
        assert AuditEvent.objects.filter(action="risk.list_create", org_id=risk.mini.district.pk).count() == 1
        with pytest.raises(ServiceError) as exc:
            decision_list_create(actor=risk.bureau, organisation=risk.mini.district, year=2026)
        assert "已经存在" in str(exc.value)
        assert DecisionList.objects.count() == 1

    def test_only_district_town_or_street_keeps_a_list(self, risk):
        with pytest.raises(ServiceError):
            decision_list_create(actor=risk.bureau, organisation=risk.mini.village_a1, year=2026)

    def test_another_area_may_not_open_a_list(self, risk):
        with pytest.raises(PermissionDenied):
            decision_list_create(actor=risk.outsider, organisation=risk.mini.district, year=2027)
        with pytest.raises(PermissionDenied):
            decision_list_create(actor=risk.officer, organisation=risk.mini.district, year=2027)


class DecisionAddTests:
    def test_decisions_are_numbered_and_audited(self, risk):
        first = risk.add()
        second = risk.add(title="乙街道垃圾转运站选址", place=risk.mini.village_b1, project_code="")
        assert (first.number, second.number) == (1, 2)
        assert first.reference == "2026-001"
        assert first.organisation == risk.mini.district and first.status == DecisionStatus.LISTED
        assert first.keywords == ["旧村改造", "拆迁补偿"]
        assert _actions(first) == ["risk.decision_add"]

    def test_owner_and_place_lie_in_the_governments_area(self, risk):
        town_b_list = decision_list_create(actor=risk.bureau, organisation=risk.mini.town_b, year=2026)
        from xinfang.risk.services import DecisionData, decision_add

        with pytest.raises(ValidationError) as exc:
            decision_add(
                actor=risk.bureau,
                decision_list=town_b_list,
                data=DecisionData(title="某项目", owner_org=risk.mini.housing_bureau, place=risk.mini.village_a1),
            )
        assert set(exc.value.message_dict) == {"owner_org", "place"}
        assert MajorDecision.objects.count() == 0

    def test_bad_keywords_and_project_code_are_refused(self, risk):
        with pytest.raises(ValidationError) as exc:
            risk.add(keywords="拆", project_code="项目 1")
        assert set(exc.value.message_dict) == {"keywords", "project_code"}
        assert keywords_parse("旧村改造、拆迁补偿 旧村改造;征地") == ["旧村改造", "拆迁补偿", "征地"]


class StepTests:
    def test_first_step_starts_the_assessment_with_its_documents(self, risk):
        decision = risk.add()
        report = SimpleUploadedFile("风险识别报告.pdf", PDF, content_type="application/pdf")
        step = assessment_step_record(
            actor=risk.owner,
            decision=decision,
            data=StepData(
                kind=StepKind.IDENTIFICATION, date=timezone.localdate(), text="识别风险点 5 个。", documents=[report]
            ),
        )
        decision.refresh_from_db()
        assert decision.status == DecisionStatus.ASSESSING
        assert step.assessment.round == 1 and step.author == risk.owner and step.completed_at is not None
        assert [d.original_name for d in step.documents.all()] == ["风险识别报告.pdf"]
        assert _actions(decision) == ["risk.decision_add", "risk.assessment_start", "risk.step_record"]

    def test_a_bad_document_leaves_nothing_written(self, risk):
        decision = risk.add()
        exe = SimpleUploadedFile("a.pdf", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/pdf")
        with pytest.raises(ValidationError) as exc:
            assessment_step_record(
                actor=risk.owner,
                decision=decision,
                data=StepData(kind=StepKind.CONSULTATION, date=timezone.localdate(), text="座谈会", documents=[exe]),
            )
        assert "documents" in exc.value.message_dict
        decision.refresh_from_db()
        assert decision.status == DecisionStatus.LISTED
        assert not Assessment.objects.exists() and not AssessmentStep.objects.exists()
        assert not StepDocument.objects.exists()

    def test_future_date_and_empty_text_are_refused(self, risk):
        decision = risk.add()
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        with pytest.raises(ValidationError) as exc:
            assessment_step_record(
                actor=risk.owner, decision=decision, data=StepData(kind=StepKind.EXPERT, date=tomorrow, text="x")
            )
        assert "date" in exc.value.message_dict
        with pytest.raises(ValidationError):
            assessment_step_record(
                actor=risk.owner,
                decision=decision,
                data=StepData(kind=StepKind.EXPERT, date=timezone.localdate(), text="  "),
            )

    def test_only_the_owner_unit_or_the_decision_body_records_steps(self, risk):
        decision = risk.add()
        data = StepData(kind=StepKind.IDENTIFICATION, date=timezone.localdate(), text="识别")
        for user in (risk.outsider, risk.officer):
            with pytest.raises(PermissionDenied):
                assessment_step_record(actor=user, decision=decision, data=data)
        assessment_step_record(actor=risk.bureau, decision=decision, data=data)


class ConcludeTests:
    def test_ra02_required_steps_come_first(self, risk):
        decision = risk.add()
        assessment_step_record(
            actor=risk.owner,
            decision=decision,
            data=StepData(kind=StepKind.IDENTIFICATION, date=timezone.localdate(), text="识别"),
        )
        with pytest.raises(ServiceError) as exc:
            assessment_conclude(actor=risk.owner, decision=decision, level=RiskLevel.LOW, measures="", conclusion="可")
        assert "公众意见征询" in str(exc.value)
        decision.refresh_from_db()
        assert decision.status == DecisionStatus.ASSESSING

    @pytest.mark.parametrize("level", [RiskLevel.HIGH, RiskLevel.MEDIUM])
    def test_ra02_high_and_medium_need_measures(self, risk, level):
        with pytest.raises(ValidationError) as exc:
            risk.assessed(level, measures="")
        assert "measures" in exc.value.message_dict
        assert not MajorDecision.objects.filter(status=DecisionStatus.ASSESSED).exists()

    def test_conclusion_records_level_and_audit(self, risk):
        decision = risk.assessed(RiskLevel.MEDIUM)
        assessment = decision.assessments.get()
        assert decision.status == DecisionStatus.ASSESSED
        assert assessment.status == AssessmentStatus.CONCLUDED and assessment.level == RiskLevel.MEDIUM
        event = AuditEvent.objects.filter(action="risk.assessment_conclude").get()
        assert event.summary["after"]["level"] == "medium"


class OutcomeTableTests:
    """RA-03 [P], RA-06 and RA-07 [S]: the default table of settings.XINFANG_RISK_PERMITTED_OUTCOMES."""

    def test_default_table(self):
        assert permitted_outcomes(RiskLevel.HIGH) == [Outcome.POSTPONED, Outcome.REJECTED]
        assert permitted_outcomes(RiskLevel.MEDIUM) == [
            Outcome.APPROVED_WITH_MEASURES,
            Outcome.POSTPONED,
            Outcome.REJECTED,
        ]
        assert permitted_outcomes(RiskLevel.LOW) == list(Outcome.values)

    @pytest.mark.parametrize(
        ("level", "outcome", "allowed"),
        [
            (RiskLevel.HIGH, Outcome.APPROVED, False),
            (RiskLevel.HIGH, Outcome.APPROVED_WITH_MEASURES, False),
            (RiskLevel.HIGH, Outcome.POSTPONED, True),
            (RiskLevel.HIGH, Outcome.REJECTED, True),
            (RiskLevel.MEDIUM, Outcome.APPROVED, False),
            (RiskLevel.MEDIUM, Outcome.APPROVED_WITH_MEASURES, True),
            (RiskLevel.MEDIUM, Outcome.REJECTED, True),
            (RiskLevel.LOW, Outcome.APPROVED, True),
            (RiskLevel.LOW, Outcome.APPROVED_WITH_MEASURES, True),
        ],
    )
    def test_ra03_ra06_ra07_outcome_by_level(self, risk, level, outcome, allowed):
        decision = risk.assessed(level)
        if allowed:
            decision = decision_decide(actor=risk.bureau, decision=decision, outcome=outcome, note="常务会议研究")
            assert decision.status == DecisionStatus.DECIDED and decision.outcome == outcome
            assert _actions(decision)[-1] == "risk.decide"
        else:
            with pytest.raises(ServiceError):
                decision_decide(actor=risk.bureau, decision=decision, outcome=outcome)
            decision.refresh_from_db()
            assert decision.status == DecisionStatus.ASSESSED and decision.outcome == ""

    def test_ra03_approval_against_high_risk_is_refused_with_a_clear_error(self, risk):
        decision = risk.assessed(RiskLevel.HIGH)
        with pytest.raises(ServiceError) as exc:
            decision_decide(actor=risk.bureau, decision=decision, outcome=Outcome.APPROVED, note="同意")
        message = exc.value.message_dict["outcome"][0]
        assert "高风险" in message and "RA-03" in message and "暂缓实施" in message
        decision.refresh_from_db()
        assert decision.status == DecisionStatus.ASSESSED and decision.outcome_note == ""
        assert "risk.decide" not in _actions(decision)

    def test_ra06_medium_approval_needs_measures(self, risk, settings):
        settings.XINFANG_RISK_MEASURES_REQUIRED_LEVELS = []
        decision = risk.assessed(RiskLevel.MEDIUM, measures="")
        with pytest.raises(ServiceError) as exc:
            decision_decide(actor=risk.bureau, decision=decision, outcome=Outcome.APPROVED_WITH_MEASURES)
        assert "measures" in exc.value.message_dict
        decision = decision_decide(
            actor=risk.bureau,
            decision=decision,
            outcome=Outcome.APPROVED_WITH_MEASURES,
            measures="分期实施，先行公示。",
        )
        assert decision.outcome_measures == "分期实施，先行公示。"

    def test_ra06_measures_come_from_the_assessment_when_not_given(self, risk):
        decision = risk.assessed(RiskLevel.LOW, measures="做好解释工作。")
        decision = decision_decide(actor=risk.bureau, decision=decision, outcome=Outcome.APPROVED_WITH_MEASURES)
        assert decision.outcome_measures == "做好解释工作。"

    def test_the_table_is_configuration(self, risk, settings):
        settings.XINFANG_RISK_PERMITTED_OUTCOMES = {"high": ["rejected"], "medium": ["rejected"], "low": ["rejected"]}
        decision = risk.assessed(RiskLevel.LOW)
        with pytest.raises(ServiceError):
            decision_decide(actor=risk.bureau, decision=decision, outcome=Outcome.APPROVED)

    def test_only_the_decision_body_decides(self, risk):
        decision = risk.assessed(RiskLevel.LOW)
        with pytest.raises(PermissionDenied):
            decision_decide(actor=risk.owner, decision=decision, outcome=Outcome.APPROVED)

    def test_a_decision_is_taken_only_after_the_conclusion(self, risk):
        decision = risk.add()
        with pytest.raises(ServiceError):
            decision_decide(actor=risk.bureau, decision=decision, outcome=Outcome.REJECTED)


class ReassessmentTests:
    def test_ra03_ra07_adjusted_plan_is_assessed_again(self, risk):
        decision = risk.assessed(RiskLevel.HIGH)
        with pytest.raises(ValidationError):
            assessment_start(actor=risk.owner, decision=decision, reason="")
        second = assessment_start(actor=risk.owner, decision=decision, reason="方案调整：补偿标准提高，分两期实施。")
        decision.refresh_from_db()
        assert second.round == 2 and decision.status == DecisionStatus.ASSESSING
        assert decision.assessments.get(round=1).status == AssessmentStatus.SUPERSEDED
        for kind in (StepKind.IDENTIFICATION, StepKind.CONSULTATION):
            assessment_step_record(
                actor=risk.owner, decision=decision, data=StepData(kind=kind, date=timezone.localdate(), text="复评")
            )
        assessment_conclude(actor=risk.owner, decision=decision, level=RiskLevel.LOW, measures="", conclusion="可控")
        decision = decision_decide(actor=risk.bureau, decision=decision, outcome=Outcome.APPROVED)
        assert decision.status == DecisionStatus.DECIDED

    def test_a_decided_decision_takes_no_more_steps(self, risk):
        decision = risk.assessed(RiskLevel.LOW)
        decision_decide(actor=risk.bureau, decision=decision, outcome=Outcome.REJECTED)
        with pytest.raises(ServiceError):
            assessment_start(actor=risk.owner, decision=decision, reason="再评")
        with pytest.raises(ServiceError):
            assessment_step_record(
                actor=risk.owner,
                decision=decision,
                data=StepData(kind=StepKind.OTHER, date=timezone.localdate(), text="x"),
            )
