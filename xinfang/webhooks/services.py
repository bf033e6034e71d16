"""Writes of the webhooks app: endpoints (audited), events, deliveries and replays.

An event is written as one delivery row per matching endpoint inside the caller's transaction, so an
event exists only if the change it reports committed; the send is queued with `transaction.on_commit`.
Sending happens outside any transaction: a delivery is *claimed* by moving its next attempt time
forward in one UPDATE (so the sweep and a queued task never send it twice at once), then the answer is
recorded. Failed attempts are retried with exponential backoff until the maximum number of attempts,
then the delivery is given up; an operator may replay any delivery that is not waiting to be sent."""

from __future__ import annotations

import datetime
import http.client
import json
import logging
import time
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError
from xinfang.orgs.models import Organisation

from .events import EVENT_TYPES
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from .net import UnsafeUrl, http_post, url_check, url_parse
from .signing import secret_new, signature_compute

logger = logging.getLogger(__name__)

USER_AGENT = "Xinfang-Webhooks/1"
CLAIM_MARGIN_SECONDS = 30  # a claimed delivery is not picked up again until its timeout has passed
SWEEP_BATCH = 200
ENDPOINT_FIELDS = ("organisation", "url", "event_types", "include_subtree", "is_active", "description")


# --- Endpoints ----------------------------------------------------------------------------------


def _safe_url(url: str) -> str:
    """The URL as written to the audit log: scheme, host, port and path, no query (it may hold a token)."""
    target = url_parse(url)
    return f"{target.scheme}://{target.host}:{target.port}{target.path.split('?', 1)[0]}"


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Validate endpoint fields; ValidationError per field."""
    errors: dict[str, list[str]] = {}
    url = str(values.get("url") or "").strip()
    if not url:
        errors["url"] = [_("请填写接收地址。")]
    elif len(url) > 500:
        errors["url"] = [_("地址不超过 500 个字符。")]
    else:
        try:
            url_check(url)
        except UnsafeUrl as exc:
            errors["url"] = [str(exc)]
    types = values.get("event_types")
    if not isinstance(types, list | tuple | set | frozenset) or not types or not all(isinstance(t, str) for t in types):
        errors["event_types"] = [_("请至少选择一种事件。")]
    else:
        unknown = sorted(set(types) - set(EVENT_TYPES))
        if unknown:
            errors["event_types"] = [_("未知的事件类型：%(types)s。") % {"types": "、".join(unknown)}]
    if len(str(values.get("description") or "")) > 200:
        errors["description"] = [_("说明不超过 200 个字。")]
    organisation = values.get("organisation")
    if not isinstance(organisation, Organisation):
        errors["organisation"] = [_("请选择所属机构。")]
    if errors:
        raise ValidationError(errors)
    values = dict(values)
    values["url"] = url
    values["event_types"] = sorted(set(types))  # type: ignore[arg-type]
    values["description"] = str(values.get("description") or "").strip()
    return values


def _endpoint_summary(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": _safe_url(endpoint.url),
        "event_types": list(endpoint.event_types),
        "include_subtree": endpoint.include_subtree,
        "is_active": endpoint.is_active,
    }


def _audit_endpoint(actor: Any, endpoint: WebhookEndpoint, action: str, summary: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=f"webhook.{action}",
        target=endpoint,
        object_label=f"#{endpoint.pk} {_safe_url(endpoint.url)}"[:200],
        org_id=endpoint.organisation_id,
        summary=summary,  # never the secret
    )


@transaction.atomic
def webhook_endpoint_create(
    *,
    actor: Any,
    organisation: Organisation,
    url: str,
    event_types: list[str],
    include_subtree: bool = False,
    is_active: bool = True,
    description: str = "",
) -> WebhookEndpoint:
    """Create an endpoint of `organisation` with a new secret (read it from the returned object and
    show it once). Refused unless the actor holds webhook.manage there, the URL is http(s) and passes
    the SSRF guard, and the event types are known."""
    require(actor, Action.WEBHOOK_MANAGE, organisation)
    values = _clean(
        {
            "organisation": organisation,
            "url": url,
            "event_types": event_types,
            "include_subtree": bool(include_subtree),
            "is_active": bool(is_active),
            "description": description,
        }
    )
    endpoint = WebhookEndpoint.objects.create(secret=secret_new(), **values)
    _audit_endpoint(actor, endpoint, "endpoint_create", {"after": _endpoint_summary(endpoint)})
    return endpoint


@transaction.atomic
def webhook_endpoint_update(*, actor: Any, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    """Change an endpoint's fields (organisation, url, event_types, include_subtree, is_active,
    description). Moving it to another organisation needs webhook.manage at both."""
    unknown = set(changes) - set(ENDPOINT_FIELDS)
    if unknown:
        raise TypeError(f"unknown endpoint fields: {sorted(unknown)}")
    endpoint = WebhookEndpoint.objects.select_for_update().select_related("organisation").get(pk=endpoint.pk)
    require(actor, Action.WEBHOOK_MANAGE, endpoint.organisation)
    if "organisation" in changes and changes["organisation"] != endpoint.organisation:
        require(actor, Action.WEBHOOK_MANAGE, changes["organisation"])
    before = _endpoint_summary(endpoint)
    before_org = endpoint.organisation_id
    values = _clean({**{name: getattr(endpoint, name) for name in ENDPOINT_FIELDS}, **changes})
    for name in ENDPOINT_FIELDS:
        setattr(endpoint, name, values[name])
    endpoint.save()
    after = _endpoint_summary(endpoint)
    if before_org != endpoint.organisation_id:
        before["organisation"], after["organisation"] = before_org, endpoint.organisation_id
    _audit_endpoint(actor, endpoint, "endpoint_update", {"before": before, "after": after})
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, actor: Any, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Give the endpoint a new secret (shown once); deliveries sent from now on are signed with it."""
    endpoint = WebhookEndpoint.objects.select_for_update().select_related("organisation").get(pk=endpoint.pk)
    require(actor, Action.WEBHOOK_MANAGE, endpoint.organisation)
    endpoint.secret = secret_new()
    endpoint.save(update_fields=["secret", "updated_at"])
    _audit_endpoint(actor, endpoint, "endpoint_rotate_secret", {})
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: Any, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log (deactivate it instead to keep the log)."""
    endpoint = WebhookEndpoint.objects.select_for_update().select_related("organisation").get(pk=endpoint.pk)
    require(actor, Action.WEBHOOK_MANAGE, endpoint.organisation)
    summary = {"before": _endpoint_summary(endpoint), "deliveries": endpoint.deliveries.count()}
    _audit_endpoint(actor, endpoint, "endpoint_delete", summary)
    endpoint.delete()


# --- Events -------------------------------------------------------------------------------------


def endpoints_for(*, event_type: str, organisation: Organisation) -> list[WebhookEndpoint]:
    """The active endpoints that receive `event_type` for `organisation`: its own, and those of its
    ancestors that include their subtree. One query."""
    ancestors = organisation.ancestor_ids()
    candidates = WebhookEndpoint.objects.filter(is_active=True).filter(
        Q(organisation_id=organisation.pk) | Q(organisation_id__in=ancestors, include_subtree=True)
    )
    # Few rows per organisation: the list of types is checked here (JSON containment is not portable).
    return [e for e in candidates.order_by("id") if event_type in (e.event_types or [])]


def _enqueue(delivery_ids: Iterable[int]) -> None:
    from .tasks import webhook_delivery_attempt

    for delivery_id in delivery_ids:
        try:
            webhook_delivery_attempt.enqueue(delivery_id)
        except Exception:  # the sweep sends it later; the change itself has committed
            logger.exception("webhook delivery %s could not be queued", delivery_id)


def webhook_event_emit(
    *, event_type: str, organisation: Organisation, payload: dict[str, Any]
) -> list[WebhookDelivery]:
    """Record an event of `organisation` for every matching active endpoint, in the CALLER's
    transaction, and queue the sends for after its commit. `payload` holds ids, codes and states —
    no personal data. Returns the deliveries (none when nobody subscribes)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    endpoints = endpoints_for(event_type=event_type, organisation=organisation)
    if not endpoints:
        return []
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event_id = uuid.uuid4()
    now = timezone.now()
    deliveries = [
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type=event_type,
            event_id=event_id,
            organisation_code=organisation.code,
            occurred_at=now,
            payload=data,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    ]
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: _enqueue(ids))
    return deliveries


# --- Sending ------------------------------------------------------------------------------------


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body of a delivery: the event's envelope and its data (the same bytes every attempt)."""
    envelope = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "occurred_at": delivery.occurred_at.isoformat(),
        "organisation": delivery.organisation_code,
        "data": delivery.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt: base * 2**(attempts-1) seconds, capped."""
    base = int(settings.XINFANG_WEBHOOK_RETRY_BASE_SECONDS)
    cap = int(settings.XINFANG_WEBHOOK_RETRY_MAX_SECONDS)
    return datetime.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _claim(delivery: WebhookDelivery, now: datetime.datetime, timeout: float) -> bool:
    lease = now + datetime.timedelta(seconds=timeout + CLAIM_MARGIN_SECONDS)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        next_attempt_at__lte=now,
    ).update(next_attempt_at=lease, updated_at=now)
    return claimed == 1


def webhook_delivery_send(delivery: WebhookDelivery, *, now: datetime.datetime | None = None) -> WebhookDelivery:
    """Attempt one delivery if it is due: POST the signed JSON to the endpoint and record the answer.
    A 2xx answer is success; anything else (an error status, a timeout, a refused address) counts as
    a failed attempt, retried after `retry_delay` until XINFANG_WEBHOOK_MAX_ATTEMPTS, then given up.
    A delivery that is not due, already done, or being sent by another worker is left as it is."""
    now = now or timezone.now()
    timeout = float(settings.XINFANG_WEBHOOK_TIMEOUT_SECONDS)
    if not _claim(delivery, now, timeout):
        delivery.refresh_from_db()
        return delivery
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery.pk)
    endpoint = delivery.endpoint
    body = delivery_body(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Xinfang-Event": delivery.event_type,
        "X-Xinfang-Delivery": str(delivery.uuid),
        "X-Xinfang-Timestamp": timestamp,
        "X-Xinfang-Signature": signature_compute(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    status_code: int | None = None
    excerpt = error = ""
    if not endpoint.is_active:
        error = "endpoint inactive"
    else:
        try:
            answer = http_post(endpoint.url, body=body, headers=headers, timeout=timeout)
            status_code = answer.status
            excerpt = answer.body.decode("utf-8", errors="replace")[:500]
        except UnsafeUrl as exc:
            error = f"refused: {exc}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
    return _record_attempt(delivery, status_code=status_code, excerpt=excerpt, error=error[:300])


def _record_attempt(delivery: WebhookDelivery, *, status_code: int | None, excerpt: str, error: str) -> WebhookDelivery:
    done = status_code is not None and 200 <= status_code < 300
    attempts = delivery.attempts + 1
    now = timezone.now()
    if done:
        status, next_at = DeliveryStatus.SUCCEEDED, None
    elif attempts >= int(settings.XINFANG_WEBHOOK_MAX_ATTEMPTS) or error == "endpoint inactive":
        status, next_at = DeliveryStatus.GIVEN_UP, None
    else:
        status, next_at = DeliveryStatus.FAILED, now + retry_delay(attempts)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=F("attempts") + 1,
        status=status,
        next_attempt_at=next_at,
        last_attempt_at=now,
        last_status_code=status_code,
        last_response=excerpt,
        last_error=error,
        updated_at=now,
    )
    delivery.refresh_from_db()
    if status == DeliveryStatus.GIVEN_UP:
        logger.warning("webhook delivery %s given up after %s attempt(s)", delivery.pk, delivery.attempts)
    return delivery


def webhook_deliveries_due(*, now: datetime.datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Ids of the deliveries whose next attempt is due (pending or failed), oldest first."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_deliveries_sweep(*, now: datetime.datetime | None = None, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Send every due delivery now (retries whose time has come, and sends whose queued task was
    lost). Returns counts by resulting status."""
    counts = {status.value: 0 for status in DeliveryStatus}
    for pk in webhook_deliveries_due(now=now, limit=limit):
        delivery = webhook_delivery_send(WebhookDelivery(pk=pk), now=now)
        counts[delivery.status] += 1
    return counts


# --- Replay -------------------------------------------------------------------------------------


@transaction.atomic
def webhook_delivery_replay(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery of the same payload and event id (a receiver
    that already has it can tell by the id); audited. Refused while the delivery still waits for
    its first attempt."""
    original = WebhookDelivery.objects.select_related("endpoint__organisation").get(pk=delivery.pk)
    require(actor, Action.WEBHOOK_MANAGE, original.endpoint.organisation)
    if original.status == DeliveryStatus.PENDING:
        raise ServiceError(_("该推送正在等待发送，无需重发。"), code="pending")
    now = timezone.now()
    replay = WebhookDelivery.objects.create(
        endpoint=original.endpoint,
        event_type=original.event_type,
        event_id=original.event_id,
        organisation_code=original.organisation_code,
        occurred_at=original.occurred_at,
        payload=original.payload,
        next_attempt_at=now,
        replay_of=original,
    )
    audit_record(
        actor=actor,
        action="webhook.delivery_replay",
        target=replay,
        object_label=f"{original.event_type} #{original.pk}",
        org_id=original.endpoint.organisation_id,
        summary={
            "replay_of": original.pk,
            "endpoint": original.endpoint_id,
            "event_type": original.event_type,
            "event_id": str(original.event_id),
            "before": {"status": original.status, "attempts": original.attempts},
        },
    )
    transaction.on_commit(lambda: _enqueue([replay.pk]))
    return replay
