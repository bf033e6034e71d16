"""The audit log over the API: the same restricted read as the audit page (audit.view by the
event's organisation; events of no organisation for system administrators only), its filters,
bounded queries, and the hash-chain verification for those who read everything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from xinfang.accounts.roles import Role
from xinfang.audit.maintenance import audit_maintenance
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user

from .conftest import append_events

pytestmark = pytest.mark.django_db

LIST = "/api/v1/audit-events/"
VERIFY = "/api/v1/audit-events/verify/"


def token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def events(mini):  # type: ignore[no-untyped-def]
    """One test event for each of town A, town B and no organisation."""
    [a] = append_events(1, org_id=mini.village_a1.pk, action="test.town_a", object_id="A")
    [b] = append_events(1, org_id=mini.village_b1.pk, action="test.town_b", object_id="B")
    [none] = append_events(1, org_id=None, action="other.system", object_id="S")
    return a, b, none


class ReadPermissionTests:
    def test_town_head_reads_the_towns_events_only(self, mini, events):
        a, b, none = events
        head = token_client(make_user((Role.BUREAU_HEAD, mini.town_a_office)))
        seen = ids(head.get(LIST, {"page_size": 500}))
        assert a.pk in seen and b.pk not in seen and none.pk not in seen
        assert head.get(f"{LIST}{b.pk}/").status_code == 404
        one = head.get(f"{LIST}{a.pk}/")
        assert one.status_code == 200 and one.json()["hash"] == a.hash and one.json()["summary"] == a.summary

    def test_system_administrator_reads_everything(self, mini, events):
        admin = token_client(make_user((Role.SYSTEM_ADMIN, mini.district)))
        assert {e.pk for e in events} <= ids(admin.get(LIST, {"page_size": 500}))
        assert admin.get(LIST).json()["count"] == AuditEvent.objects.count()

    @pytest.mark.parametrize("role", [Role.RECEPTION_CLERK, Role.HANDLING_OFFICER, Role.GRID_WORKER])
    def test_roles_without_audit_view_see_nothing(self, mini, events, role):
        api = token_client(make_user((role, mini.district)))
        assert api.get(LIST).json()["count"] == 0
        assert api.get(f"{LIST}{events[0].pk}/").status_code == 404
        assert api.get(VERIFY).status_code == 403

    def test_read_only(self, mini, events):
        admin = token_client(make_user((Role.SYSTEM_ADMIN, mini.district)))
        assert admin.delete(f"{LIST}{events[0].pk}/").status_code == 405
        assert admin.post(LIST, {}, format="json").status_code == 405


class FilterTests:
    def test_filters(self, mini, events):
        a, b, none = events
        admin = token_client(make_user((Role.SYSTEM_ADMIN, mini.district)))
        assert ids(admin.get(LIST, {"action": "test."})) == {a.pk, b.pk}
        assert ids(admin.get(LIST, {"org": mini.village_b1.pk, "action": "test."})) == {b.pk}
        assert all(
            row["org_id"] == mini.village_b1.pk
            for row in admin.get(LIST, {"org": mini.village_b1.pk}).json()["results"]
        )
        assert ids(admin.get(LIST, {"object_type": "tests.thing", "object_id": "S"})) == {none.pk}
        assert ids(admin.get(LIST, {"actor": "system", "action": "other."})) == {none.pk}
        after = (a.created_at - dt.timedelta(microseconds=1)).isoformat()
        assert {a.pk, b.pk, none.pk} <= ids(admin.get(LIST, {"created_after": after, "page_size": 500}))
        assert ids(admin.get(LIST, {"created_before": a.created_at.isoformat(), "action": "test."})) == set()
        tomorrow = timezone.now() + dt.timedelta(days=1)
        assert ids(admin.get(LIST, {"created_after": tomorrow.isoformat()})) == set()
        bad = admin.get(LIST, {"created_after": "yesterday"})
        assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "created_after"
        # Any offset Python reads is compared in UTC (PostgreSQL itself takes only ±15:59) …
        far_east = (a.created_at - dt.timedelta(microseconds=1)).astimezone(
            dt.timezone(dt.timedelta(hours=23, minutes=30))
        )
        assert {a.pk, b.pk} <= ids(admin.get(LIST, {"created_after": far_east.isoformat(), "action": "test."}))
        # … and a time that has no UTC form is refused, not a server error (found by the schema fuzz).
        edge = admin.get(LIST, {"created_before": "0001-01-01T00:00:00+08:00"})
        assert edge.status_code == 400 and edge.json()["errors"][0]["attr"] == "created_before"

    def test_newest_first_and_bounded_queries(self, mini, django_assert_max_num_queries):
        append_events(30, org_id=mini.town_a.pk)
        head = token_client(make_user((Role.BUREAU_HEAD, mini.town_a_office)))
        with django_assert_max_num_queries(10):
            rows = head.get(LIST, {"page_size": 100}).json()["results"]
        assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)


class VerifyTests:
    def test_intact_chain(self, mini, events):
        admin = token_client(make_user((Role.SYSTEM_ADMIN, mini.district)))
        body = admin.get(VERIFY).json()
        last = AuditEvent.objects.order_by("-id")[0]
        assert body == {
            "intact": True,
            "count": AuditEvent.objects.count(),
            "head_id": last.pk,
            "head_hash": last.hash,
            "broken": None,
        }
        anchored = admin.get(VERIFY, {"anchor": f"{events[0].pk}:{events[0].hash}"}).json()
        assert anchored["intact"]

    def test_an_altered_row_is_named(self, mini, events):
        b = events[1]
        admin = token_client(make_user((Role.SYSTEM_ADMIN, mini.district)))
        with audit_maintenance():
            AuditEvent.objects.filter(pk=b.pk).update(summary={"after": {"n": 999}})
        body = admin.get(VERIFY).json()
        assert not body["intact"] and body["broken"]["event_id"] == b.pk and body["broken"]["problem"] == "hash"

    def test_only_readers_of_everything_may_verify(self, mini, events):
        head = token_client(make_user((Role.BUREAU_HEAD, mini.district)))
        response = head.get(VERIFY)
        assert response.status_code == 403
        assert response.json()["errors"][0]["detail"] == "只有可查看全部审计日志的人员才能校验审计链。"

    def test_bad_anchor(self, mini):
        admin = token_client(make_user((Role.SYSTEM_ADMIN, mini.district)))
        response = admin.get(VERIFY, {"anchor": "12:nothex"})
        assert response.status_code == 400 and response.json()["errors"][0]["attr"].startswith("anchor")
