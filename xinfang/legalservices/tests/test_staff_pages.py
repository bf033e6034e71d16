"""The staff inbox: filters, constant query count, the detail page; and the admin registration."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.legalservices.models import RequestStatus, ServiceKind, ServicePoint, ServiceRequest
from xinfang.legalservices.services import public_request_submit, request_accept

from .conftest import INBOX_URL, Points

pytestmark = pytest.mark.django_db


def make_request(points: Points, point: ServicePoint | None = None, code: str = "legal_aid") -> ServiceRequest:
    return public_request_submit(
        point=point or points.centre,
        kind=points.kinds[code],
        preferred_date=timezone.localdate(),
        time_slot="afternoon",
        name="陈少芬",
        phone="13800009003",
        description="邻里纠纷",
    ).request


class InboxTests:
    def test_query_count_is_the_same_for_1_and_5_requests(self, client, points: Points, django_assert_num_queries):
        client.force_login(make_user((Role.UNIT_HEAD, points.justice_bureau)))
        make_request(points)
        with CaptureQueriesContext(connection) as one:
            assert len(client.get(INBOX_URL).context["items"]) == 1
        for code in ("notarisation", "consultation", "legal_aid", "cross_border"):
            request_accept(actor=SYSTEM, service_request=make_request(points, code=code))
        with django_assert_num_queries(len(one.captured_queries)):
            response = client.get(INBOX_URL)
        assert len(response.context["items"]) == 5
        html = response.content.decode()
        assert html.count("LS-") >= 5

    def test_filters(self, client, points: Points):
        user = make_user((Role.BUREAU_HEAD, points.mini.petition_bureau))  # the whole district
        client.force_login(user)
        aid = make_request(points)
        mediation = make_request(points, points.village, "people_mediation")
        request_accept(actor=SYSTEM, service_request=mediation)

        def shown(query):
            response = client.get(INBOX_URL, query)
            assert response.status_code == 200
            return {r.pk for r in response.context["items"]}

        assert shown({}) == {aid.pk, mediation.pk}
        assert shown({"status": RequestStatus.ACCEPTED}) == {mediation.pk}
        assert shown({"status": "open"}) == {aid.pk, mediation.pk}
        assert shown({"kind": points.kinds["legal_aid"].pk}) == {aid.pk}
        assert shown({"point": points.village.pk}) == {mediation.pk}
        # The point filter offers only the user's points.
        town_clerk = make_user((Role.RECEPTION_CLERK, points.mini.town_b_office))
        client.force_login(town_clerk)
        offered = set(client.get(INBOX_URL).context["form"].fields["point"].queryset)
        assert offered == {points.town_b}
        assert shown({"point": points.village.pk}) == set()  # not theirs: the filter is invalid, nothing shown

    def test_detail_shows_the_person_the_clock_and_the_history(self, client, points: Points):
        request = make_request(points)
        client.force_login(make_user((Role.HANDLING_OFFICER, points.justice_bureau)))
        html = client.get(reverse("legalservices:staff_detail", args=[request.pk])).content.decode()
        assert "陈少芬" in html and "13800009003" in html and "邻里纠纷" in html
        assert "提出申请" in html and "legalservice.request" not in html  # the history in words
        assert "七日内" in html  # the legal-aid time limit next to its due date


class AdminTests:
    @pytest.fixture
    def admin_client(self, client, points: Points):
        client.force_login(make_user((Role.SYSTEM_ADMIN, points.mini.petition_bureau), is_staff=True))
        return client

    def test_registered_pages_open(self, admin_client, points: Points):
        make_request(points)
        for name in ("servicekind", "servicepoint"):
            assert admin_client.get(reverse(f"admin:legalservices_{name}_changelist")).status_code == 200
            assert admin_client.get(reverse(f"admin:legalservices_{name}_add")).status_code == 200
        kind = ServiceKind.objects.get(code="legal_aid")
        assert admin_client.get(reverse("admin:legalservices_servicekind_change", args=[kind.pk])).status_code == 200
        # Requests are not the system administrator's to see (no legalservice.handle).
        assert admin_client.get(reverse("admin:legalservices_servicerequest_changelist")).status_code == 403

    def test_editing_a_kind_is_audited(self, admin_client, points: Points):
        kind = ServiceKind.objects.get(code="consultation")
        url = reverse("admin:legalservices_servicekind_change", args=[kind.pk])
        data = {
            f.name: getattr(kind, f.name) if getattr(kind, f.name) is not None else ""
            for f in ServiceKind._meta.concrete_fields
            if f.name not in ("id", "code")
        }
        data.update(name="法律咨询（免费）", is_active="on")
        response = admin_client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        kind.refresh_from_db()
        assert kind.name == "法律咨询（免费）"
        event = AuditEvent.objects.filter(action="legalservice.kind_update").get()
        assert event.summary["changed"] == ["name"]

    def test_adding_a_point_through_the_admin(self, admin_client, points: Points):
        url = reverse("admin:legalservices_servicepoint_add")
        data = {
            "organisation": points.town_b_justice.pk,
            "name": "乙街道法律服务窗口",
            "name_en": "",
            "address": "乙街道政务中心",
            "hours": "周一至周五",
            "hours_en": "",
            "phone": "020-0000-1234",
            "kinds": [points.kinds["consultation"].pk, points.kinds["notarisation"].pk],
            "is_active": "on",
            "sort_order": 0,
        }
        response = admin_client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        point = ServicePoint.objects.get(name="乙街道法律服务窗口")
        assert {k.code for k in point.kinds.all()} == {"consultation", "notarisation"}
        event = AuditEvent.objects.get(action="legalservice.point_create", object_id=str(point.pk))
        assert event.summary["after"]["kinds"] == ["consultation", "notarisation"]

    def test_staff_without_org_manage_cannot_edit(self, client, points: Points):
        client.force_login(make_user((Role.HANDLING_OFFICER, points.justice_bureau), is_staff=True))
        assert client.get(reverse("admin:legalservices_servicekind_add")).status_code == 403
        make_request(points)
        response = client.get(reverse("admin:legalservices_servicerequest_changelist"))
        assert response.status_code == 200 and "LS-" in response.content.decode()
