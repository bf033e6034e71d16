"""Writes of the notify app: the clock sweep (S1), marking notifications read, and outbox delivery.

The sweep is exactly once per (clock, stage, due date): see models.py and docs/notify.md."""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from xinfang.accounts.models import User
from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ValidationError
from xinfang.orgs.models import Function, Organisation
from xinfang.workcalendar.choices import Unit
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import deadline_compute

from .conf import FALLBACK_RESOLVER, notify_setting, responsible_paths, sender_paths
from .models import ClockAlert, Notification, OutboxMessage
from .resolvers import ESCALATION_ROLES, Responsible, members
from .states import Audience, Channel, OutboxStatus, Stage

logger = logging.getLogger("xinfang.notify")

# --- Texts ------------------------------------------------------------------------------------


def kind_label(object_type: str, kind: str) -> str:
    """A clock kind as the owning app names it (its existing labels), else the kind itself."""
    try:
        if object_type == "petitions.matter":
            from xinfang.petitions.selectors import CLOCK_KIND_LABELS

            return str(CLOCK_KIND_LABELS.get(kind, kind))
        if object_type == "mediation.mediationcase":
            from xinfang.mediation.states import CLOCK_LABELS as MEDIATION_LABELS

            return str(MEDIATION_LABELS.get(kind, kind))
        if object_type == "hotline.hotlineorder":
            from xinfang.hotline.states import CLOCK_LABELS as HOTLINE_LABELS

            return str(HOTLINE_LABELS.get(kind, kind))
        if object_type.startswith("supervision."):
            from xinfang.supervision.states import CLOCK_LABELS as SUPERVISION_LABELS

            return str(SUPERVISION_LABELS.get(kind, kind))
        if object_type == "grid.gridevent":
            from xinfang.grid.selectors import CLOCK_LABEL

            return str(CLOCK_LABEL)
    except ImportError:  # pragma: no cover - an app left out of INSTALLED_APPS
        pass
    return kind


def alert_text(stage: str, params: dict[str, Any]) -> str:
    """The one-line text of a clock alert, in the active language."""
    values = {
        "label": params.get("label", ""),
        "kind": kind_label(params.get("object_type", ""), params.get("kind", "")),
        "due": params.get("due", ""),
        "org": params.get("org", ""),
    }
    if stage == Stage.DUE_SOON:
        return _("即将到期：%(label)s %(kind)s，%(due)s到期。") % values
    if stage == Stage.OVERDUE:
        return _("已逾期：%(label)s %(kind)s，到期日为%(due)s。") % values
    return _("逾期上报：%(org)s办理的%(label)s %(kind)s已逾期，到期日为%(due)s，请督促办理。") % values


def absolute_url(path: str) -> str:
    base = str(getattr(settings, "XINFANG_PUBLIC_URL", "") or "").rstrip("/")
    return f"{base}{path}" if path else ""


# --- The sweep ----------------------------------------------------------------------------------


@dataclass
class SweepResult:
    clocks: int = 0
    alerts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Stage})
    notifications: int = 0
    messages: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "clocks": self.clocks,
            "alerts": dict(self.alerts),
            "notifications": self.notifications,
            "messages": self.messages,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class SweepPlan:
    """The dates a sweep compares due dates with, from the working calendar."""

    today: datetime.date
    horizon: datetime.date  # due on or before: due soon (lead in working days)
    grace: int  # working days overdue before escalation
    ignore_kinds: frozenset[str]
    remind_only_kinds: frozenset[str]

    _escalates: dict[datetime.date, bool] = field(default_factory=dict, compare=False, repr=False)

    def escalates(self, due: datetime.date) -> bool:
        """Overdue for more than `grace` full working days after the due date (computed once per date)."""
        if self.grace <= 0:
            return due < self.today
        if due not in self._escalates:
            last = deadline_compute(start=due, period=self.grace, unit=Unit.WORKING).due_date
            self._escalates[due] = last < self.today
        return self._escalates[due]

    def stages(self, clock: Clock) -> list[str]:
        due = clock.due_date
        if due >= self.today:
            return [Stage.DUE_SOON] if due <= self.horizon else []
        if clock.kind in self.remind_only_kinds:
            return []
        return [Stage.OVERDUE, Stage.ESCALATED] if self.escalates(due) else [Stage.OVERDUE]


def sweep_plan(today: datetime.date | None = None) -> SweepPlan:
    today = today or timezone.localdate()
    lead = int(notify_setting("DUE_SOON_WORKING_DAYS"))
    grace = int(notify_setting("ESCALATE_AFTER_WORKING_DAYS"))
    if lead < 0 or grace < 0:
        raise ValidationError(_("提醒和上报的工作日数不能为负数。"), code="notify_settings")
    horizon = deadline_compute(start=today, period=lead, unit=Unit.WORKING).due_date if lead else today
    return SweepPlan(
        today=today,
        horizon=horizon,
        grace=grace,
        ignore_kinds=frozenset(notify_setting("IGNORE_KINDS")),
        remind_only_kinds=frozenset(notify_setting("REMIND_ONLY_KINDS")),
    )


@cache
def _resolver(path: str) -> Callable[[Sequence[Clock]], dict[int, Responsible]]:
    return import_string(path)  # type: ignore[no-any-return]


def resolve_responsible(clocks: Sequence[Clock]) -> dict[int, Responsible]:
    """Who answers for each clock, through the registry (one resolver call per object type)."""
    by_type: dict[str, list[Clock]] = defaultdict(list)
    for clock in clocks:
        by_type[clock.object_type].append(clock)
    paths = responsible_paths()
    result: dict[int, Responsible] = {}
    for object_type, group in by_type.items():
        result.update(_resolver(paths.get(object_type, FALLBACK_RESOLVER))(group))
    return result


def escalation_recipients(org_ids: set[int]) -> dict[int, tuple[int | None, str, set[int]]]:
    """For each organisation: the one a level up (its parent), that one's name, and the users alerted
    there: its leaders and heads, and the heads and supervisors of its petition department (督办,
    XF-SUP-03). At the top of the tree, the organisation's own heads. Three queries."""
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids).only("pk", "parent_id", "name")}
    parent_ids = {o.parent_id for o in orgs.values() if o.parent_id is not None}
    parents = {o.pk: o for o in Organisation.objects.filter(pk__in=parent_ids).only("pk", "name")}
    bureaus: dict[int, set[int]] = defaultdict(set)
    for pk, parent_id in Organisation.objects.filter(
        parent_id__in=parent_ids, function=Function.PETITION_BUREAU, is_active=True
    ).values_list("pk", "parent_id"):
        bureaus[parent_id].add(pk)
    bureau_ids = {b for group in bureaus.values() for b in group}
    by_org = members(set(parents) | bureau_ids | (set(orgs) - set(parent_ids)), ESCALATION_ROLES)
    result: dict[int, tuple[int | None, str, set[int]]] = {}
    for pk, org in orgs.items():
        if org.parent_id is None or org.parent_id not in parents:
            result[pk] = (None, org.name, set(by_org.get(pk, ())))
            continue
        users = set(by_org.get(org.parent_id, ()))
        for bureau in bureaus.get(org.parent_id, ()):
            if bureau != pk:  # a petition department is not escalated to itself
                users |= by_org.get(bureau, set())
        result[pk] = (org.parent_id, parents[org.parent_id].name, users)
    return result


def _candidates(plan: SweepPlan) -> Any:
    qs = Clock.objects.filter(stopped_at__isnull=True, due_date__lte=plan.horizon)
    if plan.ignore_kinds:
        qs = qs.exclude(kind__in=plan.ignore_kinds)
    return qs


def clock_sweep_count(*, today: datetime.date | None = None) -> int:
    """How many running clocks the sweep looks at today (for its progress bar)."""
    return int(_candidates(sweep_plan(today)).count())


def clock_sweep(
    *,
    actor: Any,
    today: datetime.date | None = None,
    batch_size: int | None = None,
    on_batch: Callable[[int], None] | None = None,
    pause: float = 0.0,
) -> SweepResult:
    """Alert every running clock due soon, overdue, or overdue past the grace (escalated), once per
    (clock, stage, due date). Clocks are taken in id order, one transaction per batch: a sweep killed
    mid-way has committed whole batches only, and the next run carries on from what is missing.
    `on_batch(n)` is called after each batch (the CLI's progress bar); `pause` seconds between
    batches (tests of a crash). A system job: needs calendar.manage (SYSTEM has it)."""
    require(actor, Action.CALENDAR_MANAGE)
    started = time.monotonic()
    plan = sweep_plan(today)
    size = int(batch_size or notify_setting("BATCH_SIZE"))
    if size < 1:
        raise ValidationError(_("每批数量必须大于零。"), code="batch_size")
    result = SweepResult()
    last_id = 0
    fields = ("pk", "object_type", "object_id", "kind", "org_id", "due_date")
    while True:
        batch = list(_candidates(plan).filter(pk__gt=last_id).order_by("pk").only(*fields)[:size])
        if not batch:
            break
        last_id = batch[-1].pk
        _sweep_batch(batch, plan, actor, result)
        result.clocks += len(batch)
        if on_batch:
            on_batch(len(batch))
        if pause:
            time.sleep(pause)
    result.seconds = time.monotonic() - started
    return result


def _sweep_batch(batch: list[Clock], plan: SweepPlan, actor: Any, result: SweepResult) -> None:
    done = set(
        ClockAlert.objects.filter(clock_id__in=[c.pk for c in batch]).values_list("clock_id", "stage", "due_date")
    )
    needed = [(c, s) for c in batch for s in plan.stages(c) if (c.pk, s, c.due_date) not in done]
    if not needed:
        return
    clocks = list({c.pk: c for c, _stage in needed}.values())
    responsible = resolve_responsible(clocks)
    escalated_orgs = {responsible[c.pk].org_id for c, s in needed if s == Stage.ESCALATED}
    upward = escalation_recipients({o for o in escalated_orgs if o is not None})
    plans: list[tuple[Clock, str, set[int], dict[str, Any], int | None]] = []
    for clock, stage in needed:
        who = responsible[clock.pk]
        params: dict[str, Any] = {
            "label": who.label,
            "object_type": clock.object_type,
            "kind": clock.kind,
            "due": clock.due_date.isoformat(),
            "url": who.url,
        }
        escalated_to = None
        users = set(who.user_ids)
        if stage == Stage.ESCALATED:
            escalated_to, org_name, users = upward.get(who.org_id or 0, (None, "", set()))
            params["org"] = org_name
        plans.append((clock, stage, users - who.excluded_user_ids, params, escalated_to))
    channels = [c for c in notify_setting("STAFF_CHANNELS") if c in Channel.values]
    user_ids = {u for _c, _s, users, _p, _e in plans for u in users}
    people = (
        {u.pk: u for u in User.objects.filter(pk__in=user_ids).only("pk", "email", "phone", "preferred_language")}
        if channels and user_ids
        else {}
    )
    now = timezone.now()
    with transaction.atomic():
        # The batch again, inside the transaction: a clock stopped or moved meanwhile is left alone.
        current = dict(
            Clock.objects.filter(pk__in=[c.pk for c in clocks], stopped_at__isnull=True).values_list("pk", "due_date")
        )
        plans = [p for p in plans if current.get(p[0].pk) == p[0].due_date]
        ClockAlert.objects.bulk_create(
            [
                ClockAlert(
                    clock_id=clock.pk,
                    stage=stage,
                    due_date=clock.due_date,
                    org_id=clock.org_id,
                    escalated_to_id=escalated_to,
                    recipients=len(users),
                )
                for clock, stage, users, _params, escalated_to in plans
            ],
            ignore_conflicts=True,  # a concurrent sweep got there first: its alert stands, with its rows
        )
        alerts = {
            (clock_id, stage, due): pk
            for pk, clock_id, stage, due in ClockAlert.objects.filter(
                clock_id__in=[p[0].pk for p in plans]
            ).values_list("pk", "clock_id", "stage", "due_date")
        }
        notes: list[Notification] = []
        messages: list[OutboxMessage] = []
        for clock, stage, users, params, _escalated_to in plans:
            alert_id = alerts[(clock.pk, stage, clock.due_date)]
            result.alerts[stage] += 1
            for user_id in sorted(users):
                notes.append(
                    Notification(
                        recipient_id=user_id,
                        key=f"alert:{alert_id}:u{user_id}",
                        kind=stage,
                        alert_id=alert_id,
                        object_type=clock.object_type,
                        object_id=clock.object_id,
                        url=params["url"],
                        params=params,
                    )
                )
                person = people.get(user_id)
                for channel in channels:
                    address = (person.email if channel == Channel.EMAIL else person.phone) if person else ""
                    if address:
                        messages.append(_staff_message(alert_id, clock, stage, params, person, channel, address, now))
        Notification.objects.bulk_create(notes, ignore_conflicts=True)
        OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
        result.notifications += len(notes)
        result.messages += len(messages)
        if plans:
            audit_record(
                actor=actor,
                action="notify.clock_alerts",
                object_type="workcalendar.clock",
                object_id=str(plans[0][0].pk),
                object_label=plan.today.isoformat(),
                summary={
                    "after": {
                        "alerts": [[clock.pk, stage] for clock, stage, *_rest in plans],
                        "notifications": len(notes),
                        "messages": len(messages),
                    }
                },
            )


def _staff_message(
    alert_id: int,
    clock: Clock,
    stage: str,
    params: dict[str, Any],
    person: User | None,
    channel: str,
    address: str,
    now: datetime.datetime,
) -> OutboxMessage:
    language = (person.preferred_language if person else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        text = alert_text(stage, params)
    link = absolute_url(params["url"])
    return OutboxMessage(
        key=f"alert:{alert_id}:u{person.pk if person else 0}:{channel}",
        channel=channel,
        audience=Audience.STAFF,
        address=address,
        recipient=person,
        subject=text[:200],
        body=f"{text}\n{link}" if link else text,
        object_type=clock.object_type,
        object_id=clock.object_id,
        org_id=clock.org_id,
        next_attempt_at=now,
    )


# --- In-app notifications ---------------------------------------------------------------------


def notification_mark_read(*, actor: Any, notification_id: int) -> bool:
    """Mark one of the actor's own notifications read. Another user's is not found (a 404 in the
    view). Returns whether it was unread. Personal reading state: not an audited work action."""
    if not getattr(actor, "is_authenticated", False) or actor.pk is None:
        raise Notification.DoesNotExist
    with transaction.atomic():
        note = Notification.objects.select_for_update().get(pk=notification_id, recipient_id=actor.pk)
        if note.read_at is not None:
            return False
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
        return True


def notification_mark_all_read(*, actor: Any) -> int:
    """Mark all the actor's unread notifications read; returns how many."""
    if not getattr(actor, "is_authenticated", False) or actor.pk is None:
        return 0
    with transaction.atomic():
        return int(
            Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())
        )


# --- Outbox delivery ----------------------------------------------------------------------------


class SendError(Exception):
    """A sender could not deliver a message (it will be retried)."""


@cache
def _sender(path: str) -> Any:
    return import_string(path)()


def sender_for(channel: str) -> Any:
    return _sender(sender_paths()[channel])


def retry_delay(attempts: int) -> datetime.timedelta:
    """Backoff after `attempts` failed attempts: base * 2**(attempts-1), capped."""
    base = int(notify_setting("RETRY_BASE_SECONDS"))
    cap = int(notify_setting("RETRY_MAX_SECONDS"))
    return datetime.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass
class DeliverResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def outbox_deliver(*, actor: Any, limit: int | None = None, now: datetime.datetime | None = None) -> DeliverResult:
    """Hand pending messages that are due to their channel's sender, at least once: a message is
    marked sent only after its sender returned, so a crash in between sends it again with the same
    idempotency key (`message.key`). A failure is recorded (attempts, last error) and retried with
    backoff; after MAX_ATTEMPTS the message is marked failed. One transaction per message, the row
    locked (PostgreSQL skips rows another deliverer holds)."""
    require(actor, Action.CALENDAR_MANAGE)
    now = now or timezone.now()
    limit = int(limit or notify_setting("DELIVER_LIMIT"))
    max_attempts = int(notify_setting("MAX_ATTEMPTS"))
    result = DeliverResult()
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=OutboxStatus.PENDING)
                .first()
            )
            if message is None:
                continue
            message.attempts += 1
            try:
                sender_for(message.channel).send(message, idempotency_key=message.key)
            except Exception as exc:  # any sender failure is recorded and retried
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= max_attempts:
                    message.status = OutboxStatus.FAILED
                    result.failed += 1
                else:
                    message.next_attempt_at = now + retry_delay(message.attempts)
                    result.retried += 1
                logger.warning("outbox %s attempt %s failed: %s", message.key, message.attempts, message.last_error)
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = timezone.now()
                message.last_error = ""
                result.sent += 1
            message.save(update_fields=["attempts", "status", "last_error", "next_attempt_at", "sent_at"])
    return result
