"""Demo data of the mediation network and cases (DEMO ONLY, for `make run`): a body for every
mediation organisation of the demo district (district, town and village committees), a deputies'
and CPPCC members' studio and a volunteer team at the district, two mediators each, and a few cases
at the district committee in different states. Idempotent: does nothing once bodies exist."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.orgs.models import Function, Level, Organisation

from .models import MediationBody
from .services import (
    PartyData,
    mediation_agree,
    mediation_body_create,
    mediation_case_accept,
    mediation_case_open,
    mediation_fail,
    mediation_session_record,
    mediator_create,
)
from .states import BodyKind, MediatorKind, PartyRole, SourceKind

KIND_BY_LEVEL = {
    Level.DISTRICT: BodyKind.COMMITTEE_DISTRICT,
    Level.TOWNSHIP: BodyKind.COMMITTEE_TOWN,
    Level.VILLAGE: BodyKind.COMMITTEE_VILLAGE,
}
SPECIALITIES = [["婚姻家庭", "邻里纠纷"], ["劳动争议", "欠薪"], ["物业管理", "合同债务"], ["土地房屋", "交通事故"]]
SURNAMES = "陈李黄梁何林罗郑谢冯"


def _level(org: Organisation) -> int:
    # A committee is a department under its area: its level is the area's.
    return int(org.parent.level if org.parent_id and org.parent else org.level)  # type: ignore[union-attr]


@transaction.atomic
def demo_mediation_load() -> dict[str, int]:
    """Load the demo; returns counts of what was created."""
    if MediationBody.objects.exists():
        return {}
    orgs = list(Organisation.objects.filter(function=Function.MEDIATION, is_active=True).select_related("parent"))
    if not orgs:
        raise LookupError("no mediation organisation: run demo_district first")
    counts = {"bodies": 0, "mediators": 0, "cases": 0}
    district_body: MediationBody | None = None
    n = 0
    for org in orgs:
        kind = KIND_BY_LEVEL.get(_level(org), BodyKind.COMMITTEE_VILLAGE)  # type: ignore[call-overload]
        body = mediation_body_create(
            actor=SYSTEM,
            organisation=org,
            name=org.name,
            name_en=org.name_en,
            kind=kind,
            address=org.address,
            phone=org.phone,
        )
        counts["bodies"] += 1
        if kind == BodyKind.COMMITTEE_DISTRICT and district_body is None:
            district_body = body
        users = list(User.objects.filter(memberships__organisation=org, memberships__role=Role.MEDIATOR)[:1])
        for i in range(2):
            mediator_create(
                actor=SYSTEM,
                body=body,
                name=f"{SURNAMES[n % len(SURNAMES)]}调解员",
                kind=MediatorKind.FULL_TIME if i == 0 else MediatorKind.PART_TIME,
                specialities=SPECIALITIES[n % len(SPECIALITIES)],
                user=users[0] if users and i == 0 else None,
            )
            n += 1
            counts["mediators"] += 1
    if district_body is None:
        return counts
    district = district_body.organisation
    for name, kind, mkind in (
        ("两代表一委员调解工作室", BodyKind.DEPUTY_STUDIO, MediatorKind.DEPUTY),
        ("南沙区调解志愿者服务队", BodyKind.VOLUNTEER, MediatorKind.VOLUNTEER),
    ):
        body = mediation_body_create(actor=SYSTEM, organisation=district, name=name, kind=kind)
        mediator_create(actor=SYSTEM, body=body, name="何" + str(mkind.label), kind=mkind, specialities=["邻里纠纷"])
        counts["bodies"] += 1
        counts["mediators"] += 1
    counts["cases"] = _demo_cases(district_body)
    return counts


def _open(body: MediationBody, summary: str, category: str, source: str = SourceKind.WALK_IN) -> Any:
    return mediation_case_open(
        actor=SYSTEM,
        organisation=body.organisation,
        body=body,
        source_kind=source,
        parties=[
            PartyData(name="黄某某", role=PartyRole.APPLICANT, phone="13800138001"),
            PartyData(name="梁某某", role=PartyRole.RESPONDENT, phone="13800138002"),
        ],
        summary=summary,
        category=category,
        consent_recorded=True,
    )


def _demo_cases(body: MediationBody) -> int:
    mediators = list(body.mediators.all())
    _open(body, "楼上卫生间漏水，楼下天花板受损，双方就维修费用协商未果。", "邻里纠纷")
    case = mediation_case_accept(
        actor=SYSTEM, case=_open(body, "小区物业服务费争议。", "物业管理"), mediators=mediators
    )
    mediation_session_record(
        actor=SYSTEM,
        case=case,
        held_at=timezone.now() - datetime.timedelta(hours=3),
        place="区人民调解委员会调解室",
        notes="双方陈述意见，物业公司同意核减部分费用，业主要求书面说明。",
        mediators=mediators[:1],
    )
    case = mediation_case_accept(actor=SYSTEM, case=_open(body, "装修工人工资拖欠。", "欠薪"), mediators=mediators)
    mediation_agree(
        actor=SYSTEM,
        case=case,
        facts="梁某某承包黄某某房屋装修，尚欠工人工资八千元，双方对拖欠事实无异议。",
        terms="梁某某于协议生效后十日内向黄某某支付工资八千元。",
        performance="银行转账，一次性支付，于协议生效后十日内履行完毕。",
    )
    case = mediation_case_accept(actor=SYSTEM, case=_open(body, "交通事故赔偿争议。", "交通事故"), mediators=mediators)
    mediation_fail(actor=SYSTEM, case=case, reason="双方对赔偿数额分歧过大，无法达成一致。")
    return 4
