"""Search and filters of the matter list: each narrows correctly, results stay restricted, the ID
number search is only for roles with personal_data.view, bad input shows an error."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.petitions.models import Matter
from xinfang.petitions.services.intake import PetitionerData
from xinfang.petitions.states import Channel, Nature, Status
from xinfang.powerlist.models import MatterType

from .test_workbench_views import forward, register_at

pytestmark = pytest.mark.django_db
SEARCH = reverse("petitions:search")


def found(client, **params) -> set[int]:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return {row.matter.pk for row in response.context["rows"]}


@pytest.fixture
def head_client(client, mini):
    client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
    return client


class MatterFilterTests:
    def test_text_matches_number_title_request_and_facts(self, head_client, mini):
        wages = register_at(mini, mini.town_a_office)
        roads = register_at(
            mini, mini.town_a_office, title="道路破损", request="请求修复村道。", facts="村道坑洼，雨天积水。"
        )
        assert found(head_client, q="道路") == {roads.pk}
        assert found(head_client, q="积水") == {roads.pk}
        assert found(head_client, q="拖欠") == {wages.pk}  # title 工地拖欠工资
        assert found(head_client, q=wages.number) == {wages.pk}
        assert found(head_client, q="村道 雨天") == {roads.pk}  # every word must match
        assert found(head_client, q="不存在的词") == set()

    def test_petitioner_name(self, head_client, mini):
        zhang = register_at(mini, mini.town_a_office)
        li = register_at(mini, mini.town_a_office, petitioners=[PetitionerData(name="李四", address="测试路2号")])
        assert found(head_client, petitioner="李四") == {li.pk}
        assert found(head_client, petitioner="张") == {zhang.pk}

    def test_id_number_exact_for_roles_with_personal_data_view(self, client, mini):
        zhang = register_at(mini, mini.town_a_office)
        register_at(mini, mini.town_a_office, petitioners=[PetitionerData(name="李四", id_number="440115198001010000")])
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert found(client, id_number="440115199001011234") == {zhang.pk}
        assert found(client, id_number="440115 19900101 1234".lower()) == {zhang.pk}
        assert found(client, id_number="4401151990") == set()  # exact, not a prefix

    def test_id_number_ignored_for_roles_without_personal_data_view(self, client, mini):
        zhang = register_at(mini, mini.town_a_office)
        li = register_at(mini, mini.town_a_office, petitioners=[PetitionerData(name="李四", id_number="X1")])
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))  # supervisors: no personal_data.view
        response = client.get(SEARCH, {"id_number": "440115199001011234"})
        assert "id_number" not in response.context["filter"].form.fields
        assert {row.matter.pk for row in response.context["rows"]} == {zhang.pk, li.pk}

    def test_id_number_search_is_still_restricted(self, client, mini):
        register_at(mini, mini.town_b_office)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert found(client, id_number="440115199001011234") == set()

    def test_place_includes_the_subtree(self, head_client, mini):
        in_grid = register_at(mini, mini.town_a_office, place_org=mini.grid_a1_1)
        in_village = register_at(mini, mini.town_a_office, place_org=mini.village_a1)
        elsewhere = register_at(mini, mini.town_a_office, place_org=mini.village_a2)
        register_at(mini, mini.town_a_office)  # no place
        assert found(head_client, place=mini.village_a1.pk) == {in_grid.pk, in_village.pk}
        assert found(head_client, place=mini.grid_a1_1.pk) == {in_grid.pk}
        assert found(head_client, place=mini.town_a.pk) == {in_grid.pk, in_village.pk, elsewhere.pk}

    def test_place_choices_are_areas_and_grids_not_departments(self, head_client, mini):
        field = head_client.get(SEARCH).context["filter"].form.fields["place"]
        choices = set(field.queryset)
        assert mini.grid_a1_1 in choices and mini.town_b in choices
        assert mini.housing_bureau not in choices and mini.city not in choices

    def test_responsible_organisation_includes_the_subtree(self, head_client, mini):
        """The dashboards' responsible organisation (docs/metrics.md): the handling organisation,
        else the one holding the matter, with everything under it (G1 drill-down)."""
        town = register_at(mini, mini.town_a_office)
        forwarded = register_at(mini, mini.petition_bureau)
        forward(forwarded, to_org=mini.housing_bureau, actor=make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        at_bureau = register_at(mini, mini.petition_bureau)
        assert found(head_client, organisation=mini.town_a.pk) == {town.pk}
        assert found(head_client, organisation=mini.housing_bureau.pk) == {forwarded.pk}
        assert found(head_client, organisation=mini.petition_bureau.pk) == {at_bureau.pk}
        assert found(head_client, organisation=mini.district.pk) == {town.pk, forwarded.pk, at_bureau.pk}
        assert found(head_client, organisation=mini.town_b.pk) == set()
        field = head_client.get(SEARCH).context["filter"].form.fields["organisation"]
        assert mini.housing_bureau in set(field.queryset) and mini.city not in set(field.queryset)

    def test_matter_type(self, head_client, mini):
        wages_type = MatterType.objects.create(code="WAGES", name="拖欠工资")
        typed = register_at(mini, mini.town_a_office)
        Matter.objects.filter(pk=typed.pk).update(matter_type=wages_type)  # set by triage in the real flow
        register_at(mini, mini.town_a_office)
        assert found(head_client, matter_type=wages_type.pk) == {typed.pk}

    def test_status_channel_and_nature(self, head_client, mini):
        visit = register_at(mini, mini.petition_bureau)
        letter = register_at(mini, mini.petition_bureau, channel=Channel.LETTER, nature_hint=Nature.SUGGESTION)
        forward(visit, to_org=mini.housing_bureau, actor=make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        assert found(head_client, status=Status.FORWARDED) == {visit.pk}
        assert found(head_client, status=Status.REGISTERED) == {letter.pk}
        assert found(head_client, channel=Channel.LETTER) == {letter.pk}
        assert found(head_client, nature=Nature.SUGGESTION) == {letter.pk}

    def test_received_date_range_in_local_days(self, head_client, mini):
        today = timezone.localdate()
        recent = register_at(mini, mini.town_a_office)
        older = register_at(mini, mini.town_a_office, received_at=timezone.now() - datetime.timedelta(days=10))
        ten_days_ago = today - datetime.timedelta(days=10)
        assert found(head_client, received_from=today.isoformat()) == {recent.pk}
        assert found(head_client, received_to=ten_days_ago.isoformat()) == {older.pk}
        both = {recent.pk, older.pk}
        assert found(head_client, received_from=ten_days_ago.isoformat(), received_to=today.isoformat()) == both

    def test_urgent_only(self, head_client, mini):
        urgent = register_at(mini, mini.town_a_office)
        Matter.objects.filter(pk=urgent.pk).update(is_urgent=True)  # flagged by triage in the real flow
        register_at(mini, mini.town_a_office)
        assert found(head_client, urgent="on") == {urgent.pk}
        assert len(found(head_client)) == 2

    def test_sort_by_received_date(self, head_client, mini):
        older = register_at(mini, mini.town_a_office, received_at=timezone.now() - datetime.timedelta(days=3))
        newer = register_at(mini, mini.town_a_office)
        rows = head_client.get(SEARCH, {"sort": "received"}).context["rows"]
        assert [r.matter.pk for r in rows] == [older.pk, newer.pk]
        rows = head_client.get(SEARCH, {"sort": "-received"}).context["rows"]
        assert [r.matter.pk for r in rows] == [newer.pk, older.pk]

    def test_filters_combine_with_tabs(self, head_client, mini):
        a = register_at(mini, mini.town_a_office, channel=Channel.LETTER)
        register_at(mini, mini.town_a_office)
        response = head_client.get(reverse("petitions:inbox"), {"tab": "triage", "channel": Channel.LETTER})
        assert {row.matter.pk for row in response.context["rows"]} == {a.pk}
        assert "channel=letter" in response.content.decode()  # tab links keep the filters

    def test_reversed_date_range_shows_an_error_and_nothing(self, head_client, mini):
        register_at(mini, mini.town_a_office)
        response = head_client.get(SEARCH, {"received_from": "2026-02-02", "received_to": "2026-01-01"})
        assert response.status_code == 200 and response.context["rows"] == []
        assert "截止日期不能早于起始日期" in response.content.decode()

    def test_invalid_choice_shows_an_error(self, head_client, mini):
        register_at(mini, mini.town_a_office)
        response = head_client.get(SEARCH, {"status": "nonsense", "place": "999999"})
        assert response.status_code == 200 and response.context["rows"] == []
