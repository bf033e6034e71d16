"""The API fuzz suite's world: the mini district with a couple of matters and a document, built
through the real services, and knox tokens for the callers. Everything runs in-process: the
schema is read from the WSGI application (`config.wsgi.application`) and every request goes
through it in the test's thread, so it shares the test's database connection and transaction.

Each request runs in a savepoint rolled back afterwards: every example sees the same data, and a
database error in one example cannot poison the next (PostgreSQL aborts the whole transaction)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from knox.models import AuthToken

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.testing import MiniDistrict, build_mini_district, make_user

SCHEMA_PATH = "/api/schema/"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: schemathesis runs over the whole API schema (part of `make test`)")


def _thorough() -> bool:
    """The long local run: HYPOTHESIS_PROFILE=dev or XINFANG_FUZZ_THOROUGH=1 (never in CI)."""
    if os.environ.get("CI") == "true":
        return False
    return os.environ.get("HYPOTHESIS_PROFILE") == "dev" or os.environ.get("XINFANG_FUZZ_THOROUGH") == "1"


def fuzz_examples() -> int:
    """Examples per operation in the fuzzing phase: 8 by default and in CI (the whole suite stays
    within a few minutes), 50 in the thorough run, or XINFANG_FUZZ_EXAMPLES=N."""
    explicit = os.environ.get("XINFANG_FUZZ_EXAMPLES")
    if explicit:
        return int(explicit)
    return 50 if _thorough() else 8


# Positive and negative data. The explicit examples and the random fuzzing phase always run; the
# coverage phase (every boundary and every missing or duplicated parameter: ~200 requests per
# operation) runs in the thorough local run. Stateful sequences are not part of this suite.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "deterministic": os.environ.get("CI") == "true"},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": _thorough()},
            "fuzzing": {"enabled": True},
        },
    }
)


def load_schema() -> Any:
    """The OpenAPI schema as the application serves it (no server, no network)."""
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, application, config=CONFIG)


@dataclass
class FuzzWorld:
    """The district's people and records. Everything named `*_town_b` belongs to town B (乙街道) and
    is what the cross-organisation test asks for as a user of town A."""

    mini: MiniDistrict
    privileged: User  # system administrator and petition bureau head of the district
    clerk: User  # reception clerk of one village (甲一村)
    town_a_head: User  # bureau head of town A's office: sees town A, not town B
    matter_district: Any  # registered at the district petition bureau
    matter_town_b: Any  # registered at town B's office
    routing_town_b: Any  # a second town B matter, forwarded by town B's office to its community
    petitioner_town_b: Any
    document_town_b: Any  # issued by town B's office on its matter
    clock_town_b: Any
    audit_event_town_b: Any
    hotline_order_town_b: Any
    webhook_endpoint_town_b: Any  # town B's subscription to its matters' events
    webhook_delivery_town_b: Any
    grid_event_town_b: Any  # reported by a grid worker of grid 乙一-1
    mediation_case_town_b: Any  # opened at town B's mediation committee
    town_b_rows: dict[str, Any]  # town B's risk, outreach, supervision and order rows: _town_b_extra
    tokens: dict[str, str]

    @property
    def town_b_org_ids(self) -> set[int]:
        return {self.mini.town_b.pk, self.mini.town_b_office.pk, self.mini.village_b1.pk, self.mini.grid_b1_1.pk}

    def markers(self) -> list[str]:
        """Texts that only town B's records contain (numbers and codes)."""
        return [
            self.matter_town_b.number,
            self.routing_town_b.matter.number,
            self.document_town_b.number,
            self.document_town_b.verification_code,
            self.hotline_order_town_b.external_id,
            self.grid_event_town_b.number,
            self.mediation_case_town_b.number,
            self.town_b_rows["decision"].project_code,
            self.town_b_rows["booking"].reference,
            self.town_b_rows["sup_order"].number,
            self.town_b_rows["sup_referral"].number,
            self.town_b_rows["conduct"].place_text,
            self.town_b_rows["track"].responsible_person,
        ]


def _token(user: User) -> str:
    _instance, token = AuthToken.objects.create(user=user)
    return str(token)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[FuzzWorld]:
    """Built once per module inside a transaction rolled back at the module's end; each test's own
    transaction (the `db` fixture) is a savepoint inside it, so every operation sees the world."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)


def _build_world() -> FuzzWorld:
    from xinfang.audit.models import AuditEvent
    from xinfang.core.actors import SYSTEM
    from xinfang.grid.services import GridEventData, PartyEntry, grid_event_report
    from xinfang.hotline.services import OrderData, order_receive
    from xinfang.hotline.states import OrderKind
    from xinfang.mediation.services import PartyData, mediation_body_create, mediation_case_open
    from xinfang.mediation.states import BodyKind, SourceKind
    from xinfang.notices.kinds import DocumentKind
    from xinfang.notices.services import document_issue
    from xinfang.petitions.models import Petitioner
    from xinfang.petitions.services.common import OBJECT_TYPE
    from xinfang.petitions.services.routing import matter_forward
    from xinfang.petitions.services.triage import matter_triage
    from xinfang.petitions.states import LevelDecision, Nature
    from xinfang.petitions.testing import register_walk_in
    from xinfang.webhooks.events import MATTER_STATUS_CHANGED
    from xinfang.webhooks.services import webhook_endpoint_create, webhook_event_emit
    from xinfang.workcalendar.models import Clock

    cache.clear()  # throttles and rate limits start empty
    mini = build_mini_district()
    privileged = make_user((Role.SYSTEM_ADMIN, mini.district), (Role.BUREAU_HEAD, mini.petition_bureau))
    clerk = make_user((Role.RECEPTION_CLERK, mini.village_a1))
    town_a_head = make_user((Role.BUREAU_HEAD, mini.town_a_office))
    town_b_clerk = make_user((Role.RECEPTION_CLERK, mini.town_b_office))
    matter_district = register_walk_in(mini)
    matter_town_b = register_walk_in(mini, organisation=mini.town_b_office, title="乙街道工地拖欠工资")
    routed = register_walk_in(mini, organisation=mini.town_b_office, title="乙一社区道路积水")
    routed = matter_triage(actor=town_b_clerk, matter=routed, level=LevelDecision.LOWER, nature=Nature.GRIEVANCE)
    routing = matter_forward(
        actor=town_b_clerk, matter=routed, to_org=mini.village_b1, basis="《信访工作条例》第二十二条"
    )
    document = document_issue(
        actor=town_b_clerk,
        kind=DocumentKind.ACCEPTANCE,
        organisation=mini.town_b_office,
        matter=matter_town_b,
        context={
            "petitioner_name": "张三",
            "acceptance_status": "经审查，本机关依法予以受理。",
            "handling_route": "本机关依照《信访工作条例》规定的程序办理。",
            "time_limit": "自受理之日起60日内办结",
        },
    )
    order = order_receive(
        actor=town_b_clerk,
        organisation=mini.town_b_office,
        data=OrderData(
            source_system="gz12345",
            external_id="GZ12345-TOWNB-0001",
            kind=OrderKind.COMPLAINT,
            content="乙一社区门口道路破损，雨天积水严重。",
            received_at=matter_town_b.received_at,
            caller_name="李四",
            caller_phone="13900002222",
        ),
    ).order
    with override_settings(XINFANG_WEBHOOK_ALLOWED_NETWORKS=["127.0.0.1/32"]):  # nothing is ever sent
        endpoint = webhook_endpoint_create(
            actor=privileged,
            organisation=mini.town_b_office,
            url="http://127.0.0.1:9/hook",
            event_types=[MATTER_STATUS_CHANGED],
        )
    [delivery] = webhook_event_emit(
        event_type=MATTER_STATUS_CHANGED, organisation=mini.town_b_office, payload={"matter_id": matter_town_b.pk}
    )
    grid_event = grid_event_report(
        actor=make_user((Role.GRID_WORKER, mini.grid_b1_1)),
        grid=mini.grid_b1_1,
        data=GridEventData(
            place_text="乙一社区2巷",
            description="邻居装修噪音扰民，双方争吵。",
            parties=[PartyEntry(name="王五", role="applicant", phone="13900003333")],
        ),
    )
    mediation_body_create(
        actor=SYSTEM, organisation=mini.town_b, name="乙街道人民调解委员会", kind=BodyKind.COMMITTEE_TOWN
    )
    case = mediation_case_open(
        actor=make_user((Role.MEDIATOR, mini.town_b)),
        organisation=mini.town_b,
        source_kind=SourceKind.WALK_IN,
        parties=[
            PartyData(name="赵六", role="applicant", phone="13900004444", id_number="440115198001011234"),
            PartyData(name="钱七", role="respondent"),
        ],
        summary="乙街道邻里宅基地纠纷",
        consent_recorded=True,
    )
    return FuzzWorld(
        mini=mini,
        privileged=privileged,
        clerk=clerk,
        town_a_head=town_a_head,
        matter_district=matter_district,
        matter_town_b=matter_town_b,
        routing_town_b=routing,
        petitioner_town_b=Petitioner.objects.filter(matter_roles__matter=matter_town_b).first(),
        document_town_b=document,
        clock_town_b=Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(matter_town_b.pk)).first(),
        audit_event_town_b=AuditEvent.objects.filter(org_id=mini.town_b_office.pk).order_by("id").first(),
        hotline_order_town_b=order,
        webhook_endpoint_town_b=endpoint,
        webhook_delivery_town_b=delivery,
        grid_event_town_b=grid_event,
        mediation_case_town_b=case,
        town_b_rows=_town_b_extra(mini),
        tokens={"privileged": _token(privileged), "clerk": _token(clerk), "town_a_head": _token(town_a_head)},
    )


def _town_b_extra(mini: MiniDistrict) -> dict[str, Any]:
    """Town B's risk decision (with a review flag), outreach, supervision and order rows, through
    the real services."""
    import datetime

    from django.utils import timezone

    from xinfang.outreach import services as outreach
    from xinfang.petitions.testing import register_walk_in
    from xinfang.risk import services as risk

    leader = make_user((Role.LEADER, mini.town_b))
    decision_list = risk.decision_list_create(actor=leader, organisation=mini.town_b, year=2026)
    decision = risk.decision_add(
        actor=leader,
        decision_list=decision_list,
        data=risk.DecisionData(title="乙街道菜市场迁建", owner_org=mini.town_b, project_code="TOWNB-RISK-01"),
    )
    for n in range(5):
        register_walk_in(mini, organisation=mini.town_b_office, title=f"TOWNB-RISK-01 菜市场迁建{n}")
    with override_settings(XINFANG_RISK_CLUSTER_MIN=5):
        flags = risk.risk_cluster_check(since=timezone.now() - datetime.timedelta(days=1))
    day = outreach.reception_day_create(
        actor=leader,
        organisation=mini.town_b,
        data=outreach.ReceptionDayData(
            leader_name="乙主任",
            leader_title="乙街道主任",
            place="乙街道接待室",
            date=timezone.localdate() + datetime.timedelta(days=7),
            start_time=datetime.time(9),
            end_time=datetime.time(11),
            capacity=5,
        ),
    )
    outreach.reception_day_publish(actor=leader, day=day)
    booked = outreach.booking_create(day=day, name="孙八", phone="13900005555", subject="菜市场迁建")
    visit = outreach.visit_record(
        actor=leader,
        cadre=leader,
        organisation=mini.village_b1,
        data=outreach.VisitData(
            kind="outreach", date=timezone.localdate(), items=[outreach.ItemData("菜市场迁建意见", raised_by="孙八")]
        ),
    )
    assignment = outreach.assignment_create(
        actor=leader, cadre=leader, organisation=mini.village_b1, start=timezone.localdate()
    )
    return {
        **_town_b_supervision(mini),
        **_town_b_order(mini),
        "decision_list": decision_list,
        "decision": decision,
        "flag": next(f for f in flags if f.decision_id == decision.pk),
        "reception_day": day,
        "booking": booked.booking,
        "visit": visit,
        "item": visit.items.get(),
        "assignment": assignment,
        "plan": assignment.plan,
    }


def _town_b_supervision(mini: MiniDistrict) -> dict[str, Any]:
    """Town B's supervision order, referral (a report referred to its discipline body), accountability
    record and joint conference meeting (with a decision), through the real services."""
    from django.utils import timezone

    from xinfang.core.actors import SYSTEM
    from xinfang.orgs.models import Function, Kind
    from xinfang.orgs.services import organisation_create
    from xinfang.petitions.services.triage import matter_triage
    from xinfang.petitions.states import LevelDecision, Nature
    from xinfang.petitions.testing import register_walk_in
    from xinfang.supervision import services as supervision
    from xinfang.supervision.states import DecisionKind, FindingKind, Measure, Trigger

    leader = make_user((Role.LEADER, mini.town_b))
    supervisor = make_user((Role.SUPERVISOR, mini.town_b_office))
    discipline = organisation_create(
        actor=SYSTEM,
        name="乙街道纪工委",
        code="TBDIS01",
        kind=Kind.DEPARTMENT,
        parent=mini.town_b,
        function=Function.DISCIPLINE,
    )
    report = register_walk_in(mini, organisation=mini.town_b_office, title="乙街道工作人员违纪问题")
    report = matter_triage(
        actor=make_user((Role.RECEPTION_CLERK, mini.town_b_office)),
        matter=report,
        level=LevelDecision.THIS_LEVEL,
        nature=Nature.REPORT,
    )
    order = supervision.order_open(
        actor=leader,
        issuing_org=mini.town_b,
        target_org=mini.town_b_office,
        trigger=Trigger.SHIRKING,
        demands="乙街道督办：请限期书面反馈。",
    )
    referral = supervision.referral_create(
        actor=supervisor,
        matter=report,
        sending_org=mini.town_b_office,
        discipline_org=discipline,
        reason="乙街道移送纪检监察。",
    )
    record = supervision.accountability_record(
        actor=supervisor,
        organisation=mini.town_b_office,
        subject_org=mini.village_b1,
        finding=FindingKind.SHIRKING,
        facts="乙一社区逾期未办结。",
        measure=Measure.CORRECTION,
        decided_on=timezone.localdate(),
    )
    meeting = supervision.meeting_create(
        actor=leader, organisation=mini.town_b, title="乙街道联席会议", held_on=timezone.localdate()
    )
    supervision.meeting_decision_add(actor=leader, meeting=meeting, kind=DecisionKind.OTHER, text="乙街道会议决定。")
    return {"sup_order": order, "sup_referral": referral, "sup_record": record, "sup_meeting": meeting}


def _town_b_order(mini: MiniDistrict) -> dict[str, Any]:
    """Town B's conduct record, cluster warning (a place in town B: its community) and litigation
    track, through the real services (the warning through the system's check)."""
    import datetime

    from django.utils import timezone

    from xinfang.petitions.services.triage import matter_triage
    from xinfang.petitions.states import LevelDecision, Nature
    from xinfang.petitions.testing import register_walk_in
    from xinfang.publicorder import services as order
    from xinfang.publicorder.models import ClusterWarning
    from xinfang.publicorder.states import ConductKind, LitigationLevel, ResponseKind

    clerk = make_user((Role.RECEPTION_CLERK, mini.town_b_office))
    matters = [
        register_walk_in(mini, organisation=mini.town_b_office, title=f"乙一社区噪音扰民{n}", place_org=mini.village_b1)
        for n in range(3)
    ]
    conduct = order.conduct_record(
        actor=clerk,
        organisation=mini.town_b_office,
        data=order.ConductData(
            kind=ConductKind.LINGERING,
            occurred_at=timezone.now() - datetime.timedelta(hours=1),
            place_text="乙街道信访办接待室（TOWNB-ORDER-01）",
            description="在接待场所滞留，经劝阻离开。",
            responses=[ResponseKind.DISSUADE],
            matters=matters[:1],
        ),
    )
    with override_settings(XINFANG_ORDER_WARNING={"WINDOW_DAYS": 30, "THRESHOLD": 3}):
        order.order_warning_check()
    warning = ClusterWarning.objects.get(key=f"place:{mini.village_b1.pk}")
    litigation = matter_triage(actor=clerk, matter=matters[2], level=LevelDecision.THIS_LEVEL, nature=Nature.LITIGATION)
    track = order.litigation_track_open(
        actor=clerk,
        matter=litigation,
        data=order.LevelData(
            level=LitigationLevel.FIRST,
            responsible_org=mini.town_b_office,
            responsible_person="乙街道责任人TOWNB-LIT-01",
            reason="首次办理。",
        ),
    )
    return {"conduct": conduct, "warning": warning, "track": track}


@pytest.fixture
def in_process() -> Iterator[None]:
    """Requests through the WSGI handler in this thread: Django closes "old" connections at each
    request's start and end, which inside the test's transaction would drop it (the test client
    switches this off the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@contextmanager
def rolled_back() -> Iterator[None]:
    """A savepoint undone afterwards, whatever happened inside."""
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
