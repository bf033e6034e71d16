"""Writes of supervision and accountability (regulations.md §1.15, §1.16, §4.5, XF-JUR-01).

Every service is keyword-only, checks its action (docs/permissions.md) at the right organisation
with `require`, validates before it writes, and records its audit event as the last write of its
one transaction. Deadlines go through `xinfang.workcalendar` clocks; instruments (督办单) through
`xinfang.notices.document_issue`.

- `matter.supervise`: open, close and escalate supervision orders (督办, XF-SUP-03/05, 挂牌督办 XF-SUP-02);
- `matter.handle` at the supervised organisation: answer an order in writing (XF-SUP-05);
- `accountability.manage`: referrals to discipline inspection (DIS-01..04) and accountability
  records (XF-ACC-01..03);
- `conference.manage`: joint conference meetings, decisions and their follow-up (XF-JUR-01);
- `user.manage`: supervisor appointments, which grant the `supervisor` membership for their period."""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.models import Membership, User
from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action, Role
from xinfang.accounts.services import membership_grant, membership_revoke
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError, clean_text
from xinfang.orgs.models import AREA_KINDS, Function, Organisation
from xinfang.petitions.models import Matter, MatterLink
from xinfang.petitions.services.repeats import DECISIVE_KINDS
from xinfang.petitions.states import Nature
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.services import clock_start, clock_stop

from .models import (
    AccountabilityRecord,
    Meeting,
    MeetingDecision,
    Referral,
    ReferralObjection,
    SupervisionOrder,
    SupervisorAppointment,
)
from .states import (
    CLOCK_ORDER,
    CLOCK_REALNAME_ACCEPT,
    CLOCK_REALNAME_RESULT,
    CLOCK_REFERRAL,
    ORDER_OBJECT_TYPE,
    ORDER_TRANSITIONS,
    REFERRAL_OBJECT_TYPE,
    STAFF_FINDINGS,
    CloseOutcome,
    DecisionKind,
    FindingKind,
    FollowUpStatus,
    HandlingMode,
    Measure,
    NoticeStage,
    OrderKind,
    OrderStatus,
    ReferralStatus,
    Trigger,
    period_for,
)

MAX_PERIOD_DAYS = 365


# --- Shared steps --------------------------------------------------------------------------------


def _audit(actor: Any, action: str, target: Any, org_id: int | None, summary: dict[str, Any]) -> None:
    audit_record(actor=actor, action=f"supervision.{action}", target=target, org_id=org_id, summary=summary)


def _temporary_number() -> str:
    return f"tmp-{uuid.uuid4().hex[:24]}"


def _area_of(org: Organisation) -> Organisation:
    node = org
    while node.kind not in AREA_KINDS and node.parent_id is not None:
        node = node.parent  # type: ignore[assignment]
    return node


def _running_clock(object_type: str, pk: int, kind: str) -> Clock | None:
    return Clock.objects.filter(object_type=object_type, object_id=str(pk), kind=kind, stopped_at__isnull=True).first()


def _stop_clock(object_type: str, pk: int, kind: str, *, actor: Any, reason: str) -> None:
    clock = _running_clock(object_type, pk, kind)
    if clock is not None:
        clock_stop(clock=clock, actor=actor, reason=reason)


def matter_orgs(matter: Matter) -> set[int]:
    """The organisations that hold or held the matter."""
    return {pk for pk in (matter.registered_org_id, matter.current_org_id, matter.handling_org_id) if pk is not None}


# --- Supervisor appointments (督查专员任命) ----------------------------------------------------------


def _appointment_grant(actor: Any, appointment: SupervisorAppointment) -> None:
    appointment.membership = membership_grant(
        actor=actor,
        user=appointment.user,
        organisation=appointment.organisation,
        role=Role.SUPERVISOR,
        title=_("督查专员"),
    )
    appointment.save(update_fields=["membership"])


@transaction.atomic
def appointment_create(
    *,
    actor: Any,
    user: User,
    organisation: Organisation,
    starts_on: datetime.date,
    ends_on: datetime.date,
    note: str = "",
) -> SupervisorAppointment:
    """Appoint a cadre (e.g. newly promoted) petition supervisor for a period. The `supervisor`
    membership is granted now when the period has begun, otherwise by `appointment_sync` on its
    first day, and revoked after its last day."""
    require(actor, Action.USER_MANAGE, organisation)
    note = clean_text(note, "note", max_chars=200)
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ValidationError({"ends_on": _("任职截止日不能早于起始日。")}, code="period")
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": _("任职期间已经结束。")}, code="period")
    overlapping = SupervisorAppointment.objects.filter(
        user=user, organisation=organisation, ended_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
    )
    if overlapping.exists():
        raise ValidationError(_("该人员在此机构已有重叠期间的督查专员任命。"), code="duplicate")
    appointment = SupervisorAppointment.objects.create(
        user=user, organisation=organisation, starts_on=starts_on, ends_on=ends_on, note=note, created_by=actor
    )
    if starts_on <= timezone.localdate():
        _appointment_grant(actor, appointment)
    _audit(
        actor,
        "appointment_create",
        appointment,
        organisation.pk,
        {"after": {"user": user.pk, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}},
    )
    return appointment


@transaction.atomic
def appointment_sync(*, actor: Any, today: datetime.date | None = None) -> tuple[int, int]:
    """Grant the memberships of appointments whose period has begun and revoke those whose period
    has ended. Returns (granted, revoked). Run daily (command `supervision_appointments_sync`)."""
    today = today or timezone.localdate()
    granted = revoked = 0
    due = SupervisorAppointment.objects.filter(ended_at__isnull=True, membership__isnull=True, starts_on__lte=today)
    for appointment in due.filter(ends_on__gte=today).select_related("user", "organisation"):
        _appointment_grant(actor, appointment)
        granted += 1
    ended = SupervisorAppointment.objects.filter(ended_at__isnull=True, ends_on__lt=today).select_related(
        "membership__organisation", "membership__user"
    )
    for appointment in ended:
        membership: Membership | None = appointment.membership
        if membership is not None and membership.is_active:
            membership_revoke(actor=actor, membership=membership)
            revoked += 1
        appointment.ended_at = timezone.now()
        appointment.save(update_fields=["ended_at"])
    if granted or revoked:
        audit_record(
            actor=actor,
            action="supervision.appointment_sync",
            object_type="supervision.supervisorappointment",
            summary={"granted": granted, "revoked": revoked, "day": today.isoformat()},
        )
    return granted, revoked


# --- Supervision orders (督办) ---------------------------------------------------------------------


def next_level_bureau(org: Organisation) -> Organisation | None:
    """The petition bureau of the area one level above the area of `org` (escalation target)."""
    area = _area_of(org)
    if area.parent_id is None:
        return None
    above = _area_of(area.parent)  # type: ignore[arg-type]
    return (
        Organisation.objects.filter(parent=above, function=Function.PETITION_BUREAU, is_active=True)
        .order_by("path")
        .first()
    )


def _order_document(actor: Any, order: SupervisionOrder) -> Any:
    """The 督办单 (§1.15) in the supervising organisation's name."""
    from xinfang.notices.kinds import DocumentKind
    from xinfang.notices.services import document_issue

    issue = str(Trigger(order.trigger).label)
    if order.matter_id is not None:
        issue = _("信访事项%(number)s“%(title)s”：%(trigger)s") % {
            "number": order.matter.number,  # type: ignore[union-attr]
            "title": order.matter.title,  # type: ignore[union-attr]
            "trigger": issue,
        }
    if order.kind == OrderKind.LISTED:
        issue = _("【挂牌督办】") + issue
    context: dict[str, Any] = {
        "destination": order.target_org.name,
        "issue": issue,
        "deadline": order.due_date,
        "requirements": order.demands,
    }
    if order.matter_id is not None:
        context["matter_number"] = order.matter.number  # type: ignore[union-attr]
        context["matter_title"] = order.matter.title  # type: ignore[union-attr]
    return document_issue(
        actor=actor,
        kind=DocumentKind.SUPERVISION,
        organisation=order.issuing_org,
        context=context,
        object_type=ORDER_OBJECT_TYPE,
        object_id=str(order.pk),
    )


def _order_validate(
    *,
    actor: Any,
    issuing_org: Organisation,
    target_org: Organisation | None,
    matter: Matter | None,
    trigger: str,
    demands: str,
    period: int | None,
) -> str:
    errors: dict[str, str] = {}
    if target_org is None:
        errors["target_org"] = _("请选择被督办单位。")
    elif not target_org.is_active or target_org.is_external:
        errors["target_org"] = _("被督办单位应当是本区在用的机构。")
    elif target_org.pk == issuing_org.pk:
        errors["target_org"] = _("不能督办本机关。")
    elif not user_can(actor, Action.MATTER_SUPERVISE, target_org):
        errors["target_org"] = _("被督办单位不在您的督办范围内。")
    elif matter is not None and target_org.pk not in matter_orgs(matter):
        errors["target_org"] = _("被督办单位应当是登记、办理或正在处理该信访事项的机关。")
    elif matter is not None and matter.reported_orgs.filter(pk=target_org.pk).exists():
        errors["target_org"] = _("该事项反映的正是被督办单位，不得向其透露（XF-CLS-03）。")
    if trigger not in Trigger.values:
        errors["trigger"] = _("请选择督办事由（XF-SUP-03）。")
    if period is not None and not 0 < period <= MAX_PERIOD_DAYS:
        errors["period"] = _("反馈期限应为 1 至 %(max)s 日。") % {"max": MAX_PERIOD_DAYS}
    try:
        demands = clean_text(demands, "demands", _("请填写督办要求。"))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return demands


def _order_create(
    *,
    actor: Any,
    issuing_org: Organisation,
    target_org: Organisation,
    matter: Matter | None,
    trigger: str,
    demands: str,
    kind: str,
    period: int | None,
    parent: SupervisionOrder | None = None,
    escalation_reason: str = "",
) -> SupervisionOrder:
    default_period, unit = period_for("listed" if kind == OrderKind.LISTED else "order")
    period = period or default_period
    today = timezone.localdate()
    order = SupervisionOrder.objects.create(
        number=_temporary_number(),
        kind=kind,
        issuing_org=issuing_org,
        target_org=target_org,
        matter=matter,
        trigger=trigger,
        demands=demands,
        period=period,
        unit=unit,
        due_date=today,
        parent=parent,
        escalation_reason=escalation_reason,
        created_by=actor,
    )
    clock = clock_start(
        object_type=ORDER_OBJECT_TYPE,
        object_id=str(order.pk),
        kind=CLOCK_ORDER,
        start_date=today,
        period=period,
        unit=unit,
        actor=actor,
        org_id=target_org.pk,
    )
    order.number = f"DB{today.year}-{order.pk:05d}"
    order.due_date = clock.due_date
    order.document = _order_document(actor, order)
    order.save(update_fields=["number", "due_date", "document"])
    return order


@transaction.atomic
def order_open(
    *,
    actor: Any,
    issuing_org: Organisation,
    target_org: Organisation | None,
    trigger: str,
    demands: str,
    matter: Matter | None = None,
    kind: str = OrderKind.ORDINARY,
    period: int | None = None,
) -> SupervisionOrder:
    """Open a supervision order (督办, XF-SUP-03) on a matter or an organisation: deadline clock for
    the written feedback (XF-SUP-05; period configurable, default 30 calendar days) and the 督办单."""
    require(actor, Action.MATTER_SUPERVISE, issuing_org)
    if kind not in OrderKind.values:
        raise ValidationError({"kind": _("请选择督办方式。")})
    demands = _order_validate(
        actor=actor,
        issuing_org=issuing_org,
        target_org=target_org,
        matter=matter,
        trigger=trigger,
        demands=demands,
        period=period,
    )
    assert target_org is not None
    order = _order_create(
        actor=actor,
        issuing_org=issuing_org,
        target_org=target_org,
        matter=matter,
        trigger=trigger,
        demands=demands,
        kind=kind,
        period=period,
    )
    _audit(
        actor,
        "order_open",
        order,
        issuing_org.pk,
        {
            "after": {
                "number": order.number,
                "kind": kind,
                "target_org": target_org.pk,
                "matter": matter.pk if matter else None,
                "trigger": trigger,
                "due_date": order.due_date.isoformat(),
                "document": order.document_id,
            }
        },
    )
    return order


def _lock(row: Any, *related: str) -> Any:
    """The row again, locked for this transaction, with its related rows."""
    return type(row).objects.select_for_update(of=("self",)).select_related(*related).get(pk=row.pk)


def _lock_order(order: SupervisionOrder) -> SupervisionOrder:
    return _lock(order, "issuing_org", "target_org", "matter")  # type: ignore[no-any-return]


def _expect(order: SupervisionOrder, to: str) -> None:
    if to not in ORDER_TRANSITIONS[order.status]:
        raise ServiceError(
            _("督办当前状态为“%(current)s”，不能转为“%(to)s”。")
            % {"current": OrderStatus(order.status).label, "to": OrderStatus(to).label},
            code="transition",
        )


@transaction.atomic
def order_answer(*, actor: Any, order: SupervisionOrder, answer: str, adopted: bool) -> SupervisionOrder:
    """The supervised organisation's written feedback: what it did and whether it adopted the
    demands (XF-SUP-05). Stops the feedback clock."""
    order = _lock_order(order)
    require(actor, Action.MATTER_HANDLE, order.target_org)
    _expect(order, OrderStatus.ANSWERED)
    answer = clean_text(answer, "answer", _("请填写书面反馈。"))
    if adopted is None:
        raise ValidationError({"adopted": _("请说明是否采纳督办意见（XF-SUP-05）。")})
    on_time = timezone.localdate() <= order.due_date
    _stop_clock(ORDER_OBJECT_TYPE, order.pk, CLOCK_ORDER, actor=actor, reason="answered")
    order.status = OrderStatus.ANSWERED
    order.answer, order.adopted = answer, bool(adopted)
    order.answered_at, order.answered_by = timezone.now(), actor
    order.save(update_fields=["status", "answer", "adopted", "answered_at", "answered_by"])
    _audit(
        actor,
        "order_answer",
        order,
        order.target_org_id,
        {"after": {"status": order.status, "adopted": order.adopted, "on_time": on_time}},
    )
    return order


@transaction.atomic
def order_reopen(*, actor: Any, order: SupervisionOrder, note: str) -> SupervisionOrder:
    """The supervisor does not accept the feedback: the order is open again with a new period."""
    order = _lock_order(order)
    require(actor, Action.MATTER_SUPERVISE, order.issuing_org)
    _expect(order, OrderStatus.OPEN)
    note = clean_text(note, "note", _("请说明不予认可的理由。"))
    today = timezone.localdate()
    clock = clock_start(
        object_type=ORDER_OBJECT_TYPE,
        object_id=str(order.pk),
        kind=CLOCK_ORDER,
        start_date=today,
        period=order.period,
        unit=order.unit,
        actor=actor,
        org_id=order.target_org_id,
    )
    order.status = OrderStatus.OPEN
    order.due_date = clock.due_date
    order.close_note = note
    order.save(update_fields=["status", "due_date", "close_note"])
    _audit(
        actor,
        "order_reopen",
        order,
        order.issuing_org_id,
        {"after": {"status": order.status, "due_date": order.due_date.isoformat()}},
    )
    return order


@transaction.atomic
def order_close(*, actor: Any, order: SupervisionOrder, outcome: str, note: str = "") -> SupervisionOrder:
    """The supervisor closes an answered order: feedback accepted, or rectification confirmed."""
    order = _lock_order(order)
    require(actor, Action.MATTER_SUPERVISE, order.issuing_org)
    _expect(order, OrderStatus.CLOSED)
    if outcome not in CloseOutcome.values:
        raise ValidationError({"outcome": _("请选择办结结论。")})
    note = clean_text(note, "note")
    order.status, order.outcome, order.close_note = OrderStatus.CLOSED, outcome, note
    order.closed_at = timezone.now()
    order.save(update_fields=["status", "outcome", "close_note", "closed_at"])
    _audit(actor, "order_close", order, order.issuing_org_id, {"after": {"status": order.status, "outcome": outcome}})
    return order


@transaction.atomic
def order_escalate(
    *, actor: Any, order: SupervisionOrder, reason: str, issuing_org: Organisation | None = None
) -> SupervisionOrder:
    """Escalate an order not resolved: a listed supervision (挂牌督办, XF-SUP-02) opened by the next
    level's petition bureau when the actor supervises there (else by this level, or by `issuing_org`),
    with a new period and its own 督办单. The actor must hold `matter.supervise` at the new issuer."""
    order = _lock_order(order)
    require(actor, Action.MATTER_SUPERVISE, order.issuing_org)
    _expect(order, OrderStatus.ESCALATED)
    reason = clean_text(reason, "reason", _("请填写提级督办理由。"))
    if issuing_org is None:
        above = next_level_bureau(order.issuing_org)
        # The next level lists it when it is ours and the actor acts there; else this level does.
        usable = above is not None and not above.is_external and user_can(actor, Action.MATTER_SUPERVISE, above)
        issuing_org = above if usable and above is not None else order.issuing_org
    new_issuer = issuing_org
    if not user_can(actor, Action.MATTER_SUPERVISE, new_issuer):
        raise ServiceError(
            {"issuing_org": _("您在%(org)s没有督办权限，不能以其名义挂牌督办。") % {"org": new_issuer.name}},
            code="scope",
        )
    if new_issuer.pk == order.target_org_id:
        raise ValidationError({"issuing_org": _("不能督办本机关。")})
    _stop_clock(ORDER_OBJECT_TYPE, order.pk, CLOCK_ORDER, actor=actor, reason="escalated")
    child = _order_create(
        actor=actor,
        issuing_org=new_issuer,
        target_org=order.target_org,
        matter=order.matter,
        trigger=order.trigger,
        demands=f"{order.demands}\n{reason}",
        kind=OrderKind.LISTED,
        period=None,
        parent=order,
        escalation_reason=reason,
    )
    order.status = OrderStatus.ESCALATED
    order.save(update_fields=["status"])
    _audit(
        actor,
        "order_escalate",
        order,
        order.issuing_org_id,
        {"after": {"status": order.status, "escalated_to": child.pk, "issuing_org": new_issuer.pk}},
    )
    return child


# --- Referral to discipline inspection (DIS-01..04) -------------------------------------------------


def canonical_json(content: Any) -> bytes:
    """The canonical form the seal is computed over: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def content_hash(content: Any) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def case_file_build(matter: Matter) -> dict[str, Any]:
    """The case file of a matter: its content (no petitioner personal data), its timeline from the
    audit log with the chain hashes (the audit extract), its instruments and attachments."""
    from xinfang.notices.models import Document
    from xinfang.petitions.selectors import NOTICE_OBJECT_TYPE, ROUTING_OBJECT_TYPE

    objects = [("petitions.matter", str(matter.pk))]
    objects += [(ROUTING_OBJECT_TYPE, str(pk)) for pk in matter.routings.values_list("pk", flat=True)]
    objects += [(NOTICE_OBJECT_TYPE, str(pk)) for pk in matter.notices.values_list("pk", flat=True)]
    condition = Q(pk__in=[])
    for object_type, object_id in objects:
        condition |= Q(object_type=object_type, object_id=object_id)
    events = AuditEvent.objects.filter(condition).order_by("id")
    documents = Document.objects.filter(matter=matter).order_by("issued_at", "id")
    return {
        "format": "xinfang.case_file/1",
        "matter": {
            "number": matter.number,
            "title": matter.title,
            "channel": matter.channel,
            "received_at": matter.received_at.isoformat(),
            "nature": matter.nature,
            "status": matter.status,
            "request": matter.request,
            "facts": matter.facts,
            "reasons": matter.reasons,
            "registered_org": matter.registered_org.code,
            "current_org": matter.current_org.code,
        },
        "timeline": [
            {
                "id": e.pk,
                "at": e.created_at.isoformat(),
                "action": e.action,
                "object": f"{e.object_type}:{e.object_id}",
                "actor": e.actor_label,
                "hash": e.hash,
            }
            for e in events
        ],
        "documents": [
            {"number": d.number, "kind": d.kind, "status": d.status, "pdf_sha256": d.pdf_sha256} for d in documents
        ],
        "attachments": [
            {"name": a.original_name, "size": a.size, "sha256": a.sha256}
            for a in matter.attachments.order_by("uploaded_at", "id")
        ],
    }


def _is_report(matter: Matter) -> bool:
    return (
        matter.nature in (Nature.REPORT, Nature.DISCIPLINE)
        or matter.reported_users.exists()
        or matter.reported_orgs.exists()
    )


@transaction.atomic
def referral_create(
    *,
    actor: Any,
    matter: Matter,
    sending_org: Organisation,
    discipline_org: Organisation | None,
    reason: str,
    is_real_name: bool = False,
    clock_applies: bool | None = None,
) -> Referral:
    """Refer a report (检举控告) to a discipline inspection organisation (DIS-01), with its case file
    sealed by SHA-256. The 5-working-day clock of DIS-03 runs when the referral crosses levels (the
    discipline body is not at the sender's level) unless `clock_applies` says otherwise."""
    require(actor, Action.ACCOUNTABILITY_MANAGE, sending_org)
    if not Matter.objects.restrict(actor, Action.MATTER_VIEW).filter(pk=matter.pk).exists():
        raise ServiceError(_("您无权查看该信访事项，不能移送。"), code="matter_scope")
    errors: dict[str, str] = {}
    if discipline_org is None or discipline_org.function != Function.DISCIPLINE or not discipline_org.is_active:
        errors["discipline_org"] = _("接收机关应当是在用的纪检监察机关（DIS-01）。")
    if not _is_report(matter):
        errors["matter"] = _("只有检举控告类或纪检监察类事项移送纪检监察机关（DIS-01、DIS-02）。")
    try:
        reason = clean_text(reason, "reason", _("请填写移送理由。"))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    assert discipline_org is not None
    if clock_applies is None:
        clock_applies = discipline_org.level != sending_org.level
    content = case_file_build(matter)
    is_real_name = bool(is_real_name)
    referral = Referral.objects.create(
        number=_temporary_number(),
        matter=matter,
        sending_org=sending_org,
        discipline_org=discipline_org,
        reason=reason,
        is_real_name=is_real_name,
        is_repeat_report=is_real_name and _reported_before(matter),
        clock_applies=bool(clock_applies),
        content=content,
        content_sha256=content_hash(content),
        created_by=actor,
    )
    referral.number = f"YS{timezone.localdate().year}-{referral.pk:05d}"
    referral.save(update_fields=["number"])
    if clock_applies:
        _start_referral_clock(referral, key="referral", kind=CLOCK_REFERRAL, actor=actor)
    _audit(
        actor,
        "referral_create",
        referral,
        sending_org.pk,
        {
            "after": {
                "number": referral.number,
                "matter": matter.pk,
                "discipline_org": discipline_org.pk,
                "sha256": referral.content_sha256,
                "clock": referral.clock_applies,
            }
        },
    )
    return referral


def _reported_before(matter: Matter) -> bool:
    """DIS-04: the same report was referred before, as this matter or as the earlier matter it
    repeats (the decisive links of the repeat check, XF-REG-04), and that reporter was told of its
    acceptance (or will be): a repeat report is not told again."""
    earlier = MatterLink.objects.filter(matter=matter, kind__in=DECISIVE_KINDS).values("other_id")
    return Referral.objects.filter(
        Q(matter=matter) | Q(matter__in=earlier), is_real_name=True, is_repeat_report=False
    ).exists()


def _start_referral_clock(referral: Referral, *, key: str, kind: str, actor: Any) -> None:
    """A referral's clock from today, kept by the discipline body: DIS-03 (it accepts or forwards)
    and DIS-04 (it tells the real-name reporter); at most one running clock of a kind."""
    if _running_clock(REFERRAL_OBJECT_TYPE, referral.pk, kind) is not None:
        return
    period, unit = period_for(key)
    clock_start(
        object_type=REFERRAL_OBJECT_TYPE,
        object_id=str(referral.pk),
        kind=kind,
        start_date=timezone.localdate(),
        period=period,
        unit=unit,
        actor=actor,
        org_id=referral.discipline_org_id,
    )


def _owes_acceptance_notice(referral: Referral) -> bool:
    return referral.is_real_name and not referral.is_repeat_report and referral.acceptance_notified_at is None


def _lock_referral(referral: Referral) -> Referral:
    return _lock(referral, "sending_org", "discipline_org", "matter")  # type: ignore[no-any-return]


def _require_referral(actor: Any, referral: Referral) -> None:
    if not user_can(actor, Action.ACCOUNTABILITY_MANAGE, referral.discipline_org):
        require(actor, Action.ACCOUNTABILITY_MANAGE, referral.sending_org)


@transaction.atomic
def referral_receive(*, actor: Any, referral: Referral) -> Referral:
    """The discipline body received (accepted or transferred on) the report: stops the DIS-03 clock."""
    referral = _lock_referral(referral)
    _require_referral(actor, referral)
    if referral.status != ReferralStatus.SENT:
        raise ServiceError(_("该移送已登记接收。"), code="transition")
    _stop_clock(REFERRAL_OBJECT_TYPE, referral.pk, CLOCK_REFERRAL, actor=actor, reason="received")
    referral.status, referral.received_at = ReferralStatus.RECEIVED, timezone.now()
    referral.save(update_fields=["status", "received_at"])
    if _owes_acceptance_notice(referral):  # DIS-04: tell the real-name reporter of the acceptance
        _start_referral_clock(referral, key="realname_accept", kind=CLOCK_REALNAME_ACCEPT, actor=actor)
    _audit(actor, "referral_receive", referral, referral.sending_org_id, {"after": {"status": referral.status}})
    return referral


@transaction.atomic
def referral_feedback(*, actor: Any, referral: Referral, handling_mode: str, feedback: str) -> Referral:
    """Record the discipline body's result: its handling mode (DIS-03, Art. 17) and feedback."""
    referral = _lock_referral(referral)
    _require_referral(actor, referral)
    if referral.status == ReferralStatus.CONCLUDED:
        raise ServiceError(_("该移送已反馈结果。"), code="transition")
    if handling_mode not in HandlingMode.values:
        raise ValidationError({"handling_mode": _("请选择处置方式。")})
    feedback = clean_text(feedback, "feedback", _("请填写反馈结果。"))
    _stop_clock(REFERRAL_OBJECT_TYPE, referral.pk, CLOCK_REFERRAL, actor=actor, reason="concluded")
    if referral.received_at is None:
        referral.received_at = timezone.now()
    referral.status, referral.handling_mode, referral.feedback = ReferralStatus.CONCLUDED, handling_mode, feedback
    referral.feedback_at = timezone.now()
    referral.save(update_fields=["status", "received_at", "handling_mode", "feedback", "feedback_at"])
    if _owes_acceptance_notice(referral):  # received and concluded at once: both notices are owed
        _start_referral_clock(referral, key="realname_accept", kind=CLOCK_REALNAME_ACCEPT, actor=actor)
    if referral.is_real_name:  # DIS-04: the result, within the period from the conclusion
        _start_referral_clock(referral, key="realname_result", kind=CLOCK_REALNAME_RESULT, actor=actor)
    _audit(
        actor,
        "referral_feedback",
        referral,
        referral.sending_org_id,
        {"after": {"status": referral.status, "handling_mode": handling_mode}},
    )
    return referral


@transaction.atomic
def referral_notify_reporter(*, actor: Any, referral: Referral, stage: str, notice: str) -> Referral:
    """Record that the real-name reporter was told of the acceptance or of the result (DIS-04),
    with what was said; stops that notice's clock. A repeat report is not told of its acceptance
    again; the result is told once the discipline body has concluded."""
    referral = _lock_referral(referral)
    _require_referral(actor, referral)
    if not referral.is_real_name:
        raise ServiceError(_("匿名检举控告无需告知（DIS-04）。"), code="not_real_name")
    if stage == NoticeStage.ACCEPTANCE:
        if referral.status == ReferralStatus.SENT:
            raise ServiceError(_("纪检监察机关尚未登记接收，不能告知受理情况。"), code="transition")
        if not _owes_acceptance_notice(referral):
            raise ServiceError(_("受理情况已告知，或属重复检举控告不再告知（DIS-04）。"), code="transition")
        fields, kind = ("acceptance_notice", "acceptance_notified_at"), CLOCK_REALNAME_ACCEPT
    elif stage == NoticeStage.RESULT:
        if referral.status != ReferralStatus.CONCLUDED or referral.result_notified_at is not None:
            raise ServiceError(_("尚未反馈结果，或处理结果已告知。"), code="transition")
        fields, kind = ("result_notice", "result_notified_at"), CLOCK_REALNAME_RESULT
    else:
        raise ValidationError({"stage": _("请选择告知事项。")})
    notice = clean_text(notice, "notice", _("请填写告知内容。"))
    setattr(referral, fields[0], notice)
    setattr(referral, fields[1], timezone.now())
    referral.save(update_fields=list(fields))
    _stop_clock(REFERRAL_OBJECT_TYPE, referral.pk, kind, actor=actor, reason="notified")
    _audit(actor, "referral_notify_reporter", referral, referral.sending_org_id, {"after": {"stage": stage}})
    return referral


@transaction.atomic
def referral_objection_record(
    *,
    actor: Any,
    referral: Referral,
    objection: str,
    explanation: str,
    has_new_evidence: bool = False,
    verification: str = "",
) -> ReferralObjection:
    """Record a real-name reporter's objection to the result and the explanation given; new
    evidence the reporter brings is verified, and the verification is recorded with it (DIS-04)."""
    referral = _lock_referral(referral)
    _require_referral(actor, referral)
    if not referral.is_real_name or referral.status != ReferralStatus.CONCLUDED:
        raise ServiceError(_("只有已反馈结果的实名检举控告可以登记异议（DIS-04）。"), code="transition")
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    checks = [
        ("objection", objection, _("请填写异议内容。")),
        ("explanation", explanation, _("请填写解释说明。")),
        (
            "verification",
            verification,
            _("提供了新证据的，应当核实并填写核实情况（DIS-04）。") if has_new_evidence else "",
        ),
    ]
    for name, value, message in checks:
        try:
            cleaned[name] = clean_text(value, name, message)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    record = ReferralObjection.objects.create(
        referral=referral,
        objection=cleaned["objection"],
        explanation=cleaned["explanation"],
        has_new_evidence=bool(has_new_evidence),
        verification=cleaned["verification"],
        recorded_by=actor,
    )
    _audit(
        actor,
        "referral_objection",
        referral,
        referral.sending_org_id,
        {"after": {"objection": record.pk, "new_evidence": record.has_new_evidence}},
    )
    return record


@dataclass(frozen=True)
class VerifyResult:
    sealed_ok: bool  # the stored content still hashes to the stored seal
    computed: str  # SHA-256 recomputed over the stored content
    unchanged: bool  # the matter's case file built now is the one that was sealed


@transaction.atomic
def referral_verify(*, actor: Any, referral: Referral) -> VerifyResult:
    """Recompute the seal over the stored case file (tampering check), and compare with the case
    file built from the matter now (has the matter moved on since the referral?)."""
    referral = _lock_referral(referral)
    _require_referral(actor, referral)
    computed = content_hash(referral.content)
    result = VerifyResult(
        sealed_ok=computed == referral.content_sha256,
        computed=computed,
        unchanged=content_hash(case_file_build(referral.matter)) == referral.content_sha256,
    )
    referral.last_verified_at, referral.last_verified_ok = timezone.now(), result.sealed_ok
    referral.save(update_fields=["last_verified_at", "last_verified_ok"])
    _audit(
        actor,
        "referral_verify",
        referral,
        referral.sending_org_id,
        {"sealed_ok": result.sealed_ok, "unchanged": result.unchanged, "sha256": computed},
    )
    return result


# --- Accountability records (XF-ACC-01..03) ---------------------------------------------------------


@transaction.atomic
def accountability_record(
    *,
    actor: Any,
    organisation: Organisation,
    subject_org: Organisation | None,
    finding: str,
    facts: str,
    measure: str,
    decided_on: datetime.date,
    subject_user: User | None = None,
    subject_name: str = "",
    measure_note: str = "",
    matter: Matter | None = None,
    order: SupervisionOrder | None = None,
) -> AccountabilityRecord:
    """Record a finding against an organisation or an official and the measure taken. Staff
    misconduct (Art. 46) names the official. Nobody records a finding about themselves (XF-HDL-04)."""
    require(actor, Action.ACCOUNTABILITY_MANAGE, organisation)
    errors: dict[str, str] = {}
    if subject_org is None:
        errors["subject_org"] = _("请选择被追责单位。")
    elif not user_can(actor, Action.ACCOUNTABILITY_MANAGE, subject_org):
        errors["subject_org"] = _("被追责单位不在您的管理范围内。")
    if finding not in FindingKind.values:
        errors["finding"] = _("请选择问题类型。")
    elif finding in STAFF_FINDINGS and subject_user is None and not subject_name.strip():
        errors["subject_name"] = _("工作人员违规违纪的，请填写被追责人员（XF-ACC-03）。")
    if measure not in Measure.values:
        errors["measure"] = _("请选择处理措施。")
    if subject_user is not None and getattr(subject_user, "pk", None) == getattr(actor, "pk", None):
        errors["subject_user"] = _("不能对本人登记追责问责记录（回避，XF-HDL-04）。")
    if decided_on is None:
        errors["decided_on"] = _("请填写处理日期。")
    elif decided_on > timezone.localdate():
        errors["decided_on"] = _("处理日期不能晚于今天。")
    try:
        facts = clean_text(facts, "facts", _("请填写认定事实。"))
        measure_note = clean_text(measure_note, "measure_note")
        subject_name = clean_text(subject_name, "subject_name", max_chars=60)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    assert subject_org is not None
    if subject_user is not None and not subject_name:
        subject_name = str(subject_user)[:60]
    record = AccountabilityRecord.objects.create(
        organisation=organisation,
        subject_org=subject_org,
        subject_user=subject_user,
        subject_name=subject_name,
        finding=finding,
        facts=facts,
        measure=measure,
        measure_note=measure_note,
        decided_on=decided_on,
        matter=matter,
        order=order,
        created_by=actor,
    )
    _audit(
        actor,
        "accountability_record",
        record,
        organisation.pk,
        {"after": {"subject_org": subject_org.pk, "finding": finding, "measure": measure}},
    )
    return record


# --- Joint conference (联席会议) ---------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    organisation: Organisation,
    title: str,
    held_on: datetime.date,
    place: str = "",
    attendee_orgs: Iterable[Organisation] = (),
    attendees: str = "",
    matters: Iterable[Matter] = (),
    minutes: str = "",
) -> Meeting:
    """Record a joint conference meeting: who attended, which matters it discussed, its minutes."""
    require(actor, Action.CONFERENCE_MANAGE, organisation)
    title = clean_text(title, "title", _("请填写会议名称。"), max_chars=120)
    place = clean_text(place, "place", max_chars=120)
    attendees = clean_text(attendees, "attendees")
    minutes = clean_text(minutes, "minutes", max_chars=20000)
    if held_on is None:
        raise ValidationError({"held_on": _("请填写会议日期。")})
    matter_list = list(matters)
    visible = set(
        Matter.objects.restrict(actor, Action.MATTER_VIEW)
        .filter(pk__in=[m.pk for m in matter_list])
        .values_list("pk", flat=True)
    )
    if any(m.pk not in visible for m in matter_list):
        raise ValidationError({"matters": _("只能选择您有权查看的信访事项。")})
    meeting = Meeting.objects.create(
        organisation=organisation,
        title=title,
        held_on=held_on,
        place=place,
        attendees=attendees,
        minutes=minutes,
        created_by=actor,
    )
    meeting.attendee_orgs.set(list(attendee_orgs))
    meeting.matters.set(matter_list)
    _audit(
        actor,
        "meeting_create",
        meeting,
        organisation.pk,
        {"after": {"held_on": held_on.isoformat(), "matters": sorted(visible)}},
    )
    return meeting


@transaction.atomic
def meeting_decision_add(
    *,
    actor: Any,
    meeting: Meeting,
    kind: str,
    text: str,
    competent_org: Organisation | None = None,
    matter_type: Any = None,
    matter: Matter | None = None,
    area: Organisation | None = None,
    follow_up_due: datetime.date | None = None,
) -> MeetingDecision:
    """Add a decision to a meeting. A jurisdiction decision (XF-JUR-01) names the competent
    organisation for a kind of matter (optionally within an area) or for one matter; routing then
    follows it."""
    require(actor, Action.CONFERENCE_MANAGE, meeting.organisation)
    errors: dict[str, str] = {}
    if kind not in DecisionKind.values:
        errors["kind"] = _("请选择决定类型。")
    if kind == DecisionKind.JURISDICTION:
        if competent_org is None or not competent_org.is_active:
            errors["competent_org"] = _("管辖决定应当指定在用的负责单位（XF-JUR-01）。")
        if matter_type is None and matter is None:
            errors["matter_type"] = _("管辖决定应当指明事项类型或具体信访事项。")
    try:
        text = clean_text(text, "text", _("请填写决定内容。"))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    number = (MeetingDecision.objects.filter(meeting=meeting).count()) + 1
    decision = MeetingDecision.objects.create(
        meeting=meeting,
        number=number,
        kind=kind,
        text=text,
        competent_org=competent_org,
        matter_type=matter_type,
        matter=matter,
        area=area,
        follow_up_due=follow_up_due,
    )
    _audit(
        actor,
        "decision_add",
        decision,
        meeting.organisation_id,
        {
            "after": {
                "kind": kind,
                "competent_org": competent_org.pk if competent_org else None,
                "matter_type": getattr(matter_type, "pk", None),
                "matter": matter.pk if matter else None,
            }
        },
    )
    return decision


@transaction.atomic
def meeting_decision_follow_up(
    *, actor: Any, decision: MeetingDecision, status: str, note: str, revoke: bool = False
) -> MeetingDecision:
    """Record how a decision was carried out; `revoke` ends a decision (a jurisdiction decision
    then no longer binds routing)."""
    decision = _lock(decision, "meeting__organisation")
    require(actor, Action.CONFERENCE_MANAGE, decision.meeting.organisation)
    if status not in FollowUpStatus.values:
        raise ValidationError({"status": _("请选择落实情况。")})
    note = clean_text(note, "note", _("请填写落实说明。"))
    before = {"status": decision.follow_up_status, "active": decision.is_active}
    decision.follow_up_status, decision.follow_up_note = status, note
    decision.followed_up_at = timezone.now()
    if revoke:
        decision.is_active = False
    decision.save(update_fields=["follow_up_status", "follow_up_note", "followed_up_at", "is_active"])
    _audit(
        actor,
        "decision_follow_up",
        decision,
        decision.meeting.organisation_id,
        {"before": before, "after": {"status": status, "active": decision.is_active}},
    )
    return decision
