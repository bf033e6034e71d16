"""Registration essentials (XF-REG-01, XF-REG-03, XF-VIS-03, XF-NOT-02, D1/D2 clocks)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.petitions.models import Matter, Petitioner
from xinfang.petitions.services.intake import PetitionerData, matter_register
from xinfang.petitions.states import CLOCK_NOTICE, CLOCK_TRIAGE, Nature, ParticipantRole
from xinfang.petitions.testing import register_walk_in, walk_in_data
from xinfang.workcalendar.models import Clock

pytestmark = pytest.mark.django_db


class RegisterTests:
    def test_xf_reg_03_registered_with_clocks_and_audit(self, mini):
        matter = register_walk_in(mini)
        assert matter.number.startswith(f"{mini.petition_bureau.code}-")
        kinds = set(Clock.objects.filter(object_id=str(matter.pk)).values_list("kind", flat=True))
        assert kinds == {CLOCK_TRIAGE, CLOCK_NOTICE}
        assert AuditEvent.objects.filter(action="matter.register", object_id=str(matter.pk)).exists()
        assert matter.participants.get().petitioner.name == "张三"

    def test_xf_reg_01_request_and_facts_required(self, mini):
        with pytest.raises(ValidationError) as exc:
            register_walk_in(mini, request=" ", facts="")
        assert {"request", "facts"} <= set(exc.value.message_dict)
        assert Matter.objects.count() == 0 and Petitioner.objects.count() == 0

    def test_received_in_the_future_is_refused(self, mini):
        with pytest.raises(ValidationError) as exc:
            register_walk_in(mini, received_at=timezone.now() + datetime.timedelta(days=1))
        assert "received_at" in exc.value.message_dict

    def test_xf_vis_03_sixth_representative_is_refused(self, mini):
        reps = [PetitionerData(name=f"代表{i}", role=ParticipantRole.REPRESENTATIVE) for i in range(6)]
        with pytest.raises(ValidationError) as exc:
            register_walk_in(mini, petitioners=reps, group_size=30)
        assert "第二十条第三款" in str(exc.value.message_dict["petitioners"])
        assert Matter.objects.count() == 0
        assert register_walk_in(mini, petitioners=reps[:5], group_size=30).is_group

    def test_anonymous_only_for_reports(self, mini):
        with pytest.raises(ValidationError):
            register_walk_in(mini, petitioners=[], is_anonymous=True)
        matter = register_walk_in(mini, petitioners=[], is_anonymous=True, nature_hint=Nature.REPORT)
        assert not Clock.objects.filter(object_id=str(matter.pk), kind=CLOCK_NOTICE).exists()

    def test_xf_not_02_no_notice_clock_when_name_or_address_unclear(self, mini):
        matter = register_walk_in(mini, name_or_address_unclear=True)
        assert not Clock.objects.filter(object_id=str(matter.pk), kind=CLOCK_NOTICE).exists()

    def test_double_submit_returns_the_same_matter(self, mini):
        first = register_walk_in(mini, submission_key="form-123")
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        again = matter_register(
            actor=clerk, organisation=mini.petition_bureau, data=walk_in_data(submission_key="form-123")
        )
        assert again.pk == first.pk and Matter.objects.count() == 1

    def test_clerk_of_another_town_may_not_register_here(self, mini):
        clerk_b = make_user((Role.RECEPTION_CLERK, mini.town_b_office))
        with pytest.raises(PermissionDenied):
            matter_register(actor=clerk_b, organisation=mini.town_a_office, data=walk_in_data())


class VisibilityTests:
    def test_town_clerk_never_sees_another_towns_matters(self, mini):
        matter_a = register_walk_in(mini, organisation=mini.town_a_office)
        clerk_b = make_user((Role.RECEPTION_CLERK, mini.town_b_office))
        clerk_a = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
        assert not Matter.objects.restrict(clerk_b, "matter.view").filter(pk=matter_a.pk).exists()
        assert Matter.objects.restrict(clerk_a, "matter.view").filter(pk=matter_a.pk).exists()

    def test_xf_cls_03_reports_hidden_from_the_person_reported(self, mini):
        head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        matter = register_walk_in(mini, nature_hint=Nature.REPORT)
        assert Matter.objects.restrict(head, "matter.view").filter(pk=matter.pk).exists()
        matter.reported_users.add(head)
        assert not Matter.objects.restrict(head, "matter.view").filter(pk=matter.pk).exists()
        colleague = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        matter.reported_orgs.add(mini.petition_bureau)
        assert not Matter.objects.restrict(colleague, "matter.view").filter(pk=matter.pk).exists()
