"""Demo data of the outreach app (DEMO ONLY, for `make run`): the deputy district head's reception
days (two published, one draft) with two bookings, the same leader assigned (包联) to a village with
a visit plan, and three visits of the last weeks with matters resolved on the spot, one registered as
a petition at the district petition bureau and one still open.

Everything goes through the services (validated, audited). Idempotent: a district whose leader
already has reception days is left alone."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.orgs.demo import demo_plan
from xinfang.orgs.models import Kind, Organisation

from .models import ReceptionDay
from .services import (
    ItemData,
    ReceptionDayData,
    VisitData,
    assignment_create,
    booking_create,
    plan_set,
    reception_day_create,
    reception_day_publish,
    visit_item_to_petition,
    visit_record,
)
from .states import VisitKind

LEADER = "leader"  # deputy district head (outreach.manage over the district)
CLERK = "clerk"  # district petition bureau's reception clerk (matter.register)
DEMO_BOOKINGS = (("JF-DEMA-2345", "DEMACDE2"), ("JF-DEMB-2346", "DEMACDE3"))


@dataclass
class DemoResult:
    created: int = 0
    notes: list[str] = field(default_factory=list)


def _next_weekday(start: datetime.date, weekday: int) -> datetime.date:
    return start + datetime.timedelta(days=(weekday - start.weekday()) % 7 or 7)


@transaction.atomic
def demo_outreach_load() -> DemoResult:
    """Load the demo; LookupError when the demo district is not loaded."""
    plan = demo_plan()
    try:
        district = Organisation.objects.get(code=plan.district_code)
        bureau = Organisation.objects.get(code=f"{plan.district_code}-XFJ")
        leader = User.objects.get(username=LEADER)
        clerk = User.objects.get(username=CLERK)
    except (Organisation.DoesNotExist, User.DoesNotExist) as exc:
        raise LookupError("the demo district is not loaded (run demo_district first)") from exc
    result = DemoResult()
    if ReceptionDay.objects.filter(organisation=district, created_by=leader).exists():
        result.notes.append("already loaded")
        return result
    village = Organisation.objects.filter(path__startswith=district.path, kind=Kind.VILLAGE).order_by("path").first()
    if village is None:
        raise LookupError("the demo district has no village")
    grid = Organisation.objects.filter(parent=village, kind=Kind.GRID).order_by("path").first()
    today = timezone.localdate()
    point = district.reception_points.first() or bureau.reception_points.first()  # type: ignore[attr-defined]

    days = []
    for weeks, topic, publish in (
        (0, "征地拆迁、农村集体经济与土地承包", True),
        (1, "劳动保障与欠薪", True),
        (2, "城市更新与物业管理", False),
    ):
        date = _next_weekday(today, 2) + datetime.timedelta(weeks=weeks)  # Wednesdays
        day = reception_day_create(
            actor=leader,
            organisation=district,
            data=ReceptionDayData(
                leader_name="陈志明",
                leader_title="副区长（分管信访工作）",
                place="" if point else "区信访局一楼接待大厅",
                reception_point=point,
                date=date,
                start_time=datetime.time(9, 0),
                end_time=datetime.time(12, 0),
                capacity=12,
                topic=topic,
                leader=leader,
            ),
        )
        if publish:
            day = reception_day_publish(actor=leader, day=day)
        days.append(day)
        result.created += 1
    for (reference, code), (name, phone, subject) in zip(
        DEMO_BOOKINGS,
        (
            ("黄某", "13800138001", "村集体土地征收补偿款分配不公，希望当面反映。"),
            ("林某", "13800138002", "承包地被占用修路，补偿标准有疑问。"),
        ),
        strict=True,
    ):
        booking_create(day=days[0], name=name, phone=phone, subject=subject, fixed_codes=(reference, code))
        result.notes.append(f"booking {reference} / {code[:4]}-{code[4:]}")

    assignment = assignment_create(
        actor=leader, cadre=leader, organisation=village, start=today.replace(day=1) - datetime.timedelta(days=60)
    )
    plan_set(
        actor=leader,
        assignment=assignment,
        visits_per_month=2,
        dates=[today + datetime.timedelta(days=7), today + datetime.timedelta(days=21)],
    )
    place = grid or village
    visit_record(
        actor=leader,
        cadre=leader,
        organisation=place,
        data=VisitData(
            kind=VisitKind.BAOLIAN,
            date=today - datetime.timedelta(days=20),
            people_met=18,
            place_text="村委会议室",
            notes="召开村民代表座谈会，了解土地流转和环境整治情况。",
            items=[
                ItemData("村口垃圾收集点清运不及时，夏天气味大。", resolution="当场联系镇环卫站，改为每天清运。"),
                ItemData("希望村道安装路灯。", resolution="纳入本年度村级工程，已向村民说明。"),
            ],
        ),
    )
    visit = visit_record(
        actor=leader,
        cadre=leader,
        organisation=village,
        data=VisitData(
            kind=VisitKind.OUTREACH,
            date=today - datetime.timedelta(days=9),
            people_met=35,
            place_text="村文化室",
            notes="下访接待，群众反映问题 3 件。",
            items=[
                ItemData("土地承包经营权确权面积与实际不符。", raised_by="邓某", raised_by_phone="13900139001"),
                ItemData("邻里宅基地边界争议。", raised_by="何某"),
                ItemData("咨询城乡居民医保缴费。", resolution="当场解释缴费标准和办理渠道。"),
            ],
        ),
    )
    first = visit.items.order_by("id").first()
    if first is not None:
        matter = visit_item_to_petition(actor=clerk, item=first, organisation=bureau)
        result.notes.append(f"petition {matter.number} registered from a visit")
    visit_record(
        actor=leader,
        cadre=leader,
        organisation=village,
        data=VisitData(
            kind=VisitKind.ONSITE_OFFICE,
            date=today - datetime.timedelta(days=2),
            people_met=9,
            place_text="村道改造工地",
            notes="现场办公，协调施工单位与沿线村民。",
            items=[ItemData("施工噪音影响休息。", resolution="施工单位承诺夜间 22 点后停工。")],
        ),
    )
    result.notes.append(f"3 visits, assignment {village.name}")
    return result
