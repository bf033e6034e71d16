"""Service tests per rule (regulations.md §1.15 XF-SUP-*, §1.16 XF-ACC-*, §4.5 DIS-*, XF-JUR-01,
XF-CLS-03): each writes through the real services on the real database and checks the audit log."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from xinfang.accounts.models import Membership
from xinfang.accounts.policies import forget_cached_scopes, user_can
from xinfang.accounts.roles import Action, Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.errors import ServiceError
from xinfang.notices.kinds import DocumentKind
from xinfang.orgs.models import Function, Kind
from xinfang.orgs.services import organisation_create
from xinfang.petitions.states import Nature
from xinfang.supervision import selectors, services
from xinfang.supervision.models import AccountabilityRecord, Referral, SupervisionOrder
from xinfang.supervision.states import (
    CLOCK_ORDER,
    CLOCK_REFERRAL,
    ORDER_OBJECT_TYPE,
    REFERRAL_OBJECT_TYPE,
    CloseOutcome,
    DecisionKind,
    FindingKind,
    FollowUpStatus,
    HandlingMode,
    Measure,
    OrderKind,
    OrderStatus,
    ReferralStatus,
)
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import deadline_compute

pytestmark = pytest.mark.django_db


def _actions(obj: object, prefix: str = "supervision.") -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower,  # type: ignore[attr-defined]
            object_id=str(obj.pk),  # type: ignore[attr-defined]
            action__startswith=prefix,
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


def _clock(object_type: str, pk: int, kind: str) -> Clock | None:
    return Clock.objects.filter(object_type=object_type, object_id=str(pk), kind=kind, stopped_at__isnull=True).first()


# --- Orders ------------------------------------------------------------------------------------


def test_xf_sup_03_order_on_a_matter_starts_the_30_day_feedback_clock_and_issues_the_instrument(sup):
    """XF-SUP-03 trigger, XF-SUP-05 written feedback (30 days legacy default, configuration), §1.15 督办单."""
    matter = sup.matter()
    order = sup.order(matter)
    assert order.number.startswith("DB") and order.status == OrderStatus.OPEN
    clock = _clock(ORDER_OBJECT_TYPE, order.pk, CLOCK_ORDER)
    assert clock is not None and (clock.period, clock.unit) == (30, "calendar")
    assert (
        order.due_date
        == clock.due_date
        == deadline_compute(start=timezone.localdate(), period=30, unit="calendar").due_date
    )
    document = order.document
    assert document.kind == DocumentKind.SUPERVISION and document.organisation == sup.mini.petition_bureau
    assert document.object_type == ORDER_OBJECT_TYPE and document.pdf_sha256
    assert matter.number in document.body and "测试区住建局" in document.body
    assert _actions(order) == ["supervision.order_open"]


@override_settings(XINFANG_SUPERVISION_PERIODS={"order": {"period": 10, "unit": "working"}})
def test_xf_sup_05_feedback_period_is_configuration(sup):
    order = sup.order()
    clock = _clock(ORDER_OBJECT_TYPE, order.pk, CLOCK_ORDER)
    assert clock is not None and (clock.period, clock.unit) == (10, "working")
    explicit = sup.order(period=15)
    assert explicit.period == 15


def test_xf_sup_03_order_validation_and_scope(sup):
    matter = sup.matter()
    with pytest.raises(ValidationError) as exc:
        sup.order(matter, target_org=sup.mini.town_b, trigger="nonsense", demands=" ")
    assert set(exc.value.message_dict) == {"target_org", "trigger", "demands"}
    with pytest.raises(PermissionDenied):
        sup.order(actor=sup.officer)
    # A supervisor of 乙街道 may not supervise a district bureau.
    with pytest.raises(ValidationError):
        sup.order(actor=sup.outsider, issuing_org=sup.mini.town_b_office)
    assert not SupervisionOrder.objects.exists()


def test_xf_sup_05_supervised_unit_answers_in_writing_and_the_supervisor_closes(sup):
    order = sup.order(sup.matter())
    with pytest.raises(PermissionDenied):
        services.order_answer(actor=sup.outsider, order=order, answer="x", adopted=True)
    with pytest.raises(ServiceError):
        services.order_close(actor=sup.supervisor, order=order, outcome=CloseOutcome.ACCEPTED)
    order = services.order_answer(actor=sup.officer, order=order, answer="已督促施工单位支付工资。", adopted=True)
    assert order.status == OrderStatus.ANSWERED and order.adopted is True and order.answered_by == sup.officer
    assert _clock(ORDER_OBJECT_TYPE, order.pk, CLOCK_ORDER) is None
    with pytest.raises(PermissionDenied):
        services.order_close(actor=sup.officer, order=order, outcome=CloseOutcome.RECTIFIED)
    order = services.order_close(actor=sup.supervisor, order=order, outcome=CloseOutcome.RECTIFIED, note="已核实。")
    assert order.status == OrderStatus.CLOSED and order.closed_at is not None
    assert _actions(order) == ["supervision.order_open", "supervision.order_answer", "supervision.order_close"]


def test_xf_sup_05_rejected_feedback_reopens_with_a_new_clock(sup):
    order = sup.order()
    services.order_answer(actor=sup.officer, order=order, answer="正在处理。", adopted=False)
    order = services.order_reopen(actor=sup.supervisor, order=order, note="反馈未说明整改措施。")
    assert order.status == OrderStatus.OPEN
    assert _clock(ORDER_OBJECT_TYPE, order.pk, CLOCK_ORDER) is not None


def test_xf_sup_02_escalation_opens_listed_supervision(sup):
    """XF-SUP-02 挂牌督办: the escalated order is listed, with its own clock and instrument."""
    order = sup.order(sup.matter())
    child = services.order_escalate(actor=sup.supervisor, order=order, reason="逾期未反馈，提级挂牌督办。")
    order.refresh_from_db()
    assert order.status == OrderStatus.ESCALATED
    assert _clock(ORDER_OBJECT_TYPE, order.pk, CLOCK_ORDER) is None
    assert child.kind == OrderKind.LISTED and child.parent == order and child.status == OrderStatus.OPEN
    # The city bureau is external and beyond the supervisor's scope: the district bureau lists it.
    assert child.issuing_org == sup.mini.petition_bureau
    assert _clock(ORDER_OBJECT_TYPE, child.pk, CLOCK_ORDER) is not None
    assert child.document is not None and "挂牌督办" in child.document.body
    with pytest.raises(ServiceError):
        services.order_escalate(actor=sup.supervisor, order=order, reason="again")


def test_xf_sup_02_escalation_goes_to_the_next_level_bureau(sup):
    town_supervisor = sup.outsider
    order = sup.order(
        actor=town_supervisor, issuing_org=sup.mini.town_b_office, target_org=sup.mini.village_b1, matter=None
    )
    assert services.next_level_bureau(sup.mini.town_b_office) == sup.mini.petition_bureau
    # The town's supervisor has no power at the district bureau: not in its name.
    with pytest.raises(ServiceError):
        services.order_escalate(
            actor=town_supervisor, order=order, reason="未整改", issuing_org=sup.mini.petition_bureau
        )
    child = services.order_escalate(actor=sup.supervisor, order=order, reason="未整改")
    assert child.issuing_org == sup.mini.petition_bureau and child.kind == OrderKind.LISTED


def test_xf_sup_02_without_power_above_the_same_level_lists_it(sup):
    order = sup.order(actor=sup.outsider, issuing_org=sup.mini.town_b_office, target_org=sup.mini.village_b1)
    child = services.order_escalate(actor=sup.outsider, order=order, reason="未整改")
    assert child.issuing_org == sup.mini.town_b_office and child.kind == OrderKind.LISTED


def test_xf_cls_03_order_on_a_report_is_hidden_from_the_reported_official(sup):
    from xinfang.core.testing import make_user

    reported = make_user((Role.HANDLING_OFFICER, sup.mini.petition_bureau))
    colleague = make_user((Role.HANDLING_OFFICER, sup.mini.petition_bureau))
    matter = sup.matter(nature=Nature.REPORT, reported_users=[reported], forward=False)
    order = sup.order(matter, actor=sup.leader, issuing_org=sup.mini.district, target_org=sup.mini.petition_bureau)
    assert selectors.order_list(user=colleague).filter(pk=order.pk).exists()
    assert not selectors.order_list(user=reported).filter(pk=order.pk).exists()
    # The unit a report is about is never made to answer an order on it.
    on_unit = sup.matter(nature=Nature.REPORT, reported_orgs=[sup.mini.petition_bureau], forward=False)
    with pytest.raises(ValidationError) as exc:
        sup.order(on_unit, actor=sup.leader, issuing_org=sup.mini.district, target_org=sup.mini.petition_bureau)
    assert "XF-CLS-03" in str(exc.value)


# --- Appointments ------------------------------------------------------------------------------


def test_supervisor_appointment_grants_and_revokes_the_membership(sup):
    cadre = sup.officer
    assert not user_can(cadre, Action.MATTER_SUPERVISE)
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.appointment_create(
            actor=sup.supervisor, user=cadre, organisation=sup.mini.petition_bureau, starts_on=today, ends_on=today
        )
    appointment = services.appointment_create(
        actor=sup.admin,
        user=cadre,
        organisation=sup.mini.petition_bureau,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=365),
        note="新提拔干部任信访督查专员",
    )
    membership = appointment.membership
    assert membership is not None and membership.role == Role.SUPERVISOR and membership.is_active
    forget_cached_scopes(cadre)
    assert user_can(cadre, Action.MATTER_SUPERVISE, sup.mini.housing_bureau)
    # Nothing to do until the period ends; then the membership is revoked.
    assert services.appointment_sync(actor=SYSTEM, today=today) == (0, 0)
    assert services.appointment_sync(actor=SYSTEM, today=today + datetime.timedelta(days=366)) == (0, 1)
    assert not Membership.objects.get(pk=membership.pk).is_active
    with pytest.raises(ValidationError):
        services.appointment_create(
            actor=sup.admin,
            user=cadre,
            organisation=sup.mini.petition_bureau,
            starts_on=today,
            ends_on=today - datetime.timedelta(days=1),
        )


def test_future_appointment_is_granted_on_its_first_day(sup):
    today = timezone.localdate()
    start = today + datetime.timedelta(days=10)
    appointment = services.appointment_create(
        actor=sup.admin,
        user=sup.officer,
        organisation=sup.mini.petition_bureau,
        starts_on=start,
        ends_on=start + datetime.timedelta(days=30),
    )
    assert appointment.membership is None
    assert services.appointment_sync(actor=SYSTEM, today=start) == (1, 0)
    appointment.refresh_from_db()
    assert appointment.membership is not None and appointment.membership.is_active


# --- Referral to discipline inspection ---------------------------------------------------------


def test_dis_01_referral_seals_the_case_file_and_verify_recomputes_the_hash(sup):
    """DIS-01 referral of a report; the case file (timeline, documents, audit extract) sealed by SHA-256."""
    matter = sup.matter(nature=Nature.REPORT, reported_users=[sup.official], forward=False)
    referral = services.referral_create(
        actor=sup.bureau,
        matter=matter,
        sending_org=sup.mini.petition_bureau,
        discipline_org=sup.discipline,
        reason="反映公职人员违纪问题。",
    )
    content = referral.content
    assert content["matter"]["number"] == matter.number
    assert content["timeline"] and all(len(e["hash"]) == 64 for e in content["timeline"])
    assert "张三" not in str(content) and "440115199001011234" not in str(content)
    assert referral.content_sha256 == services.content_hash(content) and len(referral.content_sha256) == 64
    result = services.referral_verify(actor=sup.bureau, referral=referral)
    assert result.sealed_ok and result.unchanged
    # Tampering with the stored case file is detected.
    Referral.objects.filter(pk=referral.pk).update(content={**content, "matter": {**content["matter"], "facts": "改"}})
    referral.refresh_from_db()
    tampered = services.referral_verify(actor=sup.bureau, referral=referral)
    assert not tampered.sealed_ok and tampered.computed != referral.content_sha256
    referral.refresh_from_db()
    assert referral.last_verified_ok is False
    assert _actions(referral) == [
        "supervision.referral_create",
        "supervision.referral_verify",
        "supervision.referral_verify",
    ]


def test_dis_01_02_only_reports_go_to_a_discipline_body(sup):
    matter = sup.matter(forward=False)
    with pytest.raises(ValidationError) as exc:
        services.referral_create(
            actor=sup.bureau,
            matter=matter,
            sending_org=sup.mini.petition_bureau,
            discipline_org=sup.mini.housing_bureau,
            reason="",
        )
    assert set(exc.value.message_dict) == {"discipline_org", "matter", "reason"}
    with pytest.raises(PermissionDenied):
        services.referral_create(
            actor=sup.officer,
            matter=matter,
            sending_org=sup.mini.petition_bureau,
            discipline_org=sup.discipline,
            reason="x",
        )


def test_dis_03_five_working_day_clock_when_the_referral_crosses_levels(sup):
    """DIS-03 (D42/D43): 5 working days, stopped when the discipline body records receipt."""
    matter = sup.matter(nature=Nature.DISCIPLINE, forward=False)
    same_level = services.referral_create(
        actor=sup.bureau,
        matter=matter,
        sending_org=sup.mini.petition_bureau,
        discipline_org=sup.discipline,
        reason="移送。",
    )
    assert not same_level.clock_applies and _clock(REFERRAL_OBJECT_TYPE, same_level.pk, CLOCK_REFERRAL) is None
    town_office = sup.mini.town_a_office
    town_bureau = services.Organisation.objects.get(pk=town_office.pk)
    crossing = services.referral_create(
        actor=sup.bureau, matter=matter, sending_org=town_bureau, discipline_org=sup.discipline, reason="移送上级。"
    )
    clock = _clock(REFERRAL_OBJECT_TYPE, crossing.pk, CLOCK_REFERRAL)
    assert crossing.clock_applies and clock is not None and (clock.period, clock.unit) == (5, "working")
    assert clock.due_date == deadline_compute(start=timezone.localdate(), period=5, unit="working").due_date
    services.referral_receive(actor=sup.bureau, referral=crossing)
    assert _clock(REFERRAL_OBJECT_TYPE, crossing.pk, CLOCK_REFERRAL) is None
    done = services.referral_feedback(
        actor=sup.bureau, referral=crossing, handling_mode=HandlingMode.VERIFICATION, feedback="已初步核实。"
    )
    assert done.status == ReferralStatus.CONCLUDED and done.handling_mode == HandlingMode.VERIFICATION
    with pytest.raises(ServiceError):
        services.referral_feedback(actor=sup.bureau, referral=done, handling_mode=HandlingMode.CLOSE, feedback="x")


def test_xf_cls_03_referral_hidden_from_the_reported_official_even_with_the_right(sup):
    matter = sup.matter(nature=Nature.REPORT, reported_users=[sup.supervisor], forward=False)
    referral = services.referral_create(
        actor=sup.bureau,
        matter=matter,
        sending_org=sup.mini.petition_bureau,
        discipline_org=sup.discipline,
        reason="移送。",
    )
    assert selectors.referral_list(user=sup.bureau).filter(pk=referral.pk).exists()
    assert not selectors.referral_list(user=sup.supervisor).filter(pk=referral.pk).exists()


# --- Accountability records --------------------------------------------------------------------


def _record(sup, **overrides):  # type: ignore[no-untyped-def]
    values = {
        "actor": sup.bureau,
        "organisation": sup.mini.petition_bureau,
        "subject_org": sup.mini.housing_bureau,
        "finding": FindingKind.SHIRKING,
        "facts": "信访事项逾期未办结且未申请延期。",
        "measure": Measure.CORRECTION,
        "decided_on": timezone.localdate(),
    }
    values.update(overrides)
    return services.accountability_record(**values)


def test_xf_acc_02_finding_against_an_organisation_is_listed_for_the_congress(sup):
    record = _record(sup)
    assert _actions(record) == ["supervision.accountability_record"]
    assert selectors.record_list(user=sup.overseer).filter(pk=record.pk).exists()
    # XF-CLS-03: not shown to the unit concerned, nor to anyone without accountability.view.
    assert not selectors.record_list(user=sup.officer).exists()
    with pytest.raises(PermissionDenied):
        _record(sup, actor=sup.overseer)


def test_xf_acc_03_staff_misconduct_names_the_official_hidden_from_them(sup):
    with pytest.raises(ValidationError) as exc:
        _record(sup, finding=FindingKind.RUDE)
    assert "subject_name" in exc.value.message_dict
    supervisor_record = _record(
        sup,
        subject_org=sup.mini.petition_bureau,
        subject_user=sup.supervisor,
        finding=FindingKind.LEAKED,
        measure=Measure.DISCIPLINE,
    )
    assert supervisor_record.subject_name
    # The supervisor holds accountability.view over the district, but never sees a record about them.
    assert not selectors.record_list(user=sup.supervisor).filter(pk=supervisor_record.pk).exists()
    assert selectors.record_list(user=sup.overseer).filter(pk=supervisor_record.pk).exists()
    # Nobody records a finding about themselves (XF-HDL-04).
    with pytest.raises(ValidationError):
        _record(sup, subject_user=sup.bureau, subject_org=sup.mini.petition_bureau, finding=FindingKind.RUDE)


def test_xf_acc_01_kinds_and_measures_are_validated(sup):
    with pytest.raises(ValidationError) as exc:
        _record(sup, finding="x", measure="y", facts="", decided_on=timezone.localdate() + datetime.timedelta(days=3))
    assert set(exc.value.message_dict) == {"finding", "measure", "facts", "decided_on"}
    assert not AccountabilityRecord.objects.exists()


# --- Joint conference --------------------------------------------------------------------------


def test_xf_jur_01_jurisdiction_decision_binds_routing(sup):
    """XF-JUR-01: a joint conference decision names the competent organisation; routing follows it."""
    from xinfang.petitions.selectors_routing import triage_proposal
    from xinfang.petitions.services.routing import routing_target_check

    matter = sup.matter(forward=False)
    meeting = services.meeting_create(
        actor=sup.leader,
        organisation=sup.mini.district,
        title="2026年第一次信访工作联席会议",
        held_on=timezone.localdate(),
        attendee_orgs=[sup.mini.housing_bureau, sup.mini.petition_bureau],
        matters=[matter],
    )
    with pytest.raises(ValidationError) as exc:
        services.meeting_decision_add(actor=sup.leader, meeting=meeting, kind=DecisionKind.JURISDICTION, text="x")
    assert set(exc.value.message_dict) == {"competent_org", "matter_type"}
    decision = services.meeting_decision_add(
        actor=sup.leader,
        meeting=meeting,
        kind=DecisionKind.JURISDICTION,
        text="该欠薪事项由区住建局牵头办理。",
        competent_org=sup.mini.housing_bureau,
        matter=matter,
    )
    assert selectors.jurisdiction_decision_for(matter) == decision
    proposal = triage_proposal(matter=matter)
    assert proposal.available and proposal.candidates[0].binding
    assert proposal.candidates[0].organisation == sup.mini.housing_bureau
    other = organisation_create(
        actor=SYSTEM,
        name="测试区人社局",
        code="TRSJ01",
        kind=Kind.DEPARTMENT,
        parent=sup.mini.district,
        function=Function.FUNCTIONAL,
    )
    with pytest.raises(ValidationError) as refused:
        routing_target_check(
            matter=matter, from_org=sup.mini.petition_bureau, to_org=other, proposal=proposal.candidates
        )
    assert "XF-JUR-01" in str(refused.value)
    # Revoked: no longer binding.
    services.meeting_decision_follow_up(
        actor=sup.leader, decision=decision, status=FollowUpStatus.DONE, note="已落实。", revoke=True
    )
    assert selectors.jurisdiction_decision_for(matter) is None
    assert _actions(decision) == ["supervision.decision_add", "supervision.decision_follow_up"]


def test_xf_jur_01_decision_by_matter_type_within_an_area(sup):
    from xinfang.powerlist.models import MatterType

    matter_type = MatterType.objects.create(code="QX-01", name="拖欠工资")
    matter = sup.matter(forward=False, matter_type=matter_type)
    meeting = services.meeting_create(
        actor=sup.bureau, organisation=sup.mini.petition_bureau, title="联席会议", held_on=timezone.localdate()
    )
    services.meeting_decision_add(
        actor=sup.bureau,
        meeting=meeting,
        kind=DecisionKind.JURISDICTION,
        text="乙街道欠薪事项由乙街道办理。",
        competent_org=sup.mini.town_b,
        matter_type=matter_type,
        area=sup.mini.town_b,
    )
    assert selectors.jurisdiction_decision_for(matter) is None  # the matter is held in the district bureau
    district_wide = services.meeting_decision_add(
        actor=sup.bureau,
        meeting=meeting,
        kind=DecisionKind.JURISDICTION,
        text="欠薪事项由区住建局牵头。",
        competent_org=sup.mini.housing_bureau,
        matter_type=matter_type,
    )
    assert selectors.jurisdiction_decision_for(matter) == district_wide


def test_conference_needs_the_right(sup):
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            actor=sup.supervisor, organisation=sup.mini.district, title="会议", held_on=timezone.localdate()
        )


def test_xf_sup_06_answers_adopting_the_advice_are_counted_for_the_annual_report(sup):
    """XF-SUP-05/06: how many written answers said the advice was adopted, out of all answers."""
    from xinfang.dashboards.selectors import supervision_panel

    adopted, declined = sup.order(), sup.order()
    sup.order()  # not answered yet
    services.order_answer(actor=sup.officer, order=adopted, answer="已按督办意见整改。", adopted=True)
    services.order_answer(actor=sup.officer, order=declined, answer="不予采纳，理由如下。", adopted=False)
    today = timezone.localdate()
    panel = supervision_panel(sup.mini.district, today, today)
    assert (panel["total"], panel["adopted"], panel["answered"]) == (3, 1, 2)
