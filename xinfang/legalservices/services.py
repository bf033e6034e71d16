"""Writes of the one-stop service platform. Each service validates, checks the policy, writes and records
its audit event in one transaction; a refusal leaves nothing written.

A request goes requested → accepted → in progress → completed, or is declined by staff (with a
reason) or cancelled by the person. Where its kind has a legal time limit, a clock runs on the
working calendar: from receipt to the decision (legal aid: 7 days, D38) or from acceptance to
completion (notarisation: 15 working days, D41)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError
from xinfang.workcalendar.selectors import clock_list_for_object
from xinfang.workcalendar.services import clock_start, clock_stop

from .codes import access_code_matches, hash_access_code, new_access_code, new_reference, normalise_reference
from .models import (
    STAFF_CHANNELS,
    LimitFrom,
    RequestChannel,
    RequestStatus,
    ServiceKind,
    ServicePoint,
    ServiceRequest,
    TimeSlot,
)

OBJECT_TYPE = ServiceRequest._meta.label_lower
BOOKING_DAYS_AHEAD = 60  # how far ahead a date may be chosen
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,18}[0-9]$")
MAX_DESCRIPTION = 1000
MAX_TEXT = 2000
RECEIVED_DAYS_BACK = 30  # how far back staff may date a request taken earlier (a call, a letter)

# Which statuses each action starts from.
ACCEPT_FROM = frozenset({RequestStatus.REQUESTED})
START_FROM = frozenset({RequestStatus.ACCEPTED})
COMPLETE_FROM = frozenset({RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS})
DECLINE_FROM = frozenset({RequestStatus.REQUESTED, RequestStatus.ACCEPTED})
CANCEL_FROM = frozenset({RequestStatus.REQUESTED, RequestStatus.ACCEPTED})


class _PublicActor:
    """A member of the public acting with their reference and access code: recorded as "public"."""

    pk = None
    is_authenticated = False
    is_active = True
    is_superuser = False

    def get_username(self) -> str:
        return "public"

    def __str__(self) -> str:
        return "public"


PUBLIC = _PublicActor()


# --- The public's writes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """A new request and its access code in clear: shown to the person once, never stored."""

    request: ServiceRequest
    access_code: str


def _request_errors(
    *,
    point: ServicePoint,
    kind: ServiceKind,
    preferred_date: datetime.date,
    time_slot: str,
    name: str,
    phone: str,
    description: str,
) -> dict[str, str]:
    """What is wrong with a request's data, by field (empty when nothing is)."""
    errors: dict[str, str] = {}
    if not point.is_active or not point.organisation.is_active:
        errors["point"] = _("该服务点已停止服务，请选择其他服务点。")
    elif not kind.is_active or not point.kinds.filter(pk=kind.pk).exists():
        errors["kind"] = _("该服务点不提供这项服务，请选择其他服务项目或服务点。")
    today = timezone.localdate()
    if preferred_date < today:
        errors["preferred_date"] = _("日期不能早于今天。")
    elif preferred_date > today + datetime.timedelta(days=BOOKING_DAYS_AHEAD):
        errors["preferred_date"] = _("只能预约 %(days)s 天以内的日期。") % {"days": BOOKING_DAYS_AHEAD}
    if time_slot not in TimeSlot.values:
        errors["time_slot"] = _("请选择上午或下午。")
    if not name.strip() or len(name) > 60:
        errors["name"] = _("请填写姓名（不超过 60 个字）。")
    if not PHONE_RE.match(phone.strip()):
        errors["phone"] = _("请填写正确的电话号码，例如 13800000000 或 020-00000000。")
    if not description.strip() or len(description) > MAX_DESCRIPTION:
        errors["description"] = _("请简要说明您的问题（不超过 %(max)s 个字）。") % {"max": MAX_DESCRIPTION}
    return errors


def _check_request_data(**data: Any) -> None:
    errors = _request_errors(**data)
    if errors:
        raise ValidationError(errors)


def _unique_reference() -> str:
    for _attempt in range(10):
        reference = new_reference()
        if not ServiceRequest.objects.filter(reference=reference).exists():
            return reference
    raise ServiceError(_("暂时无法生成申请编号，请稍后再试。"), code="reference")  # ~1e12 references: never


def _start_clock(service_request: ServiceRequest, actor: Any, start_date: datetime.date) -> None:
    kind = service_request.kind
    clock_start(
        object_type=OBJECT_TYPE,
        object_id=str(service_request.pk),
        kind=kind.clock_kind,
        start_date=start_date,
        period=int(kind.limit_period or 0),
        unit=kind.limit_unit,
        actor=actor,
        org_id=service_request.point.organisation_id,
    )


def _stop_clocks(service_request: ServiceRequest, actor: Any, reason: str) -> None:
    for clock in clock_list_for_object(object_type=OBJECT_TYPE, object_id=str(service_request.pk)):
        clock_stop(clock=clock, actor=actor, reason=reason)


@transaction.atomic
def public_request_submit(
    *,
    point: ServicePoint,
    kind: ServiceKind,
    preferred_date: datetime.date,
    time_slot: str,
    name: str,
    phone: str,
    description: str,
    language: str = "",
    received_on: datetime.date | None = None,
    fixed_codes: tuple[str, str] | None = None,
) -> Submitted:
    """A member of the public books or requests a service at a point (P1). Returns the request and
    its access code. Where the kind's time limit runs from receipt (legal aid), its clock starts today.
    `received_on` is the day the application was received (default today: a request taken on paper
    and entered later keeps its day). `fixed_codes` (reference, access code) replaces the random
    ones: only the demo loader uses it."""
    _check_request_data(
        point=point,
        kind=kind,
        preferred_date=preferred_date,
        time_slot=time_slot,
        name=name,
        phone=phone,
        description=description,
    )
    submitted = _request_create(
        actor=PUBLIC,
        channel=RequestChannel.ONLINE,
        point=point,
        kind=kind,
        preferred_date=preferred_date,
        time_slot=time_slot,
        name=name,
        phone=phone,
        description=description,
        language=language,
        received_on=received_on,
        fixed_codes=fixed_codes,
    )
    audit_record(
        actor=PUBLIC,
        action="legalservice.request",
        target=submitted.request,
        org_id=point.organisation_id,
        summary={"after": {"status": submitted.request.status, "point": point.pk, "kind": kind.code}},
    )
    return submitted


def _request_create(
    *,
    actor: Any,
    channel: str,
    point: ServicePoint,
    kind: ServiceKind,
    preferred_date: datetime.date,
    time_slot: str,
    name: str,
    phone: str,
    description: str,
    language: str,
    received_on: datetime.date | None,
    fixed_codes: tuple[str, str] | None = None,
) -> Submitted:
    """The row with a new reference and access code (checked data only); the decision clock of a
    kind whose limit runs from receipt (legal aid) starts on the day the request was received."""
    reference, code = fixed_codes if fixed_codes is not None else (_unique_reference(), new_access_code())
    service_request = ServiceRequest.objects.create(
        reference=reference,
        access_code_hash=hash_access_code(reference, code),
        point=point,
        kind=kind,
        preferred_date=preferred_date,
        time_slot=time_slot,
        name=name.strip(),
        phone=phone.strip(),
        description=description.strip(),
        language=language[:10],
        channel=channel,
    )
    if kind.has_limit and kind.limit_from == LimitFrom.RECEIPT:
        _start_clock(service_request, actor, received_on or timezone.localdate())
    return Submitted(request=service_request, access_code=code)


def current_time_slot() -> str:
    """The half-day it is now (local time): the default slot of a person who is at the counter."""
    return TimeSlot.MORNING if timezone.localtime().hour < 12 else TimeSlot.AFTERNOON


@transaction.atomic
def staff_request_register(
    *,
    actor: Any,
    point: ServicePoint,
    kind: ServiceKind,
    channel: str,
    name: str,
    phone: str,
    description: str,
    preferred_date: datetime.date | None = None,
    time_slot: str = "",
    received_on: datetime.date | None = None,
    language: str = "",
    accept_now: bool = False,
    note: str = "",
) -> Submitted:
    """Staff of a point register a request for a person who came in (walk-in) or telephoned (P1),
    with the checks of an online request; `channel` records how it came. The person gets the
    reference and access code on a slip and follows the request on the public status page like
    any other; it appears in the inbox like any other. Only users who may handle requests at the
    point's organisation (legalservice.handle) may register one.

    `preferred_date` defaults to today and `time_slot` to the current half-day. `received_on` is
    the day the request reached the point (default today; a call taken yesterday and entered today
    keeps yesterday, and the legal-aid decision clock runs from it; at most RECEIVED_DAYS_BACK days
    back). With `accept_now` the request is accepted at once (the counter decides on the spot):
    `request_accept` runs in the same transaction with `note` for the person."""
    require(actor, Action.LEGALSERVICE_HANDLE, point.organisation)
    today = timezone.localdate()
    preferred_date = preferred_date or today
    time_slot = time_slot or current_time_slot()
    note = (note or "").strip()
    errors = _request_errors(
        point=point,
        kind=kind,
        preferred_date=preferred_date,
        time_slot=time_slot,
        name=name,
        phone=phone,
        description=description,
    )
    if channel not in STAFF_CHANNELS:
        errors["channel"] = _("请选择来访或来电。")
    if received_on is not None and received_on > today:
        errors["received_on"] = _("收到日期不能晚于今天。")
    elif received_on is not None and received_on < today - datetime.timedelta(days=RECEIVED_DAYS_BACK):
        errors["received_on"] = _("只能补录 %(days)s 天以内收到的申请。") % {"days": RECEIVED_DAYS_BACK}
    if note and not accept_now:
        errors["note"] = _("给申请人的说明随受理一起发出：请勾选“当场受理”，或者清空说明。")
    elif len(note) > MAX_TEXT:
        errors["note"] = _("不超过 %(max)s 个字。") % {"max": MAX_TEXT}
    if errors:
        raise ValidationError(errors)
    submitted = _request_create(
        actor=actor,
        channel=channel,
        point=point,
        kind=kind,
        preferred_date=preferred_date,
        time_slot=time_slot,
        name=name,
        phone=phone,
        description=description,
        language=language,
        received_on=received_on,
    )
    audit_record(
        actor=actor,
        action="legalservice.register",
        target=submitted.request,
        org_id=point.organisation_id,
        summary={
            "after": {
                "status": submitted.request.status,
                "point": point.pk,
                "kind": kind.code,
                "channel": channel,
                "received_on": (received_on or today).isoformat(),
            }
        },
    )
    if accept_now:
        accepted = request_accept(actor=actor, service_request=submitted.request, note=note)
        return Submitted(request=accepted, access_code=submitted.access_code)
    return submitted


@transaction.atomic
def public_request_cancel(*, reference: str, code: str) -> ServiceRequest:
    """The person withdraws their request (with reference and access code) before it is being handled."""
    reference = normalise_reference(reference)
    service_request = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("point")
        .filter(reference=reference)
        .first()
    )
    stored = service_request.access_code_hash if service_request is not None else None
    if service_request is None or not access_code_matches(reference, code, stored):
        raise ServiceError(_("申请编号或查询码不正确，请核对后重新输入。"), code="not_found")
    if service_request.status not in CANCEL_FROM:
        raise ServiceError(_("该申请已在办理或已结束，不能取消；如有需要请致电服务点。"), code="state")
    before = service_request.status
    service_request.status = RequestStatus.CANCELLED
    service_request.closed_at = timezone.now()
    service_request.save(update_fields=["status", "closed_at", "updated_at"])
    _stop_clocks(service_request, PUBLIC, "cancelled")
    audit_record(
        actor=PUBLIC,
        action="legalservice.cancel",
        target=service_request,
        org_id=service_request.point.organisation_id,
        summary={"before": {"status": before}, "after": {"status": service_request.status}},
    )
    return service_request


# --- Staff actions ------------------------------------------------------------------------------


def _locked(actor: Any, service_request: ServiceRequest, allowed_from: frozenset[str]) -> ServiceRequest:
    """The request locked for update, after the permission and state checks."""
    locked = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("point__organisation", "kind")
        .get(pk=service_request.pk)
    )
    require(actor, Action.LEGALSERVICE_HANDLE, locked.point.organisation)
    if locked.status not in allowed_from:
        raise ServiceError(
            _("该申请当前状态为“%(status)s”，不能进行此操作。") % {"status": locked.get_status_display()},
            code="state",
        )
    return locked


def _record(actor: Any, service_request: ServiceRequest, action: str, before: str) -> None:
    audit_record(
        actor=actor,
        action=f"legalservice.{action}",
        target=service_request,
        org_id=service_request.point.organisation_id,
        summary={"before": {"status": before}, "after": {"status": service_request.status}},
    )


def _handler(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message}, code="required")
    if len(value) > MAX_TEXT:
        raise ValidationError({field: _("不超过 %(max)s 个字。") % {"max": MAX_TEXT}}, code="max_length")
    return value


@transaction.atomic
def request_accept(*, actor: Any, service_request: ServiceRequest, note: str = "") -> ServiceRequest:
    """Staff of the point accept the request (for legal aid: the decision to grant it). `note` is
    shown to the person (e.g. the confirmed time). The decision clock stops; a completion clock
    (notarisation: 15 working days) starts."""
    locked = _locked(actor, service_request, ACCEPT_FROM)
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": _("不超过 %(max)s 个字。") % {"max": MAX_TEXT}}, code="max_length")
    before = locked.status
    locked.status = RequestStatus.ACCEPTED
    locked.public_note = note
    locked.accepted_at = timezone.now()
    locked.handled_by = _handler(actor)
    locked.save(update_fields=["status", "public_note", "accepted_at", "handled_by", "updated_at"])
    _stop_clocks(locked, actor, "accepted")
    if locked.kind.has_limit and locked.kind.limit_from == LimitFrom.ACCEPTANCE:
        _start_clock(locked, actor, timezone.localdate())
    _record(actor, locked, "accept", before)
    return locked


@transaction.atomic
def request_start(*, actor: Any, service_request: ServiceRequest) -> ServiceRequest:
    """The service has begun (the person came, the mediation session opened)."""
    locked = _locked(actor, service_request, START_FROM)
    before = locked.status
    locked.status = RequestStatus.IN_PROGRESS
    locked.started_at = timezone.now()
    locked.handled_by = _handler(actor) or locked.handled_by
    locked.save(update_fields=["status", "started_at", "handled_by", "updated_at"])
    _record(actor, locked, "start", before)
    return locked


@transaction.atomic
def request_complete(*, actor: Any, service_request: ServiceRequest, outcome: str) -> ServiceRequest:
    """The service is done; `outcome` (required) tells the person the result in plain words."""
    outcome = _required_text(outcome, "outcome", _("请填写办理结果，申请人将在查询页面看到。"))
    locked = _locked(actor, service_request, COMPLETE_FROM)
    return _close(actor, locked, RequestStatus.COMPLETED, outcome, action="complete", reason="completed")


@transaction.atomic
def request_decline(*, actor: Any, service_request: ServiceRequest, reason: str) -> ServiceRequest:
    """The point will not provide the service; `reason` (required) is shown to the person, with
    where else to go (for legal aid a refusal must be in writing with reasons, AID-01)."""
    reason = _required_text(reason, "reason", _("请填写不予办理的理由，申请人将在查询页面看到。"))
    locked = _locked(actor, service_request, DECLINE_FROM)
    return _close(actor, locked, RequestStatus.DECLINED, reason, action="decline", reason="declined")


def _close(
    actor: Any, locked: ServiceRequest, status: str, outcome: str, *, action: str, reason: str
) -> ServiceRequest:
    """End a request (completed or declined) with the words the person reads; its clocks stop."""
    before = locked.status
    locked.status = status
    locked.outcome = outcome
    locked.closed_at = timezone.now()
    locked.handled_by = _handler(actor) or locked.handled_by
    locked.save(update_fields=["status", "outcome", "closed_at", "handled_by", "updated_at"])
    _stop_clocks(locked, actor, reason)
    _record(actor, locked, action, before)
    return locked


# --- Reference data (admin) ---------------------------------------------------------------------

KIND_FIELDS = frozenset(
    {
        "name",
        "name_en",
        "description",
        "description_en",
        "legal_basis",
        "legal_basis_en",
        "what_to_bring",
        "what_to_bring_en",
        "time_limit_text",
        "time_limit_text_en",
        "limit_period",
        "limit_unit",
        "limit_from",
        "sort_order",
        "is_active",
    }
)
POINT_FIELDS = frozenset(
    {
        "organisation",
        "name",
        "name_en",
        "address",
        "address_en",
        "hours",
        "hours_en",
        "phone",
        "is_active",
        "sort_order",
    }
)


def _check_limit(kind: ServiceKind) -> None:
    parts = (kind.limit_period, kind.limit_unit, kind.limit_from)
    if any(parts) and not all(parts):
        raise ValidationError(
            {"limit_period": _("法定期间、期间单位和计时范围须同时填写，或者同时留空。")}, code="limit"
        )


def _plain(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def service_kind_save(
    *, actor: Any, kind: ServiceKind, changed: frozenset[str] | set[str] = frozenset()
) -> ServiceKind:
    """Create or update a kind (admin). Existing requests keep their running clocks."""
    require(actor, Action.ORG_MANAGE)
    _check_limit(kind)
    kind.full_clean()
    created = kind.pk is None
    kind.save()
    fields = sorted(set(changed) & KIND_FIELDS - {"description", "description_en", "what_to_bring", "what_to_bring_en"})
    audit_record(
        actor=actor,
        action="legalservice.kind_create" if created else "legalservice.kind_update",
        target=kind,
        summary={"code": kind.code, "changed": sorted(set(changed)), "after": {f: getattr(kind, f) for f in fields}},
    )
    return kind


@transaction.atomic
def service_point_save(
    *,
    actor: Any,
    point: ServicePoint,
    kinds: list[ServiceKind] | None = None,
    changed: frozenset[str] | set[str] = frozenset(),
) -> ServicePoint:
    """Create or update a service point and (when given) the kinds it offers (admin, demo loader)."""
    require(actor, Action.ORG_MANAGE)
    point.full_clean(exclude=["kinds"])
    created = point.pk is None
    point.save()
    if kinds is not None:
        point.kinds.set(kinds)
    audit_record(
        actor=actor,
        action="legalservice.point_create" if created else "legalservice.point_update",
        target=point,
        org_id=point.organisation_id,
        summary={
            "changed": sorted(set(changed)),
            "after": {
                **{f: _plain(getattr(point, f)) for f in sorted(set(changed) & POINT_FIELDS)},
                **({"kinds": sorted(k.code for k in kinds)} if kinds is not None else {}),
            },
        },
    )
    return point
