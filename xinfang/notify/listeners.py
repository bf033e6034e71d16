"""The audit listener that tells petitioners of each step of their matter (XINFANG_AUDIT_LISTENERS).

It runs on every audited write, inside the writer's transaction (xinfang/audit/services.py), so it
returns at once for any action it does not know. For a step it knows, it enqueues one outbox message
per petitioner or representative with a phone, keyed "audit:<event>:p<petitioner>:<channel>": the
message commits or rolls back with the step, and is never written twice. Messages carry the matter's
public query reference and no names or content; they go only to the petitioners themselves, never to
anyone a report on officials names (XF-CLS-03). Anonymous matters get none."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .conf import notify_setting
from .states import Audience, Channel

# Audit action -> the message (XF-CH-05: the petitioner can follow the handling; XF-NOT-01/02 notices).
PETITIONER_STEPS: dict[str, Promise] = {
    "matter.register": _("【信访】您的信访事项已登记，查询编号%(ref)s。"),
    "matter.accept": _("【信访】您的信访事项（查询编号%(ref)s）已受理。"),
    "routing.accept": _("【信访】您的信访事项（查询编号%(ref)s）已受理。"),
    "matter.not_accept": _("【信访】您的信访事项（查询编号%(ref)s）不予受理，书面告知将送达您。"),
    "matter.guide": _("【信访】您的信访事项（查询编号%(ref)s）已告知向有权机关提出，书面告知将送达您。"),
    "matter.forward": _("【信访】您的信访事项（查询编号%(ref)s）已转送有权处理的机关。"),
    "matter.assign": _("【信访】您的信访事项（查询编号%(ref)s）已交办有权处理的机关。"),
    "matter.extension_approve": _("【信访】您的信访事项（查询编号%(ref)s）办理期限已依法延长。"),
    "matter.opinion_deliver": _("【信访】您的信访事项（查询编号%(ref)s）处理意见已送达。"),
    "matter.review_request": _("【信访】您的复查请求（查询编号%(ref)s）已收到。"),
    "matter.rereview_request": _("【信访】您的复核请求（查询编号%(ref)s）已收到。"),
    "matter.review_decide": _("【信访】您的复查请求（查询编号%(ref)s）已作出复查意见。"),
    "matter.rereview_decide": _("【信访】您的复核请求（查询编号%(ref)s）已作出复核意见。"),
    "matter.conclude": _("【信访】您的信访事项（查询编号%(ref)s）已办结。"),
}
MATTER_TYPE = "petitions.matter"


def petitioner_steps(event: Any) -> None:
    """Enqueue the petitioners' messages for a step of their matter (see the module docstring)."""
    message = PETITIONER_STEPS.get(event.action)
    if message is None or event.object_type != MATTER_TYPE:
        return
    channel = str(notify_setting("PETITIONER_CHANNEL"))
    if channel != Channel.SMS:  # petitioners are reached by phone only
        return
    from xinfang.accounts.models import User
    from xinfang.petitions.models import Matter, MatterParticipant
    from xinfang.petitions.states import ParticipantRole

    from .models import OutboxMessage

    matter = (
        Matter.objects.filter(pk=event.object_id)
        .only("pk", "number", "public_ref", "is_anonymous", "received_at", "current_org_id")
        .first()
    )
    if matter is None or matter.is_anonymous:
        return
    if event.action == "matter.register":
        # A matter registered long after it was received is a bulk import of history: no message.
        recent = datetime.timedelta(days=int(notify_setting("PETITIONER_REGISTER_RECENT_DAYS")))
        if matter.received_at < timezone.now() - recent:
            return
    people = list(
        MatterParticipant.objects.filter(
            matter_id=matter.pk, role__in=[ParticipantRole.PETITIONER, ParticipantRole.REPRESENTATIVE]
        )
        .exclude(petitioner__phone="")
        .values_list("petitioner_id", "petitioner__phone")
    )
    if not people:
        return
    # XF-CLS-03: never to a person the matter reports on, whatever number was entered.
    reported_phones = set(
        User.objects.filter(pk__in=Matter.reported_users.through.objects.filter(matter_id=matter.pk).values("user_id"))
        .exclude(phone="")
        .values_list("phone", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message) % {"ref": matter.public_ref or matter.number}
    now = timezone.now()
    source = event.pk or event.hash  # the id once stored (the chain hash, equally unique, otherwise)
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                key=f"audit:{source}:p{petitioner_id}:{channel}",
                channel=channel,
                audience=Audience.PETITIONER,
                address=phone,
                petitioner_id=petitioner_id,
                body=text,
                object_type=MATTER_TYPE,
                object_id=str(matter.pk),
                org_id=matter.current_org_id,
                next_attempt_at=now,
            )
            for petitioner_id, phone in people
            if phone not in reported_phones
        ],
        ignore_conflicts=True,
    )
