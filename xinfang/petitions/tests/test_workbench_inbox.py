"""Inbox tabs and their counts (new, to triage, to accept, due soon, overdue), the clock badges of
the list (overdue, due soon, provisional) from real clocks, and a constant query count."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.petitions.models import Matter
from xinfang.petitions.selectors import Tab, clock_window, matter_inbox_tabs, matter_list
from xinfang.petitions.services.intake import PetitionerData
from xinfang.petitions.states import LevelDecision, ParticipantRole
from xinfang.workcalendar.selectors import deadline_compute

from .test_workbench_views import forward, register_at, start_clock

pytestmark = pytest.mark.django_db
INBOX = reverse("petitions:inbox")


def counts(response) -> dict[str, int]:
    return {t.key: t.count for t in response.context["tabs"]}


def listed(response) -> list[int]:
    return [row.matter.pk for row in response.context["rows"]]


class InboxTabTests:
    @pytest.fixture
    def matters(self, mini):
        """At town A's petition office: one received today, one registered 20 days ago whose
        D1 triage clock is overdue, and one with a clock due tomorrow's working day."""
        today_matter = register_at(mini, mini.town_a_office)
        old = register_at(mini, mini.town_a_office, received_at=timezone.now() - datetime.timedelta(days=20))
        Matter.objects.filter(pk=old.pk).update(registered_at=timezone.now() - datetime.timedelta(days=20))
        soon = register_at(mini, mini.town_a_office, received_at=timezone.now() - datetime.timedelta(days=3))
        Matter.objects.filter(pk=soon.pk).update(registered_at=timezone.now() - datetime.timedelta(days=3))
        start_clock(soon, kind="test_soon", start=timezone.localdate(), period=1, unit="working")
        return {"today": today_matter, "old": old, "soon": soon}

    def test_clerk_tabs_and_counts(self, client, mini, matters):
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        response = client.get(INBOX)
        # Clerks triage but do not handle: no "to accept" tab.
        assert [t.key for t in response.context["tabs"]] == ["triage", "due_soon", "overdue", "new", "all"]
        assert counts(response) == {"triage": 3, "due_soon": 1, "overdue": 1, "new": 1, "all": 3}
        assert set(listed(response)) == {m.pk for m in matters.values()}  # lands on "to triage"

    def test_xf_tri_01_each_tab_lists_its_matters(self, client, mini, matters):
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert listed(client.get(INBOX, {"tab": "new"})) == [matters["today"].pk]
        assert listed(client.get(INBOX, {"tab": "overdue"})) == [matters["old"].pk]
        assert listed(client.get(INBOX, {"tab": "due_soon"})) == [matters["soon"].pk]
        assert listed(client.get(INBOX, {"tab": "all"})) == [matters[k].pk for k in ("today", "soon", "old")]

    def test_xf_not_03_to_accept_at_the_receiving_unit(self, client, mini, matters):
        head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        forward(matters["today"], to_org=mini.village_a1, actor=head, level=LevelDecision.LOWER)
        officer = make_user((Role.HANDLING_OFFICER, mini.village_a1))
        client.force_login(officer)
        response = client.get(INBOX)
        assert response.context["tab"] == "accept"
        assert counts(response)["accept"] == 1 and "triage" not in counts(response)
        assert listed(response) == [matters["today"].pk]
        # Another unit's officer has nothing to accept.
        client.force_login(make_user((Role.HANDLING_OFFICER, mini.congress)))
        assert counts(client.get(INBOX))["accept"] == 0
        # The town no longer triages it.
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert counts(client.get(INBOX))["triage"] == 2

    def test_xf_not_03_objection_returns_to_the_bureaus_triage_tab(self, client, mini):
        from xinfang.petitions.services.routing import routing_object

        matter = register_at(mini, mini.petition_bureau)
        head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        routing = forward(matter, to_org=mini.housing_bureau, actor=head)
        client.force_login(head)
        assert counts(client.get(INBOX))["triage"] == 0
        officer = make_user((Role.HANDLING_OFFICER, mini.housing_bureau))
        routing_object(actor=officer, routing=routing, reason="该事项不属于本局职责范围，应由人社部门处理。")
        response = client.get(INBOX)
        assert counts(response)["triage"] == 1 and listed(response) == [matter.pk]
        client.force_login(officer)  # no longer the recipient's to accept
        assert counts(client.get(INBOX))["accept"] == 0
        client.force_login(make_user((Role.BUREAU_HEAD, mini.town_b_office)))  # another bureau
        assert counts(client.get(INBOX)).get("triage") == 0

    def test_stopped_clocks_are_neither_due_nor_overdue(self, client, mini, matters):
        from xinfang.core.actors import SYSTEM
        from xinfang.petitions.services.common import OBJECT_TYPE
        from xinfang.workcalendar.models import Clock
        from xinfang.workcalendar.services import clock_stop

        for clock in Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(matters["old"].pk)):
            clock_stop(clock=clock, actor=SYSTEM, reason="test")
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert counts(client.get(INBOX))["overdue"] == 0

    def test_due_soon_window_is_configurable_in_working_days(self, mini, matters, settings):
        user = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
        today = timezone.localdate()
        window = clock_window(today=today)
        assert window.soon_until == deadline_compute(start=today, period=3, unit="working").due_date
        settings.XINFANG_WORKBENCH_DUE_SOON_WORKING_DAYS = 0
        narrow = clock_window(today=today)
        assert narrow.soon_until == today
        tabs = {t.key: t.count for t in matter_inbox_tabs(user=user, window=narrow)}
        assert tabs["due_soon"] == 0
        settings.XINFANG_WORKBENCH_DUE_SOON_WORKING_DAYS = 30
        wide = {t.key: t.count for t in matter_inbox_tabs(user=user, window=clock_window(today=today))}
        assert wide["due_soon"] == 2  # the D1/D2 clocks of today's matter come into the window too

    def test_tab_counts_take_one_query(self, mini, matters, django_assert_num_queries):
        user = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
        window = clock_window()
        matter_inbox_tabs(user=user, window=window)  # scopes are cached on the user object
        with django_assert_num_queries(1):
            matter_inbox_tabs(user=user, window=window)

    def test_selector_tab_without_scope_is_empty(self, mini, matters):
        supervisor = make_user((Role.SUPERVISOR, mini.district))
        assert not matter_list(user=supervisor, tab=Tab.TRIAGE, window=clock_window()).exists()
        assert matter_list(user=supervisor, tab=Tab.ALL, window=clock_window()).count() == 3


class ClockBadgeTests:
    def badge_of(self, response, matter):
        return next(row.badge for row in response.context["rows"] if row.matter.pk == matter.pk)

    def test_overdue_due_soon_and_provisional_badges(self, client, mini):
        today = timezone.localdate()
        # No D1/D2 clocks (a functional department; name unclear), so each badge is the test clock.
        overdue = register_at(mini, mini.housing_bureau, name_or_address_unclear=True, title="逾期事项")
        start_clock(overdue, kind="test_overdue", start=today - datetime.timedelta(days=30), period=5)
        soon = register_at(mini, mini.housing_bureau, name_or_address_unclear=True, title="将到期事项")
        start_clock(soon, kind="test_soon", start=today, period=1, unit="working")
        later = register_at(mini, mini.housing_bureau, name_or_address_unclear=True, title="暂定事项")
        start_clock(later, kind="test_provisional", start=datetime.date(2027, 6, 1), period=15)
        none = register_at(mini, mini.housing_bureau, name_or_address_unclear=True, title="无时限事项")
        client.force_login(make_user((Role.UNIT_HEAD, mini.housing_bureau)))
        response = client.get(INBOX, {"tab": "all"})
        assert self.badge_of(response, overdue).state == "overdue"
        assert self.badge_of(response, overdue).days_left < 0
        assert self.badge_of(response, soon).state == "due_soon"
        provisional = self.badge_of(response, later)
        assert provisional.state == "running" and provisional.is_provisional
        assert self.badge_of(response, none) is None
        body = response.content.decode()
        assert 'data-clock-state="overdue"' in body and "text-bg-danger" in body
        assert 'data-clock-state="due_soon"' in body and "text-bg-warning" in body
        assert "暂定" in body and "逾期" in body

    def test_the_most_urgent_running_clock_is_the_badge(self, client, mini):
        matter = register_at(mini, mini.petition_bureau)
        today = timezone.localdate()
        start_clock(matter, kind="test_overdue", start=today - datetime.timedelta(days=30), period=5)
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        assert self.badge_of(client.get(INBOX, {"tab": "all"}), matter).kind == "test_overdue"


class InboxListTests:
    def test_row_shows_number_title_status_organisation_and_masked_names(self, client, mini):
        matter = register_at(
            mini,
            mini.town_a_office,
            petitioners=[
                PetitionerData(name="欧阳娜娜", role=ParticipantRole.REPRESENTATIVE),
                PetitionerData(name="李四", role=ParticipantRole.REPRESENTATIVE),
            ],
            group_size=8,
        )
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        response = client.get(INBOX, {"tab": "all"})
        body = response.content.decode()
        assert matter.number in body and matter.title in body and "已登记待分流" in body and "甲镇信访办" in body
        assert "欧***" in body and "李*" in body and "欧阳娜娜" not in body and "李四" not in body
        assert response.context["rows"][0].petitioners == ["欧***", "李*"]

    def test_many_petitioners_are_summarised(self, mini):
        from xinfang.petitions.selectors import petitioner_names_masked

        matter = register_at(
            mini,
            mini.town_a_office,
            petitioners=[PetitionerData(name=f"王{i}", role=ParticipantRole.REPRESENTATIVE) for i in range(5)],
            group_size=20,
        )
        assert petitioner_names_masked(matter) == ["王*", "王*", "王*", "等5人"]

    def test_paginated_by_25(self, client, mini):
        for _ in range(27):
            register_at(mini, mini.town_a_office)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        first = client.get(INBOX, {"tab": "all"})
        assert len(first.context["rows"]) == 25 and "page=2" in first.content.decode()
        assert len(client.get(INBOX, {"tab": "all", "page": 2}).context["rows"]) == 2


class InboxQueryCountTests:
    def test_list_query_count_is_constant_5_vs_30_matters(self, client, mini, django_assert_num_queries):
        today = timezone.localdate()

        def add(n: int) -> None:
            for i in range(n):
                matter = register_at(
                    mini,
                    mini.town_a_office,
                    petitioners=[
                        PetitionerData(name=f"甲{i}", role=ParticipantRole.REPRESENTATIVE),
                        PetitionerData(name=f"乙{i}", role=ParticipantRole.REPRESENTATIVE),
                    ],
                    group_size=3,
                    place_org=mini.village_a1,
                )
                start_clock(matter, kind="test_overdue", start=today - datetime.timedelta(days=30), period=5)

        add(5)
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        params = {"tab": "all", "q": "工资", "place": mini.town_a.pk}
        client.get(INBOX, params)  # warm the calendar cache
        with CaptureQueriesContext(connection) as few:
            response = client.get(INBOX, params)
        assert len(response.context["rows"]) == 5
        add(25)
        with django_assert_num_queries(len(few.captured_queries)):
            response = client.get(INBOX, params)
        assert len(response.context["rows"]) == 25
