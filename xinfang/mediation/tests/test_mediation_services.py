"""Mediation case services, one test (at least) per rule: MED-01 (voluntary: a refusal stops),
MED-02 (the configurable one-month period), MED-03 (failure tells the other routes), MED-04 (the
agreement needs its fields and every party's consent), MED-05 (the 30-day window for the joint
application for judicial confirmation: its clock, due soon, overdue), MED-06 (the court's result);
the source registry runs in the case's transaction; 访调对接 (H1) concludes the matter."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from xinfang.audit.models import AuditEvent
from xinfang.core.errors import ServiceError
from xinfang.mediation import services
from xinfang.mediation.models import MediationCase, MediationParty
from xinfang.mediation.selectors import case_clock_badges
from xinfang.mediation.services import (
    DEFAULT_ROUTES_NOTICE,
    OBJECT_TYPE,
    PartyData,
    mediation_agree,
    mediation_case_accept,
    mediation_case_refuse,
    mediation_fail,
    mediation_fulfilment_record,
    mediation_jc_apply,
    mediation_jc_result_record,
    mediation_party_add,
    mediation_party_consent_record,
    mediation_party_refuse,
    mediation_session_record,
    mediation_source_callback,
    mediation_source_register,
)
from xinfang.mediation.states import CLOCK_JC_WINDOW, CLOCK_PERIOD, CaseStatus, JcResult, PartyRole, SourceKind
from xinfang.workcalendar.models import Clock

from .conftest import AGREEMENT, frozen

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def _clock(case: MediationCase, kind: str) -> Any:
    return Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(case.pk), kind=kind).order_by("-id").first()


class OpenTests:
    def test_open_numbers_the_case_at_the_organisations_body_and_audits_without_names(self, med):
        case = med.open()
        assert case.status == CaseStatus.APPLIED and case.body == med.body
        assert case.organisation == med.mini.town_a and case.number.endswith("-00001")
        assert case.parties.count() == 2 and all(p.consent_recorded for p in case.parties.all())
        event = AuditEvent.objects.get(action="mediation_case.open", object_id=str(case.pk))
        assert "王五" not in str(event.summary) and "13800002222" not in str(event.summary)

    def test_open_needs_mediation_right_at_the_organisation(self, med):
        with pytest.raises(PermissionDenied):
            services.mediation_case_open(
                actor=med.outsider,
                organisation=med.mini.town_a,
                source_kind=SourceKind.WALK_IN,
                parties=[PartyData(name="王五", role=PartyRole.APPLICANT)],
                summary="纠纷",
                consent_recorded=True,
            )
        assert not MediationCase.objects.exists()

    def test_bad_input_lists_every_error_and_writes_nothing(self, med):
        with pytest.raises(ValidationError) as exc:
            services.mediation_case_open(
                actor=med.mediator_user,
                organisation=med.mini.town_a,
                source_kind="nowhere",
                parties=[PartyData(name="", role="boss")],
                summary=" ",
                consent_recorded=True,
            )
        errors = exc.value.message_dict
        assert {"source_kind", "summary", "parties[0]"} <= set(errors)
        assert not MediationCase.objects.exists() and not MediationParty.objects.exists()

    def test_an_organisation_without_a_body_is_refused(self, med):
        from xinfang.accounts.roles import Role
        from xinfang.core.testing import make_user

        user = make_user((Role.MEDIATOR, med.mini.village_a2))
        with pytest.raises(ValidationError) as exc:
            services.mediation_case_open(
                actor=user,
                organisation=med.mini.village_a2,
                source_kind=SourceKind.WALK_IN,
                parties=[PartyData(name="王五", role=PartyRole.APPLICANT)],
                summary="纠纷",
                consent_recorded=False,
            )
        assert "organisation" in exc.value.message_dict


class Med01VoluntaryTests:
    def test_med_01_a_party_refusing_before_acceptance_refuses_the_case(self, med):
        case = med.open(consent=False)
        party = case.parties.get(role=PartyRole.RESPONDENT)
        case = mediation_party_refuse(actor=med.mediator_user, party=party, note="明确表示不愿调解")
        assert case.status == CaseStatus.REFUSED and "第十七条" in case.refusal_reason
        with pytest.raises(ServiceError):
            mediation_case_accept(actor=med.mediator_user, case=case)

    def test_med_01_a_party_ending_mediation_fails_it_and_stops_the_period(self, med):
        case = med.accepted()
        party = case.parties.get(role=PartyRole.APPLICANT)
        case = mediation_party_refuse(actor=med.mediator_user, party=party)
        assert case.status == CaseStatus.FAILED and case.routes_notice == DEFAULT_ROUTES_NOTICE
        assert _clock(case, CLOCK_PERIOD).stopped_at is not None

    def test_med_01_consent_recorded_later_per_party(self, med):
        case = med.open(consent=False)
        for party in case.parties.all():
            mediation_party_consent_record(actor=med.mediator_user, party=party, note="书面申请")
        assert all(p.consent_recorded and p.consent_at for p in case.parties.all())


class Med02PeriodTests:
    def test_med_02_acceptance_starts_a_30_natural_day_clock(self, med):
        with frozen(datetime.datetime(2026, 3, 2, 10, tzinfo=SH)):
            case = med.accepted()
        clock = _clock(case, CLOCK_PERIOD)
        assert (clock.period, clock.unit, clock.start_date) == (30, "calendar", datetime.date(2026, 3, 2))
        assert clock.due_date == datetime.date(2026, 4, 1)

    def test_med_02_period_is_configurable(self, med, settings):
        settings.XINFANG_MEDIATION_PERIOD = (15, "working")
        with frozen(datetime.datetime(2026, 3, 2, 10, tzinfo=SH)):
            case = med.accepted()
        clock = _clock(case, CLOCK_PERIOD)
        assert (clock.period, clock.unit) == (15, "working")
        assert clock.due_date == datetime.date(2026, 3, 23)


class Med03FailureTests:
    def test_med_03_failure_stores_reason_and_routes_text(self, med):
        case = med.accepted()
        case = mediation_fail(actor=med.mediator_user, case=case, reason="双方对补偿金额分歧过大")
        assert case.status == CaseStatus.FAILED
        assert "仲裁、行政、司法" in case.routes_notice and case.ended_at
        assert _clock(case, CLOCK_PERIOD).stopped_at is not None

    def test_med_03_failure_needs_a_reason(self, med):
        case = med.accepted()
        with pytest.raises(ValidationError) as exc:
            mediation_fail(actor=med.mediator_user, case=case, reason="")
        assert "reason" in exc.value.message_dict
        case.refresh_from_db()
        assert case.status == CaseStatus.ACCEPTED


class Med04AgreementTests:
    def test_med_04_agreement_without_every_consent_is_refused_and_nothing_written(self, med):
        case = mediation_case_accept(actor=med.mediator_user, case=med.open(consent=False))
        mediation_party_consent_record(actor=med.mediator_user, party=case.parties.order_by("id")[0])
        with pytest.raises(ValidationError) as exc:
            mediation_agree(actor=med.mediator_user, case=case, **AGREEMENT)
        assert "未记录同意调解" in " ".join(exc.value.message_dict["__all__"])
        case.refresh_from_db()
        assert (
            case.status == CaseStatus.ACCEPTED and case.agreement_terms == "" and _clock(case, CLOCK_JC_WINDOW) is None
        )

    def test_med_04_agreement_needs_facts_terms_and_performance(self, med):
        case = med.accepted()
        with pytest.raises(ValidationError) as exc:
            mediation_agree(actor=med.mediator_user, case=case, facts="", terms=" ", performance="")
        assert {"facts", "terms", "performance"} <= set(exc.value.message_dict)

    def test_med_04_agreement_needs_two_parties(self, med):
        case = services.mediation_case_open(
            actor=med.mediator_user,
            organisation=med.mini.town_a,
            source_kind=SourceKind.WALK_IN,
            parties=[PartyData(name="王五", role=PartyRole.APPLICANT)],
            summary="纠纷",
            consent_recorded=True,
        )
        case = mediation_case_accept(actor=med.mediator_user, case=case)
        with pytest.raises(ValidationError):
            mediation_agree(actor=med.mediator_user, case=case, **AGREEMENT)
        mediation_party_add(
            actor=med.mediator_user,
            case=case,
            data=PartyData(name="赵六", role=PartyRole.RESPONDENT),
            consent_recorded=True,
        )
        case = mediation_agree(actor=med.mediator_user, case=case, **AGREEMENT)
        assert case.status == CaseStatus.AGREED

    def test_sessions_are_logged_and_move_the_case_in_session(self, med):
        case = med.accepted()
        held = datetime.datetime.now(tz=SH) - datetime.timedelta(hours=1)
        mediation_session_record(
            actor=med.mediator_user,
            case=case,
            held_at=held,
            place="甲镇调委会调解室",
            notes="双方陈述",
            mediators=[med.mediator],
        )
        mediation_session_record(actor=med.mediator_user, case=case, held_at=held, place="现场", notes="实地查看")
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_SESSION and case.sessions.count() == 2

    def test_fulfilment_follow_up(self, med):
        case = med.agreed()
        case = mediation_fulfilment_record(actor=med.mediator_user, case=case, fulfilled=False, note="尚未付款")
        assert case.status == CaseStatus.NOT_FULFILLED
        case = mediation_fulfilment_record(actor=med.mediator_user, case=case, fulfilled=True, note="已付清")
        assert case.status == CaseStatus.FULFILLED

    def test_refusal_with_reason(self, med):
        with pytest.raises(ValidationError):
            mediation_case_refuse(actor=med.mediator_user, case=med.open(), reason="")
        case = mediation_case_refuse(actor=med.mediator_user, case=MediationCase.objects.get(), reason="已起诉至法院")
        assert case.status == CaseStatus.REFUSED and case.refusal_reason == "已起诉至法院"


class Med05JudicialConfirmationTests:
    def test_med_05_agreement_starts_the_30_day_natural_window(self, med):
        with frozen(datetime.datetime(2026, 9, 1, 10, tzinfo=SH)):
            case = med.agreed()
        clock = _clock(case, CLOCK_JC_WINDOW)
        assert (clock.period, clock.unit, clock.start_date) == (30, "calendar", datetime.date(2026, 9, 1))
        # 2026-10-01 falls in the National Day holiday: the period ends on the next working day (CNT-03).
        assert clock.due_date == datetime.date(2026, 10, 8)
        assert _clock(case, CLOCK_PERIOD).stopped_at is not None

    def test_med_05_due_soon_and_overdue_badges(self, med):
        with frozen(datetime.datetime(2026, 3, 2, 10, tzinfo=SH)):
            case = med.agreed()
        due = _clock(case, CLOCK_JC_WINDOW).due_date
        assert case_clock_badges([case], today=due - datetime.timedelta(days=10))[case.pk][0].state == "running"
        assert case_clock_badges([case], today=due - datetime.timedelta(days=2))[case.pk][0].state == "due_soon"
        assert case_clock_badges([case], today=due + datetime.timedelta(days=1))[case.pk][0].state == "overdue"

    def test_med_05_application_in_the_window_stops_the_clock(self, med):
        with frozen(datetime.datetime(2026, 3, 2, 10, tzinfo=SH)):
            case = med.agreed()
        case = mediation_jc_apply(
            actor=med.mediator_user, case=case, applied_on=datetime.date(2026, 3, 20), court="测试区人民法院"
        )
        assert case.jc_applied_at == datetime.date(2026, 3, 20)
        assert _clock(case, CLOCK_JC_WINDOW).stopped_at is not None

    def test_med_05_late_application_is_refused_with_the_due_date(self, med):
        with frozen(datetime.datetime(2026, 3, 2, 10, tzinfo=SH)):
            case = med.agreed()
        with pytest.raises(ValidationError) as exc:
            mediation_jc_apply(
                actor=med.mediator_user, case=case, applied_on=datetime.date(2026, 4, 20), court="测试区人民法院"
            )
        assert "MED-05" in " ".join(exc.value.message_dict["applied_on"])
        case.refresh_from_db()
        assert case.jc_applied_at is None and _clock(case, CLOCK_JC_WINDOW).stopped_at is None

    def test_med_05_the_window_clock_is_swept(self, med):
        """The deadlines sweep recomputes every running provisional clock, mediation kinds included."""
        from xinfang.workcalendar.tasks import deadlines_sweep

        case = med.agreed()
        clock = _clock(case, CLOCK_JC_WINDOW)
        Clock.objects.filter(pk=clock.pk).update(is_provisional=True, due_date=datetime.date(2099, 1, 1))
        deadlines_sweep.call()
        clock.refresh_from_db()
        assert clock.due_date != datetime.date(2099, 1, 1)


class Med06ResultTests:
    def test_med_06_result_needs_an_application_first(self, med):
        case = med.agreed()
        with pytest.raises(ValidationError):
            mediation_jc_result_record(
                actor=med.mediator_user, case=case, result=JcResult.CONFIRMED, result_on=datetime.date.today()
            )

    def test_med_06_confirmed_and_rejected_results(self, med):
        case = med.agreed()
        today = datetime.datetime.now(tz=SH).date()
        case = mediation_jc_apply(actor=med.mediator_user, case=case, applied_on=today, court="测试区人民法院")
        case = mediation_jc_result_record(actor=med.mediator_user, case=case, result=JcResult.REJECTED, result_on=today)
        assert case.jc_result == JcResult.REJECTED and "提起诉讼" in case.jc_note
        with pytest.raises(ValidationError):
            mediation_jc_result_record(actor=med.mediator_user, case=case, result=JcResult.CONFIRMED, result_on=today)


class PermissionTests:
    def test_outsider_cannot_act_on_the_case(self, med):
        case = med.open()
        for call in (
            lambda: mediation_case_accept(actor=med.outsider, case=case),
            lambda: mediation_case_refuse(actor=med.outsider, case=case, reason="x"),
            lambda: mediation_party_refuse(actor=med.outsider, party=case.parties.order_by("id")[0]),
        ):
            with pytest.raises(PermissionDenied):
                call()
        case.refresh_from_db()
        assert case.status == CaseStatus.APPLIED


class RegistryTests:
    def test_callback_runs_in_the_same_transaction_and_a_failure_rolls_back(self, med):
        seen: list[tuple[str, bool]] = []
        previous = mediation_source_callback(SourceKind.COURT)

        def failing(case: MediationCase) -> None:
            seen.append((case.status, transaction.get_connection().in_atomic_block))
            raise ServiceError("法院系统拒收")

        mediation_source_register(SourceKind.COURT, on_result=failing)
        try:
            case = med.accepted(source_kind=SourceKind.COURT, source_id="(2026)粤0115民诉前调1号")
            with pytest.raises(ServiceError):
                mediation_agree(actor=med.mediator_user, case=case, **AGREEMENT)
        finally:
            if previous is not None:
                mediation_source_register(SourceKind.COURT, on_result=previous)
            else:
                services._SOURCE_CALLBACKS.pop(SourceKind.COURT, None)
        assert seen == [(CaseStatus.AGREED, True)]
        case.refresh_from_db()
        assert case.status == CaseStatus.ACCEPTED and case.agreed_at is None
        assert _clock(case, CLOCK_JC_WINDOW) is None
        assert not AuditEvent.objects.filter(action="mediation_case.agree").exists()

    def test_reconsideration_case_result_returns_through_the_registry(self, med):
        """P6: a reconsideration case sent to mediation comes back with the result."""
        results: list[tuple[str, str, object]] = []
        mediation_source_register(
            SourceKind.RECONSIDERATION,
            on_result=lambda case: results.append((case.source_id, case.status, getattr(case, "result_actor", None))),
        )
        try:
            case = med.accepted(source_kind=SourceKind.RECONSIDERATION, source_id="FY-2026-7", source_label="行政复议")
            mediation_fail(actor=med.mediator_user, case=case, reason="分歧")
        finally:
            services._SOURCE_CALLBACKS.pop(SourceKind.RECONSIDERATION, None)
        assert results == [("FY-2026-7", CaseStatus.FAILED, med.mediator_user)]
