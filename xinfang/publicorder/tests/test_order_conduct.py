"""Conduct records: the six kinds of 条例 Art. 26 (XF-BEH-01) and the lawful response (XF-BEH-02),
linked to matters and their petitioners, with evidence checked like every upload; audited."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.petitions.services.intake import PetitionerData
from xinfang.publicorder.models import ConductRecord
from xinfang.publicorder.services import ConductData, conduct_evidence_add, conduct_record
from xinfang.publicorder.states import ConductKind, ResponseKind

from .conftest import PDF

pytestmark = pytest.mark.django_db


def test_xf_beh_01_the_six_kinds_of_art_26():
    """XF-BEH-01: exactly the six kinds of conduct of 条例 Art. 26."""
    assert len(ConductKind.values) == 6


def test_xf_beh_01_record_links_matter_and_petitioner_and_is_audited(order, media_root):
    matter = order.matter()
    person = matter.participants.get().petitioner
    record = order.record(
        matter,
        kind=ConductKind.VIOLENCE,
        petitioners=[person],
        responses=[ResponseKind.DISSUADE, ResponseKind.EDUCATE],
    )
    assert list(record.matters.all()) == [matter]
    assert list(record.petitioners.all()) == [person]
    event = AuditEvent.objects.filter(action="order.conduct_record").get()
    assert event.object_id == str(record.pk)
    # No personal data in the audit log: ids only.
    assert "张三" not in str(event.summary) and person.pk in event.summary["after"]["petitioners"]


def test_xf_beh_02_police_handover_needs_unit_and_time(order):
    """XF-BEH-02: serious disorder is handed to the police; the record names the unit and time."""
    matter = order.matter()
    with pytest.raises(ValidationError) as exc:
        order.record(matter, responses=[ResponseKind.POLICE])
    assert {"police_unit", "police_handed_at"} <= set(exc.value.message_dict)
    at = timezone.now() - datetime.timedelta(hours=1)
    record = order.record(
        matter,
        responses=[ResponseKind.POLICE],
        police_unit="某派出所",
        police_handed_at=at,
        police_note="民警到场带离。",
    )
    assert record.police_handed_at == at


def test_xf_beh_02_the_system_records_and_never_sanctions(order):
    """XF-BEH-02: only dissuade, criticise, educate or hand to the police: a sanction is refused."""
    matter = order.matter()
    for bad in (["detain"], ["fine"], []):
        with pytest.raises(ValidationError) as exc:
            order.record(matter, responses=bad)
        assert "responses" in exc.value.message_dict
    # Police details without a handover are refused too (nothing recorded as if the police acted).
    with pytest.raises(ValidationError):
        order.record(matter, police_unit="某派出所")
    field_names = {f.name for f in ConductRecord._meta.get_fields()}
    assert not {"sanction", "penalty", "blacklist"} & field_names


def test_xf_beh_01_validation(order):
    matter = order.matter()
    other = order.matter(petitioners=[PetitionerData(name="李四", id_number="440115198502023456", phone="13900002222")])
    stranger = other.participants.get().petitioner
    cases: list[tuple[dict[str, Any], str]] = [
        ({"kind": "loud"}, "kind"),
        ({"occurred_at": timezone.now() + datetime.timedelta(days=1)}, "occurred_at"),
        ({"place_text": " "}, "place_text"),
        ({"description": ""}, "description"),
        ({"matters": []}, "matters"),
        ({"petitioners": [stranger]}, "petitioners"),
    ]
    for overrides, name in cases:
        with pytest.raises(ValidationError) as exc:
            order.record(matter, **overrides)
        assert name in exc.value.message_dict, overrides
    assert not ConductRecord.objects.exists()


def test_permission_and_scope(order):
    matter = order.matter()
    data = ConductData(
        kind=ConductKind.LINGERING,
        occurred_at=timezone.now(),
        place_text="大厅",
        description="滞留。",
        responses=[ResponseKind.EDUCATE],
        matters=[matter],
    )
    with pytest.raises(PermissionDenied):
        conduct_record(actor=order.officer, organisation=order.mini.petition_bureau, data=data)
    with pytest.raises(PermissionDenied):
        conduct_record(actor=order.street_clerk, organisation=order.mini.petition_bureau, data=data)
    # The street clerk may record at the street, but only on matters they may see.
    with pytest.raises(ValidationError) as exc:
        conduct_record(actor=order.street_clerk, organisation=order.mini.town_b_office, data=data)
    assert "matters" in exc.value.message_dict


def test_evidence_is_checked_hashed_and_kept_once(order, media_root):
    matter = order.matter()
    record = order.record(matter)
    added = conduct_evidence_add(
        actor=order.clerk,
        record=record,
        files=[SimpleUploadedFile("photo.pdf", PDF), SimpleUploadedFile("again.pdf", PDF)],
    )
    assert added == 1 and record.evidence.get().content_type == "application/pdf"
    with pytest.raises(ValidationError) as exc:
        conduct_evidence_add(actor=order.clerk, record=record, files=[SimpleUploadedFile("x.exe", b"MZ\x90\x00")])
    assert "attachments" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        conduct_evidence_add(actor=order.street_clerk, record=record, files=[SimpleUploadedFile("p.pdf", PDF)])
