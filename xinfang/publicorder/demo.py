"""Demo data of the order app (DEMO ONLY, for `make run`): on the demo district, three conduct
records on matters of the district petition bureau (a gathering at the reception hall handled by
dissuasion and education, a threat against staff handed to the police, lingering at the hall), the
litigation-related matters put on the four-level model (one raised to leader tracking), then one
run of the cluster check.

Everything goes through the services (validated, audited). Idempotent: records are added only when
the bureau has none, tracks only to matters without one, and the check updates its warnings."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.orgs.demo import demo_plan
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import Matter
from xinfang.petitions.states import Nature

from .models import ConductRecord, LitigationTrack
from .services import (
    ConductData,
    LevelData,
    conduct_record,
    litigation_level_change,
    litigation_track_open,
    order_warning_check,
)
from .states import ConductKind, LitigationLevel, ResponseKind

CLERK = "clerk"  # reception clerk of the district petition bureau (order.manage over the district)
BUREAU = "bureau"
# How the first two tracked matters move on: (level, responsible person, reason, joint with 政法委).
RAISES = (
    (LitigationLevel.LEADER, "区法院副院长", "多次来访、诉求涉及多个案件，提请院领导督办跟踪。", False),
    (LitigationLevel.JOINT, "区法院立案庭庭长", "涉及法院和公安机关，重点案件联合办理。", True),
)


@dataclass
class DemoResult:
    records: int = 0
    tracks: int = 0
    warnings: int = 0
    notes: list[str] = field(default_factory=list)


@transaction.atomic
def demo_order_load() -> DemoResult:
    """Load the demo; LookupError when the demo district is not loaded."""
    d = demo_plan().district_code
    try:
        bureau_org = Organisation.objects.get(code=f"{d}-XFJ")
        court = Organisation.objects.get(code=f"{d}-FY")
        political_legal = Organisation.objects.get(code=f"{d}-ZFW")
        clerk = User.objects.get(username=CLERK)
        head = User.objects.get(username=BUREAU)
    except (Organisation.DoesNotExist, User.DoesNotExist) as exc:
        raise LookupError("the demo district is not loaded (run demo_district first)") from exc
    result = DemoResult()
    matters = list(Matter.objects.filter(registered_org=bureau_org).prefetch_related("participants").order_by("pk")[:3])
    if not matters:
        result.notes.append("no matters of the district petition bureau (run demo_matters first)")
    elif ConductRecord.objects.filter(organisation=bureau_org).exists():
        result.notes.append("conduct records exist already")
    else:
        now = timezone.now()
        stories = [
            (
                ConductKind.GATHERING,
                ResponseKind.DISSUADE,
                "区信访局接待大厅门前",
                "二十余人在接待大厅门前聚集，拉横幅，堵塞通道约 40 分钟。",
                "值班人员劝阻并引导推选 5 名代表进入接待室反映诉求，其余人员离开。",
                {},
            ),
            (
                ConductKind.VIOLENCE,
                ResponseKind.POLICE,
                "区信访局三号接待室",
                "来访人情绪激动，拍打桌面并以言语威胁接待人员人身安全。",
                "接待人员当场劝阻无效。",
                {
                    "police_unit": "广州市公安局南沙区分局黄阁派出所",
                    "police_note": "派出所民警到场带离，处置情况另行告知。",
                },
            ),
            (
                ConductKind.LINGERING,
                ResponseKind.EDUCATE,
                "区信访局接待大厅",
                "接待结束后拒绝离开，在大厅滞留至下班时间后。",
                "工作人员进行法治宣传教育，告知依法逐级走访的规定，当事人自行离开。",
                {},
            ),
        ]
        for n, (kind, response, place, description, note, police) in enumerate(stories):
            matter = matters[n % len(matters)]
            at = now - datetime.timedelta(days=10 - 3 * n, hours=2)
            responses = [ResponseKind.DISSUADE, response] if response == ResponseKind.POLICE else [response]
            conduct_record(
                actor=clerk,
                organisation=bureau_org,
                data=ConductData(
                    kind=kind,
                    occurred_at=at,
                    place_text=place,
                    description=description,
                    responses=[str(r) for r in responses],
                    response_note=note,
                    matters=[matter],
                    petitioners=[p.petitioner for p in matter.participants.all()][:1],
                    police_handed_at=at + datetime.timedelta(minutes=20) if police else None,
                    police_unit=police.get("police_unit", ""),
                    police_note=police.get("police_note", ""),
                ),
            )
            result.records += 1
    litigation = Matter.objects.filter(nature=Nature.LITIGATION, litigation_track__isnull=True).order_by("pk")[:3]
    for n, matter in enumerate(litigation):
        track = litigation_track_open(
            actor=head,
            matter=matter,
            data=LevelData(
                level=LitigationLevel.FIRST,
                responsible_org=court,
                responsible_person="区法院诉讼服务中心",
                reason="涉及诉讼权利救济，诉访分离，由法院诉讼服务中心首次办理并释法明理。",
            ),
        )
        result.tracks += 1
        if n < len(RAISES):
            level, person, reason, joint = RAISES[n]
            litigation_level_change(
                actor=head,
                track=track,
                data=LevelData(
                    level=level,
                    responsible_org=court,
                    responsible_person=person,
                    reason=reason,
                    joint_orgs=[political_legal] if joint else [],
                ),
            )
    if not result.tracks and not LitigationTrack.objects.exists():
        result.notes.append("no litigation-related matters to track")
    check = order_warning_check()
    result.warnings = len(check.raised) + len(check.updated)
    return result
