"""`petitions.services.petitioners.petitioner_upsert`: a petitioner created or updated on its own
(the petitioners import), matched by normalised ID number; a record the actor cannot see only has
its blanks filled (XF-CLS-03); audited without personal data; refused without matter.register."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.petitions.models import MatterParticipant, Petitioner
from xinfang.petitions.services.intake import PetitionerData
from xinfang.petitions.services.petitioners import CREATED, UNCHANGED, UPDATED, petitioner_upsert
from xinfang.petitions.testing import register_walk_in

pytestmark = pytest.mark.django_db


def test_create_then_match_by_normalised_id_number(imp):
    org = imp.mini.petition_bureau
    first = petitioner_upsert(
        actor=imp.clerk, organisation=org, data=PetitionerData(name="赵六", id_number="440115 1990 0101 123x")
    )
    assert first.outcome == CREATED and first.petitioner.id_number == "44011519900101123X"
    again = petitioner_upsert(
        actor=imp.clerk, organisation=org, data=PetitionerData(name="赵六", id_number="44011519900101123X")
    )
    assert again.outcome == UNCHANGED and again.petitioner == first.petitioner
    filled = petitioner_upsert(
        actor=imp.clerk,
        organisation=org,
        data=PetitionerData(name="赵六", id_number="44011519900101123X", phone="136-0000-4444"),
    )
    assert filled.outcome == UPDATED and filled.changed == ("phone",)
    assert Petitioner.objects.get().phone == "13600004444"
    events = AuditEvent.objects.filter(action__startswith="petitioner.").order_by("pk")
    assert [e.action for e in events] == ["petitioner.create", "petitioner.update"]
    assert all("赵六" not in str(e.summary) and "4444" not in str(e.summary) for e in events)
    assert events[1].object_label == f"#{first.petitioner.pk}" and events[1].org_id == org.pk


def test_xf_cls_03_a_record_the_actor_cannot_see_only_has_its_blanks_filled(imp):
    matter = register_walk_in(
        imp.mini, imp.mini.town_b_office, petitioners=[PetitionerData(name="孙八", id_number="X1", address="乙街")]
    )
    petitioner = MatterParticipant.objects.get(matter=matter).petitioner
    # Street A's clerk cannot see street B's matters, so neither their petitioners.
    stranger = make_user((Role.RECEPTION_CLERK, imp.mini.town_a_office))
    result = petitioner_upsert(
        actor=stranger,
        organisation=imp.mini.town_a_office,
        data=PetitionerData(name="冒名", id_number="X1", phone="13100001111", address="别处"),
    )
    petitioner.refresh_from_db()
    assert result.outcome == UPDATED and result.changed == ("phone",)  # only the blank
    assert (petitioner.name, petitioner.address) == ("孙八", "乙街")
    assert AuditEvent.objects.filter(action="petitioner.update").get().summary["after"]["blanks_only"] is True
    # Street B's clerk sees the record through its matter: the values given replace the old ones.
    result = petitioner_upsert(
        actor=imp.town_clerk,
        organisation=imp.mini.town_b_office,
        data=PetitionerData(name="孙八", id_number="x1", address="新址"),
    )
    petitioner.refresh_from_db()
    assert result.outcome == UPDATED and petitioner.address == "新址"


def test_refusals(imp):
    with pytest.raises(PermissionDenied):
        petitioner_upsert(actor=imp.handler, organisation=imp.mini.housing_bureau, data=PetitionerData(name="某"))
    with pytest.raises(ValidationError) as caught:
        petitioner_upsert(actor=imp.clerk, organisation=imp.mini.petition_bureau, data=PetitionerData(name=""))
    assert "name" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        petitioner_upsert(
            actor=imp.clerk, organisation=imp.mini.petition_bureau, data=PetitionerData(name="某", kind="robot")
        )
    assert "kind" in caught.value.message_dict
    assert Petitioner.objects.count() == 0
