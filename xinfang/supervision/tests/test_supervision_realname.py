"""DIS-04: a real-name reporter is told of the acceptance within 15 working days of receipt and of
the result within 15 working days of the conclusion (configurable: the articles are UNCONFIRMED);
a repeat report is not told again; objections are recorded and explained, new evidence verified.
Through the real services, on the working calendar."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.core.errors import ServiceError
from xinfang.petitions.models import MatterLink
from xinfang.petitions.states import LinkKind, Nature
from xinfang.supervision import policies, services
from xinfang.supervision.models import Referral
from xinfang.supervision.states import (
    CLOCK_REALNAME_ACCEPT,
    CLOCK_REALNAME_RESULT,
    REFERRAL_OBJECT_TYPE,
    HandlingMode,
    NoticeStage,
)
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import deadline_compute

from .conftest import Sup

pytestmark = pytest.mark.django_db


def _clock(referral: Referral, kind: str, *, running: bool = True) -> Clock | None:
    clocks = Clock.objects.filter(object_type=REFERRAL_OBJECT_TYPE, object_id=str(referral.pk), kind=kind)
    return clocks.filter(stopped_at__isnull=running).first() if running else clocks.first()


def _refer(sup: Sup, *, matter=None, real_name: bool = True) -> Referral:
    matter = matter or sup.matter(nature=Nature.REPORT, reported_users=[sup.official], forward=False)
    return services.referral_create(
        actor=sup.bureau,
        matter=matter,
        sending_org=sup.mini.petition_bureau,
        discipline_org=sup.discipline,
        reason="反映公职人员违纪问题。",
        is_real_name=real_name,
    )


def _conclude(sup: Sup, referral: Referral) -> Referral:
    return services.referral_feedback(
        actor=sup.bureau, referral=referral, handling_mode=HandlingMode.VERIFICATION, feedback="经初步核实，……"
    )


def test_dis_04_acceptance_and_result_notices_each_have_a_15_working_day_clock(sup: Sup):
    referral = _refer(sup)
    assert policies.referral_actions(sup.bureau, referral) == ["verify", "receive", "feedback"]
    with pytest.raises(ServiceError):  # not received yet: nothing to tell
        services.referral_notify_reporter(
            actor=sup.bureau, referral=referral, stage=NoticeStage.ACCEPTANCE, notice="已受理。"
        )
    referral = services.referral_receive(actor=sup.bureau, referral=referral)
    clock = _clock(referral, CLOCK_REALNAME_ACCEPT)
    today = timezone.localdate()
    assert clock is not None and (clock.period, clock.unit) == (15, "working")
    assert clock.due_date == deadline_compute(start=today, period=15, unit="working").due_date
    assert clock.org_id == sup.discipline.pk  # the discipline body tells the reporter
    assert "notify_acceptance" in policies.referral_actions(sup.bureau, referral)
    with pytest.raises(ValidationError) as exc:
        services.referral_notify_reporter(actor=sup.bureau, referral=referral, stage=NoticeStage.ACCEPTANCE, notice=" ")
    assert set(exc.value.message_dict) == {"notice"}
    referral = services.referral_notify_reporter(
        actor=sup.bureau, referral=referral, stage=NoticeStage.ACCEPTANCE, notice="书面告知：已受理，转初步核实。"
    )
    assert referral.acceptance_notified_at is not None and _clock(referral, CLOCK_REALNAME_ACCEPT) is None
    with pytest.raises(ServiceError):  # told once
        services.referral_notify_reporter(
            actor=sup.bureau, referral=referral, stage=NoticeStage.ACCEPTANCE, notice="再告知。"
        )
    assert _clock(referral, CLOCK_REALNAME_RESULT) is None  # the result clock starts at the conclusion
    referral = _conclude(sup, referral)
    result_clock = _clock(referral, CLOCK_REALNAME_RESULT)
    assert result_clock is not None and result_clock.period == 15 and result_clock.start_date == today
    referral = services.referral_notify_reporter(
        actor=sup.bureau, referral=referral, stage=NoticeStage.RESULT, notice="书面告知处理结果。"
    )
    assert referral.result_notified_at is not None and _clock(referral, CLOCK_REALNAME_RESULT) is None
    assert "notify_result" not in policies.referral_actions(sup.bureau, referral)
    actions = list(
        AuditEvent.objects.filter(object_type="supervision.referral", object_id=str(referral.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions.count("supervision.referral_notify_reporter") == 2


def test_dis_04_periods_are_configuration(sup: Sup):
    with override_settings(XINFANG_SUPERVISION_PERIODS={"realname_accept": {"period": 10, "unit": "calendar"}}):
        referral = services.referral_receive(actor=sup.bureau, referral=_refer(sup))
    clock = _clock(referral, CLOCK_REALNAME_ACCEPT)
    assert clock is not None and (clock.period, clock.unit) == (10, "calendar")


def test_dis_04_anonymous_reports_owe_no_notice(sup: Sup):
    referral = _conclude(sup, services.referral_receive(actor=sup.bureau, referral=_refer(sup, real_name=False)))
    assert _clock(referral, CLOCK_REALNAME_ACCEPT, running=False) is None
    assert _clock(referral, CLOCK_REALNAME_RESULT, running=False) is None
    assert policies.referral_actions(sup.bureau, referral) == ["verify"]
    with pytest.raises(ServiceError):
        services.referral_notify_reporter(actor=sup.bureau, referral=referral, stage=NoticeStage.RESULT, notice="x")


def test_dis_04_concluded_at_once_owes_both_notices(sup: Sup):
    referral = _conclude(sup, _refer(sup))  # feedback without a separate receipt
    assert _clock(referral, CLOCK_REALNAME_ACCEPT) is not None and _clock(referral, CLOCK_REALNAME_RESULT) is not None


def test_dis_04_a_repeat_report_is_not_told_of_its_acceptance_again(sup: Sup):
    first = _refer(sup)
    assert not first.is_repeat_report
    again = _refer(sup, matter=first.matter)  # the same report referred again
    assert again.is_repeat_report
    later = sup.matter(nature=Nature.REPORT, reported_users=[sup.official], forward=False)
    # The clerk decided at registration that the later matter is the same matter (XF-REG-04 link).
    MatterLink.objects.create(
        matter=later, other=first.matter, kind=LinkKind.IN_PROGRESS_HERE, reason="同一事项", decided_by=sup.bureau
    )
    repeat = _refer(sup, matter=later)
    assert repeat.is_repeat_report
    repeat = services.referral_receive(actor=sup.bureau, referral=repeat)
    assert _clock(repeat, CLOCK_REALNAME_ACCEPT, running=False) is None
    assert "notify_acceptance" not in policies.referral_actions(sup.bureau, repeat)
    with pytest.raises(ServiceError):
        services.referral_notify_reporter(actor=sup.bureau, referral=repeat, stage=NoticeStage.ACCEPTANCE, notice="x")
    repeat = _conclude(sup, repeat)  # the result is still told
    assert _clock(repeat, CLOCK_REALNAME_RESULT) is not None


def test_dis_04_objection_recorded_and_explained_new_evidence_verified(sup: Sup):
    referral = _refer(sup)
    with pytest.raises(ServiceError):  # no result yet
        services.referral_objection_record(
            actor=sup.bureau, referral=referral, objection="不服。", explanation="解释。"
        )
    referral = _conclude(sup, referral)
    with pytest.raises(ValidationError) as exc:
        services.referral_objection_record(
            actor=sup.bureau, referral=referral, objection="有新证据。", explanation="", has_new_evidence=True
        )
    assert set(exc.value.message_dict) == {"explanation", "verification"}
    assert not referral.objections.exists()
    objection = services.referral_objection_record(
        actor=sup.bureau,
        referral=referral,
        objection="对核实结论有异议，补充转账记录。",
        explanation="已向检举人说明核实过程和依据。",
        has_new_evidence=True,
        verification="经核实，补充的转账记录与本案无关。",
    )
    assert objection.has_new_evidence and objection.verification.startswith("经核实")
    assert AuditEvent.objects.filter(action="supervision.referral_objection", object_id=str(referral.pk)).count() == 1


def test_dis_04_detail_page_records_notices_and_objections(client, sup: Sup):
    referral = services.referral_receive(actor=sup.bureau, referral=_refer(sup))
    client.force_login(sup.bureau)
    url = reverse("supervision:referral_detail", args=[referral.pk])
    page = client.get(url)
    assert page.status_code == 200 and "登记告知实名检举控告人受理情况" in page.content.decode()
    action = reverse("supervision:referral_action", args=[referral.pk, "notify_acceptance"])
    assert client.post(action, {"notice": ""}).status_code == 302  # refused with a message, nothing written
    referral.refresh_from_db()
    assert referral.acceptance_notified_at is None
    client.post(action, {"notice": "电话告知已受理。"})
    referral.refresh_from_db()
    assert referral.acceptance_notice == "电话告知已受理。"
    _conclude(sup, referral)
    objection = reverse("supervision:referral_action", args=[referral.pk, "objection"])
    client.post(objection, {"objection": "不服。", "explanation": "已解释。"})
    page = client.get(url).content.decode()
    assert "不服。" in page and "已解释。" in page and "登记告知实名检举控告人处理结果" in page
