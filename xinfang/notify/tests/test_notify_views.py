"""The in-app notification pages: own notifications only, unread first, POST to mark read, the nav
badge, and a constant number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xinfang.core.actors import SYSTEM
from xinfang.notify.models import Notification
from xinfang.notify.services import clock_sweep
from xinfang.notify.states import Stage

from .conftest import NEXT_MON, TUE

pytestmark = pytest.mark.django_db
LIST = reverse("notify:list")


@pytest.fixture
def alerted(watch):  # type: ignore[no-untyped-def]
    """Three clocks due soon for the housing bureau's head, one escalated to the district leader."""
    for n in range(3):
        watch.clock(str(n))
    clock_sweep(actor=SYSTEM, today=TUE)
    watch.clock("late", due=TUE)
    clock_sweep(actor=SYSTEM, today=NEXT_MON)
    return watch


class PermissionTests:
    def test_anonymous_is_sent_to_login(self, client):
        for response in (
            client.get(LIST),
            client.post(reverse("notify:read", args=[1])),
            client.post(reverse("notify:read_all")),
        ):
            assert response.status_code == 302 and "/login" in response["Location"]

    def test_another_users_notification_is_not_found(self, client, alerted):
        """S1: a notification is its recipient's only; another user (here the leader one level up)
        can neither see nor mark it."""
        note = Notification.objects.filter(recipient=alerted.head).earliest("id")
        client.force_login(alerted.leader)
        response = client.get(LIST)
        assert response.status_code == 200
        assert all(row.recipient_id == alerted.leader.pk for row in response.context["page"].object_list)
        assert client.post(reverse("notify:read", args=[note.pk])).status_code == 404
        note.refresh_from_db()
        assert note.read_at is None

    def test_outsider_sees_none(self, client, alerted):
        client.force_login(alerted.outsider)
        response = client.get(LIST)
        assert response.status_code == 200 and not response.context["rows"]
        assert "暂无通知" in response.content.decode()

    def test_recipient_reads_and_marks(self, client, alerted):
        client.force_login(alerted.head)
        response = client.get(LIST)
        assert response.status_code == 200 and len(response.context["rows"]) == 7  # 3 due soon, 4 overdue
        page = response.content.decode()
        assert "即将到期" in page and "已逾期" in page
        note = Notification.objects.filter(recipient=alerted.head, kind=Stage.DUE_SOON).earliest("id")
        assert client.get(reverse("notify:read", args=[note.pk])).status_code == 405  # POST only
        response = client.post(reverse("notify:read", args=[note.pk]), {"next": "https://evil.example/"})
        assert response.status_code == 302 and response["Location"] == LIST
        note.refresh_from_db()
        assert note.read_at is not None
        # Unread first: the one just read comes last.
        rows = client.get(LIST).context["rows"]
        assert rows[-1][0].pk == note.pk
        client.post(reverse("notify:read_all"))
        assert not Notification.objects.filter(recipient=alerted.head, read_at__isnull=True).exists()


class BadgeTests:
    def test_unread_badge_in_the_staff_nav(self, client, alerted, settings):
        settings.XINFANG_NOTIFY_BADGE = True
        client.force_login(alerted.head)
        page = client.get(reverse("core:home")).content.decode()
        assert 'id="notify-badge"' in page and reverse("notify:badge") in page  # loaded by htmx
        badge = client.get(reverse("notify:badge")).content.decode()
        assert ">7<span" in badge and "条未读" in badge
        client.post(reverse("notify:read_all"))
        assert "条未读" not in client.get(reverse("notify:badge")).content.decode()

    def test_the_badge_needs_a_login(self, client):
        response = client.get(reverse("notify:badge"))
        assert response.status_code == 302 and "login" in response["Location"]


class QueryCountTests:
    def test_list_queries_do_not_grow_with_the_notifications(self, client, watch, django_assert_max_num_queries):
        """No N+1: one page of 30 costs the same as one of 4."""
        for n in range(40):
            watch.clock(str(n))
        clock_sweep(actor=SYSTEM, today=TUE)
        client.force_login(watch.head)
        client.get(LIST)  # warm the per-process caches (calendar, session)
        with django_assert_max_num_queries(10):  # session, user, 2 nav, page count + rows, session save
            response = client.get(LIST)
        assert len(response.context["rows"]) == 30
        assert client.get(LIST, {"page": 2}).status_code == 200
