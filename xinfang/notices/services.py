"""Writes for the written instruments: templates, issuing (number, PDF, audit), voiding, delivery.

Every service checks the policy, validates with translated messages, writes in one transaction and
records its audit event in it, so a number is never taken without its document (no gaps)."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.orgs.models import Organisation

from .kinds import FIELD_LABELS, SPECS, DocumentKind, Outcome
from .models import DEFAULT_PATTERN, Delivery, DeliveryMethod, Document, DocumentStatus, DocumentTemplate, NumberSeries
from .rendering import body_render, pdf_render, template_validate

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 16  # 80 random bits: guessing a valid code is hopeless, so the check cannot be enumerated
MAX_EXTENSION_DAYS = 30  # XF-DL-01 / 条例 Art. 34


def verification_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verify_url(code: str) -> str:
    """The public check URL printed in the footer and the QR code (XINFANG_PUBLIC_URL + path)."""
    base = getattr(settings, "XINFANG_PUBLIC_URL", "").rstrip("/")
    return base + reverse("notices:verify_code", args=[code])


def _date_text(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


# --- templates ------------------------------------------------------------------------------


@transaction.atomic
def template_save(
    *, actor: Any, kind: str, body: str, valid_from: datetime.date, language: str = "zh-hans"
) -> DocumentTemplate:
    """Save a new version of a kind's template. Unknown placeholders are refused (issue 4, bad
    input: "a template with unknown placeholders")."""
    require(actor, Action.ORG_MANAGE)
    if kind not in SPECS:
        raise ValidationError({"kind": _("未知的文书种类。")})
    template_validate(kind, body)
    last = DocumentTemplate.objects.filter(kind=kind, language=language).aggregate(v=Max("version"))["v"] or 0
    template = DocumentTemplate.objects.create(
        kind=kind,
        language=language,
        version=last + 1,
        valid_from=valid_from,
        body=body,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="document_template.save",
        target=template,
        summary={"kind": kind, "language": language, "version": template.version, "valid_from": valid_from},
    )
    return template


def template_in_force(kind: str, language: str, day: datetime.date) -> tuple[str, int]:
    """The body and version in force on a day; version 0 is the built-in default wording."""
    template = (
        DocumentTemplate.objects.filter(kind=kind, language=language, valid_from__lte=day).order_by("-version").first()
    )
    if template is None:
        return SPECS[kind].body, 0
    return template.body, template.version


# --- numbering ------------------------------------------------------------------------------


def pattern_validate(pattern: str) -> None:
    """A pattern must format with the four placeholders and contain the sequence."""
    try:
        sample = pattern.format(org_short="X", kind_abbr="Y", year=2026, seq=1)
    except (KeyError, IndexError, ValueError):
        sample = ""
    if "{seq" not in pattern or not sample:
        raise ValidationError(
            {"pattern": _("文号格式无效：只能使用 {org_short}、{kind_abbr}、{year}、{seq}，且必须包含 {seq}。")}
        )


def number_allocate(*, organisation: Organisation, kind: str, year: int) -> tuple[NumberSeries, int, str]:
    """Take the next number of the series under a row lock. Must run inside the issuing
    transaction: if issuing fails, the number goes back with it, so numbers have no gaps."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_allocate must run inside the issuing transaction")
    previous = NumberSeries.objects.filter(organisation=organisation, kind=kind).order_by("-year").first()
    # get_or_create retries the read when a concurrent transaction created the row first.
    series, _created = NumberSeries.objects.get_or_create(
        organisation=organisation,
        kind=kind,
        year=year,
        defaults={"pattern": previous.pattern if previous else DEFAULT_PATTERN},
    )
    series = NumberSeries.objects.select_for_update().get(pk=series.pk)
    series.last += 1
    series.save(update_fields=["last"])
    number = series.pattern.format(
        org_short=organisation.short_name or organisation.name,
        kind_abbr=SPECS[kind].abbr,
        year=year,
        seq=series.last,
    )
    return series, series.last, number


# --- issuing --------------------------------------------------------------------------------


def context_validate(kind: str, context: dict[str, Any]) -> None:
    """The required fields of §7 for the kind (DOC-01..DOC-12): a translated error listing every
    missing one, with the rule id."""
    spec = SPECS[kind]
    missing = [name for name in spec.required if not str(context.get(name) or "").strip()]
    if missing:
        raise ValidationError(
            {
                "context": _("%(rule)s：%(kind)s缺少必填内容：%(fields)s。")
                % {
                    "rule": spec.rule,
                    "kind": DocumentKind(kind).label,
                    "fields": "、".join(str(FIELD_LABELS[name]) for name in missing),
                }
            }
        )
    unknown = sorted(set(context) - spec.placeholders)
    if unknown:
        raise ValidationError({"context": _("该文书不使用以下内容：%(names)s。") % {"names": "、".join(unknown)}})
    if kind == DocumentKind.HANDLING_OPINION and context["outcome"] not in Outcome.values:
        raise ValidationError({"context": _("DOC-05：处理意见只能是予以支持、解释说明或不予支持（XF-OPN-02）。")})
    if kind == DocumentKind.EXTENSION:
        try:
            days = int(context["extension_days"])
        except (TypeError, ValueError):
            days = -1
        if not 0 < days <= MAX_EXTENSION_DAYS:
            raise ValidationError({"context": _("DOC-04：延长期限须为 1 至 30 日（XF-DL-01）。")})


@transaction.atomic
def document_issue(
    *,
    actor: Any,
    kind: str,
    organisation: Organisation,
    matter: Any = None,
    context: dict[str, Any],
    language: str = "zh-hans",
    object_type: str = "",
    object_id: str = "",
) -> Document:
    """Issue an instrument: check the policy and the required fields, render the body with the
    template in force, take the next number, render and store the PDF, audit `document.issue`."""
    if kind not in SPECS:
        raise ValidationError({"kind": _("未知的文书种类。")})
    spec = SPECS[kind]
    require(actor, spec.action, organisation)
    if matter is not None and organisation.pk not in (matter.registered_org_id, matter.current_org_id):
        raise ValidationError({"organisation": _("发文机关必须是登记或正在办理该信访事项的机关。")})
    # Fill the common metadata (§7) from the matter when the caller did not give it.
    given = {key: value for key, value in context.items() if value not in (None, "")}
    if matter is not None:
        given.setdefault("matter_number", matter.number)
        given.setdefault("matter_title", matter.title)
        given.setdefault("received_date", matter.received_at)
        given.setdefault("channel", matter.get_channel_display())
    context_validate(kind, given)
    now = timezone.now()
    with translation.override(language):
        snapshot = {key: _date_text(value) for key, value in given.items()}
        if kind == DocumentKind.HANDLING_OPINION:
            snapshot["outcome"] = str(Outcome(given["outcome"]).label)
        snapshot["organisation_name"] = organisation.name
        snapshot["issue_date"] = _date_text(timezone.localdate(now))
        body_template, version = template_in_force(kind, language, timezone.localdate(now))
        series, sequence, number = number_allocate(
            organisation=organisation, kind=kind, year=timezone.localdate(now).year
        )
        snapshot["document_number"] = number
        body = body_render(body_template, snapshot)
        code = verification_code_new()
        pdf = pdf_render(
            organisation_name=organisation.name,
            title=str(DocumentKind(kind).label),
            number=number,
            body=body,
            issue_date=snapshot["issue_date"],
            verification_code=code,
            verify_url=verify_url(code),
        )
    document = Document.objects.create(
        number=number,
        kind=kind,
        language=language,
        organisation=organisation,
        series=series,
        sequence=sequence,
        matter=matter,
        object_type=object_type,
        object_id=str(object_id),
        context=snapshot,
        body=body,
        template_version=version,
        verification_code=code,
        issued_at=now,
        issued_by=actor,
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
    )
    audit_record(
        actor=actor,
        action="document.issue",
        target=document,
        org_id=organisation.pk,
        summary={
            "kind": kind,
            "number": number,
            "matter_id": matter.pk if matter is not None else None,
            "template_version": version,
            "pdf_sha256": document.pdf_sha256,
        },
    )
    return document


@transaction.atomic
def document_void(*, actor: Any, document: Document, reason: str) -> Document:
    """Cancel a document. Its number stays taken (shown as void), never reused."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    require(actor, SPECS[document.kind].action, document.organisation)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写作废原因。")})
    if document.status == DocumentStatus.VOID:
        raise ValidationError({"status": _("该文书已作废。")})
    document.status = DocumentStatus.VOID
    document.void_reason = reason.strip()
    document.voided_at = timezone.now()
    document.save(update_fields=["status", "void_reason", "voided_at"])
    audit_record(
        actor=actor,
        action="document.void",
        target=document,
        org_id=document.organisation_id,
        summary={"number": document.number, "status": [DocumentStatus.ISSUED, DocumentStatus.VOID]},
    )
    return document


@transaction.atomic
def delivery_record(
    *, actor: Any, document: Document, method: str, delivered_at: datetime.datetime, recipient: str, note: str = ""
) -> Delivery:
    """Record the delivery (送达) of a document: method, time, recipient and proof."""
    document = Document.objects.select_for_update().get(pk=document.pk)  # its current status
    # Whoever may issue the kind may record its delivery.
    require(actor, SPECS[document.kind].action, document.organisation)
    errors: dict[str, str] = {}
    if method not in DeliveryMethod.values:
        errors["method"] = _("请选择送达方式。")
    if not recipient.strip():
        errors["recipient"] = _("请填写受送达人。")
    if delivered_at > timezone.now():
        errors["delivered_at"] = _("送达时间不能晚于现在。")
    # Forms give minutes: a delivery in the minute of issue is not "before" it.
    elif delivered_at < document.issued_at.replace(second=0, microsecond=0):
        errors["delivered_at"] = _("送达时间不能早于发文时间。")
    if document.status == DocumentStatus.VOID:
        errors["document"] = _("已作废的文书不能送达。")
    if errors:
        raise ValidationError(errors)
    delivery = Delivery.objects.create(
        document=document,
        method=method,
        delivered_at=delivered_at,
        recipient=recipient.strip(),
        note=note.strip(),
        recorded_by=actor,
    )
    # No recipient name in the summary: it is personal data (the audit log holds ids and codes).
    audit_record(
        actor=actor,
        action="document.deliver",
        target=delivery,
        org_id=document.organisation_id,
        summary={"document_id": document.pk, "number": document.number, "method": method, "delivered_at": delivered_at},
    )
    return delivery
