"""Registration of petition matters (登记, XF-REG-01..04; XF-VIS-03; XF-CH-01) and their attachments.

One transaction registers a matter with its petitioners, its attachments (type checked by content,
size limited, hashed), its link to a 12345 order and the clerk's decisions on repeat proposals
(`services/repeats.py`): a bad file or a refused decision leaves nothing written."""

from __future__ import annotations

import datetime
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_batch, audit_record
from xinfang.orgs.models import Kind, Organisation
from xinfang.textmining.services import neardup_index
from xinfang.webhooks.events import MATTER_REGISTERED
from xinfang.webhooks.services import webhook_event_emit
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.services import clock_correct_start

from ..models import Attachment, Matter, MatterParticipant, Petitioner
from ..states import (
    CLOCK_NOTICE,
    CLOCK_TRIAGE,
    Channel,
    LinkKind,
    Nature,
    ParticipantRole,
    PetitionerKind,
    Source,
)
from .common import OBJECT_TYPE, matter_clock_start, matter_number_next
from .personal_data import normalise_id_number, normalise_phone
from .repeats import DECISIVE_KINDS, link_hotline_order, matter_index_text, matter_link

# XF-REG-01: oral petitions (a visit or a call) are recorded faithfully, naming who recorded them.
ORAL_CHANNELS = frozenset({Channel.VISIT, Channel.PHONE})
# XF-CH-01: sources that belong to one channel only (the leader's mailbox is an online source).
SOURCE_CHANNELS: dict[str, frozenset[str]] = {
    Source.PORTAL: frozenset({Channel.ONLINE}),
    Source.LEADER_MAILBOX: frozenset({Channel.ONLINE}),
    Source.OPEN311: frozenset({Channel.ONLINE}),  # a civic app files over the internet
    Source.POST: frozenset({Channel.LETTER}),
}
# Where a matter happened: an area of the district down to its villages and grids (not a department).
PLACE_KINDS = frozenset({Kind.DISTRICT, Kind.TOWN, Kind.STREET, Kind.VILLAGE, Kind.COMMUNITY, Kind.GRID})
TITLE_CHARS = 30  # a title derived from the request when none is given


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
class LinkDecision:
    """The clerk's decision on a repeat proposal, taken on the counter form (see `matter_link`)."""

    other: Matter
    kind: str
    reason: str
    proper_channel: str = ""


@dataclass
class MatterData:
    """What intake needs (XF-REG-01): channel, received time, request, facts, reasons, and who.
    `attachments` are uploaded files (anything with name, size and read()); `links` the clerk's
    decisions on repeat proposals."""

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
    attachments: list[Any] = field(default_factory=list)
    links: list[LinkDecision] = field(default_factory=list)


# --- Attachments: checked by content, not by name ------------------------------------------------

_TEXT_CONTROL_OK = frozenset("\t\n\r\f")


def sniff_content_type(content: bytes) -> str | None:
    """The type of a file from its first bytes (magic numbers): PDF, JPEG, PNG, or plain text
    (UTF-8 or GB18030 without control characters). None for anything else."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not any(ord(ch) < 32 and ch not in _TEXT_CONTROL_OK for ch in text) and "\x7f" not in text:
            return "text/plain"
        return None
    return None


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, read into memory (at most the size limit)."""

    name: str
    content_type: str
    size: int
    sha256: str
    content: bytes = field(repr=False)


def _clean_name(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    return name[-200:] or "attachment"


def attachment_check(upload: Any) -> CheckedFile:
    """Check one upload: not empty, not larger than XINFANG_ATTACHMENT_MAX_BYTES, and of a type in
    XINFANG_ATTACHMENT_TYPES as recognised by its content (the name and the browser's declared type
    are not trusted). Raises ValidationError on "attachments"."""
    name = _clean_name(getattr(upload, "name", ""))
    limit = int(settings.XINFANG_ATTACHMENT_MAX_BYTES)
    if getattr(upload, "size", None) is not None and upload.size > limit:
        raise _too_large(name, limit)
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(name, limit)
    if not content:
        raise ValidationError({"attachments": _("文件“%(name)s”是空文件。") % {"name": name}}, code="empty")
    content_type = sniff_content_type(content)
    if content_type is None or content_type not in settings.XINFANG_ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "attachments": _(
                    "文件“%(name)s”的类型不允许：只接受 PDF、JPEG 或 PNG 图片、纯文本文件（按文件内容识别）。"
                )
                % {"name": name}
            },
            code="type",
        )
    return CheckedFile(
        name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def _too_large(name: str, limit: int) -> ValidationError:
    return ValidationError(
        {
            "attachments": _("文件“%(name)s”超过大小上限（%(limit)s）。")
            % {"name": name, "limit": filesizeformat(limit)}
        },
        code="size",
    )


def _store_attachment(matter: Matter, checked: CheckedFile, stored: list[Attachment]) -> Attachment:
    attachment = Attachment(
        matter=matter,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    attachment.file.save(checked.name, ContentFile(checked.content), save=False)
    stored.append(attachment)  # the file is on disk now: removed again if the transaction fails
    attachment.save()
    return attachment


def _remove_files(stored: list[Attachment]) -> None:
    for attachment in stored:
        if attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)


# --- Places ------------------------------------------------------------------------------------


def place_root(organisation: Organisation) -> Organisation:
    """The area a registering organisation may name places in: its district (the whole district,
    since a petitioner may come to any office of it), or its own area above district level."""
    ancestors = {o.pk: o for o in Organisation.objects.filter(pk__in=organisation.ancestor_ids())}
    lineage = [organisation, *(ancestors[pk] for pk in reversed(organisation.ancestor_ids()) if pk in ancestors)]
    for node in lineage:
        if node.kind == Kind.DISTRICT:
            return node
    for node in lineage:
        if node.is_area:
            return node
    return organisation


def place_error(place: Organisation, organisation: Organisation) -> str | None:
    """Why `place` cannot be the place of a matter registered by `organisation`, or None."""
    root = place_root(organisation)
    if (
        place.kind not in PLACE_KINDS
        or place.is_external
        or not place.is_active
        or not place.path.startswith(root.path)
    ):
        return _("发生地应为%(area)s范围内的镇街、村（社区）或网格，不能选择范围外的机构或部门。") % {"area": root.name}
    return None


# --- Validation ----------------------------------------------------------------------------------


def _validate(data: MatterData, organisation: Organisation) -> list[CheckedFile]:
    """Every check before anything is written; returns the checked attachments."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if data.channel not in Channel.values:
        add("channel", _("请选择信访渠道。"))
    if data.source not in Source.values:
        add("source", _("请选择来源。"))
    elif (
        data.channel in Channel.values
        and data.source in SOURCE_CHANNELS
        and data.channel not in SOURCE_CHANNELS[data.source]
    ):
        add(
            "source",
            _("来源“%(source)s”与渠道“%(channel)s”不符（XF-CH-01）。")
            % {"source": Source(data.source).label, "channel": Channel(data.channel).label},
        )
    if data.source == Source.HOTLINE_12345 and not data.hotline_order_ref.strip():
        add("hotline_order_ref", _("12345热线转来的事项，请填写工单号。"))
    for key, value in (("request", data.request), ("facts", data.facts)):
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
    if data.place_org is not None and (message := place_error(data.place_org, organisation)):
        add("place_org", message)
    decisive = [link for link in data.links if link.kind in DECISIVE_KINDS]
    if len(decisive) > 1:
        add("links", _("一件事项只能并入或不予受理一次：请只选择一件“同一事项”。"))
    for link in data.links:
        if link.kind not in LinkKind.values or link.kind == LinkKind.HOTLINE_ORDER:
            add("links", _("请选择关联类型。"))
        if not link.reason.strip():
            add("links", _("请写明关联或作出决定的理由。"))
    checked: list[CheckedFile] = []
    for upload in data.attachments:
        try:
            checked.append(attachment_check(upload))
        except ValidationError as exc:
            for message in exc.message_dict["attachments"]:
                add("attachments", message)
    if errors:
        raise ValidationError(errors)
    return checked


def derive_title(request: str) -> str:
    """A title for a matter entered without one: the start of the request's first line."""
    first = (request.strip().splitlines() or [""])[0].strip()
    return first if len(first) <= TITLE_CHARS else first[:TITLE_CHARS] + "…"


def _petitioner_for(entry: PetitionerData) -> Petitioner:
    """The record of a petitioner: the one picked, or the one with the same ID number (a petitioner
    is a reusable record; blanks in it are filled, nothing is overwritten), or a new one."""
    if entry.existing is not None:
        return entry.existing
    id_number = normalise_id_number(entry.id_number)
    phone = normalise_phone(entry.phone)
    if id_number:
        found = Petitioner.objects.filter(id_number=id_number, kind=entry.kind).order_by("pk").first()
        if found is not None:
            changed = [
                name
                for name, value in (("phone", phone), ("address", entry.address.strip()))
                if value and not getattr(found, name)
            ]
            for name in changed:
                setattr(found, name, phone if name == "phone" else entry.address.strip())
            if changed:
                found.save(update_fields=[*changed, "updated_at"])
            return found
    return Petitioner.objects.create(
        kind=entry.kind,
        name=entry.name.strip(),
        id_number=id_number,
        phone=phone,
        address=entry.address.strip(),
    )


@transaction.atomic
def matter_register(*, actor: Any, organisation: Organisation, data: MatterData) -> Matter:
    """Register a matter received by `organisation` (XF-REG-03: every petition is registered).
    Starts the clocks of the deadline table from the received time: triage within 15 days at a
    petition bureau (D1), and the written notice within 15 days unless the name or address is
    unclear (D2, XF-NOT-02). A second submission of the same form (same `submission_key`)
    returns the matter already registered instead of a duplicate.

    Also, in the same transaction: the attachments (checked by content and size, XF attachments
    settings), the link to the 12345 order when it exists as a matter (HOT-05, clocks never merged),
    and the clerk's decisions on repeat proposals (`links`, see `matter_link`: XF-REG-04, XF-REV-06).
    An oral petition (visit, phone) always names its recorder (XF-REG-01): the registering user
    when none is given."""
    require(actor, Action.MATTER_REGISTER, organisation)
    if data.submission_key:
        existing = Matter.objects.filter(submission_key=data.submission_key).first()
        if existing is not None:
            return existing
    checked_files = _validate(data, organisation)
    oral_recorded_by = data.oral_recorded_by.strip()
    if data.channel in ORAL_CHANNELS and not oral_recorded_by:
        oral_recorded_by = str(actor)[:60]
    is_bureau = organisation.function == "petition_bureau"
    # Petitioner records first: the counter row below stays locked until the commit, so everything
    # that does not need the matter's number is done before it is taken.
    participants: dict[int, tuple[Petitioner, str]] = {}
    for entry in data.petitioners:
        petitioner = _petitioner_for(entry)
        participants.setdefault(petitioner.pk, (petitioner, entry.role))
    matter = Matter(
        channel=data.channel,
        source=data.source,
        received_at=data.received_at,
        registered_by=actor,
        registered_org=organisation,
        current_org=organisation,
        oral_recorded_by=oral_recorded_by,
        title=data.title.strip() or derive_title(data.request),
        request=data.request.strip(),
        facts=data.facts.strip(),
        reasons=data.reasons.strip(),
        place_org=data.place_org,
        place_text=data.place_text.strip(),
        is_anonymous=data.is_anonymous,
        is_group=data.group_size > 1 or len(data.petitioners) > 1,
        group_size=max(data.group_size, len(data.petitioners), 1),
        hotline_order_ref=data.hotline_order_ref.strip(),
        name_or_address_unclear=data.name_or_address_unclear,
        nature=data.nature_hint if data.nature_hint in Nature.values else "",
        submission_key=data.submission_key or None,
    )
    # The organisations are the caller's checked choices (require() above): not looked up again.
    matter.full_clean(exclude=["registered_by", "number", "registered_org", "current_org"])
    # Saved under a unique placeholder: the office's number is taken last (below), because its
    # counter row stays locked until the commit and every registration at the office waits for it.
    matter.number = f"tmp-{uuid.uuid4().hex[:24]}"
    try:
        with transaction.atomic():
            matter.save()
    except IntegrityError as exc:  # a concurrent double submit won the race
        if data.submission_key:
            return Matter.objects.get(submission_key=data.submission_key)
        raise exc
    stored: list[Attachment] = []
    try:
        # One audit batch: the registration's events (and its clocks') are chained together at the
        # end, so the chain's lock is held only from there to the commit.
        with audit_batch():
            MatterParticipant.objects.bulk_create(
                MatterParticipant(matter=matter, petitioner=petitioner, role=role)
                for petitioner, role in participants.values()
            )
            seen: set[str] = set()
            for checked in checked_files:
                if checked.sha256 not in seen:  # the same file chosen twice is stored once
                    seen.add(checked.sha256)
                    _store_attachment(matter, checked, stored)
            # The near-duplicate index (issue 9) is written with the matter: shared by every process.
            neardup_index(
                object_type=OBJECT_TYPE,
                object_id=matter.pk,
                text=matter_index_text(matter),
                at=matter.received_at,
                replace=False,
            )
            registered = audit_record(
                actor=actor,
                action="matter.register",
                target=matter,
                object_label=matter.number,  # the placeholder: set to the number below, before the chain
                org_id=organisation.pk,
                summary={
                    "after": {
                        "channel": matter.channel,
                        "source": matter.source,
                        "group_size": matter.group_size,
                        "participants": len(data.petitioners),
                        "anonymous": matter.is_anonymous,
                        "attachments": len(seen),
                        "place_org": matter.place_org_id,
                    }
                },
            )
            if is_bureau:
                matter_clock_start(
                    matter=matter, kind=CLOCK_TRIAGE, start=matter.received_at, actor=actor, new_object=True
                )
            if not matter.name_or_address_unclear and not matter.is_anonymous:
                matter_clock_start(
                    matter=matter, kind=CLOCK_NOTICE, start=matter.received_at, actor=actor, new_object=True
                )
            matter.number = matter_number_next(
                organisation=organisation, year=timezone.localdate(data.received_at).year
            )
            Matter.objects.filter(pk=matter.pk).update(number=matter.number)
            registered.object_label = matter.number
            link_hotline_order(actor=actor, matter=matter)
            for link in data.links:
                try:
                    matter_link(
                        actor=actor,
                        matter=matter,
                        other=link.other,
                        kind=link.kind,
                        reason=link.reason,
                        proper_channel=link.proper_channel,
                    )
                except ValidationError as exc:  # shown next to the decision on the form
                    raise ValidationError({"links": exc.messages}) from exc
            if data.links:
                matter.refresh_from_db()  # a decision may have changed its status (merged, not accepted)
            _emit_registered(matter, organisation)
    except BaseException:
        _remove_files(stored)
        raise
    return matter


def _emit_registered(matter: Matter, organisation: Organisation) -> None:
    # Pushed to subscribed systems only if this transaction commits; ids and codes, no personal data.
    webhook_event_emit(
        event_type=MATTER_REGISTERED,
        organisation=organisation,
        payload={
            "matter_id": matter.pk,
            "number": matter.number,
            "public_ref": matter.public_ref,
            "channel": matter.channel,
            "source": matter.source,
            "status": matter.status,
            "organisation": organisation.code,
            "received_at": matter.received_at,
            "occurred_at": timezone.now(),
        },
    )


def attachment_can_add(*, actor: Any, matter: Matter) -> bool:
    """May `actor` add files to `matter`? (Also used by views to offer the form.)"""
    return (
        user_can(actor, Action.MATTER_REGISTER, matter.registered_org)
        or user_can(actor, Action.MATTER_REGISTER, matter.current_org)
        or user_can(actor, Action.MATTER_HANDLE, matter.current_org)
    ) and Matter.objects.restrict(actor, Action.MATTER_VIEW).filter(pk=matter.pk).exists()


@transaction.atomic
def attachment_add(*, actor: Any, matter: Matter, upload: Any) -> Attachment:
    """Add a file to a registered matter: checked by content and size like at registration,
    hashed (sha256), refused when the same file is already on the matter. For whoever may
    register at the registering or current organisation, or handle the matter there."""
    if not attachment_can_add(actor=actor, matter=matter):
        raise PermissionDenied(_("您没有权限为该事项添加附件。"))
    checked = attachment_check(upload)
    if Attachment.objects.filter(matter=matter, sha256=checked.sha256).exists():
        raise ValidationError({"attachments": _("该文件已经是本事项的附件。")}, code="duplicate")
    stored: list[Attachment] = []
    try:
        attachment = _store_attachment(matter, checked, stored)
        audit_record(
            actor=actor,
            action="matter.attachment_add",
            target=matter,
            object_label=matter.number,
            org_id=matter.current_org_id,
            # The file name may name people: only the type, size and hash are logged.
            summary={
                "after": {
                    "attachment": attachment.pk,
                    "content_type": checked.content_type,
                    "size": checked.size,
                    "sha256": checked.sha256,
                }
            },
        )
    except BaseException:
        _remove_files(stored)
        raise
    return attachment


@transaction.atomic
def matter_correct_received_at(*, actor: Any, matter: Matter, received_at: datetime.datetime, reason: str) -> Matter:
    """Correct a wrongly recorded receipt time (CNT-08): the clocks that start from receipt (D1
    triage, D2 notice) are recomputed from the corrected date, and the correction is audited with
    its reason. A receipt in the future, or after the matter was already forwarded, is refused."""
    require(actor, Action.MATTER_REGISTER, matter.registered_org)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("请说明更正收到时间的原因。")]
    if received_at > timezone.now() + datetime.timedelta(minutes=5):
        errors.setdefault("received_at", []).append(_("收到时间不能晚于现在。"))
    first_routing = matter.routings.order_by("sent_at").values_list("sent_at", flat=True).first()
    if first_routing is not None and received_at > first_routing:
        errors.setdefault("received_at", []).append(_("收到时间不能晚于转送、交办的时间。"))
    if errors:
        raise ValidationError(errors)
    before = matter.received_at
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    matter.received_at = received_at
    matter.save(update_fields=["received_at", "updated_at"])
    start = timezone.localdate(received_at)
    for clock in Clock.objects.filter(
        object_type=OBJECT_TYPE,
        object_id=str(matter.pk),
        kind__in=[CLOCK_TRIAGE, CLOCK_NOTICE],
        stopped_at__isnull=True,
    ):
        clock_correct_start(clock=clock, start_date=start, actor=actor, reason=reason.strip())
    audit_record(
        actor=actor,
        action="matter.correct_received_at",
        target=matter,
        object_label=matter.number,
        org_id=matter.current_org_id,
        summary={"before": {"received_at": before.isoformat()}, "after": {"received_at": received_at.isoformat()}},
    )
    return matter
