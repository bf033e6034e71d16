"""Demo data of the one-stop platform (DEMO ONLY, for `make run`): service points at the three levels
of the demo district, built from its organisations (the justice bureau 司法局, the towns' justice
offices 司法所, the mediation committees and their "和谐南沙" mediation points), a demo login for
the district's legal-aid centre, and a few requests in every status with published access codes.

Everything goes through the services (validated, audited). Idempotent and deterministic: points are
matched by organisation and name, requests by their fixed reference; a second run writes nothing."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import Membership, User
from xinfang.accounts.roles import Role
from xinfang.accounts.services import membership_grant, user_create
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.orgs.demo import data as district_data
from xinfang.orgs.demo import demo_plan
from xinfang.orgs.models import Function, Kind, Organisation

from . import services
from .codes import ALPHABET, CODE_LENGTH, GROUP, REFERENCE_PREFIX, format_code
from .models import RequestStatus, ServiceKind, ServicePoint, ServiceRequest, TimeSlot
from .seed import seed_kinds

DEMO_SEED = 20260601
DEMO_LOGIN = "legalaid"  # handling officer of the district justice bureau (its legal-aid centre)

OFFICE_HOURS_EN = district_data.OFFICE_HOURS_EN
MEDIATION_HOURS_EN = district_data.MEDIATION_HOURS_EN


@dataclass(frozen=True)
class PointSpec:
    org: str  # organisation code
    name: str
    name_en: str
    address: str
    address_en: str
    hours: str
    hours_en: str
    kinds: tuple[str, ...]
    sort_order: int = 0


@dataclass(frozen=True)
class RequestSpec:
    """A demo request at the point named `point` (organisation code, point name), taken to `status`."""

    point: tuple[str, str]
    kind: str
    name: str
    phone: str
    description: str
    days_ahead: int
    status: str
    note: str = ""
    outcome: str = ""


@dataclass
class DemoResult:
    created: Counter[str] = field(default_factory=Counter)
    codes: list[tuple[str, str, str]] = field(default_factory=list)  # (reference, code, status)


def point_specs() -> list[PointSpec]:
    """The demo's service points, computed from the demo district's plan (no database)."""
    plan = demo_plan()
    d = plan.district_code
    office, mediation = district_data.OFFICE_HOURS, district_data.MEDIATION_HOURS
    specs = [
        PointSpec(
            f"{d}-SFJ",
            "南沙区公共法律服务中心",
            "Nansha Public Legal Service Centre",
            "广州市南沙区政务路5号一楼",
            f"1/F, 5 Zhengwu Road, {district_data.DISTRICT_EN}",
            office,
            OFFICE_HOURS_EN,
            ("consultation", "legal_aid", "notarisation", "admin_mediation"),
            1,
        ),
        PointSpec(
            f"{d}-SFJ",
            "南沙区涉外（港澳）法律服务中心",
            "Nansha Cross-border (Hong Kong and Macao) Legal Service Centre",
            "广州市南沙区政务路5号二楼",
            f"2/F, 5 Zhengwu Road, {district_data.DISTRICT_EN}",
            office,
            OFFICE_HOURS_EN,
            ("cross_border", "consultation", "notarisation"),
            2,
        ),
        PointSpec(
            f"{d}-ZZZX",
            "南沙区综治中心矛盾纠纷调处大厅",
            "Nansha Comprehensive Governance Centre, Dispute Resolution Hall",
            "广州市南沙区政务路3号",
            f"3 Zhengwu Road, {district_data.DISTRICT_EN}",
            office,
            OFFICE_HOURS_EN,
            ("people_mediation", "admin_mediation", "consultation"),
            3,
        ),
    ]
    for order, point in enumerate((p for p in plan.reception_points if p.org == f"{d}-TWH"), start=4):
        specs.append(
            PointSpec(
                point.org,
                point.name,
                point.name_en,
                point.address,
                point.address_en,
                point.hours,
                point.hours_en,
                ("people_mediation", "consultation"),
                order,
            )
        )
    for order, row in enumerate(district_data.TOWNS, start=1):
        office_address = f"广州市南沙区{row.name}{row.road}1号"
        office_address_en = f"1 {row.road_en}, {row.name_en}, {district_data.DISTRICT_EN}"
        specs.append(
            PointSpec(
                f"{row.division_code}-SFS",
                f"{row.name}公共法律服务工作站",
                f"{row.name_en} Public Legal Service Station",
                f"{office_address}一楼",
                f"1/F, {office_address_en}",
                office,
                OFFICE_HOURS_EN,
                ("consultation", "legal_aid", "admin_mediation"),
                order * 10,
            )
        )
        specs.append(
            PointSpec(
                f"{row.division_code}-TWH",
                f"和谐南沙调解点（{row.name}）",
                f"Harmonious Nansha Mediation Point ({row.name_en})",
                f"{office_address}二楼",
                f"2/F, {office_address_en}",
                mediation,
                MEDIATION_HOURS_EN,
                ("people_mediation", "consultation"),
                order * 10 + 1,
            )
        )
    villages = {o.code: o for o in plan.organisations if o.kind in (Kind.VILLAGE, Kind.COMMUNITY)}
    named = {p.org: p for p in plan.reception_points}
    town_names_en = {row.division_code: row.name_en for row in district_data.TOWNS}
    for org in plan.organisations:
        if org.function != Function.MEDIATION or org.parent not in villages:
            continue
        village = villages[org.parent]
        reception = named.get(org.code)
        town_en = town_names_en.get(village.parent or "", "")
        specs.append(
            PointSpec(
                org.code,
                reception.name if reception else f"{village.name}公共法律服务工作室",
                reception.name_en if reception else f"Public Legal Service Room of {village.name_en}",
                org.address,
                f"{village.name_en}, {town_en}, {district_data.DISTRICT_EN}",
                mediation,
                MEDIATION_HOURS_EN,
                ("consultation", "people_mediation"),
                500,
            )
        )
    return specs


# The demo requests: every status, at the district centre and in Hengli (where the demo logins
# clerk.hengli and bureau.hengli work). All text is written for the project; the people are fictional.
_HENGLI = "440115101"
REQUEST_SPECS: tuple[RequestSpec, ...] = (
    RequestSpec(
        ("440115-SFJ", "南沙区公共法律服务中心"),
        "legal_aid",
        "梁秀英",
        "13800009001",
        "在工地做工三个月，包工头拖欠工资一万二千元不给，想申请法律援助打官司。家里经济困难。",
        2,
        RequestStatus.REQUESTED,
    ),
    RequestSpec(
        ("440115-SFJ", "南沙区公共法律服务中心"),
        "notarisation",
        "何志强",
        "13800009002",
        "父亲去世，房子需要办理继承公证，兄弟姐妹共四人。",
        5,
        RequestStatus.ACCEPTED,
        note="已为您预约下周二上午九点，请兄弟姐妹四人一同到场，带齐户口簿、死亡证明和房产证原件。",
    ),
    RequestSpec(
        (f"{_HENGLI}-TWH", "和谐南沙调解点（横沥镇）"),
        "people_mediation",
        "陈少芬",
        "13800009003",
        "邻居装修把我家外墙弄裂了，协商不成，希望调解。",
        3,
        RequestStatus.IN_PROGRESS,
        note="调解员已联系双方，定于周四下午在镇调解点调解。",
    ),
    RequestSpec(
        (f"{_HENGLI}-SFS", "横沥镇公共法律服务工作站"),
        "consultation",
        "黄国华",
        "13800009004",
        "公司要求我签自愿放弃社保的协议，想咨询这样是否合法。",
        1,
        RequestStatus.COMPLETED,
        outcome=(
            "已当面解答：用人单位依法应当为劳动者缴纳社会保险，自愿放弃社保的约定无效。"
            "可以先与公司协商；协商不成，可以向人社部门投诉或者申请劳动仲裁。"
        ),
    ),
    RequestSpec(
        (f"{_HENGLI}-SFS", "横沥镇公共法律服务工作站"),
        "admin_mediation",
        "罗伟明",
        "13800009005",
        "与邻村因鱼塘边界有争议，想请政府调解。",
        4,
        RequestStatus.DECLINED,
        outcome=(
            "土地权属争议由镇人民政府依法处理，不适用本站的行政调解。请携带承包合同等材料到镇党政综合办公室申请处理。"
        ),
    ),
    RequestSpec(
        ("440115-SFJ", "南沙区涉外（港澳）法律服务中心"),
        "cross_border",
        "吴嘉欣",
        "13800009006",
        "在澳门工作期间被拖欠工资，想了解在澳门如何追讨。",
        6,
        RequestStatus.CANCELLED,
    ),
)


def _demo_codes(rng: random.Random) -> tuple[str, str]:
    def pick(n: int) -> str:
        return "".join(rng.choice(ALPHABET) for _ in range(n))

    return f"{REFERENCE_PREFIX}-{pick(GROUP)}-{pick(GROUP)}", pick(CODE_LENGTH)


def _check_demo_district() -> Organisation:
    district = Organisation.objects.filter(code=district_data.DISTRICT_CODE).first()
    if (
        district is None
        or not AuditEvent.objects.filter(action=district_data.DEMO_AUDIT_ACTION, org_id=district.pk).exists()
    ):
        raise LookupError("the demo district is not loaded (run `manage.py demo_district` first)")
    return district


def demo_legalservices_load() -> DemoResult:
    """Create what is missing of the demo (points, the demo login, requests), in one transaction."""
    result = DemoResult()
    with transaction.atomic():
        _check_demo_district()
        result.created["kind"] += seed_kinds(ServiceKind)
        kinds = {k.code: k for k in ServiceKind.objects.all()}
        points = _load_points(kinds, result)
        officer = _load_login(result)
        _load_requests(points, kinds, officer, result)
    return result


def _load_points(kinds: dict[str, ServiceKind], result: DemoResult) -> dict[tuple[str, str], ServicePoint]:
    specs = point_specs()
    orgs = {o.code: o for o in Organisation.objects.filter(code__in={s.org for s in specs})}
    existing = {(p.organisation.code, p.name): p for p in ServicePoint.objects.select_related("organisation")}
    for spec in specs:
        org = orgs.get(spec.org)
        if org is None or not org.is_active:
            continue
        if (spec.org, spec.name) in existing:
            _fill_english(existing[(spec.org, spec.name)], spec, result)
            continue
        point = ServicePoint(
            organisation=org,
            name=spec.name,
            name_en=spec.name_en,
            address=spec.address,
            address_en=spec.address_en,
            hours=spec.hours,
            hours_en=spec.hours_en,
            phone=org.phone,
            sort_order=spec.sort_order,
        )
        services.service_point_save(
            actor=SYSTEM,
            point=point,
            kinds=[kinds[c] for c in spec.kinds if c in kinds],
            changed={"organisation", "name", "address", "hours", "phone"},
        )
        existing[(spec.org, spec.name)] = point
        result.created["point"] += 1
    return existing


_POINT_ENGLISH = ("name_en", "address_en", "hours_en")


def _fill_english(point: ServicePoint, spec: PointSpec, result: DemoResult) -> None:
    """A demo point loaded before it had an English address (or name, hours) gets it; English an
    administrator has written is kept (only blank fields are filled)."""
    blank = {f for f in _POINT_ENGLISH if not getattr(point, f) and getattr(spec, f)}
    if not blank:
        return
    for field_name in blank:
        setattr(point, field_name, getattr(spec, field_name))
    services.service_point_save(actor=SYSTEM, point=point, changed=blank)
    result.created["point_english"] += 1


def _load_login(result: DemoResult) -> User | None:
    org = Organisation.objects.filter(code=f"{district_data.DISTRICT_CODE}-SFJ", is_active=True).first()
    if org is None:
        return None
    user = User.objects.filter(username=DEMO_LOGIN).first()
    if user is None:
        user = user_create(
            actor=SYSTEM,
            username=DEMO_LOGIN,
            password=district_data.DEMO_PASSWORD,
            display_name="冯淑仪",
            phone="13800009000",
            validate=False,
        )
        result.created["user"] += 1
    if not Membership.objects.filter(user=user, organisation=org, role=Role.HANDLING_OFFICER).exists():
        membership_grant(
            actor=SYSTEM, user=user, organisation=org, role=Role.HANDLING_OFFICER, title="法律援助中心工作人员"
        )
        result.created["membership"] += 1
    return user


def _load_requests(
    points: dict[tuple[str, str], ServicePoint], kinds: dict[str, ServiceKind], officer: Any, result: DemoResult
) -> None:
    rng = random.Random(DEMO_SEED)  # noqa: S311 - published demo codes, not security
    today = timezone.localdate()
    for spec in REQUEST_SPECS:
        reference, code = _demo_codes(rng)
        result.codes.append((reference, format_code(code), spec.status))
        point = points.get(spec.point)
        if point is None or ServiceRequest.objects.filter(reference=reference).exists():
            continue
        submitted = services.public_request_submit(
            point=point,
            kind=kinds[spec.kind],
            preferred_date=today + datetime.timedelta(days=spec.days_ahead),
            time_slot=TimeSlot.MORNING if spec.days_ahead % 2 else TimeSlot.AFTERNOON,
            name=spec.name,
            phone=spec.phone,
            description=spec.description,
            language="zh-hans",
            fixed_codes=(reference, code),
        )
        _walk(submitted, spec, officer if spec.point[0].endswith("-SFJ") and officer else SYSTEM)
        result.created["request"] += 1


def _walk(submitted: services.Submitted, spec: RequestSpec, actor: Any) -> None:
    """Take a new request to the spec's status through the staff services (or, to cancel, the
    person's service with the request's access code)."""
    service_request, status = submitted.request, spec.status
    if status == RequestStatus.CANCELLED:
        services.public_request_cancel(reference=service_request.reference, code=submitted.access_code)
    elif status == RequestStatus.DECLINED:
        services.request_decline(actor=actor, service_request=service_request, reason=spec.outcome)
    elif status != RequestStatus.REQUESTED:
        services.request_accept(actor=actor, service_request=service_request, note=spec.note)
        if status in (RequestStatus.IN_PROGRESS, RequestStatus.COMPLETED):
            services.request_start(actor=actor, service_request=service_request)
        if status == RequestStatus.COMPLETED:
            services.request_complete(actor=actor, service_request=service_request, outcome=spec.outcome)
