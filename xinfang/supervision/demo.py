"""Demo data of supervision and accountability (DEMO ONLY, for `make run`): on the demo district,
three supervision orders by `supervisor` (one on a matter held by a department, one answered by the
housing bureau, one on a town office escalated to listed supervision), a joint conference meeting
with a coordination decision, and an accountability record.

Everything goes through the services (validated, audited). Idempotent: when `supervisor` has
opened an order already, nothing is added."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.orgs.demo import demo_plan
from xinfang.orgs.models import Function, Organisation
from xinfang.petitions.models import Matter

from .models import SupervisionOrder
from .services import (
    accountability_record,
    meeting_create,
    meeting_decision_add,
    order_answer,
    order_escalate,
    order_open,
)
from .states import DecisionKind, FindingKind, Measure, Trigger

SUPERVISOR = "supervisor"  # 督查专员 at the district petition bureau
BUREAU = "bureau"  # head of the district petition bureau (accountability.manage, conference.manage)
OFFICER = "officer"  # handling officer at the housing bureau (answers orders on it)


@dataclass
class DemoResult:
    orders: int = 0
    notes: list[str] = field(default_factory=list)


@transaction.atomic
def demo_supervision_load() -> DemoResult:
    """Load the demo; LookupError when the demo district is not loaded."""
    plan = demo_plan()
    d = plan.district_code
    try:
        district = Organisation.objects.get(code=d)
        bureau_org = Organisation.objects.get(code=f"{d}-XFJ")
        housing = Organisation.objects.get(code=f"{d}-ZJJ")
        supervisor = User.objects.get(username=SUPERVISOR)
        bureau = User.objects.get(username=BUREAU)
        officer = User.objects.get(username=OFFICER)
    except (Organisation.DoesNotExist, User.DoesNotExist) as exc:
        raise LookupError("the demo district is not loaded (run demo_district first)") from exc
    result = DemoResult()
    if SupervisionOrder.objects.filter(created_by=supervisor).exists():
        result.notes.append("the supervision demo is loaded already")
        return result
    held_by_housing = Matter.objects.filter(current_org=housing).order_by("received_at", "pk").first()
    first = order_open(
        actor=supervisor,
        issuing_org=bureau_org,
        target_org=housing,
        matter=held_by_housing,
        trigger=Trigger.OVERDUE if held_by_housing else Trigger.SHIRKING,
        demands="请于期限内查明事实、依法处理，并书面反馈办理情况及是否采纳督办意见。",
    )
    order_answer(
        actor=officer,
        order=first,
        answer="已成立专班核查，约谈施工单位负责人，拖欠款项已分两期支付；督办意见予以采纳。",
        adopted=True,
    )
    result.orders += 1
    other = (
        Matter.objects.filter(current_org__path__startswith=district.path)
        .exclude(current_org__in=[housing, bureau_org])
        .exclude(nature__in=["report", "discipline"])
        .select_related("current_org")
        .order_by("received_at", "pk")
        .first()
    )
    if other is not None:
        order_open(
            actor=supervisor,
            issuing_org=bureau_org,
            target_org=other.current_org,
            matter=other,
            trigger=Trigger.SHIRKING,
            demands="该事项多次重复来访，请主要负责人亲自研究，提出化解方案。",
        )
        result.orders += 1
    town_office = (
        Organisation.objects.filter(path__startswith=district.path, function=Function.PETITION_BUREAU)
        .exclude(pk=bureau_org.pk)
        .order_by("path")
        .first()
    )
    if town_office is not None:
        late = order_open(
            actor=supervisor,
            issuing_org=bureau_org,
            target_org=town_office,
            trigger=Trigger.IRREGULAR,
            demands="专项督查发现：部分来信未在15日内登记并告知，请限期整改。",
        )
        order_escalate(actor=supervisor, order=late, reason="逾期未反馈整改情况，提级挂牌督办。")
        result.orders += 2
    meeting = meeting_create(
        actor=bureau,
        organisation=bureau_org,
        title=f"{timezone.localdate().year}年第一次信访工作联席会议",
        held_on=timezone.localdate(),
        place="区行政服务中心会议室",
        attendee_orgs=[housing, bureau_org],
        attendees="区信访局、区住建局、相关镇街负责人",
        matters=[held_by_housing] if held_by_housing else [],
        minutes="研究欠薪类信访事项的化解工作。",
    )
    meeting_decision_add(
        actor=bureau,
        meeting=meeting,
        kind=DecisionKind.COORDINATION,
        text="欠薪类事项由区住建局牵头、属地镇街配合，每月通报化解进度。",
        competent_org=housing,
        follow_up_due=timezone.localdate() + datetime.timedelta(days=30),
    )
    accountability_record(
        actor=bureau,
        organisation=bureau_org,
        subject_org=town_office or housing,
        finding=FindingKind.NOT_REGISTERED,
        facts="专项督查发现 3 件来信未按期登记并书面告知。",
        measure=Measure.CORRECTION,
        measure_note="责令限期整改，已整改到位。",
        decided_on=timezone.localdate(),
    )
    return result
