"""The audit log page, the timeline selector and the read-only admin: permissions (allowed and
denied), filters, pagination, constant query counts, translation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Action, Role
from xinfang.audit.models import AuditEvent
from xinfang.audit.selectors import audit_events_for
from xinfang.core.testing import make_user

from .conftest import append_events

pytestmark = pytest.mark.django_db
URL = reverse("audit:events")


def listed_ids(response) -> list[int]:
    return [event.pk for event in response.context["page"]]


class AuditEventListPermissionTests:
    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(URL)
        assert response.status_code == 302 and reverse("accounts:login") in response.url

    @pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.HANDLING_OFFICER, Role.RECEPTION_CLERK])
    def test_roles_without_audit_view_are_refused(self, client, mini, role):
        client.force_login(make_user((role, mini.district)))
        assert client.get(URL).status_code == 403

    def test_user_without_memberships_is_refused(self, client, mini):
        client.force_login(make_user())
        assert client.get(URL).status_code == 403

    def test_district_supervisor_sees_the_district_only(self, client, mini):
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))
        response = client.get(URL)
        assert response.status_code == 200
        events = list(response.context["page"])
        orgs = {e.org_id for e in events}
        assert mini.town_a.pk in orgs and mini.grid_b1_1.pk in orgs
        assert mini.city.pk not in orgs and mini.province.pk not in orgs  # above the district
        assert None not in orgs  # events of no organisation (user accounts): system administrators only
        assert listed_ids(response) == sorted(listed_ids(response), reverse=True)  # newest first
        assert "甲镇" in response.content.decode()

    def test_town_supervisor_does_not_see_the_other_town(self, client, mini):
        client.force_login(make_user((Role.SUPERVISOR, mini.town_a)))
        orgs = {e.org_id for e in client.get(URL).context["page"]}
        assert mini.village_a1.pk in orgs and mini.town_b.pk not in orgs and mini.district.pk not in orgs

    def test_system_admin_sees_everything(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district)))
        response = client.get(URL)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == AuditEvent.objects.count()
        assert None in {e.org_id for e in response.context["page"]}


class AuditEventListFilterTests:
    @pytest.fixture
    def admin_client(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), username="sysadmin"))
        return client

    def test_filters(self, admin_client, mini):
        org_events = AuditEvent.objects.filter(action="org.create").count()
        assert admin_client.get(URL, {"action": "org."}).context["page"].paginator.count == org_events
        by_object = admin_client.get(URL, {"object_type": "orgs.organisation", "object_id": mini.town_a.pk})
        assert {e.object_id for e in by_object.context["page"]} == {str(mini.town_a.pk)}
        assert {e.action for e in admin_client.get(URL, {"actor": "sysadmin"}).context["page"]} == set()
        append_events(2, actor=admin_client.get(URL).wsgi_request.user)
        assert {e.actor_label for e in admin_client.get(URL, {"actor": "sysad"}).context["page"]} == {"sysadmin"}

    def test_date_range_in_local_days(self, admin_client):
        today = timezone.localdate()
        total = AuditEvent.objects.count()
        assert admin_client.get(URL, {"date_from": today, "date_to": today}).context["page"].paginator.count == total
        yesterday = today - dt.timedelta(days=1)
        assert admin_client.get(URL, {"date_to": yesterday}).context["page"].paginator.count == 0
        assert admin_client.get(URL, {"date_from": today + dt.timedelta(days=1)}).context["page"].paginator.count == 0

    def test_invalid_filters_show_an_error_and_no_events(self, admin_client):
        response = admin_client.get(URL, {"date_from": "2026-02-02", "date_to": "2026-01-01"})
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 0
        assert "起始日期不能晚于截止日期" in response.content.decode()

    def test_pagination_keeps_the_filters(self, admin_client):
        append_events(60)
        response = admin_client.get(URL, {"action": "test."})
        assert len(response.context["page"]) == 50
        assert "action=test.&amp;page=2" in response.content.decode()
        second = admin_client.get(URL, {"action": "test.", "page": 2})
        assert len(second.context["page"]) == 10

    def test_english_page(self, admin_client):
        page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Audit log" in page and "Filter" in page


class AuditEventListQueryCountTests:
    def test_query_count_does_not_grow_with_the_events(self, client, mini, django_assert_num_queries):
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))
        append_events(5, org_id=mini.district.pk, summary={"after": {"state": "new"}})
        with CaptureQueriesContext(connection) as few:
            assert client.get(URL, {"action": "test."}).status_code == 200
        append_events(45, org_id=mini.town_a.pk, summary={"after": {"state": "new"}})
        with django_assert_num_queries(len(few.captured_queries)):
            response = client.get(URL, {"action": "test."})
        assert len(response.context["page"]) == 50


class AuditEventsForTests:
    def test_timeline_of_one_object_oldest_first_and_restricted(self, mini):
        supervisor = make_user((Role.SUPERVISOR, mini.district))
        town = mini.town_a
        append_events(2, object_type="orgs.organisation", object_id=str(town.pk), org_id=town.pk)
        timeline = list(audit_events_for(user=supervisor, object_type="orgs.organisation", object_id=town.pk))
        assert [e.action for e in timeline] == ["org.create", "test.event", "test.event"]
        assert [e.pk for e in timeline] == sorted(e.pk for e in timeline)
        grid_worker = make_user((Role.GRID_WORKER, mini.grid_a1_1))
        assert not audit_events_for(user=grid_worker, object_type="orgs.organisation", object_id=town.pk).exists()
        # A workflow app may open the timeline with its own view action.
        congress = make_user((Role.CONGRESS_OVERSEER, mini.district))
        assert (
            audit_events_for(
                user=congress, object_type="orgs.organisation", object_id=town.pk, action=Action.MATTER_VIEW
            ).count()
            == 3
        )


class AuditEventAdminTests:
    def test_admin_is_read_only(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        event = AuditEvent.objects.order_by("id")[0]
        changelist = reverse("admin:audit_auditevent_changelist")
        assert client.get(changelist).status_code == 200
        assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
        assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
        assert (
            client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"action": "x"}).status_code == 403
        )
        assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
        assert AuditEvent.objects.get(pk=event.pk).action == event.action

    def test_admin_hidden_from_staff_without_audit_view(self, client, mini):
        client.force_login(make_user((Role.GRID_WORKER, mini.grid_a1_1), is_staff=True))
        assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 403
