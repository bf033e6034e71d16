"""Personal data: ID numbers and phones masked in lists and search results; shown in full only to
roles with personal_data.view for the matter's organisation, and every full view is logged with no
personal data in the log. Petitioner search through restrict (XF-CLS-03 included)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.petitions.models import Petitioner
from xinfang.petitions.selectors_intake import petitioner_search
from xinfang.petitions.services.intake import PetitionerData
from xinfang.petitions.services.personal_data import (
    mask_id_number,
    mask_phone,
    normalise_id_number,
    normalise_phone,
    personal_data_can_view,
    personal_data_view,
)
from xinfang.petitions.states import Nature
from xinfang.petitions.testing import register_walk_in

pytestmark = pytest.mark.django_db

ID_NUMBER = "440115199001011234"
PHONE = "13800001111"


class MaskingTests:
    @pytest.mark.parametrize(
        ("value", "masked"),
        [
            ("440115199001011234", "4401**********1234"),
            ("44011519900101123X", "4401**********123X"),
            ("440115900101123", "4401*******1123"),
            ("A1234567", "******67"),
            ("", ""),
        ],
    )
    def test_id_number(self, value, masked):
        assert mask_id_number(value) == masked

    @pytest.mark.parametrize(
        ("value", "masked"),
        [
            ("13800001111", "138****1111"),
            ("02012345678", "020****5678"),
            ("12345678", "123*5678"),
            ("110", "*10"),
            ("", ""),
        ],
    )
    def test_phone(self, value, masked):
        assert mask_phone(value) == masked

    def test_normalising(self):
        assert normalise_id_number(" 4401 1519 9001 0112 3x ") == "44011519900101123X"
        assert normalise_phone("138-0000 1111") == PHONE
        assert normalise_phone("+86 138 0000 1111") == "+8613800001111"


class PersonalDataViewTests:
    def test_full_view_is_logged_without_personal_data(self, mini):
        matter = register_walk_in(mini)
        petitioner = matter.participants.get().petitioner
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        assert personal_data_can_view(user=clerk, petitioner=petitioner)
        data = personal_data_view(actor=clerk, petitioner=petitioner)
        assert (data.id_number, data.phone) == (ID_NUMBER, PHONE)
        event = AuditEvent.objects.get(action="personal_data.view")
        assert (event.object_type, event.object_id, event.actor_id) == (
            "petitions.petitioner",
            str(petitioner.pk),
            clerk.pk,
        )
        assert event.org_id == mini.petition_bureau.pk
        logged = f"{event.object_label} {event.summary}"
        for secret in (ID_NUMBER, PHONE, "张三", "测试路"):
            assert secret not in logged

    def test_each_view_is_logged(self, mini):
        petitioner = register_walk_in(mini).participants.get().petitioner
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        personal_data_view(actor=clerk, petitioner=petitioner)
        personal_data_view(actor=clerk, petitioner=petitioner)
        assert AuditEvent.objects.filter(action="personal_data.view").count() == 2

    def test_roles_without_personal_data_view_are_refused_and_nothing_is_logged(self, mini):
        petitioner = register_walk_in(mini, organisation=mini.town_a_office).participants.get().petitioner
        for user in (
            make_user((Role.SUPERVISOR, mini.district)),  # may view the matter, not the full data
            make_user((Role.RECEPTION_CLERK, mini.town_b_office)),  # another town
            make_user((Role.GRID_WORKER, mini.grid_a1_1)),
        ):
            assert not personal_data_can_view(user=user, petitioner=petitioner)
            with pytest.raises(PermissionDenied):
                personal_data_view(actor=user, petitioner=petitioner)
        assert not AuditEvent.objects.filter(action="personal_data.view").exists()

    def test_handling_officer_of_the_current_organisation_may_view(self, mini):
        petitioner = register_walk_in(mini, organisation=mini.town_a_office).participants.get().petitioner
        officer = make_user((Role.HANDLING_OFFICER, mini.town_a_office))
        assert personal_data_view(actor=officer, petitioner=petitioner).phone == PHONE


class PetitionerSearchTests:
    def test_found_by_id_number_phone_or_name_and_masked(self, mini):
        register_walk_in(mini)
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        for query in (ID_NUMBER, "4401 1519 9001 0112 34", PHONE, "138-0000-1111", "张三", "张"):
            results = petitioner_search(user=clerk, query=query)
            assert [r.name for r in results] == ["张三"], query
            assert results[0].id_number_masked == "4401**********1234"
            assert results[0].phone_masked == "138****1111"
            assert ID_NUMBER not in str(results[0]) and PHONE not in str(results[0])

    def test_id_number_and_phone_match_exactly_only(self, mini):
        register_walk_in(mini)
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        for query in ("440115", "1234", "138000011"):
            assert petitioner_search(user=clerk, query=query) == []

    def test_other_towns_petitioners_are_not_found(self, mini):
        register_walk_in(mini, organisation=mini.town_a_office)
        clerk_b = make_user((Role.RECEPTION_CLERK, mini.town_b_office))
        assert petitioner_search(user=clerk_b, query=ID_NUMBER) == []
        clerk_a = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
        assert len(petitioner_search(user=clerk_a, query=ID_NUMBER)) == 1

    def test_xf_cls_03_author_of_a_report_is_not_found_by_the_person_reported(self, mini):
        head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        matter = register_walk_in(
            mini,
            nature_hint=Nature.REPORT,
            petitioners=[PetitionerData(name="举报人甲", id_number="440115198001015678", address="某路")],
        )
        assert len(petitioner_search(user=head, query="440115198001015678")) == 1
        matter.reported_users.add(head)
        assert petitioner_search(user=head, query="440115198001015678") == []
        assert petitioner_search(user=head, query="举报人甲") == []
        assert not Petitioner.objects.restrict(head, "matter.view").filter(name="举报人甲").exists()

    def test_query_count_is_constant(self, mini, django_assert_max_num_queries):
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        for i in range(5):
            register_walk_in(
                mini, petitioners=[PetitionerData(name=f"王{i:02d}", phone=f"1390000{i:04d}", address="甲")]
            )
        fresh = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))  # no cached scope
        with django_assert_max_num_queries(3) as small:
            assert len(petitioner_search(user=fresh, query="王")) == 5
        for i in range(5, 30):
            register_walk_in(
                mini, petitioners=[PetitionerData(name=f"王{i:02d}", phone=f"1390000{i:04d}", address="甲")]
            )
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert len(petitioner_search(user=clerk, query="王", limit=50)) == 30
