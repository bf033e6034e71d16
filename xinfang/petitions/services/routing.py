"""Forwarding and assigning (转送/交办) and the receiving organisation's answer.

- The bureau forwards or assigns within 15 days of receipt (XF-TRI-01; late only with a recorded
  reason) to an active organisation of this level or a lower one in its own area (属地管理、分级负责),
  or to the political-legal or discipline bodies (XF-TRI-02); never outside the tree, never to the
  unit reported on (XF-CLS-03); following a joint-conference decision where there is one (XF-JUR-01).
- The recipient's clocks start on receipt (electronic delivery: received when sent): objection
  within 5 working days (D4, XF-NOT-03), written notice within 15 days (D3); for 交办 the report
  deadline the bureau sets (D5). A receipt recorded later restarts them from the corrected date.
- The recipient accepts, or objects within the 5 working days with detailed reasons; after that the
  objection is refused ([I] D4: "objection window lost; it must handle the matter").
- The bureau decides the objection: upheld — the materials come back and the matter is re-routed
  (at once, or later from "registered"); rejected — the recipient must handle it (accepted).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError
from xinfang.orgs.models import Kind, Organisation
from xinfang.workcalendar.choices import Unit
from xinfang.workcalendar.selectors import deadline_compute

from ..models import Matter, Routing
from ..states import (
    CLOCK_ASSIGN_REPORT,
    CLOCK_NOTICE,
    CLOCK_OBJECTION,
    CLOCK_RECIPIENT_NOTICE,
    CLOCK_TRIAGE,
    DISCIPLINE_FUNCTIONS,
    POLITICAL_LEGAL_FUNCTIONS,
    LevelDecision,
    Nature,
    RoutingKind,
    RoutingOutcome,
    Status,
)
from .common import matter_clock_start, matter_transition, petition_period
from .triage import (
    check_competence_by_nature,
    expect_status,
    expect_triaged,
    handling_clock_hook,
    is_report_on_officials,
    matter_lock,
    organisation_area,
    restart_triage_clock,
    running_clock,
    stop_clock,
    triage_lateness,
)

# Allowance for clocks of different machines when a time "now" is entered by hand.
CLOCK_SKEW = datetime.timedelta(minutes=5)
MIN_OBJECTION_REASON = 10


def to_minute(moment: datetime.datetime) -> datetime.datetime:
    """Times are entered to the minute: compare an entered time with a stored one at that precision."""
    return moment.replace(second=0, microsecond=0)


# --- Targets ---------------------------------------------------------------------------------


SPECIAL_FUNCTIONS = POLITICAL_LEGAL_FUNCTIONS | DISCIPLINE_FUNCTIONS


def _higher_areas(area: Organisation) -> list[int]:
    """Ids of the areas above `area` that belong to the tree (not external bodies)."""
    return list(Organisation.objects.filter(pk__in=area.ancestor_ids(), is_external=False).values_list("pk", flat=True))


def routing_targets(*, from_org: Organisation) -> QuerySet[Organisation]:
    """Organisations a matter held by `from_org` may be forwarded or assigned to: active bodies of
    the tree in from_org's own area (this level and below: 属地管理、分级负责, XF-TRI-01(a)(b)),
    plus the political-legal and discipline bodies of the areas above it inside the tree (reports
    on cadres go to the discipline body competent by cadre management authority, XF-TRI-02) —
    except grids (not organs) and from_org itself. The nature rules narrow it further
    (`routing_target_check`)."""
    area = organisation_area(from_org)
    inside = Q(path__startswith=area.path) | Q(parent__in=_higher_areas(area), function__in=SPECIAL_FUNCTIONS)
    return (
        Organisation.objects.filter(inside, is_active=True, is_external=False)
        .exclude(kind=Kind.GRID)
        .exclude(pk=from_org.pk)
        .order_by("path")
    )


def _within_reach(*, area: Organisation, to_org: Organisation) -> bool:
    if to_org.is_external:
        return False
    if to_org.path.startswith(area.path):
        return True
    return to_org.function in SPECIAL_FUNCTIONS and to_org.parent_id in _higher_areas(area)


@dataclass(frozen=True)
class ProposalCandidate:
    """One competent organisation proposed by the power list, with the reason shown to the clerk.
    `binding` marks a jurisdiction decision (XF-JUR-01) the routing must follow."""

    organisation: Organisation
    reason: str = ""
    binding: bool = False
    decision_ref: str = ""
    legal_basis: str = ""
    disputed: bool = False  # several lead organisations compete: a decision is needed (XF-JUR-01)


def proposal_candidates(proposal: Any) -> list[ProposalCandidate]:
    """Normalise what `powerlist_propose` returns (a list of candidates, or an object with
    `.candidates`; each candidate an object or mapping with `organisation`, `reason` and, for a
    jurisdiction decision, `decision`) into ProposalCandidates."""
    if proposal is None:
        return []
    items = getattr(proposal, "candidates", proposal)
    result: list[ProposalCandidate] = []
    for item in items or []:
        if isinstance(item, ProposalCandidate):
            result.append(item)
            continue

        def value(name: str, item: Any = item) -> Any:
            return item.get(name) if isinstance(item, dict) else getattr(item, name, None)

        organisation = value("organisation") or value("org")
        if not isinstance(organisation, Organisation):
            continue
        decision = value("decision") or value("jurisdiction_decision")
        binding = bool(value("binding")) or decision is not None
        result.append(
            ProposalCandidate(
                organisation=organisation,
                reason=str(value("reason") or ""),
                binding=binding,
                decision_ref=str(getattr(decision, "decision_ref", "") or value("decision_ref") or ""),
                legal_basis=str(value("legal_basis") or ""),
                disputed=bool(value("disputed")),
            )
        )
    return result


def level_for_target(*, from_org: Organisation, to_org: Organisation) -> str:
    """The level distinction a target implies: this level, or lower (XF-TRI-01(a)/(b))."""
    return LevelDecision.THIS_LEVEL if to_org.level == organisation_area(from_org).level else LevelDecision.LOWER


def routing_target_check(
    *,
    matter: Matter,
    from_org: Organisation,
    to_org: Organisation | None,
    proposal: Any = None,
    check_level: bool = True,
) -> dict[str, Any]:
    """Refuse a target outside the rules (translated, rule cited); returns what the audit event
    records about the power list's proposal."""
    if to_org is None:
        raise ValidationError({"to_org": _("请选择接收机关。")}, code="required")
    if not to_org.is_active:
        raise ValidationError(
            {"to_org": _("接收机关已撤销；机构撤并的，由承继机关受理（《信访工作条例》第二十四条第二款）。")},
            code="inactive",
        )
    area = organisation_area(from_org)
    if to_org.pk == from_org.pk or not _within_reach(area=area, to_org=to_org):
        raise ValidationError(
            {
                "to_org": _(
                    "接收机关不在本机关辖区的组织机构中：只能转送、交办本级或下级有权机关"
                    "（属地管理、分级负责，《信访工作条例》第二十二条，XF-TRI-01）。"
                )
            },
            code="outside_area",
        )
    if to_org.kind == Kind.GRID:
        raise ValidationError({"to_org": _("网格不是有权处理信访事项的机关，请选择村（社区）或机关。")}, code="grid")
    by_function = matter.nature in (Nature.LITIGATION, Nature.DISCIPLINE) or is_report_on_officials(matter)
    if check_level and not by_function:
        if matter.level_decision == LevelDecision.THIS_LEVEL and to_org.level != area.level:
            raise ValidationError(
                {"to_org": _("已判断为本级事项，应当转送本级有权机关；如属下级事项，请先更正层级判断。")},
                code="level",
            )
        if matter.level_decision == LevelDecision.LOWER and to_org.level <= area.level:
            raise ValidationError(
                {"to_org": _("已判断为下级事项，应当转送、交办下级有权机关；如属本级事项，请先更正层级判断。")},
                code="level",
            )
    check_competence_by_nature(matter, to_org, field="to_org")
    candidates = proposal_candidates(proposal)
    binding = [c for c in candidates if c.binding]
    if binding and to_org.pk not in {c.organisation.pk for c in binding}:
        decision = binding[0]
        raise ValidationError(
            {
                "to_org": _(
                    "该类事项的管辖争议已有决定（%(ref)s），应当转送%(org)s（《信访工作条例》第二十四条第一款，XF-JUR-01）。"
                )
                % {"ref": decision.decision_ref or "—", "org": decision.organisation.name}
            },
            code="jurisdiction_decision",
        )
    if not candidates:
        return {}
    return {
        "proposed": [c.organisation.pk for c in candidates],
        "followed": to_org.pk in {c.organisation.pk for c in candidates},
        "decision": bool(binding),
    }


# --- Clocks of the recipient -----------------------------------------------------------------


def _restart(matter: Matter, kind: str, *, actor: Any, start: datetime.date, reason: str, **period: Any) -> None:
    stop_clock(matter, kind, actor=actor, reason=reason)
    matter_clock_start(matter=matter, kind=kind, start=start, actor=actor, **period)


def _recipient_needs_notice(matter: Matter, to_org: Organisation) -> bool:
    """D3 applies unless the name or address is unclear (XF-NOT-02) or the recipient is a
    political-legal or discipline body, whose notices follow their own rules (XF-NOT-04)."""
    if matter.name_or_address_unclear or matter.is_anonymous:
        return False
    return to_org.function not in POLITICAL_LEGAL_FUNCTIONS | DISCIPLINE_FUNCTIONS


def _start_recipient_clocks(*, matter: Matter, routing: Routing, actor: Any, reason: str) -> None:
    """From the recipient's receipt: objection within 5 working days (D4) and written notice within
    15 days (D3). A correction of the receipt restarts them (the old ones stay as history)."""
    assert routing.received_at is not None
    received = timezone.localdate(routing.received_at)
    _restart(matter, CLOCK_OBJECTION, actor=actor, start=received, reason=reason)
    if _recipient_needs_notice(matter, routing.to_org):
        period, unit = petition_period(CLOCK_NOTICE)
        _restart(matter, CLOCK_RECIPIENT_NOTICE, actor=actor, start=received, reason=reason, period=period, unit=unit)


def objection_due(*, matter: Matter, routing: Routing) -> datetime.date | None:
    """The last day of the recipient's objection window: the running D4 clock, or, if it was
    stopped, the same computation from the receipt."""
    clock = running_clock(matter, CLOCK_OBJECTION)
    if clock is not None:
        return clock.due_date
    if routing.received_at is None:
        return None
    period, unit = petition_period(CLOCK_OBJECTION)
    return deadline_compute(start=timezone.localdate(routing.received_at), period=period, unit=unit).due_date


# --- Forward and assign ----------------------------------------------------------------------


def _route(
    *,
    actor: Any,
    matter: Matter,
    kind: str,
    to_org: Organisation | None,
    basis: str,
    note: str,
    sent_at: datetime.datetime | None,
    electronic: bool,
    late_reason: str,
    report_due: datetime.date | None,
    proposal: Any,
    correct_level: bool = False,
) -> Routing:
    """Forward or assign a locked matter held by its current organisation (see the services).
    `correct_level`: the target decides the level distinction (a re-routing after an upheld
    objection corrects the first assessment)."""
    from_org = matter.current_org
    now = timezone.now()
    sent_at = sent_at or now
    errors: dict[str, list[str]] = {}
    if sent_at < to_minute(matter.received_at):
        errors.setdefault("sent_at", []).append(_("转出时间不能早于收到信访事项的时间。"))
    if sent_at > now + CLOCK_SKEW:
        errors.setdefault("sent_at", []).append(_("转出时间不能晚于现在。"))
    if not basis.strip():
        errors.setdefault("basis", []).append(_("请写明转送、交办的依据（DOC-03）。"))
    sent_on = timezone.localdate(sent_at)
    if kind == RoutingKind.ASSIGN:
        if report_due is None:
            errors.setdefault("report_due", []).append(
                _("交办应当规定报送办理结果的期限（《信访工作条例》第二十二条第三款）。")
            )
        elif report_due <= sent_on:
            errors.setdefault("report_due", []).append(_("报送办结报告的期限应当晚于交办之日。"))
    if errors:
        raise ValidationError(errors)
    proposal_summary = routing_target_check(
        matter=matter, from_org=from_org, to_org=to_org, proposal=proposal, check_level=not correct_level
    )
    assert to_org is not None
    level_before = matter.level_decision
    if correct_level:
        matter.level_decision = level_for_target(from_org=from_org, to_org=to_org)
        matter.save(update_fields=["level_decision", "updated_at"])
    due, late = triage_lateness(matter=matter, acted_on=sent_on, late_reason=late_reason)
    routing = Routing.objects.create(
        matter=matter,
        kind=kind,
        from_org=from_org,
        to_org=to_org,
        sent_at=sent_at,
        # Electronic delivery through the system: received when sent. Paper: recorded on receipt.
        received_at=sent_at if electronic else None,
        report_due=report_due if kind == RoutingKind.ASSIGN else None,
        basis=basis.strip(),
        triage_due=due,
        late_reason=late,
    )
    if note.strip():
        matter.triage_note = "\n".join(filter(None, [matter.triage_note, note.strip()]))
        matter.save(update_fields=["triage_note", "updated_at"])
    stop_clock(matter, CLOCK_TRIAGE, actor=actor, reason=f"matter.{kind}")
    matter_transition(
        matter=matter,
        to=Status.FORWARDED if kind == RoutingKind.FORWARD else Status.ASSIGNED,
        actor=actor,
        action=f"matter.{kind}",
        summary={
            "routing": routing.pk,
            "from_org": from_org.pk,
            "to_org": to_org.pk,
            "sent_at": sent_at.isoformat(),
            "received": routing.received_at is not None,
            "report_due": routing.report_due.isoformat() if routing.report_due else None,
            "triage_due": due.isoformat() if due else None,
            "late": bool(late),
            "proposal": proposal_summary,
            **({"level": {"before": level_before, "after": matter.level_decision}} if correct_level else {}),
        },
    )
    matter.current_org = to_org
    matter.save(update_fields=["current_org", "updated_at"])
    if routing.received_at is not None:
        _start_recipient_clocks(matter=matter, routing=routing, actor=actor, reason=f"matter.{kind}")
    if kind == RoutingKind.ASSIGN and report_due is not None:
        # D5: the deadline the bureau sets in the 交办单, counted on the calendar from the day of 交办.
        _restart(
            matter,
            CLOCK_ASSIGN_REPORT,
            actor=actor,
            start=sent_on,
            reason="matter.assign",
            period=(report_due - sent_on).days,
            unit=Unit.CALENDAR,
        )
    return routing


@transaction.atomic
def matter_forward(
    *,
    actor: Any,
    matter: Matter,
    to_org: Organisation | None,
    basis: str,
    note: str = "",
    sent_at: datetime.datetime | None = None,
    electronic: bool = True,
    late_reason: str = "",
    proposal: Any = None,
) -> Routing:
    """Forward (转送) the matter to the empowered organisation (XF-TRI-01(a)(b), XF-TRI-02; DOC-03).
    `sent_at` defaults to now and may not precede the matter's receipt; `electronic` delivery
    counts as received when sent (otherwise the recipient records its receipt). `proposal` is the
    power list's proposal (`powerlist_propose`): a jurisdiction decision in it binds (XF-JUR-01)."""
    require(actor, Action.MATTER_TRIAGE, matter.current_org)
    matter = matter_lock(matter)
    expect_status(matter, Status.REGISTERED)
    expect_triaged(matter)
    _expect_routable_level(matter)
    return _route(
        actor=actor,
        matter=matter,
        kind=RoutingKind.FORWARD,
        to_org=to_org,
        basis=basis,
        note=note,
        sent_at=sent_at,
        electronic=electronic,
        late_reason=late_reason,
        report_due=None,
        proposal=proposal,
    )


@transaction.atomic
def matter_assign(
    *,
    actor: Any,
    matter: Matter,
    to_org: Organisation | None,
    report_due: datetime.date | None,
    basis: str,
    note: str = "",
    sent_at: datetime.datetime | None = None,
    electronic: bool = True,
    late_reason: str = "",
    proposal: Any = None,
) -> Routing:
    """Assign (交办) an important matter whose result must be reported back by `report_due`, with a
    completion report (XF-TRI-01(c), D5; DOC-03). Otherwise as `matter_forward`."""
    require(actor, Action.MATTER_TRIAGE, matter.current_org)
    matter = matter_lock(matter)
    expect_status(matter, Status.REGISTERED)
    expect_triaged(matter)
    _expect_routable_level(matter)
    return _route(
        actor=actor,
        matter=matter,
        kind=RoutingKind.ASSIGN,
        to_org=to_org,
        basis=basis,
        note=note,
        sent_at=sent_at,
        electronic=electronic,
        late_reason=late_reason,
        report_due=report_due,
        proposal=proposal,
    )


def _expect_routable_level(matter: Matter) -> None:
    if matter.level_decision in (LevelDecision.HIGHER, LevelDecision.OUTSIDE):
        raise ServiceError(
            _(
                "上级或系统外的事项不能转送、交办本级或下级机关；请告知信访人向有权机关提出"
                "（《信访工作条例》第二十三条第一款，XF-NOT-01）。"
            ),
            code="level",
        )


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()})


# --- The recipient ---------------------------------------------------------------------------


def _lock_routing(routing: Routing) -> tuple[Routing, Matter]:
    """The routing and its matter under lock; refuses a routing that is no longer the matter's
    current one (re-routed meanwhile)."""
    matter = Matter.objects.select_for_update().get(pk=routing.matter_id)
    routing = Routing.objects.select_for_update(of=("self",)).select_related("from_org", "to_org").get(pk=routing.pk)
    latest = Routing.objects.filter(matter=matter).order_by("-sent_at", "-pk").values_list("pk", flat=True).first()
    if latest != routing.pk:
        raise ServiceError(_("该转送交办已被新的转送交办取代，请刷新页面。"), code="stale")
    return routing, matter


def _expect_outcome(routing: Routing, *allowed: str) -> None:
    if routing.outcome not in allowed:
        raise ServiceError(
            _("该转送交办当前为“%(outcome)s”，不能再执行此操作；可能已经有人处理过。请刷新页面查看。")
            % {"outcome": RoutingOutcome(routing.outcome).label},
            code="stale",
        )


def _receive_now_if_needed(*, matter: Matter, routing: Routing, actor: Any) -> None:
    """Answering a routing proves receipt: a paper routing not yet marked received is received now."""
    if routing.received_at is None:
        routing.received_at = timezone.now()
        routing.save(update_fields=["received_at"])
        _start_recipient_clocks(matter=matter, routing=routing, actor=actor, reason="routing.receive")


@transaction.atomic
def routing_mark_received(*, actor: Any, routing: Routing, received_at: datetime.datetime) -> Routing:
    """Record (or correct) when the recipient received a routed matter. The recipient's clocks run
    from its receipt (D3, D4), so they are restarted from the corrected date — the old clocks stay
    as history and the change is in the audit log (CNT-08). The recipient records it; the sending
    bureau may correct it too."""
    if not user_can(actor, Action.MATTER_TRIAGE, routing.from_org):
        require(actor, Action.MATTER_HANDLE, routing.to_org)
    routing, matter = _lock_routing(routing)
    _expect_outcome(routing, RoutingOutcome.PENDING)
    if received_at < to_minute(routing.sent_at):
        raise ValidationError({"received_at": _("接收时间不能早于转出时间。")}, code="before_sent")
    if received_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"received_at": _("接收时间不能晚于现在。")}, code="future")
    before = routing.received_at
    if before == received_at:
        return routing
    routing.received_at = received_at
    routing.save(update_fields=["received_at"])
    _start_recipient_clocks(matter=matter, routing=routing, actor=actor, reason="routing.receive")
    audit_record(
        actor=actor,
        action="routing.receive",
        target=routing,
        object_label=matter.number,
        org_id=routing.to_org_id,
        summary={
            "matter": matter.pk,
            "before": {"received_at": before.isoformat() if before else None},
            "after": {"received_at": received_at.isoformat()},
        },
    )
    return routing


@transaction.atomic
def routing_accept(*, actor: Any, routing: Routing) -> Routing:
    """The recipient accepts the forwarded or assigned matter (受理): the matter is accepted there;
    the objection window closes; the D3 notice clock keeps running until the notice is given."""
    require(actor, Action.MATTER_HANDLE, routing.to_org)
    routing, matter = _lock_routing(routing)
    _expect_outcome(routing, RoutingOutcome.PENDING)
    expect_status(matter, Status.FORWARDED, Status.ASSIGNED)
    _receive_now_if_needed(matter=matter, routing=routing, actor=actor)
    now = timezone.now()
    routing.outcome = RoutingOutcome.ACCEPTED
    routing.save(update_fields=["outcome"])
    matter.accepted_at = now
    matter.save(update_fields=["accepted_at", "updated_at"])
    stop_clock(matter, CLOCK_OBJECTION, actor=actor, reason="routing.accept")
    matter_transition(
        matter=matter, to=Status.ACCEPTED, actor=actor, action="routing.accept", summary={"routing": routing.pk}
    )
    handling_clock_hook(matter=matter, actor=actor)
    return routing


@transaction.atomic
def routing_object(*, actor: Any, routing: Routing, reason: str) -> Routing:
    """The recipient objects that the matter is not within its powers, with detailed reasons, within
    5 working days of receipt (XF-NOT-03, D4, counted on the working calendar). After the window the
    objection is refused: [I] "objection window lost; it must handle the matter" (regulations §8 D4)."""
    require(actor, Action.MATTER_HANDLE, routing.to_org)
    routing, matter = _lock_routing(routing)
    _expect_outcome(routing, RoutingOutcome.PENDING)
    expect_status(matter, Status.FORWARDED, Status.ASSIGNED)
    if len(reason.strip()) < MIN_OBJECTION_REASON:
        raise ValidationError(
            {
                "reason": _(
                    "请详细说明不属于本机关职权范围的理由（不少于%(min)d个字，《信访工作条例》第二十三条第三款）。"
                )
                % {"min": MIN_OBJECTION_REASON}
            },
            code="reason",
        )
    _receive_now_if_needed(matter=matter, routing=routing, actor=actor)
    now = timezone.now()
    due = objection_due(matter=matter, routing=routing)
    if due is not None and timezone.localdate(now) > due:
        raise ServiceError(
            _(
                "异议期限已过：应当自收到之日起5个工作日内（%(due)s前）提出异议（《信访工作条例》第二十三条第三款，"
                "XF-NOT-03）。逾期未提出异议的，应当依法办理该事项。"
            )
            % {"due": due.isoformat()},
            code="objection_window",
        )
    routing.outcome = RoutingOutcome.OBJECTED
    routing.objection_reason = reason.strip()
    routing.objected_at = now
    routing.save(update_fields=["outcome", "objection_reason", "objected_at"])
    stop_clock(matter, CLOCK_OBJECTION, actor=actor, reason="routing.object")
    matter_transition(
        matter=matter,
        to=Status.OBJECTED,
        actor=actor,
        action="routing.object",
        summary={"routing": routing.pk, "objection_due": due.isoformat() if due else None},
    )
    return routing


@transaction.atomic
def routing_objection_decide(
    *,
    actor: Any,
    routing: Routing,
    upheld: bool,
    note: str,
    reroute_to: Organisation | None = None,
    reroute_kind: str = RoutingKind.FORWARD,
    reroute_basis: str = "",
    reroute_report_due: datetime.date | None = None,
    proposal: Any = None,
) -> Routing:
    """The forwarding bureau decides an objection (XF-NOT-03, DOC-12). Upheld: the materials are
    returned and the matter comes back to the bureau — re-routed at once to `reroute_to` if given,
    otherwise registered again for a new decision (with a new triage clock, [I]). Rejected: the
    recipient must handle the matter (accepted). Returns the decided routing."""
    require(actor, Action.MATTER_TRIAGE, routing.from_org)
    routing, matter = _lock_routing(routing)
    _expect_outcome(routing, RoutingOutcome.OBJECTED)
    expect_status(matter, Status.OBJECTED)
    if not note.strip():
        raise ValidationError({"note": _("请写明对异议的核实意见。")}, code="required")
    if not upheld and reroute_to is not None:
        raise ValidationError({"reroute_to": _("异议不成立的，由原接收机关办理，不能另行转送。")}, code="reroute")
    if reroute_to is not None and reroute_to.pk == routing.to_org_id:
        raise ValidationError(
            {"reroute_to": _("异议成立的，应当改送其他有权机关，不能再送原接收机关。")}, code="reroute"
        )
    if reroute_kind not in RoutingKind.values:
        raise ValidationError({"reroute_kind": _("请选择转送或交办。")}, code="reroute_kind")
    now = timezone.now()
    routing.outcome = RoutingOutcome.OBJECTION_UPHELD if upheld else RoutingOutcome.OBJECTION_REJECTED
    routing.decision_note = note.strip()
    routing.decided_at = now
    routing.save(update_fields=["outcome", "decision_note", "decided_at"])
    audit_record(
        actor=actor,
        action="routing.objection_decide",
        target=routing,
        object_label=matter.number,
        org_id=routing.from_org_id,
        summary={
            "matter": matter.pk,
            "upheld": upheld,
            "materials_returned": upheld,
            "rerouted_to": reroute_to.pk if reroute_to else None,
        },
    )
    if not upheld:
        matter.accepted_at = now
        matter.save(update_fields=["accepted_at", "updated_at"])
        matter_transition(
            matter=matter,
            to=Status.ACCEPTED,
            actor=actor,
            action="matter.accept",
            summary={"routing": routing.pk, "objection_rejected": True},
        )
        handling_clock_hook(matter=matter, actor=actor)
        return routing
    # Upheld: the recipient's clocks end; the matter and its materials return to the bureau.
    for kind in (CLOCK_OBJECTION, CLOCK_RECIPIENT_NOTICE, CLOCK_ASSIGN_REPORT):
        stop_clock(matter, kind, actor=actor, reason="routing.objection_upheld")
    matter.current_org = routing.from_org
    matter.save(update_fields=["current_org", "updated_at"])
    if reroute_to is not None:
        try:
            _route(
                actor=actor,
                matter=matter,
                kind=reroute_kind,
                to_org=reroute_to,
                basis=reroute_basis or routing.basis,
                note="",
                sent_at=None,
                electronic=True,
                late_reason="",
                report_due=reroute_report_due,
                proposal=proposal,
                correct_level=True,
            )
        except ServiceError:
            raise
        except ValidationError as exc:
            # The decision form names the re-routing fields reroute_*.
            raise _renamed(
                exc, {"to_org": "reroute_to", "basis": "reroute_basis", "report_due": "reroute_report_due"}
            ) from exc
        return routing
    matter_transition(
        matter=matter,
        to=Status.REGISTERED,
        actor=actor,
        action="matter.return",
        summary={"routing": routing.pk, "materials_returned": True},
    )
    restart_triage_clock(matter=matter, actor=actor, start=now)
    return routing
