"""Writes of the mediation network and of mediation cases (人民调解, regulations.md §4.6,
MED-01..MED-06; deadline table D35, D36). Each service is keyword-only, checks
`Action.MEDIATION_HANDLE` at the case's (or body's) organisation, runs in one transaction and
records its audit event in it; a refusal raises a translated `ValidationError`/`ServiceError`
before anything is written.

The result of a case returns to where it came from: when a case ends (agreement, failure,
refusal) the callback registered for its `source_kind` with `mediation_source_register` runs in
the same transaction, so a failing callback rolls the case change back. The callback receives the
case; `case.result_actor` is the user who ended it (for the source's own audit event). This app
registers the "petition" callback itself (访调对接, H1): it calls
`petitions.services.handling.mediation_result_record` for a case opened from a `MediationReferral`.
The grid app registers "grid_event" in its AppConfig.ready(); this app never imports grid.

Clocks (`workcalendar.Clock`, object type "mediation.mediationcase"):
- "mediation_period": MED-02 / D35 [S], generally within one month of acceptance —
  `settings.XINFANG_MEDIATION_PERIOD` (default 30 natural days), a guideline watched like any clock;
- "mediation_jc_window": MED-05 / D36 [P], 30 natural days from the agreement taking effect for the
  parties' joint application for judicial confirmation; stopped when they apply."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError, ValidationError
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import MediationReferral
from xinfang.petitions.services.personal_data import normalise_phone
from xinfang.workcalendar.choices import Unit
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.services import clock_start, clock_stop

from .models import MediationBody, MediationCase, MediationParty, MediationSequence, MediationSession, Mediator
from .states import (
    CLOCK_JC_WINDOW,
    CLOCK_PERIOD,
    ENDED_STATUSES,
    OUTSIDE_SOURCES,
    TRANSITIONS,
    BodyKind,
    CaseStatus,
    JcResult,
    MediatorKind,
    PartyRole,
    SourceKind,
)

OBJECT_TYPE = MediationCase._meta.label_lower  # "mediation.mediationcase"
MAX_TEXT = 5000
# MED-05 / D36 [P]: 人民调解法 Art. 33(1), 民事诉讼法 Art. 205 — fixed by statute, not configuration.
JC_WINDOW_DAYS = 30
# Stored texts are data, kept in Chinese whatever the user's language (like the petitions app).
# MED-03 (人民调解法 Art. 26): the routes the parties are told of when mediation fails.
DEFAULT_ROUTES_NOTICE = (
    "调解不成的，调解员已终止调解，并告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利"
    "（《中华人民共和国人民调解法》第二十六条）。"
)
# MED-05 (Art. 33(3)): what the parties may do when the court does not confirm the agreement.
JC_REJECTED_NOTICE = (
    "人民法院依法驳回当事人申请的，当事人可以通过人民调解方式变更原调解协议或者达成新的调解协议，"
    "也可以向人民法院提起诉讼（《中华人民共和国人民调解法》第三十三条）。"
)
PARTY_REFUSED_REASON = "当事人明确拒绝调解（《中华人民共和国人民调解法》第十七条、第二十三条）。"


# --- The source registry -------------------------------------------------------------------------

SourceCallback = Callable[[MediationCase], None]
_SOURCE_CALLBACKS: dict[str, SourceCallback] = {}


def mediation_source_register(kind: str, *, on_result: SourceCallback) -> None:
    """Register the callback that carries a case's result back to its source of `kind` (a
    `SourceKind` value). It is called inside the ending service's transaction with the case (status
    agreed, failed or refused; `case.result_actor` set); if it raises, the case change rolls back.
    Registering the same kind again replaces the callback (AppConfig.ready() may run twice in tests)."""
    if kind not in SourceKind.values:
        raise ValueError(f"unknown mediation source kind {kind!r}")
    _SOURCE_CALLBACKS[kind] = on_result


def mediation_source_callback(kind: str) -> SourceCallback | None:
    """The callback registered for a source kind, or None."""
    return _SOURCE_CALLBACKS.get(kind)


def _petition_result(case: MediationCase) -> None:
    """H1 (访调对接): the result of a case opened from a petitions MediationReferral returns to the
    matter — an agreement concludes it (调解协议书), anything else sends it back to handling."""
    if case.referral_id is None:
        return
    from xinfang.petitions.services.handling import mediation_result_record

    referral = MediationReferral.objects.get(pk=case.referral_id)
    agreed = case.status == CaseStatus.AGREED
    if agreed:
        result = f"调解达成协议（{case.number}）：{case.agreement_terms}"
    elif case.status == CaseStatus.REFUSED:
        result = f"调解组织不予受理（{case.number}）：{case.refusal_reason}"
    else:
        result = f"调解不成（{case.number}）：{case.failure_reason}"
    mediation_result_record(
        actor=case.result_actor,  # type: ignore[attr-defined]
        referral=referral,
        agreed=agreed,
        result=result[:MAX_TEXT],
        agreement_kind="mediation" if agreed else "",
    )


def register_builtin_sources() -> None:
    """Called from MediationConfig.ready(): the petitions callback lives here (petitions does not
    know this app)."""
    mediation_source_register(SourceKind.PETITION, on_result=_petition_result)


def _result_return(case: MediationCase, actor: Any) -> None:
    case.result_actor = actor  # type: ignore[attr-defined]
    callback = _SOURCE_CALLBACKS.get(case.source_kind)
    if callback is not None:
        callback(case)


# --- Helpers -------------------------------------------------------------------------------------


def _text(errors: dict[str, list[str]], name: str, value: str, message: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(name, []).append(message)
    elif len(value) > MAX_TEXT:
        errors.setdefault(name, []).append(_("不超过 %(max)s 个字。") % {"max": MAX_TEXT})
    return value


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def mediation_period() -> tuple[int, str]:
    """MED-02 (period, unit) from settings.XINFANG_MEDIATION_PERIOD (default 30 natural days)."""
    period, unit = getattr(settings, "XINFANG_MEDIATION_PERIOD", (30, Unit.CALENDAR))
    return int(period), str(unit)


def _clock_start(case: MediationCase, kind: str, start: datetime.date, period: int, unit: str, actor: Any) -> Clock:
    return clock_start(
        object_type=OBJECT_TYPE,
        object_id=str(case.pk),
        kind=kind,
        start_date=start,
        period=period,
        unit=unit,
        actor=actor,
        org_id=case.organisation_id,
    )


def _clock_stop(case: MediationCase, kind: str, actor: Any, reason: str) -> None:
    for clock in Clock.objects.filter(
        object_type=OBJECT_TYPE, object_id=str(case.pk), kind=kind, stopped_at__isnull=True
    ).order_by("id"):
        clock_stop(clock=clock, actor=actor, reason=reason)


def _lock(case: MediationCase) -> MediationCase:
    return MediationCase.objects.select_for_update(of=("self",)).select_related("organisation", "body").get(pk=case.pk)


def _step(case: MediationCase, *, actor: Any, to: str) -> MediationCase:
    """Lock the case, check the actor's right at its organisation and that `to` may follow."""
    case = _lock(case)
    require(actor, Action.MEDIATION_HANDLE, case.organisation)
    _expect(case, to)
    return case


def _expect(case: MediationCase, to: str) -> None:
    if to not in TRANSITIONS[case.status]:
        raise ServiceError(
            _("调解案件当前状态为“%(current)s”，不能转为“%(to)s”。")
            % {"current": CaseStatus(case.status).label, "to": CaseStatus(to).label},
            code="transition",
        )


def _transition(
    case: MediationCase, *, to: str, actor: Any, action: str, fields: list[str], summary: dict[str, Any] | None = None
) -> MediationCase:
    before = case.status
    _expect(case, to)
    case.status = to
    case.save(update_fields=[*fields, "status", "updated_at"])
    audit_record(
        actor=actor,
        action=f"mediation_case.{action}",
        target=case,
        org_id=case.organisation_id,
        summary={"before": {"status": before}, "after": {"status": to}, **(summary or {})},
    )
    return case


def _refused_party(case: MediationCase) -> MediationParty | None:
    return case.parties.filter(refused_at__isnull=False).first()


def _refuse_if_a_party_refused(case: MediationCase) -> None:
    """MED-01: no mediation where a party expressly refuses."""
    if _refused_party(case) is not None:
        raise ServiceError(
            _("有当事人明确拒绝调解，不得继续调解（MED-01，人民调解法第十七条）。"), code="party_refused"
        )


def mediation_number_next(*, organisation: Organisation, year: int) -> str:
    """The next case number of an organisation for a year, e.g. "T00012-TJ-2026-00001" (the
    counter row is locked, so concurrent cases never share a number)."""
    with transaction.atomic():
        sequence, _created = MediationSequence.objects.select_for_update().get_or_create(
            organisation=organisation, year=year
        )
        sequence.last += 1
        sequence.save(update_fields=["last"])
    return f"{organisation.code}-TJ-{year}-{sequence.last:05d}"


# --- The network ---------------------------------------------------------------------------------


@transaction.atomic
def mediation_body_create(
    *,
    actor: Any,
    organisation: Organisation,
    name: str,
    kind: str,
    name_en: str = "",
    address: str = "",
    phone: str = "",
) -> MediationBody:
    """Add a body to the mediation network (P5) under `organisation` (its territorial scope).
    Managed by whoever may manage the organisation tree, or mediates there."""
    if not (user_can(actor, Action.ORG_MANAGE, organisation) or user_can(actor, Action.MEDIATION_HANDLE, organisation)):
        raise PermissionDenied(_("您没有权限维护该机构的调解组织。"))
    errors: dict[str, list[str]] = {}
    name = _text(errors, "name", name, _("请填写调解组织名称。"))
    if len(name) > 120:
        errors.setdefault("name", []).append(_("不超过 %(max)s 个字。") % {"max": 120})
    if kind not in BodyKind.values:
        errors.setdefault("kind", []).append(_("请选择调解组织类型。"))
    _raise(errors)
    body = MediationBody.objects.create(
        organisation=organisation,
        name=name,
        kind=kind,
        name_en=(name_en or "").strip()[:200],
        address=(address or "").strip()[:200],
        phone=(phone or "").strip()[:40],
    )
    audit_record(
        actor=actor,
        action="mediation_body.create",
        target=body,
        org_id=organisation.pk,
        summary={"kind": kind, "organisation": organisation.code},
    )
    return body


@transaction.atomic
def mediator_create(
    *,
    actor: Any,
    body: MediationBody,
    name: str,
    kind: str = MediatorKind.PART_TIME,
    specialities: Iterable[str] = (),
    phone: str = "",
    user: Any = None,
) -> Mediator:
    """Add a mediator to a body, with their specialities (the grid dispute categories or free tags)."""
    if not (
        user_can(actor, Action.ORG_MANAGE, body.organisation)
        or user_can(actor, Action.MEDIATION_HANDLE, body.organisation)
    ):
        raise PermissionDenied(_("您没有权限维护该调解组织的调解员。"))
    errors: dict[str, list[str]] = {}
    name = _text(errors, "name", name, _("请填写调解员姓名。"))
    if len(name) > 100:
        errors.setdefault("name", []).append(_("不超过 %(max)s 个字。") % {"max": 100})
    if kind not in MediatorKind.values:
        errors.setdefault("kind", []).append(_("请选择调解员类别。"))
    tags = [t.strip() for t in specialities if t and t.strip()]
    if any(len(t) > 40 for t in tags) or len(tags) > 20:
        errors.setdefault("specialities", []).append(_("擅长领域最多 20 项，每项不超过 40 个字。"))
    _raise(errors)
    mediator = Mediator.objects.create(
        body=body, name=name, kind=kind, specialities=tags, phone=normalise_phone(phone or "")[:40], user=user
    )
    audit_record(
        actor=actor,
        action="mediator.create",
        target=mediator,
        object_label=f"mediator {mediator.pk}",  # no names in the audit log
        org_id=body.organisation_id,
        summary={"body": body.pk, "kind": kind},
    )
    return mediator


# --- Opening a case ------------------------------------------------------------------------------


@dataclass
class PartyData:
    """A party as given when a case is opened (or a party added later)."""

    name: str
    role: str  # "applicant" | "respondent" | "other"
    phone: str = ""
    id_number: str = ""
    address: str = ""


def _party_values(errors: dict[str, list[str]], data: PartyData, index: int) -> dict[str, Any]:
    prefix = f"parties[{index}]"
    name = (data.name or "").strip()
    if not name:
        errors.setdefault(prefix, []).append(_("请填写当事人姓名或名称。"))
    elif len(name) > 100:
        errors.setdefault(prefix, []).append(_("当事人姓名或名称不超过 100 个字。"))
    if data.role not in PartyRole.values:
        errors.setdefault(prefix, []).append(_("请选择当事人类别：申请人、被申请人或其他当事人。"))
    phone = normalise_phone(data.phone or "")
    if len(phone) > 32:
        errors.setdefault(prefix, []).append(_("电话号码过长。"))
    id_number = (data.id_number or "").strip().upper()
    if len(id_number) > 32:
        errors.setdefault(prefix, []).append(_("证件号码过长。"))
    address = (data.address or "").strip()
    if len(address) > 200:
        errors.setdefault(prefix, []).append(_("住所不超过 200 个字。"))
    return {"name": name, "role": data.role, "phone": phone, "id_number": id_number, "address": address}


def _body_for(organisation: Organisation, body: MediationBody | None) -> MediationBody:
    if body is not None:
        if body.organisation_id != organisation.pk:
            raise ValidationError({"body": _("调解组织必须属于该机构。")})
        if not body.is_active:
            raise ValidationError({"body": _("该调解组织已停用。")})
        return body
    found = MediationBody.objects.filter(organisation=organisation, is_active=True).order_by("id").first()
    if found is None:
        raise ValidationError({"organisation": _("该机构没有登记在册的调解组织。")}, code="no_body")
    return found


def _open(
    *,
    actor: Any,
    organisation: Organisation,
    body: MediationBody | None,
    source_kind: str,
    source_id: str,
    source_label: str,
    parties: list[PartyData],
    summary: str,
    category: str,
    consent_recorded: bool,
    consent_note: str = "",
    matter: Any = None,
    referral: MediationReferral | None = None,
) -> MediationCase:
    require(actor, Action.MEDIATION_HANDLE, organisation)
    errors: dict[str, list[str]] = {}
    if source_kind not in SourceKind.values:
        errors.setdefault("source_kind", []).append(_("请选择案件来源。"))
    source_id = (source_id or "").strip()
    source_label = (source_label or "").strip()
    if len(source_id) > 64:
        errors.setdefault("source_id", []).append(_("来源编号不超过 64 个字符。"))
    if len(source_label) > 200:
        errors.setdefault("source_label", []).append(_("来源说明不超过 200 个字。"))
    summary = _text(errors, "summary", summary, _("请填写纠纷简要情况。"))
    category = (category or "").strip()
    if len(category) > 100:
        errors.setdefault("category", []).append(_("纠纷类型不超过 100 个字。"))
    if not parties:
        errors.setdefault("parties", []).append(_("请至少填写一名当事人。"))
    values = [_party_values(errors, p, i) for i, p in enumerate(parties or [])]
    _raise(errors)
    body = _body_for(organisation, body)
    now = timezone.now()
    case = MediationCase.objects.create(
        number=mediation_number_next(organisation=organisation, year=timezone.localdate(now).year),
        body=body,
        organisation=organisation,
        source_kind=source_kind,
        source_id=source_id,
        source_label=source_label,
        matter=matter,
        referral=referral,
        category=category,
        summary=summary,
        applied_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    MediationParty.objects.bulk_create(
        [
            MediationParty(
                case=case,
                consent_recorded=consent_recorded,
                consent_at=now if consent_recorded else None,
                consent_note=(consent_note or "")[:200] if consent_recorded else "",
                **v,
            )
            for v in values
        ]
    )
    audit_record(
        actor=actor,
        action="mediation_case.open",
        target=case,
        org_id=organisation.pk,
        summary={
            "after": {"status": case.status},
            "body": body.pk,
            "source_kind": source_kind,
            "source_id": source_id,
            "parties": len(values),  # a count: names are personal data
            "consent_recorded": consent_recorded,
        },
    )
    return case


@transaction.atomic
def mediation_case_open(
    *,
    actor: Any,
    organisation: Organisation,
    source_kind: str,
    source_id: str = "",
    source_label: str = "",
    parties: list[PartyData],
    summary: str,
    category: str = "",
    consent_recorded: bool,
    body: MediationBody | None = None,
) -> MediationCase:
    """Open a mediation case (status "applied") at `organisation`'s mediation body (`body`, or the
    organisation's first active body) from a walk-in, a grid event, a petition, a court or a
    reconsideration body (P6: its result returns through the registry). `consent_recorded` says the
    listed parties' consent to mediation was recorded at intake (MED-01); otherwise each party's
    consent is recorded later with `mediation_party_consent_record`. The actor needs
    `mediation.handle` at `organisation`."""
    return _open(
        actor=actor,
        organisation=organisation,
        body=body,
        source_kind=source_kind,
        source_id=source_id,
        source_label=source_label,
        parties=parties,
        summary=summary,
        category=category,
        consent_recorded=consent_recorded,
        consent_note=_("立案时记录") if consent_recorded else "",
    )


@transaction.atomic
def mediation_case_from_referral(
    *, actor: Any, referral: MediationReferral, body: MediationBody | None = None
) -> MediationCase:
    """访调对接 (H1): open a case from a petitions `MediationReferral`. The body must belong to the
    referral's mediation organisation; the matter's petitioners become applicants, their consent
    recorded with the referral (XF-OPN-04). The result returns to the matter on agreement, failure
    or refusal (`mediation_result_record`, through the "petition" callback)."""
    referral = (
        MediationReferral.objects.select_for_update(of=("self",))
        .select_related("matter", "mediation_org")
        .get(pk=referral.pk)
    )
    from xinfang.petitions.states import MediationStatus

    if referral.status != MediationStatus.REFERRED:
        raise ServiceError(_("该信访调解已有结果，不能再立案。"), code="decided")
    if MediationCase.objects.filter(referral=referral).exists():
        raise ServiceError(_("该信访调解已立案。"), code="duplicate")
    matter = referral.matter
    petitioners = [p.petitioner for p in matter.participants.select_related("petitioner").order_by("id")]
    parties = [
        PartyData(
            name=p.name,
            role=PartyRole.APPLICANT,
            phone=p.phone or "",
            id_number=p.id_number or "",
            address=p.address or "",
        )
        for p in petitioners
    ]
    return _open(
        actor=actor,
        organisation=referral.mediation_org,
        body=body,
        source_kind=SourceKind.PETITION,
        source_id=str(referral.pk),
        source_label=matter.number,
        parties=parties,
        summary=f"{matter.title}\n{matter.request}\n{matter.facts}"[:MAX_TEXT],
        category="",
        consent_recorded=referral.consent_recorded,
        consent_note="信访调解移交时记录",
        matter=matter,
        referral=referral,
    )


# --- Parties and consent (MED-01) -----------------------------------------------------------------


@transaction.atomic
def mediation_party_add(
    *, actor: Any, case: MediationCase, data: PartyData, consent_recorded: bool = False
) -> MediationParty:
    """Add a party to an open case (e.g. the respondent of a referred petition)."""
    case = _lock(case)
    require(actor, Action.MEDIATION_HANDLE, case.organisation)
    if case.status not in (CaseStatus.APPLIED, CaseStatus.ACCEPTED, CaseStatus.IN_SESSION):
        raise ServiceError(_("调解案件已结束，不能再增加当事人。"), code="closed")
    errors: dict[str, list[str]] = {}
    values = _party_values(errors, data, 0)
    _raise(errors)
    now = timezone.now()
    party = MediationParty.objects.create(
        case=case,
        consent_recorded=consent_recorded,
        consent_at=now if consent_recorded else None,
        **values,
    )
    audit_record(
        actor=actor,
        action="mediation_case.party_add",
        target=case,
        org_id=case.organisation_id,
        summary={"party": party.pk, "role": party.role, "consent_recorded": consent_recorded},
    )
    return party


def _party_step(party: MediationParty, actor: Any) -> tuple[MediationParty, MediationCase]:
    case = _lock(party.case)
    require(actor, Action.MEDIATION_HANDLE, case.organisation)
    party = MediationParty.objects.select_for_update().get(pk=party.pk)
    if case.status not in (CaseStatus.APPLIED, CaseStatus.ACCEPTED, CaseStatus.IN_SESSION):
        raise ServiceError(_("调解案件已结束，不能再记录当事人意愿。"), code="closed")
    return party, case


@transaction.atomic
def mediation_party_consent_record(*, actor: Any, party: MediationParty, note: str = "") -> MediationParty:
    """MED-01: record that a party agrees to mediation (how: in writing, orally at the counter …)."""
    party, case = _party_step(party, actor)
    if party.refused_at is not None:
        raise ServiceError(_("该当事人已拒绝调解。"), code="party_refused")
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("不超过 %(max)s 个字。") % {"max": 200}})
    party.consent_recorded = True
    party.consent_at = timezone.now()
    party.consent_note = note
    party.save(update_fields=["consent_recorded", "consent_at", "consent_note"])
    audit_record(
        actor=actor,
        action="mediation_case.party_consent",
        target=case,
        org_id=case.organisation_id,
        summary={"party": party.pk, "role": party.role},
    )
    return party


@transaction.atomic
def mediation_party_refuse(*, actor: Any, party: MediationParty, note: str = "") -> MediationCase:
    """MED-01 (人民调解法 Arts. 17, 23): a party expressly refuses, or ends, mediation — it stops. A
    case not yet accepted is refused; an accepted case fails (MED-03: the parties are told their other
    routes). The result returns to the source."""
    party, case = _party_step(party, actor)
    now = timezone.now()
    party.consent_recorded = False
    party.refused_at = now
    party.consent_note = (note or "").strip()[:200]
    party.save(update_fields=["consent_recorded", "refused_at", "consent_note"])
    if case.status == CaseStatus.APPLIED:
        case.refusal_reason = PARTY_REFUSED_REASON
        case.ended_at = now
        case = _transition(
            case,
            to=CaseStatus.REFUSED,
            actor=actor,
            action="party_refuse",
            fields=["refusal_reason", "ended_at"],
            summary={"party": party.pk},
        )
    else:
        case.failure_reason = PARTY_REFUSED_REASON
        case.routes_notice = DEFAULT_ROUTES_NOTICE
        case.ended_at = now
        _clock_stop(case, CLOCK_PERIOD, actor, "mediation.party_refused")
        case = _transition(
            case,
            to=CaseStatus.FAILED,
            actor=actor,
            action="party_refuse",
            fields=["failure_reason", "routes_notice", "ended_at"],
            summary={"party": party.pk},
        )
    _result_return(case, actor)
    return case


# --- Acceptance, refusal, sessions ---------------------------------------------------------------


def _mediators(case: MediationCase, mediators: Iterable[Mediator]) -> list[Mediator]:
    chosen = list(mediators or [])
    for mediator in chosen:
        if mediator.body.organisation_id != case.organisation_id or not mediator.is_active:
            raise ValidationError({"mediators": _("调解员必须是本调解组织所在机构的在册调解员。")})
    return chosen


@transaction.atomic
def mediation_case_accept(*, actor: Any, case: MediationCase, mediators: Iterable[Mediator] = ()) -> MediationCase:
    """Accept an application (受理) and assign mediators; starts the MED-02 period (generally one
    month, `XINFANG_MEDIATION_PERIOD`). Refused when a party has refused mediation (MED-01)."""
    case = _step(case, actor=actor, to=CaseStatus.ACCEPTED)
    _refuse_if_a_party_refused(case)
    chosen = _mediators(case, mediators)
    case.accepted_at = timezone.now()
    if chosen:
        case.mediators.add(*chosen)
    period, unit = mediation_period()
    _clock_start(case, CLOCK_PERIOD, timezone.localdate(case.accepted_at), period, unit, actor)
    return _transition(
        case,
        to=CaseStatus.ACCEPTED,
        actor=actor,
        action="accept",
        fields=["accepted_at"],
        summary={"mediators": [m.pk for m in chosen], "period": [period, unit]},
    )


@transaction.atomic
def mediation_case_refuse(*, actor: Any, case: MediationCase, reason: str) -> MediationCase:
    """Refuse an application (不予受理), with the reason; the result returns to the source."""
    case = _step(case, actor=actor, to=CaseStatus.REFUSED)
    errors: dict[str, list[str]] = {}
    case.refusal_reason = _text(errors, "reason", reason, _("请填写不予受理的理由。"))
    _raise(errors)
    case.ended_at = timezone.now()
    case = _transition(case, to=CaseStatus.REFUSED, actor=actor, action="refuse", fields=["refusal_reason", "ended_at"])
    _result_return(case, actor)
    return case


@transaction.atomic
def mediation_session_record(
    *,
    actor: Any,
    case: MediationCase,
    held_at: datetime.datetime,
    place: str,
    notes: str,
    mediators: Iterable[Mediator] = (),
) -> MediationSession:
    """Record a mediation session (when, where, the mediators present, what happened). The first
    session moves an accepted case to "in session". Refused when a party has refused (MED-01)."""
    case = _lock(case)
    require(actor, Action.MEDIATION_HANDLE, case.organisation)
    if case.status not in (CaseStatus.ACCEPTED, CaseStatus.IN_SESSION):
        raise ServiceError(_("只有已受理或调解中的案件可以记录调解。"), code="transition")
    _refuse_if_a_party_refused(case)
    errors: dict[str, list[str]] = {}
    place = _text(errors, "place", place, _("请填写调解地点。"))
    if len(place) > 200:
        errors.setdefault("place", []).append(_("不超过 %(max)s 个字。") % {"max": 200})
    notes = _text(errors, "notes", notes, _("请填写调解情况。"))
    if not isinstance(held_at, datetime.datetime) or timezone.is_naive(held_at):
        errors.setdefault("held_at", []).append(_("请填写调解时间。"))
    elif held_at > timezone.now() + datetime.timedelta(minutes=5):
        errors.setdefault("held_at", []).append(_("调解时间不能晚于现在。"))
    elif case.accepted_at and held_at < case.accepted_at - datetime.timedelta(days=1):
        errors.setdefault("held_at", []).append(_("调解时间不能早于受理时间。"))
    _raise(errors)
    chosen = _mediators(case, mediators)
    session = MediationSession.objects.create(
        case=case, held_at=held_at, place=place, notes=notes, recorded_by=actor if getattr(actor, "pk", None) else None
    )
    if chosen:
        session.mediators.add(*chosen)
        case.mediators.add(*chosen)
    if case.status == CaseStatus.ACCEPTED:
        _transition(
            case, to=CaseStatus.IN_SESSION, actor=actor, action="session", fields=[], summary={"session": session.pk}
        )
    else:
        case.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action="mediation_case.session",
            target=case,
            org_id=case.organisation_id,
            summary={"session": session.pk},
        )
    return session


# --- Agreement (MED-04) and failure (MED-03) ---------------------------------------------------


@transaction.atomic
def mediation_agree(
    *,
    actor: Any,
    case: MediationCase,
    facts: str,
    terms: str,
    performance: str,
    effective_at: datetime.datetime | None = None,
) -> MediationCase:
    """The parties reach an agreement (MED-04, 人民调解法 Art. 29): the main facts, the issues and
    each party's responsibility; the agreed terms; the manner and time of performance. Refused,
    with nothing written, unless every party's consent to mediation is recorded (MED-01) and there
    are at least two parties. `effective_at` is when the agreement took effect (signed by the parties
    and the mediator, sealed by the body; default now): it starts the 30-day window for the joint
    application for judicial confirmation (MED-05, D36). The result returns to the source."""
    case = _step(case, actor=actor, to=CaseStatus.AGREED)
    errors: dict[str, list[str]] = {}
    parties = list(case.parties.order_by("id"))
    if len(parties) < 2:
        errors.setdefault("__all__", []).append(_("调解协议须有双方当事人（MED-04）。"))
    missing = [p for p in parties if not p.consent_recorded]
    if missing:
        errors.setdefault("__all__", []).append(
            _("尚有 %(count)s 名当事人未记录同意调解，不能制作调解协议（MED-01、MED-04）。") % {"count": len(missing)}
        )
    facts = _text(errors, "facts", facts, _("请填写纠纷的主要事实、争议事项及各方当事人的责任（MED-04）。"))
    terms = _text(errors, "terms", terms, _("请填写当事人达成调解协议的内容（MED-04）。"))
    performance = _text(errors, "performance", performance, _("请填写履行协议的方式和期限（MED-04）。"))
    now = timezone.now()
    effective_at = effective_at or now
    if timezone.is_naive(effective_at):
        errors.setdefault("effective_at", []).append(_("请填写协议生效时间。"))
    elif effective_at > now + datetime.timedelta(minutes=5):
        errors.setdefault("effective_at", []).append(_("协议生效时间不能晚于现在。"))
    elif case.accepted_at and effective_at < case.accepted_at - datetime.timedelta(days=1):
        errors.setdefault("effective_at", []).append(_("协议生效时间不能早于受理时间。"))
    _raise(errors)
    case.agreement_facts, case.agreement_terms, case.agreement_performance = facts, terms, performance
    case.agreed_at = effective_at
    case.ended_at = now
    _clock_stop(case, CLOCK_PERIOD, actor, "mediation.agreed")
    _clock_start(case, CLOCK_JC_WINDOW, timezone.localdate(effective_at), JC_WINDOW_DAYS, Unit.CALENDAR, actor)
    case = _transition(
        case,
        to=CaseStatus.AGREED,
        actor=actor,
        action="agree",
        fields=["agreement_facts", "agreement_terms", "agreement_performance", "agreed_at", "ended_at"],
        summary={"agreed_at": effective_at.isoformat()},
    )
    _result_return(case, actor)
    return case


@transaction.atomic
def mediation_fail(*, actor: Any, case: MediationCase, reason: str, routes_notice: str = "") -> MediationCase:
    """Mediation fails (MED-03, 人民调解法 Art. 26): the mediator ends it and tells the parties they
    may use arbitration, administrative or judicial routes — the text told (`routes_notice`, default
    the statutory wording) is stored and shown. The result returns to the source."""
    case = _step(case, actor=actor, to=CaseStatus.FAILED)
    errors: dict[str, list[str]] = {}
    case.failure_reason = _text(errors, "reason", reason, _("请填写调解不成的原因。"))
    case.routes_notice = _text(errors, "routes_notice", routes_notice, "", required=False) or DEFAULT_ROUTES_NOTICE
    _raise(errors)
    case.ended_at = timezone.now()
    _clock_stop(case, CLOCK_PERIOD, actor, "mediation.failed")
    case = _transition(
        case, to=CaseStatus.FAILED, actor=actor, action="fail", fields=["failure_reason", "routes_notice", "ended_at"]
    )
    _result_return(case, actor)
    return case


@transaction.atomic
def mediation_fulfilment_record(*, actor: Any, case: MediationCase, fulfilled: bool, note: str) -> MediationCase:
    """Follow-up of an agreement (回访): performed, or not (yet). A case not performed may be
    followed up again and marked performed later."""
    to = CaseStatus.FULFILLED if fulfilled else CaseStatus.NOT_FULFILLED
    case = _step(case, actor=actor, to=to)
    errors: dict[str, list[str]] = {}
    case.fulfilment_note = _text(errors, "note", note, _("请填写履行回访情况。"))
    _raise(errors)
    case.fulfilment_checked_at = timezone.now()
    return _transition(
        case, to=to, actor=actor, action="fulfilment", fields=["fulfilment_note", "fulfilment_checked_at"]
    )


# --- The result back to a source outside the system (P6) --------------------------------------------


@transaction.atomic
def mediation_result_return(*, actor: Any, case: MediationCase, returned_on: datetime.date, note: str) -> MediationCase:
    """P6 (行政复议与人民调解衔接) and court referrals: the mediation's result (agreement, failure or
    refusal) was sent back to the reconsideration body or court that sent the case — when, and how
    (letter number, the agreement enclosed …). Once; the case list shows ended cases still to return."""
    case = _lock(case)
    require(actor, Action.MEDIATION_HANDLE, case.organisation)
    if case.source_kind not in OUTSIDE_SOURCES:
        raise ServiceError(_("只有法院或行政复议机构移交的案件需要反馈结果。"), code="not_outside")
    if case.ended_at is None or case.status not in (*ENDED_STATUSES, *JC_STATUSES):
        raise ServiceError(_("调解结束后才能反馈结果。"), code="not_ended")
    if case.result_returned_at is not None:
        raise ServiceError(_("结果已经反馈。"), code="returned")
    errors: dict[str, list[str]] = {}
    text = _text(errors, "note", note, _("请填写反馈情况（如函件文号、随附的调解协议书）。"))
    if returned_on is None:
        errors.setdefault("returned_on", []).append(_("请填写反馈日期。"))
    elif returned_on > timezone.localdate():
        errors.setdefault("returned_on", []).append(_("反馈日期不能晚于今天。"))
    elif returned_on < timezone.localdate(case.ended_at):
        errors.setdefault("returned_on", []).append(_("反馈日期不能早于调解结束的日期。"))
    _raise(errors)
    case.result_returned_at = returned_on
    case.result_returned_note = text
    case.save(update_fields=["result_returned_at", "result_returned_note", "updated_at"])
    audit_record(
        actor=actor,
        action="mediation_case.result_return",
        target=case,
        object_label=case.number,
        org_id=case.organisation_id,
        summary={"source_kind": case.source_kind, "status": case.status, "returned_on": returned_on.isoformat()},
    )
    return case


# --- Judicial confirmation (MED-05, MED-06) -------------------------------------------------------

JC_STATUSES = frozenset({CaseStatus.AGREED, CaseStatus.FULFILLED, CaseStatus.NOT_FULFILLED})


def _jc_case(case: MediationCase, actor: Any) -> MediationCase:
    case = _lock(case)
    require(actor, Action.MEDIATION_HANDLE, case.organisation)
    if case.status not in JC_STATUSES or case.agreed_at is None:
        raise ServiceError(_("只有达成调解协议的案件可以申请司法确认（MED-05）。"), code="not_agreed")
    return case


@transaction.atomic
def mediation_jc_apply(*, actor: Any, case: MediationCase, applied_on: datetime.date, court: str) -> MediationCase:
    """MED-05: the parties jointly applied to `court` for judicial confirmation on `applied_on`,
    which must lie within 30 days of the agreement taking effect (the window clock stops)."""
    case = _jc_case(case, actor)
    errors: dict[str, list[str]] = {}
    court = _text(errors, "court", court, _("请填写受理申请的人民法院。"))
    if len(court) > 120:
        errors.setdefault("court", []).append(_("不超过 %(max)s 个字。") % {"max": 120})
    if case.jc_applied_at is not None:
        errors.setdefault("__all__", []).append(_("已记录司法确认申请。"))
    agreed_on = timezone.localdate(case.agreed_at)  # type: ignore[arg-type]
    window = (
        Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(case.pk), kind=CLOCK_JC_WINDOW)
        .order_by("-id")
        .first()
    )
    if not isinstance(applied_on, datetime.date):
        errors.setdefault("applied_on", []).append(_("请填写申请日期。"))
    elif applied_on < agreed_on:
        errors.setdefault("applied_on", []).append(_("申请日期不能早于协议生效日期。"))
    elif applied_on > timezone.localdate():
        errors.setdefault("applied_on", []).append(_("申请日期不能晚于今天。"))
    elif window is not None and applied_on > window.due_date:
        errors.setdefault("applied_on", []).append(
            _("已超过协议生效之日起30日的申请期限（%(due)s，MED-05），人民法院不予受理；调解协议仍有约束力。")
            % {"due": window.due_date.isoformat()}
        )
    _raise(errors)
    case.jc_applied_at = applied_on
    case.jc_court = court
    _clock_stop(case, CLOCK_JC_WINDOW, actor, "mediation.jc_applied")
    case.save(update_fields=["jc_applied_at", "jc_court", "updated_at"])
    audit_record(
        actor=actor,
        action="mediation_case.jc_apply",
        target=case,
        org_id=case.organisation_id,
        summary={"applied_on": applied_on.isoformat()},
    )
    return case


@transaction.atomic
def mediation_jc_result_record(
    *, actor: Any, case: MediationCase, result: str, result_on: datetime.date, note: str = ""
) -> MediationCase:
    """MED-05/06: the court's answer (confirmed, rejected, not accepted, withdrawn). A rejection stores
    what the parties may do next (mediate again or sue, 人民调解法 Art. 33(3))."""
    case = _jc_case(case, actor)
    errors: dict[str, list[str]] = {}
    if case.jc_applied_at is None:
        errors.setdefault("__all__", []).append(_("请先记录司法确认申请（MED-05）。"))
    if case.jc_result:
        errors.setdefault("__all__", []).append(_("已记录司法确认结果。"))
    if result not in JcResult.values:
        errors.setdefault("result", []).append(_("请选择司法确认结果。"))
    note = _text(errors, "note", note, "", required=False)
    if not isinstance(result_on, datetime.date):
        errors.setdefault("result_on", []).append(_("请填写结果日期。"))
    elif case.jc_applied_at is not None and result_on < case.jc_applied_at:
        errors.setdefault("result_on", []).append(_("结果日期不能早于申请日期。"))
    elif result_on > timezone.localdate():
        errors.setdefault("result_on", []).append(_("结果日期不能晚于今天。"))
    _raise(errors)
    case.jc_result = result
    case.jc_result_at = result_on
    if result in (JcResult.REJECTED, JcResult.NOT_ACCEPTED) and not note:
        note = JC_REJECTED_NOTICE
    case.jc_note = note
    case.save(update_fields=["jc_result", "jc_result_at", "jc_note", "updated_at"])
    audit_record(
        actor=actor,
        action="mediation_case.jc_result",
        target=case,
        org_id=case.organisation_id,
        summary={"result": result, "result_on": result_on.isoformat()},
    )
    return case


# --- The agreement as an instrument (DOC-09 / MED-04) --------------------------------------------


def agreement_context(case: MediationCase) -> dict[str, Any]:
    """The fields of the 人民调解协议书 (MED-04): parties' basic details, facts and responsibilities,
    agreed terms, manner and time of performance, the body and its mediators."""
    lines = []
    for party in case.parties.order_by("id"):
        detail = [f"{party.get_role_display()}：{party.name}"]
        if party.id_number:
            detail.append(f"证件号码：{party.id_number}")
        if party.address:
            detail.append(f"住所：{party.address}")
        if party.phone:
            detail.append(f"电话：{party.phone}")
        lines.append("，".join(detail))
    return {
        "case_number": case.number,
        "mediation_body": case.body.name,
        "parties": "\n".join(lines),
        "dispute_facts": case.agreement_facts,
        "agreed_terms": case.agreement_terms,
        "performance": case.agreement_performance,
        "mediators": "、".join(m.name for m in case.mediators.order_by("id")),
        "agreed_date": timezone.localdate(case.agreed_at) if case.agreed_at else "",
    }


@transaction.atomic
def mediation_agreement_issue(*, actor: Any, case: MediationCase) -> Any:
    """Issue the agreement as a numbered PDF instrument (DocumentKind.MEDIATION_AGREEMENT,
    人民调解协议书) through notices, in the body's organisation's name. No seal is drawn: the area is
    left for the body's seal and the signatures (MED-04: it takes effect when signed and sealed)."""
    from xinfang.notices.kinds import DocumentKind
    from xinfang.notices.services import document_issue

    case = _lock(case)
    require(actor, Action.MEDIATION_HANDLE, case.organisation)
    if case.agreed_at is None or case.status not in JC_STATUSES:
        raise ServiceError(_("只有达成调解协议的案件可以出具调解协议书。"), code="not_agreed")
    if case.agreement_document_id is not None:
        raise ServiceError(_("该案件已出具调解协议书。"), code="issued")
    document = document_issue(
        actor=actor,
        kind=DocumentKind.MEDIATION_AGREEMENT,
        organisation=case.organisation,
        context=agreement_context(case),
        object_type=OBJECT_TYPE,
        object_id=str(case.pk),
    )
    case.agreement_document = document
    case.save(update_fields=["agreement_document", "updated_at"])
    audit_record(
        actor=actor,
        action="mediation_case.agreement_issue",
        target=case,
        org_id=case.organisation_id,
        summary={"document": document.pk},
    )
    return document


__all__ = [
    "PartyData",
    "agreement_context",
    "mediation_agree",
    "mediation_agreement_issue",
    "mediation_body_create",
    "mediation_case_accept",
    "mediation_case_from_referral",
    "mediation_case_open",
    "mediation_case_refuse",
    "mediation_fail",
    "mediation_fulfilment_record",
    "mediation_jc_apply",
    "mediation_jc_result_record",
    "mediation_party_add",
    "mediation_party_consent_record",
    "mediation_party_refuse",
    "mediation_period",
    "mediation_session_record",
    "mediation_source_callback",
    "mediation_source_register",
    "mediator_create",
]
