"""Demo data of major-decision risk assessment (DEMO ONLY, for `make run`): the demo district's list
for this year with four decisions in different states — a high-risk village redevelopment postponed,
a waste-to-energy plant extension being assessed, a bus network change approved at low risk, and a
market relocation just listed — then one run of the cluster check.

Everything goes through the services (validated, audited). Idempotent: a district that already has
this year's list is left alone."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.orgs.demo import demo_plan
from xinfang.orgs.models import Organisation

from .models import DecisionList
from .services import (
    DecisionData,
    StepData,
    assessment_conclude,
    assessment_step_record,
    decision_add,
    decision_decide,
    decision_list_create,
    risk_cluster_check,
)
from .states import DecisionKind, Outcome, RiskLevel, StepKind

DECIDER = "bureau"  # head of the district petition bureau (risk.manage over the district)
ASSESSOR = "unithead"  # head of the housing bureau (an owner unit)


@dataclass
class DemoResult:
    created: int = 0
    flags: int = 0
    notes: list[str] = field(default_factory=list)


def _org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


@transaction.atomic
def demo_risk_load() -> DemoResult:
    """Load the demo; LookupError when the demo district is not loaded."""
    plan = demo_plan()
    d = plan.district_code
    try:
        district = _org(d)
        decider = User.objects.get(username=DECIDER)
        assessor = User.objects.get(username=ASSESSOR)
    except (Organisation.DoesNotExist, User.DoesNotExist) as exc:
        raise LookupError("the demo district is not loaded (run demo_district first)") from exc
    result = DemoResult()
    year = timezone.localdate().year
    if DecisionList.objects.filter(organisation=district, year=year).exists():
        result.notes.append("this year's list exists already")
        return result
    housing = _org(f"{d}-ZJJ")
    village = (
        Organisation.objects.filter(code__startswith="440115101", kind__in=["village", "community"])
        .order_by("code")
        .first()
    )
    decision_list = decision_list_create(actor=decider, organisation=district, year=year)
    today = timezone.localdate()

    def add(**values: Any) -> Any:
        result.created += 1
        return decision_add(actor=decider, decision_list=decision_list, data=DecisionData(**values))

    def step(decision: Any, kind: str, days_ago: int, text: str) -> None:
        data = StepData(kind=kind, date=today - datetime.timedelta(days=days_ago), text=text)
        assessment_step_record(actor=assessor, decision=decision, data=data)

    redevelopment = add(
        title="横沥镇旧村全面改造项目",
        owner_org=housing,
        kind=DecisionKind.CONSTRUCTION,
        description="对旧村实施全面拆除重建，涉及村民约 320 户、集体物业 40 余处的拆迁补偿与安置。",
        owner_person="住建局城市更新科科长",
        project_code="NS-CSGX-2026-017",
        place=village,
        keywords="旧村改造，拆迁补偿，回迁安置",
        planned_date=today + datetime.timedelta(days=60),
    )
    step(
        redevelopment,
        StepKind.IDENTIFICATION,
        40,
        "入户走访 320 户，梳理风险点 7 个：补偿标准、回迁面积、过渡安置费、集体物业分配等。",
    )
    step(redevelopment, StepKind.CONSULTATION, 30, "公示方案 30 日，收回问卷 286 份，反对率 58%，主要集中于补偿标准。")
    step(redevelopment, StepKind.EXPERT, 20, "邀请 5 名专家论证：现行补偿标准低于周边同类项目，易引发群体性上访。")
    assessment_conclude(
        actor=assessor,
        decision=redevelopment,
        level=RiskLevel.HIGH,
        measures="重新测算补偿标准；分片签约；设立村民议事会；制定群体性事件处置预案。",
        conclusion="大部分村民有意见、反应强烈，现方案风险不可控，建议暂缓决策、调整方案后重新评估。",
    )
    decision_decide(actor=decider, decision=redevelopment, outcome=Outcome.POSTPONED, note="区政府常务会议研究：暂缓。")

    incinerator = add(
        title="南沙区生活垃圾焚烧发电厂二期扩建",
        owner_org=housing,
        kind=DecisionKind.CONSTRUCTION,
        description="扩建日处理 1500 吨生活垃圾焚烧线一条。",
        project_code="NS-HJ-2026-003",
        keywords="垃圾焚烧，邻避",
        planned_date=today + datetime.timedelta(days=120),
    )
    step(incinerator, StepKind.IDENTIFICATION, 10, "识别风险点：周边居民对排放和交通的担忧。")

    buses = add(
        title="南沙区公交线网优化调整方案",
        owner_org=_org(f"{d}-JTJ"),
        kind=DecisionKind.PUBLIC_POLICY,
        description="调整 12 条公交线路，新增 3 条社区微循环线路。",
        keywords="公交线路调整",
        planned_date=today - datetime.timedelta(days=10),
    )
    assessment_step_record(
        actor=decider,
        decision=buses,
        data=StepData(
            kind=StepKind.IDENTIFICATION,
            date=today - datetime.timedelta(days=30),
            text="线路停站调整影响少数乘客出行。",
        ),
    )
    assessment_step_record(
        actor=decider,
        decision=buses,
        data=StepData(
            kind=StepKind.CONSULTATION,
            date=today - datetime.timedelta(days=25),
            text="网上征求意见 15 日，收到意见 93 条，多数支持。",
        ),
    )
    assessment_conclude(
        actor=decider,
        decision=buses,
        level=RiskLevel.LOW,
        measures="调整前 15 日在站点公告，设置咨询热线。",
        conclusion="多数群众理解支持，风险可控。",
    )
    decision_decide(actor=decider, decision=buses, outcome=Outcome.APPROVED_WITH_MEASURES, note="同意实施。")

    add(
        title="南沙街农贸市场搬迁",
        owner_org=_org(f"{d}-SJJ"),
        kind=DecisionKind.OTHER,
        description="农贸市场整体搬迁至新址，涉及摊位 210 个。",
        keywords="农贸市场搬迁，摊位",
        planned_date=today + datetime.timedelta(days=200),
    )
    result.flags = len(risk_cluster_check())
    return result
