"""Writes of 12345 work orders (regulations.md §6). Each service checks the policy and the state
table, writes, runs the order's own clocks, records one audit event and emits
"hotline_order.status_changed" to the webhooks of the receiving organisation — all in one
transaction, so the hotline hears only of changes that committed (the flow back to the hotline:
dispatch, return, objection, extension, result, closure).

Clocks (HOT-04; `XINFANG_HOTLINE_PERIODS`, working days on the working calendar) are
`workcalendar.Clock` rows on the order, kinds "hotline_*": they never share a row with a petition
matter's clocks, even after the order becomes a petition (HOT-05)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError, clean_text
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import Matter
from xinfang.petitions.services.intake import MatterData, PetitionerData, matter_register, place_root
from xinfang.petitions.services.personal_data import normalise_phone
from xinfang.petitions.states import Channel, Nature, Source
from xinfang.webhooks.events import HOTLINE_ORDER_STATUS_CHANGED, HOTLINE_ORDER_TO_PETITION
from xinfang.webhooks.services import webhook_event_emit
from xinfang.workcalendar.models import AdjustmentKind, Clock
from xinfang.workcalendar.selectors import clock_get
from xinfang.workcalendar.services import clock_extend, clock_start, clock_stop

from .models import EXTERNAL_ID_MAX, HotlineOrder
from .states import (
    CLOCK_DISPATCH,
    CLOCK_REPLY,
    CLOCK_RETURN_WINDOW,
    CLOCK_VISIT,
    OPEN_STATUSES,
    TRANSITIONS,
    WITH_DISPATCHER,
    WITH_HANDLER,
    Evaluation,
    Exclusion,
    OrderKind,
    OrderStatus,
)

OBJECT_TYPE = HotlineOrder._meta.label_lower  # "hotline.hotlineorder"
MAX_TEXT = 5000
SOURCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
# Fields a resent order may change while it has not been dispatched yet (received_at never: it
# starts the clock).
UPDATABLE_FIELDS = (
    "caller_name",
    "caller_phone",
    "kind",
    "category",
    "content",
    "place_text",
    "exclusion",
    "exclusion_note",
)
# Stored text is data, kept in Chinese whatever the user's language.
ORAL_RECORDER = "12345热线"


# --- Periods and clocks --------------------------------------------------------------------------


def hotline_period(kind: str, *, order_kind: str = "") -> tuple[int, str]:
    """(period, unit) of a hotline clock from settings.XINFANG_HOTLINE_PERIODS; the reply period may
    depend on the kind of order (XINFANG_HOTLINE_REPLY_PERIODS_BY_KIND)."""
    if kind == CLOCK_REPLY and order_kind in settings.XINFANG_HOTLINE_REPLY_PERIODS_BY_KIND:
        period, unit = settings.XINFANG_HOTLINE_REPLY_PERIODS_BY_KIND[order_kind]
        return int(period), str(unit)
    try:
        period, unit = settings.XINFANG_HOTLINE_PERIODS[kind]
    except KeyError as exc:  # a programming error, not user input
        raise KeyError(f"XINFANG_HOTLINE_PERIODS has no entry for {kind!r}") from exc
    return int(period), str(unit)


def _clock_start(order: HotlineOrder, kind: str, start: datetime.date, org_id: int, actor: Any) -> Clock:
    period, unit = hotline_period(kind, order_kind=order.kind)
    return clock_start(
        object_type=OBJECT_TYPE,
        object_id=str(order.pk),
        kind=kind,
        start_date=start,
        period=period,
        unit=unit,
        actor=actor,
        org_id=org_id,
    )


def _clocks_stop(order: HotlineOrder, kinds: tuple[str, ...], actor: Any, reason: str) -> None:
    for clock in Clock.objects.filter(
        object_type=OBJECT_TYPE, object_id=str(order.pk), kind__in=kinds, stopped_at__isnull=True
    ).order_by("id"):
        clock_stop(clock=clock, actor=actor, reason=reason)


def _running(order: HotlineOrder, kind: str) -> Clock | None:
    return clock_get(object_type=OBJECT_TYPE, object_id=str(order.pk), kind=kind)


# --- Shared steps --------------------------------------------------------------------------------


def _lock(order: HotlineOrder) -> HotlineOrder:
    return (
        HotlineOrder.objects.select_for_update(of=("self",))
        .select_related("receiving_org", "current_org", "dispatched_from")
        .get(pk=order.pk)
    )


def _order_step(order: HotlineOrder, *, actor: Any, permission: str, to: str, at: str = "current") -> HotlineOrder:
    """The start of every step: lock the order, check the actor's right at its current (or
    receiving) organisation, and check that `to` may follow the order's status."""
    order = _lock(order)
    require(actor, permission, order.receiving_org if at == "receiving" else order.current_org)
    _expect(order, to)
    return order


def _expect(order: HotlineOrder, to: str) -> None:
    if to not in TRANSITIONS[order.status]:
        _refuse_transition(order, to)


def _refuse_transition(order: HotlineOrder, to: str) -> None:
    raise ServiceError(
        _("工单当前状态为“%(current)s”，不能转为“%(to)s”。")
        % {"current": OrderStatus(order.status).label, "to": OrderStatus(to).label},
        code="transition",
    )


def _org_code(org: Organisation | None) -> str | None:
    return org.code if org is not None else None


def _transition(
    order: HotlineOrder,
    *,
    to: str,
    actor: Any,
    action: str,
    fields: list[str],
    summary: dict[str, Any] | None = None,
    event: dict[str, Any] | None = None,
) -> HotlineOrder:
    """Save the order in its new status, record "hotline_order.<action>" and emit the webhook event
    to the receiving organisation's endpoints (ids, codes and states; the reply text and reasons are
    the hotline's to relay, the caller's name and phone never)."""
    before = order.status
    _expect(order, to)
    order.status = to
    order.save(update_fields=[*fields, "status", "updated_at"])
    audit_record(
        actor=actor,
        action=f"hotline_order.{action}",
        target=order,
        object_label=order.reference,
        org_id=order.current_org_id,
        summary={"before": {"status": before}, "after": {"status": to}, **(summary or {})},
    )
    webhook_event_emit(
        event_type=HOTLINE_ORDER_STATUS_CHANGED,
        organisation=order.receiving_org,
        payload={
            "order_id": order.pk,
            "source_system": order.source_system,
            "external_id": order.external_id,
            "action": action,
            "old_status": before,
            "new_status": to,
            "receiving_org": order.receiving_org.code,
            "current_org": order.current_org.code,
            "occurred_at": timezone.now(),
            **(event or {}),
        },
    )
    return order


def _dispatcher(order: HotlineOrder) -> Organisation:
    """Where a returned or objected order goes back to: whoever dispatched it."""
    return order.dispatched_from or order.receiving_org


# --- Receiving (idempotent) ----------------------------------------------------------------------


@dataclass
class OrderData:
    """An order as the hotline sends it (API, file import)."""

    source_system: str
    external_id: str
    kind: str
    content: str
    received_at: datetime.datetime
    caller_name: str = ""
    caller_phone: str = ""
    category: str = ""
    place_text: str = ""
    exclusion: str = ""
    exclusion_note: str = ""


@dataclass
class ReceiveResult:
    """What `order_receive` did: a new order, or the existing one (updated, or with the changes it
    was not allowed to take listed in `ignored_fields`)."""

    order: HotlineOrder
    created: bool
    updated_fields: list[str] = field(default_factory=list)
    ignored_fields: list[str] = field(default_factory=list)


def _validated(data: OrderData) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    source = (data.source_system or "").strip()
    if not SOURCE_RE.match(source):
        add("source_system", _("来源系统编码为 1 至 32 个字母、数字、点、下划线或连字符。"))
    external_id = (data.external_id or "").strip()
    if not external_id or len(external_id) > EXTERNAL_ID_MAX or not external_id.isprintable():
        add("external_id", _("工单编号为 1 至 %(max)s 个可打印字符。") % {"max": EXTERNAL_ID_MAX})
    if data.kind not in OrderKind.values:
        add("kind", _("请选择诉求类型：咨询、求助、投诉、举报或建议（HOT-02）。"))
    content = (data.content or "").strip()
    if not content:
        add("content", _("请填写诉求内容。"))
    elif len(content) > MAX_TEXT:
        add("content", _("不超过 %(max)s 个字。") % {"max": MAX_TEXT})
    received_at = data.received_at
    if not isinstance(received_at, datetime.datetime) or timezone.is_naive(received_at):
        add("received_at", _("请填写带时区的受理时间。"))
    elif received_at > timezone.now() + datetime.timedelta(minutes=5):
        add("received_at", _("受理时间不能晚于现在。"))
    elif not 2004 <= timezone.localdate(received_at).year <= 2099:  # the working calendar's range
        add("received_at", _("受理时间不正确。"))
    limits = {"caller_name": 100, "category": 100, "place_text": 200}
    for name, limit in limits.items():
        if len((getattr(data, name) or "").strip()) > limit:
            add(name, _("不超过 %(max)s 个字。") % {"max": limit})
    phone = normalise_phone(data.caller_phone or "")
    if len(phone) > 32:
        add("caller_phone", _("电话号码过长。"))
    if data.exclusion and data.exclusion not in Exclusion.values:
        add("exclusion", _("请选择不予受理的情形（HOT-02）。"))
    if len((data.exclusion_note or "").strip()) > MAX_TEXT:
        add("exclusion_note", _("不超过 %(max)s 个字。") % {"max": MAX_TEXT})
    if errors:
        raise ValidationError(errors)
    return {
        "source_system": source,
        "external_id": external_id,
        "kind": data.kind,
        "content": content,
        "received_at": received_at,
        "caller_name": (data.caller_name or "").strip(),
        "caller_phone": phone,
        "category": (data.category or "").strip(),
        "place_text": (data.place_text or "").strip(),
        "exclusion": data.exclusion or "",
        "exclusion_note": (data.exclusion_note or "").strip(),
    }


def _existing(actor: Any, values: dict[str, Any]) -> ReceiveResult | None:
    """The order already received with this (source, external id), updated if it may still be."""
    order = (
        HotlineOrder.objects.select_for_update(of=("self",))
        .select_related("receiving_org", "current_org", "dispatched_from")
        .filter(source_system=values["source_system"], external_id=values["external_id"])
        .first()
    )
    if order is None:
        return None
    if not HotlineOrder.objects.restrict(actor, Action.MATTER_VIEW).filter(pk=order.pk).exists():
        raise ValidationError({"external_id": _("该工单已由其他机构接收。")}, code="taken")
    changed = [name for name in UPDATABLE_FIELDS if getattr(order, name) != values[name]]
    if not changed:
        return ReceiveResult(order=order, created=False)
    if order.status != OrderStatus.RECEIVED:
        # Already dispatched: the handling unit works on what it was sent; changes are not taken.
        return ReceiveResult(order=order, created=False, ignored_fields=changed)
    for name in changed:
        setattr(order, name, values[name])
    order.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="hotline_order.update",
        target=order,
        object_label=order.reference,
        org_id=order.current_org_id,
        summary={"fields": changed},  # names only: the values may be personal data
    )
    return ReceiveResult(order=order, created=False, updated_fields=changed)


@transaction.atomic
def order_receive(*, actor: Any, organisation: Organisation, data: OrderData) -> ReceiveResult:
    """Receive an order from the hotline at `organisation` (HOT-01 受理). Idempotent by (source system,
    external id): the same order sent again returns the existing one; changed fields are taken only
    while it waits for dispatch (recorded as "hotline_order.update"), otherwise listed as ignored.
    Orders outside the hotline's scope (HOT-02) are flagged with their exclusion, not dropped; an order
    whose number is already a petition's 12345 reference is flagged "already in the petition channel".
    Starts the dispatch clock (HOT-04) from the hotline's receipt."""
    require(actor, Action.MATTER_REGISTER, organisation)
    values = _validated(data)
    if not organisation.is_active or organisation.is_external:
        raise ValidationError({"organisation": _("请选择本辖区在用的机构。")}, code="organisation")
    existing = _existing(actor, values)
    if existing is not None:
        return existing
    if not values["exclusion"]:
        matter = Matter.objects.filter(hotline_order_ref=values["external_id"]).only("number").first()
        if matter is not None:
            values["exclusion"] = Exclusion.PETITION_CHANNEL
            values["exclusion_note"] = values["exclusion_note"] or f"已登记为信访事项 {matter.number}"
    order = HotlineOrder(
        receiving_org=organisation,
        current_org=organisation,
        received_by=actor if getattr(actor, "pk", None) is not None else None,
        **values,
    )
    try:
        with transaction.atomic():
            order.save(force_insert=True)
    except IntegrityError:  # the same order sent twice at once: the other request won
        existing = _existing(actor, values)
        if existing is None:
            raise
        return existing
    _clock_start(order, CLOCK_DISPATCH, timezone.localdate(order.received_at), organisation.pk, actor)
    audit_record(
        actor=actor,
        action="hotline_order.receive",
        target=order,
        object_label=order.reference,
        org_id=organisation.pk,
        summary={
            "after": {
                "status": order.status,
                "source_system": order.source_system,
                "kind": order.kind,
                "exclusion": order.exclusion,
                "received_at": order.received_at.isoformat(),
            }
        },
    )
    return ReceiveResult(order=order, created=True)


# --- Dispatch, acceptance, return, objection ------------------------------------------------------


def dispatch_targets(order: HotlineOrder) -> Any:
    """Where an order may be dispatched: active organisations of the district (not outside bodies),
    other than the one holding it."""
    root = place_root(order.current_org)
    return (
        Organisation.objects.filter(path__startswith=root.path, is_active=True, is_external=False)
        .exclude(pk=order.current_org_id)
        .order_by("path")
    )


@transaction.atomic
def order_dispatch(*, actor: Any, order: HotlineOrder, to_org: Organisation, note: str = "") -> HotlineOrder:
    """Dispatch (派单) to the organisation that handles the order (HOT-01 派单/调度; HOT-03: also a
    re-dispatch after a return or an objection). Stops the dispatch clock; starts the return window
    (2 working days) and the reply clock (5 working days) at the receiving unit (HOT-04)."""
    order = _order_step(order, actor=actor, permission=Action.MATTER_TRIAGE, to=OrderStatus.DISPATCHED)
    if order.status not in WITH_DISPATCHER:  # a replied order goes back only by re-handling
        _refuse_transition(order, OrderStatus.DISPATCHED)
    if not dispatch_targets(order).filter(pk=to_org.pk).exists():
        raise ValidationError({"to_org": _("只能派给本辖区在用的其他机构。")}, code="to_org")
    note = clean_text(note, "note")
    today = timezone.localdate()
    _clocks_stop(order, (CLOCK_DISPATCH, CLOCK_RETURN_WINDOW, CLOCK_REPLY), actor, "dispatched")
    order.dispatched_from = order.current_org
    order.current_org = to_org
    order.dispatched_at = timezone.now()
    order.accepted_at = None
    _clock_start(order, CLOCK_RETURN_WINDOW, today, to_org.pk, actor)
    reply_clock = _clock_start(order, CLOCK_REPLY, today, to_org.pk, actor)
    return _transition(
        order,
        to=OrderStatus.DISPATCHED,
        actor=actor,
        action="dispatch",
        fields=["dispatched_from", "current_org", "dispatched_at", "accepted_at"],
        summary={"to_org": to_org.pk, "from_org": order.dispatched_from_id, "note": bool(note)},
        event={
            "dispatched_to": {"code": to_org.code, "name": to_org.name},
            "reply_due": reply_clock.due_date,
            "note": note,
        },
    )


@transaction.atomic
def order_accept(*, actor: Any, order: HotlineOrder) -> HotlineOrder:
    """The unit signs for the order (签收) and handles it."""
    order = _order_step(order, actor=actor, permission=Action.MATTER_HANDLE, to=OrderStatus.ACCEPTED)
    order.accepted_at = timezone.now()
    return _transition(order, to=OrderStatus.ACCEPTED, actor=actor, action="accept", fields=["accepted_at"])


# The unit that sends an order back, and the field its reason is kept in.
_SENT_BACK: dict[str, tuple[str, str, str]] = {
    OrderStatus.RETURNED: ("returned", "returned_by", "return_reason"),
    OrderStatus.OBJECTED: ("objected", "objected_by", "objection_reason"),
}


def _send_back(order: HotlineOrder, actor: Any, *, to: str, action: str, reason: str) -> HotlineOrder:
    """The order leaves the unit (returned or objected to): its clocks stop; it goes back to the
    dispatcher, who dispatches it again within the dispatch period."""
    stop_reason, by_key, reason_field = _SENT_BACK[to]
    from_org = order.current_org
    _clocks_stop(order, (CLOCK_RETURN_WINDOW, CLOCK_REPLY), actor, stop_reason)
    order.current_org = _dispatcher(order)
    _clock_start(order, CLOCK_DISPATCH, timezone.localdate(), order.current_org_id, actor)
    return _transition(
        order,
        to=to,
        actor=actor,
        action=action,
        fields=["current_org", reason_field],
        summary={"from_org": from_org.pk, "to_org": order.current_org_id},
        event={by_key: from_org.code, "reason": reason},
    )


@transaction.atomic
def order_return(*, actor: Any, order: HotlineOrder, reason: str) -> HotlineOrder:
    """Return a misdirected order (退单) with reasons, within the return window (HOT-04: 2 working
    days of dispatch, 山东省 2020; HOT-03 return and re-dispatch). Later, only an objection."""
    order = _order_step(order, actor=actor, permission=Action.MATTER_HANDLE, to=OrderStatus.RETURNED)
    reason = clean_text(reason, "reason", _("请写明退单理由。"))
    window = _running(order, CLOCK_RETURN_WINDOW)
    if window is None or timezone.localdate() > window.due_date:
        raise ServiceError(
            _("退单期限已过（派单后 %(days)s 个工作日内，HOT-04）；如对派单有异议，请提出异议。")
            % {"days": hotline_period(CLOCK_RETURN_WINDOW)[0]},
            code="return_window",
        )
    order.return_reason = reason
    return _send_back(order, actor, to=OrderStatus.RETURNED, action="return", reason=reason)


@transaction.atomic
def order_object(*, actor: Any, order: HotlineOrder, reason: str) -> HotlineOrder:
    """Object to the dispatch (派单异议, HOT-03): the order goes back to the dispatcher for review,
    who dispatches it again — elsewhere, or to the same unit when the objection is not upheld."""
    order = _order_step(order, actor=actor, permission=Action.MATTER_HANDLE, to=OrderStatus.OBJECTED)
    reason = clean_text(reason, "reason", _("请写明异议理由。"))
    order.objection_reason = reason
    return _send_back(order, actor, to=OrderStatus.OBJECTED, action="object", reason=reason)


# --- Extension, reply, closure -------------------------------------------------------------------


@transaction.atomic
def order_extend(*, actor: Any, order: HotlineOrder, days: int, reason: str) -> HotlineOrder:
    """Extend the reply clock of a complex order (HOT-04, 山东省 2020: generally ≤ 10 working days,
    once; XINFANG_HOTLINE_MAX_EXTENSION_DAYS / _MAX_EXTENSIONS), approved by the unit's head."""
    order = _order_step(order, actor=actor, permission=Action.MATTER_APPROVE, to=OrderStatus.EXTENDED)
    reason = clean_text(reason, "reason", _("请写明延期理由。"))
    limit = int(settings.XINFANG_HOTLINE_MAX_EXTENSION_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= limit:
        raise ValidationError({"days": _("延期天数为 1 至 %(max)s 个工作日（HOT-04）。") % {"max": limit}}, code="days")
    clock = _running(order, CLOCK_REPLY)
    if clock is None:
        raise ServiceError(_("该工单没有运行中的办理时限。"), code="no_clock")
    done = clock.adjustments.filter(kind=AdjustmentKind.EXTENSION).count()
    if done >= int(settings.XINFANG_HOTLINE_MAX_EXTENSIONS):
        raise ServiceError(_("该工单已延期，不能再次延期（HOT-04）。"), code="extended")
    clock_extend(clock=clock, days=days, actor=actor, reason=reason)
    clock.refresh_from_db()
    order.extension_days = days
    order.extension_reason = reason
    return _transition(
        order,
        to=OrderStatus.EXTENDED,
        actor=actor,
        action="extend",
        fields=["extension_days", "extension_reason"],
        summary={"days": days, "reply_due": clock.due_date.isoformat()},
        event={"days": days, "reason": reason, "reply_due": clock.due_date},
    )


@transaction.atomic
def order_reply(*, actor: Any, order: HotlineOrder, result: str) -> HotlineOrder:
    """Reply with the result (答复, HOT-01), for the hotline to give the caller. By the handling
    unit; or by the dispatcher for an order it answers itself (a consultation answered at once, or
    an exclusion explained with the lawful route, HOT-02). Stops the order's running clocks and
    starts the return-visit clock at the receiving organisation."""
    order = _lock(order)
    if order.status in WITH_HANDLER:
        require(actor, Action.MATTER_HANDLE, order.current_org)
    elif order.status in WITH_DISPATCHER:
        require(actor, Action.MATTER_TRIAGE, order.current_org)
    _expect(order, OrderStatus.REPLIED)
    result = clean_text(result, "result", _("请填写办理结果。"))
    reply_clock = _running(order, CLOCK_REPLY)
    late = reply_clock is not None and timezone.localdate() > reply_clock.due_date
    _clocks_stop(order, (CLOCK_DISPATCH, CLOCK_RETURN_WINDOW, CLOCK_REPLY), actor, "replied")
    order.reply = result
    order.replied_at = timezone.now()
    _clock_start(order, CLOCK_VISIT, timezone.localdate(), order.receiving_org_id, actor)
    return _transition(
        order,
        to=OrderStatus.REPLIED,
        actor=actor,
        action="reply",
        fields=["reply", "replied_at"],
        summary={"late": late},
        event={"reply": result, "late": late},
    )


@transaction.atomic
def order_close(
    *,
    actor: Any,
    order: HotlineOrder,
    evaluation: str,
    note: str = "",
    visited_at: datetime.datetime | None = None,
) -> HotlineOrder:
    """Close the order after the return visit (回访) with the caller's evaluation (HOT-01 评价;
    HOT-04 济南 Art. 27), recorded by the receiving organisation."""
    order = _order_step(order, actor=actor, permission=Action.MATTER_TRIAGE, to=OrderStatus.CLOSED, at="receiving")
    if evaluation not in Evaluation.values:
        raise ValidationError({"evaluation": _("请选择回访评价。")}, code="evaluation")
    note = clean_text(note, "note")
    now = timezone.now()
    if visited_at is not None:
        if timezone.is_naive(visited_at) or visited_at > now + datetime.timedelta(minutes=5):
            raise ValidationError({"visited_at": _("回访时间不能晚于现在。")}, code="visited_at")
        if visited_at < (order.replied_at or order.received_at):
            raise ValidationError({"visited_at": _("回访时间不能早于答复时间。")}, code="visited_at")
    _clocks_stop(order, (CLOCK_VISIT,), actor, "closed")
    order.evaluation = evaluation
    order.return_visit_note = note
    order.return_visit_at = visited_at or now
    order.closed_at = now
    return _transition(
        order,
        to=OrderStatus.CLOSED,
        actor=actor,
        action="close",
        fields=["evaluation", "return_visit_note", "return_visit_at", "closed_at"],
        summary={"evaluation": evaluation},
        event={"evaluation": evaluation},
    )


# --- Merging repeats, re-handling -------------------------------------------------------------------


@transaction.atomic
def order_merge(*, actor: Any, order: HotlineOrder, into: HotlineOrder | int, reason: str) -> HotlineOrder:
    """Merge a repeated order into the open order it repeats (并单, HOT-03: one request is handled
    once). Done by the organisation holding it for dispatch, into an open order received by the same
    organisation. The merged order's clocks stop; it is answered through the order it was merged
    into, and the hotline is told which one (webhook `merged_into`)."""
    order = _order_step(order, actor=actor, permission=Action.MATTER_TRIAGE, to=OrderStatus.MERGED)
    reason = clean_text(reason, "reason", _("请写明并单理由。"))
    target = (
        HotlineOrder.objects.restrict(actor, Action.MATTER_VIEW)
        .select_for_update(of=("self",))
        .filter(pk=into if isinstance(into, int) else into.pk)
        .first()
    )
    if target is None or target.pk == order.pk:  # a missing order and one out of sight look the same
        raise ValidationError({"into": _("请选择本机构接收的另一张工单。")}, code="into")
    if target.receiving_org_id != order.receiving_org_id:
        raise ValidationError({"into": _("只能并入本机构接收的工单。")}, code="into")
    if target.status not in OPEN_STATUSES:
        raise ValidationError({"into": _("只能并入尚未办结的工单。")}, code="into")
    _clocks_stop(order, (CLOCK_DISPATCH, CLOCK_RETURN_WINDOW, CLOCK_REPLY), actor, "merged")
    order.merged_into = target
    order.merge_reason = reason
    order.closed_at = timezone.now()
    return _transition(
        order,
        to=OrderStatus.MERGED,
        actor=actor,
        action="merge",
        fields=["merged_into", "merge_reason", "closed_at"],
        summary={"into": target.pk},
        event={
            "merged_into": {"source_system": target.source_system, "external_id": target.external_id},
            "reason": reason,
        },
    )


def merge_candidates(order: HotlineOrder, *, limit: int = 20) -> Any:
    """Open orders the same organisation received that `order` may be merged into: the same caller
    phone first, then the most recent."""
    candidates = HotlineOrder.objects.filter(receiving_org_id=order.receiving_org_id, status__in=OPEN_STATUSES).exclude(
        pk=order.pk
    )
    if order.caller_phone:
        same_phone = list(candidates.filter(caller_phone=order.caller_phone).order_by("-received_at")[:limit])
        others = candidates.exclude(caller_phone=order.caller_phone).order_by("-received_at")[: limit - len(same_phone)]
        return [*same_phone, *others]
    return list(candidates.order_by("-received_at")[:limit])


@transaction.atomic
def order_rehandle(*, actor: Any, order: HotlineOrder, reason: str, note: str = "") -> HotlineOrder:
    """Send a reply the caller is dissatisfied with back for re-handling (重办; HOT-04 济南 Art. 27:
    the hotline office reviews every reply, visits the caller and may send the matter back). Recorded
    by the receiving organisation at the return visit: the evaluation is "dissatisfied", the visit
    clock stops, and the order goes back to the unit that answered it with a new reply clock (no
    return window: the unit has handled it) — or to the dispatcher when it answered the order itself.
    At most XINFANG_HOTLINE_MAX_REHANDLES times (Art. 25: the same facts are not handled again and
    again after proper handling)."""
    back_to_unit = order.dispatched_from_id is not None and order.current_org_id != order.receiving_org_id
    to = OrderStatus.DISPATCHED if back_to_unit else OrderStatus.RECEIVED
    order = _order_step(order, actor=actor, permission=Action.MATTER_TRIAGE, to=to, at="receiving")
    if order.status != OrderStatus.REPLIED:
        _refuse_transition(order, to)
    reason = clean_text(reason, "reason", _("请写明重办理由（来电人不满意之处）。"))
    note = clean_text(note, "note")
    limit = int(settings.XINFANG_HOTLINE_MAX_REHANDLES)
    if order.rehandle_count >= limit:
        raise ServiceError(
            _("该工单已重办 %(count)s 次，不能再次退回重办；请回访办结。") % {"count": order.rehandle_count},
            code="rehandled",
        )
    today = timezone.localdate()
    _clocks_stop(order, (CLOCK_VISIT,), actor, "rehandle")
    order.evaluation = Evaluation.DISSATISFIED
    order.return_visit_at = timezone.now()
    order.return_visit_note = note
    order.rehandle_reason = reason
    order.rehandle_count += 1
    if back_to_unit:
        clock = _clock_start(order, CLOCK_REPLY, today, order.current_org_id, actor)
        order.dispatched_at = timezone.now()
        order.accepted_at = None
    else:
        clock = _clock_start(order, CLOCK_DISPATCH, today, order.current_org_id, actor)
    return _transition(
        order,
        to=to,
        actor=actor,
        action="rehandle",
        fields=[
            "evaluation",
            "return_visit_at",
            "return_visit_note",
            "rehandle_reason",
            "rehandle_count",
            "dispatched_at",
            "accepted_at",
        ],
        summary={"rehandle_count": order.rehandle_count, "previous_reply": order.reply[:200]},
        event={"reason": reason, "rehandle_count": order.rehandle_count, "due": clock.due_date},
    )


# --- Conversion to a petition --------------------------------------------------------------------


def _matter_data(order: HotlineOrder) -> MatterData:
    is_report = order.kind == OrderKind.REPORT
    nature = {OrderKind.REPORT: Nature.REPORT, OrderKind.SUGGESTION: Nature.SUGGESTION}.get(OrderKind(order.kind), "")
    petitioners = []
    if order.caller_name:
        petitioners.append(PetitionerData(name=order.caller_name, phone=order.caller_phone))
    elif not is_report:
        raise ValidationError(
            {"caller_name": _("转为信访事项须有来电人姓名；只有举报类工单可以匿名转为检举控告类信访事项。")},
            code="caller_name",
        )
    return MatterData(
        channel=Channel.PHONE,
        source=Source.HOTLINE_12345,
        hotline_order_ref=order.external_id,
        # The petition's own receipt: its clocks start now, not from the hotline's (HOT-05).
        received_at=timezone.now(),
        title="",
        request=order.content,
        facts=order.content,
        place_text=order.place_text,
        petitioners=petitioners,
        is_anonymous=not petitioners,
        nature_hint=nature,
        oral_recorded_by=ORAL_RECORDER,
        submission_key=f"hotline:{order.source_system}:{order.external_id}"[:64],
    )


@transaction.atomic
def order_to_petition(*, actor: Any, order: HotlineOrder, organisation: Organisation | None = None) -> Matter:
    """Register the order as a petition matter (HOT-05) at `organisation` (default: the receiving
    organisation) through `matter_register` — source 12345, the order's number as its 12345
    reference, the caller as petitioner — and link both ways: the order points at the matter, the
    matter keeps the reference. The two keep their own clocks (separate rows); the order is flagged
    as now in the petition channel (HOT-02) and the hotline is told."""
    order = _lock(order)
    organisation = organisation or order.receiving_org
    if order.matter_id is not None:
        raise ServiceError(_("该工单已转为信访事项。"), code="converted")
    matter = matter_register(actor=actor, organisation=organisation, data=_matter_data(order))
    order.matter = matter
    if not order.exclusion:
        order.exclusion = Exclusion.PETITION_CHANNEL
        order.exclusion_note = order.exclusion_note or f"已转为信访事项 {matter.number}"
    order.save(update_fields=["matter", "exclusion", "exclusion_note", "updated_at"])
    audit_record(
        actor=actor,
        action="hotline_order.to_petition",
        target=order,
        object_label=order.reference,
        org_id=order.current_org_id,
        summary={"matter": matter.pk, "matter_number": matter.number, "organisation": organisation.pk},
    )
    webhook_event_emit(
        event_type=HOTLINE_ORDER_TO_PETITION,
        organisation=order.receiving_org,
        payload={
            "order_id": order.pk,
            "source_system": order.source_system,
            "external_id": order.external_id,
            "matter_number": matter.number,
            "matter_public_ref": matter.public_ref,
            "organisation": organisation.code,
            "occurred_at": timezone.now(),
        },
    )
    return matter


# --- The caller's personal data ------------------------------------------------------------------


@dataclass(frozen=True)
class CallerData:
    name: str
    phone: str


def caller_data_can_view(*, user: Any, order: HotlineOrder) -> bool:
    return any(
        user_can(user, Action.PERSONAL_DATA_VIEW, org)
        for org in (order.current_org, order.receiving_org)
        if org is not None
    )


@transaction.atomic
def order_caller_view(*, actor: Any, order: HotlineOrder) -> CallerData:
    """The caller's full name and phone, for holders of personal_data.view at the organisation that
    holds or received the order; every view is audited (without the data)."""
    if not caller_data_can_view(user=actor, order=order):
        raise PermissionDenied(_("您没有权限查看来电人的完整信息。"))
    audit_record(
        actor=actor,
        action="hotline_order.personal_data_view",
        target=order,
        object_label=order.reference,
        org_id=order.current_org_id,
        summary={"fields": ["caller_name", "caller_phone"]},
    )
    return CallerData(name=order.caller_name, phone=order.caller_phone)
