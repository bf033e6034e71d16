"""Writes of the public portal: an online petition registered through intake, and the query code
that opens the tracking page (issued with the submission, or later by staff for a matter
registered at a counter or when the code was lost). The evaluation and review request of the
tracking page call the petitions services directly (`views.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import Matter
from xinfang.petitions.services.intake import MatterData, PetitionerData, matter_register
from xinfang.petitions.states import Channel, PetitionerKind, Source

from .credentials import (
    portal_actor,
    public_ref_new,
    query_code_hash,
    query_code_new,
    registering_organisation,
)

SUBMISSION_KEY_PREFIX = "portal:"


@dataclass
class Submission:
    """What the public form gives: who, what happened, what is asked, where, and the files."""

    name: str
    phone: str
    address: str
    title: str
    facts: str
    request: str
    reasons: str
    petitioner_kind: str = PetitionerKind.PERSON
    id_number: str = ""
    place: Organisation | None = None
    place_text: str = ""
    attachments: list[Any] = field(default_factory=list)
    form_nonce: str | None = None  # from the form token: the same form sent twice is one matter


@dataclass(frozen=True)
class Credentials:
    """The public reference and, when just issued, the query code in clear (shown once)."""

    matter: Matter
    public_ref: str
    query_code: str | None  # None: the form had been sent before, and its code was shown then


def _credentials_set(*, actor: Any, matter: Matter, channel: str) -> Credentials:
    """Give `matter` a public reference (kept if it has one) and a new query code; audit it. The
    reference is not personal data and is logged; the code and its hash are not."""
    ref = matter.public_ref
    if not ref:
        ref = public_ref_new()
        while Matter.objects.filter(public_ref=ref).exists():  # 31^10 values: practically never
            ref = public_ref_new()
    code = query_code_new()
    had_code = bool(matter.query_code_hash)
    matter.public_ref = ref
    matter.query_code_hash = query_code_hash(ref, code)
    matter.save(update_fields=["public_ref", "query_code_hash", "updated_at"])
    audit_record(
        actor=actor,
        action="matter.query_code_issue",
        target=matter,
        object_label=matter.number,
        org_id=matter.current_org_id,
        summary={"after": {"public_ref": ref}, "channel": channel, "replaces_code": had_code},
    )
    return Credentials(matter=matter, public_ref=ref, query_code=code)


@transaction.atomic
def portal_submit(*, submission: Submission) -> Credentials:
    """Register an online petition (channel online, source portal; XF-CH-01, XF-CH-05) at the
    registering organisation (`registering_organisation`), as the portal's service account, with
    the attachment checks of intake; then give it its public reference and query code. All in one
    transaction: a refused file leaves nothing written. The same form sent twice registers one
    matter, and the second answer carries no code (the first one showed it)."""
    organisation = registering_organisation()
    actor = portal_actor()
    data = MatterData(
        channel=Channel.ONLINE,
        source=Source.PORTAL,
        received_at=timezone.now(),
        title=submission.title,
        request=submission.request,
        facts=submission.facts,
        reasons=submission.reasons,
        petitioners=[
            PetitionerData(
                name=submission.name,
                kind=submission.petitioner_kind,
                id_number=submission.id_number,
                phone=submission.phone,
                address=submission.address,
            )
        ],
        place_org=submission.place,
        place_text=submission.place_text,
        submission_key=f"{SUBMISSION_KEY_PREFIX}{submission.form_nonce}" if submission.form_nonce else None,
        attachments=list(submission.attachments),
    )
    matter = matter_register(actor=actor, organisation=organisation, data=data)
    if matter.public_ref:  # registered by an earlier send of the same form
        return Credentials(matter=matter, public_ref=matter.public_ref, query_code=None)
    return _credentials_set(actor=actor, matter=matter, channel="portal")


def query_code_can_issue(user: Any, matter: Matter) -> bool:
    """Staff who may register at the matter's registering or current organisation, or handle it
    there, and who may see it, may give the petitioner a (new) query code."""
    allowed = any(
        user_can(user, action, org)
        for action in (Action.MATTER_REGISTER, Action.MATTER_HANDLE)
        for org in (matter.registered_org, matter.current_org)
    )
    return allowed and Matter.objects.restrict(user, Action.MATTER_VIEW).filter(pk=matter.pk).exists()


@transaction.atomic
def matter_query_code_issue(*, actor: Any, matter: Matter) -> Credentials:
    """Give the petitioner of a matter a query code, for a matter registered at a counter, by
    letter or by phone (XF-SAT-02: the code is printed and handed over), or to replace a lost code
    (the old one stops working). The public reference is kept once given."""
    if not query_code_can_issue(actor, matter):
        raise PermissionDenied(_("您没有权限为该事项发放查询码。"))
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    return _credentials_set(actor=actor, matter=matter, channel="staff")
