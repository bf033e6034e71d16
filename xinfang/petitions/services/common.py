"""Pieces every petition service shares: state changes, numbering, clocks of the deadline table."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError
from xinfang.orgs.models import Organisation
from xinfang.webhooks.events import MATTER_STATUS_CHANGED
from xinfang.webhooks.services import webhook_event_emit
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.services import clock_start

from ..models import Matter, MatterSequence
from ..states import TRANSITIONS, Status

OBJECT_TYPE = "petitions.matter"


def matter_transition(
    *, matter: Matter, to: str, actor: Any, action: str, summary: dict[str, Any] | None = None
) -> None:
    """Move a matter to `to` if the state table allows it, record the audit event and emit
    "matter.status_changed" to the webhooks of its current organisation. Call inside the service's
    transaction, after its own validation."""
    current = matter.status
    if to not in TRANSITIONS[current]:
        raise ServiceError(
            _("事项当前状态为“%(current)s”，不能转为“%(to)s”。")
            % {"current": Status(current).label, "to": Status(to).label},
            code="transition",
        )
    matter.status = to
    matter.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        target=matter,
        object_label=matter.number,
        org_id=matter.current_org_id,
        summary={"before": {"status": current}, "after": {"status": to}, **(summary or {})},
    )
    # Pushed to subscribed systems only if this transaction commits (docs/webhooks.md); no personal data.
    organisation = matter.current_org
    webhook_event_emit(
        event_type=MATTER_STATUS_CHANGED,
        organisation=organisation,
        payload={
            "matter_id": matter.pk,
            "number": matter.number,
            "public_ref": matter.public_ref,
            "action": action,
            "old_status": current,
            "new_status": to,
            "organisation": organisation.code,
            "occurred_at": timezone.now(),
        },
    )


def matter_number_next(*, organisation: Organisation, year: int) -> str:
    """The next matter number of an organisation for a year, e.g. "440115-XFJ-2026-000123".
    The counter row is locked (by the update) until the commit, so concurrent registrations never
    share a number; callers take it as late as they can."""
    table = MatterSequence._meta.db_table
    with connection.cursor() as cursor:
        # One statement on the common path (the row exists): increment and read under its lock.
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE organisation_id = %s AND year = %s RETURNING last",  # noqa: S608
            [organisation.pk, year],
        )
        row = cursor.fetchone()
    if row is not None:
        last = int(row[0])
    else:
        with transaction.atomic():
            sequence, _created = MatterSequence.objects.select_for_update().get_or_create(
                organisation=organisation, year=year
            )
            sequence.last += 1
            sequence.save(update_fields=["last"])
        last = sequence.last
    return f"{organisation.code}-{year}-{last:06d}"


def petition_period(kind: str) -> tuple[int, str]:
    """(period, unit) of a clock kind, from settings.XINFANG_PETITION_PERIODS."""
    try:
        period, unit = settings.XINFANG_PETITION_PERIODS[kind]
    except KeyError as exc:  # a programming error, not user input
        raise KeyError(f"XINFANG_PETITION_PERIODS has no entry for {kind!r}") from exc
    return int(period), str(unit)


def matter_clock_start(
    *,
    matter: Matter,
    kind: str,
    start: datetime.datetime | datetime.date,
    actor: Any,
    period: int | None = None,
    unit: str | None = None,
    new_object: bool = False,
) -> Clock:
    """Start a clock of the deadline table on a matter, from its start event's local date.
    `new_object`: the matter was created in this transaction (see `clock_start`)."""
    default_period, default_unit = petition_period(kind) if period is None else (period, unit or "calendar")
    start_date = timezone.localdate(start) if isinstance(start, datetime.datetime) else start
    return clock_start(
        object_type=OBJECT_TYPE,
        object_id=str(matter.pk),
        kind=kind,
        start_date=start_date,
        period=default_period if period is None else period,
        unit=default_unit if unit is None else unit,
        actor=actor,
        org_id=matter.current_org_id,
        new_object=new_object,
    )
