"""Registration of petition matters (登记, XF-REG-01..04; XF-VIS-03; XF-CH-01)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.orgs.models import Organisation

from ..models import Matter, MatterParticipant, Petitioner
from ..states import CLOCK_NOTICE, CLOCK_TRIAGE, Channel, Nature, ParticipantRole, PetitionerKind, Source
from .common import matter_clock_start, matter_number_next


@dataclass
class PetitionerData:
    """A petitioner as entered at intake: an existing record (`existing`) or new details."""

    name: str = ""
    kind: str = PetitionerKind.PERSON
    id_number: str = ""
    phone: str = ""
    address: str = ""
    role: str = ParticipantRole.PETITIONER
    existing: Petitioner | None = None


@dataclass
class MatterData:
    """What intake needs (XF-REG-01): channel, received time, request, facts, reasons, and who."""

    channel: str
    received_at: datetime.datetime
    title: str
    request: str
    facts: str
    reasons: str = ""
    source: str = Source.COUNTER
    petitioners: list[PetitionerData] = field(default_factory=list)
    is_anonymous: bool = False
    nature_hint: str = ""
    place_org: Organisation | None = None
    place_text: str = ""
    oral_recorded_by: str = ""
    group_size: int = 1
    hotline_order_ref: str = ""
    name_or_address_unclear: bool = False
    submission_key: str | None = None


def _validate(data: MatterData) -> None:
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if data.channel not in Channel.values:
        add("channel", _("请选择信访渠道。"))
    for key, value in (("title", data.title), ("request", data.request), ("facts", data.facts)):
        if not value.strip():
            add(key, _("此项必填：信访应当载明请求、事实和理由（《信访工作条例》第十九条）。"))
    if data.received_at > timezone.now() + datetime.timedelta(minutes=5):
        add("received_at", _("收到时间不能晚于现在。"))
    if data.received_at.year < 2000:
        add("received_at", _("收到时间不正确。"))
    if data.is_anonymous:
        if data.nature_hint != Nature.REPORT:
            add(
                "is_anonymous",
                _("只有检举控告类事项可以匿名提出；其他事项应载明信访人姓名（名称）和住址（第十九条）。"),
            )
        if data.petitioners:
            add("is_anonymous", _("匿名事项不应填写信访人。"))
    elif not data.petitioners:
        add("petitioners", _("请填写至少一名信访人，或对检举控告选择匿名。"))
    representatives = [p for p in data.petitioners if p.role == ParticipantRole.REPRESENTATIVE]
    limit = settings.XINFANG_MAX_REPRESENTATIVES
    if len(representatives) > limit:
        add(
            "petitioners",
            _("多人走访应推选代表，代表人数不超过%(limit)d人（《信访工作条例》第二十条第三款，XF-VIS-03）。")
            % {"limit": limit},
        )
    if data.group_size > 1 and data.channel == Channel.VISIT and not representatives:
        add("petitioners", _("多人走访应推选1至%(limit)d名代表。") % {"limit": limit})
    for index, p in enumerate(data.petitioners):
        if p.existing is None and not p.name.strip():
            add(f"petitioners.{index}.name", _("请填写信访人姓名或名称。"))
    if data.group_size < 1:
        add("group_size", _("人数至少为1。"))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def matter_register(*, actor: Any, organisation: Organisation, data: MatterData) -> Matter:
    """Register a matter received by `organisation` (XF-REG-03: every petition is registered).
    Starts the clocks of the deadline table from the received time: triage within 15 days at a
    petition bureau (D1), and the written notice within 15 days unless the name or address is
    unclear (D2, XF-NOT-02). A second submission of the same form (same `submission_key`)
    returns the matter already registered instead of a duplicate."""
    require(actor, Action.MATTER_REGISTER, organisation)
    if data.submission_key:
        existing = Matter.objects.filter(submission_key=data.submission_key).first()
        if existing is not None:
            return existing
    _validate(data)
    is_bureau = organisation.function == "petition_bureau"
    matter = Matter(
        number=matter_number_next(organisation=organisation, year=timezone.localdate(data.received_at).year),
        channel=data.channel,
        source=data.source,
        received_at=data.received_at,
        registered_by=actor,
        registered_org=organisation,
        current_org=organisation,
        oral_recorded_by=data.oral_recorded_by,
        title=data.title.strip(),
        request=data.request.strip(),
        facts=data.facts.strip(),
        reasons=data.reasons.strip(),
        place_org=data.place_org,
        place_text=data.place_text,
        is_anonymous=data.is_anonymous,
        is_group=data.group_size > 1 or len(data.petitioners) > 1,
        group_size=max(data.group_size, len(data.petitioners), 1),
        hotline_order_ref=data.hotline_order_ref,
        name_or_address_unclear=data.name_or_address_unclear,
        nature=data.nature_hint if data.nature_hint in Nature.values else "",
        submission_key=data.submission_key or None,
    )
    matter.full_clean(exclude=["registered_by", "number"])
    try:
        with transaction.atomic():
            matter.save()
    except IntegrityError as exc:  # a concurrent double submit won the race
        if data.submission_key:
            return Matter.objects.get(submission_key=data.submission_key)
        raise exc
    for entry in data.petitioners:
        petitioner = entry.existing or Petitioner.objects.create(
            kind=entry.kind,
            name=entry.name.strip(),
            id_number=entry.id_number.strip().upper(),
            phone=entry.phone.strip(),
            address=entry.address.strip(),
        )
        MatterParticipant.objects.get_or_create(matter=matter, petitioner=petitioner, defaults={"role": entry.role})
    audit_record(
        actor=actor,
        action="matter.register",
        target=matter,
        object_label=matter.number,
        org_id=organisation.pk,
        summary={
            "after": {
                "channel": matter.channel,
                "source": matter.source,
                "group_size": matter.group_size,
                "participants": len(data.petitioners),
                "anonymous": matter.is_anonymous,
            }
        },
    )
    if is_bureau:
        matter_clock_start(matter=matter, kind=CLOCK_TRIAGE, start=matter.received_at, actor=actor)
    if not matter.name_or_address_unclear and not matter.is_anonymous:
        matter_clock_start(matter=matter, kind=CLOCK_NOTICE, start=matter.received_at, actor=actor)
    return matter
