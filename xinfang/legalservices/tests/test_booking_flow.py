"""A person books a service, staff of that point handle it to completion, and the person is told the
outcome (P1, H7); staff of another point can neither see nor act on it (the restrict path)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.legalservices.models import RequestStatus, ServiceRequest
from xinfang.legalservices.services import OBJECT_TYPE
from xinfang.workcalendar.models import Clock

from .conftest import INBOX_URL, REQUEST_URL, STATUS_URL, Points, book, submit

pytestmark = pytest.mark.django_db


def detail(r: ServiceRequest) -> str:
    return reverse("legalservices:staff_detail", args=[r.pk])


def action(r: ServiceRequest, name: str) -> str:
    return reverse("legalservices:staff_action", args=[r.pk, name])


def status_page(client, reference, code, language="zh-hans"):
    return client.post(STATUS_URL, {"reference": reference, "code": code}, HTTP_ACCEPT_LANGUAGE=language)


class LegalAidJourneyTests:
    def test_book_handle_complete_and_see_the_outcome(self, client, points: Points):
        """P1 end to end: legal aid booked at the town station, seen and completed by its officer,
        the outcome shown on the person's status page."""
        form = client.get(REQUEST_URL, {"point": points.town_a.pk, "kind": "legal_aid"})
        assert form.status_code == 200 and "csrfmiddlewaretoken" in form.content.decode()
        assert form.context["form"]["kind"].initial == points.kinds["legal_aid"].pk

        reference, code = book(client, points.town_a, points.kinds["legal_aid"])
        request = ServiceRequest.objects.get(reference=reference)
        assert request.status == RequestStatus.REQUESTED and request.point == points.town_a
        assert code.replace("-", "") not in request.access_code_hash  # only a keyed hash is stored
        # Shown once: the receipt page does not show the code again.
        assert client.get(reverse("legalservices:done")).status_code == 302

        # The person checks: submitted, with the 7-day decision date (D38).
        page = status_page(client, reference, code)
        assert page.status_code == 200 and page.context["service_request"] == request
        assert "已提交" in page.content.decode()
        assert page.context["due"].date == Clock.objects.get(object_id=str(request.pk)).due_date

        officer = make_user((Role.HANDLING_OFFICER, points.town_a_justice))
        staff = client.__class__()
        staff.force_login(officer)
        inbox = staff.get(INBOX_URL)
        assert inbox.status_code == 200 and [r.pk for r in inbox.context["items"]] == [request.pk]
        assert staff.get(detail(request)).status_code == 200

        assert staff.post(action(request, "accept"), {"note": "请周二上午带身份证来。"}).status_code == 302
        assert staff.post(action(request, "start")).status_code == 302
        outcome = "经审查符合法律援助条件，已指派律师王律师代理追讨工资。"
        assert staff.post(action(request, "complete"), {"outcome": outcome}).status_code == 302
        request.refresh_from_db()
        assert request.status == RequestStatus.COMPLETED and request.outcome == outcome
        assert request.handled_by == officer and request.closed_at is not None
        assert not Clock.objects.filter(object_id=str(request.pk), stopped_at__isnull=True).exists()

        page = status_page(client, reference, code)
        html = page.content.decode()
        assert "已办结" in html and outcome in html and "请周二上午带身份证来。" in html
        assert page.context["due"] is None

        actions = list(
            AuditEvent.objects.filter(object_type=OBJECT_TYPE, object_id=str(request.pk))
            .exclude(action__startswith="clock.")
            .values_list("action", "actor_label")
        )
        assert actions == [
            ("legalservice.request", "public"),
            ("legalservice.accept", officer.username),
            ("legalservice.start", officer.username),
            ("legalservice.complete", officer.username),
        ]

    @pytest.mark.parametrize("language,done_word", [("zh-hant", "已辦結"), ("en", "Legal aid")])
    def test_status_page_in_other_languages(self, client, points: Points, language, done_word):
        reference, code = book(client, points.centre, points.kinds["legal_aid"])
        request = ServiceRequest.objects.get(reference=reference)
        officer = make_user((Role.UNIT_HEAD, points.justice_bureau))
        from xinfang.legalservices.services import request_accept, request_complete

        request_accept(actor=officer, service_request=request)
        request_complete(actor=officer, service_request=request, outcome="已指派律师。")
        html = status_page(client, reference, code, language).content.decode()
        assert done_word in html
        if language == "zh-hant":
            assert "已指派律師。" in html  # the outcome in the reader's script

    def test_decline_needs_a_reason_and_the_person_sees_it(self, client, points: Points):
        reference, code = book(client, points.centre, points.kinds["legal_aid"])
        request = ServiceRequest.objects.get(reference=reference)
        staff = client.__class__()
        staff.force_login(make_user((Role.HANDLING_OFFICER, points.justice_bureau)))
        refused = staff.post(action(request, "decline"), {"reason": "  "})
        assert refused.status_code == 400 and "请填写不予办理的理由" in refused.content.decode()
        request.refresh_from_db()
        assert request.status == RequestStatus.REQUESTED

        reason = "您的月收入高于本市法律援助经济困难标准。可以向律师事务所委托代理。"
        assert staff.post(action(request, "decline"), {"reason": reason}).status_code == 302
        html = status_page(client, reference, code).content.decode()
        assert "不予办理" in html and reason in html

    def test_complete_needs_an_outcome(self, client, points: Points):
        reference, _code = book(client, points.centre, points.kinds["consultation"])
        request = ServiceRequest.objects.get(reference=reference)
        staff = client.__class__()
        staff.force_login(make_user((Role.HANDLING_OFFICER, points.justice_bureau)))
        staff.post(action(request, "accept"))
        response = staff.post(action(request, "complete"), {"outcome": ""})
        assert response.status_code == 400 and "请填写办理结果" in response.content.decode()
        request.refresh_from_db()
        assert request.status == RequestStatus.ACCEPTED and request.outcome == ""

    def test_an_action_in_the_wrong_state_is_refused_with_a_message(self, client, points: Points):
        reference, _code = book(client, points.centre, points.kinds["consultation"])
        request = ServiceRequest.objects.get(reference=reference)
        staff = client.__class__()
        staff.force_login(make_user((Role.HANDLING_OFFICER, points.justice_bureau)))
        response = staff.post(action(request, "start"), follow=True)  # not accepted yet
        assert "不能进行此操作" in response.content.decode()
        request.refresh_from_db()
        assert request.status == RequestStatus.REQUESTED
        assert staff.post(action(request, "no-such-action")).status_code == 404
        assert staff.get(action(request, "accept")).status_code == 405

    def test_the_person_cancels(self, client, points: Points):
        reference, code = book(client, points.centre, points.kinds["legal_aid"])
        response = client.post(STATUS_URL, {"reference": reference, "code": code, "action": "cancel"})
        assert response.status_code == 200 and "您的申请已取消。" in response.content.decode()
        request = ServiceRequest.objects.get(reference=reference)
        assert request.status == RequestStatus.CANCELLED
        assert not Clock.objects.filter(object_id=str(request.pk), stopped_at__isnull=True).exists()
        assert AuditEvent.objects.filter(action="legalservice.cancel", object_id=str(request.pk)).exists()

    def test_cancel_with_a_wrong_code_changes_nothing(self, client, points: Points):
        reference, _code = book(client, points.centre, points.kinds["legal_aid"])
        response = client.post(STATUS_URL, {"reference": reference, "code": "AAAA-AAAA", "action": "cancel"})
        assert "申请编号或查询码不正确" in response.content.decode()
        assert ServiceRequest.objects.get(reference=reference).status == RequestStatus.REQUESTED

    def test_bad_input_is_explained_and_kept(self, client, points: Points):
        response = submit(client, points.town_a, points.kinds["legal_aid"], phone="12", name="")
        html = response.content.decode()
        assert response.status_code == 400
        assert 'aria-invalid="true"' in html
        assert response.context["form"].errors.keys() >= {"phone", "name"}
        assert "包工头拖欠工资" in html  # the person's text is kept
        assert not ServiceRequest.objects.exists()

    def test_a_kind_the_point_does_not_offer_is_refused(self, client, points: Points):
        response = submit(client, points.town_a, points.kinds["notarisation"])
        assert response.status_code == 400 and "kind" in response.context["form"].errors
        assert not ServiceRequest.objects.exists()

    def test_past_dates_are_refused(self, client, points: Points):
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        response = submit(client, points.town_a, points.kinds["legal_aid"], preferred_date=yesterday.isoformat())
        assert response.status_code == 400 and "日期不能早于今天" in response.content.decode()

    def test_request_form_without_a_point_goes_back_to_the_catalogue(self, client, points: Points):
        response = client.get(REQUEST_URL)
        assert response.status_code == 302 and response.url == reverse("legalservices:catalogue")


class StaffPermissionTests:
    @pytest.fixture
    def booked(self, client, points: Points) -> ServiceRequest:
        reference, _code = book(client, points.town_a, points.kinds["legal_aid"])
        return ServiceRequest.objects.get(reference=reference)

    def test_anonymous_is_sent_to_login(self, client, booked):
        for url in (INBOX_URL, detail(booked)):
            response = client.get(url)
            assert response.status_code == 302 and reverse("accounts:login") in response.url

    @pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.SUPERVISOR, Role.LEADER, Role.SYSTEM_ADMIN])
    def test_roles_without_the_action_get_403(self, client, points: Points, booked, role):
        client.force_login(make_user((role, points.town_a_justice)))
        assert client.get(INBOX_URL).status_code == 403
        assert client.get(detail(booked)).status_code == 403
        assert client.post(action(booked, "accept")).status_code == 403

    def test_another_points_staff_cannot_see_or_act(self, client, points: Points, booked):
        """restrict(): the town B officer and the town B clerk see nothing of town A's request and get
        404 on its page and actions; nothing changes."""
        for user in (
            make_user((Role.HANDLING_OFFICER, points.town_b_justice)),
            make_user((Role.RECEPTION_CLERK, points.mini.town_b_office)),
            make_user((Role.MEDIATOR, points.village_committee)),
            make_user((Role.HANDLING_OFFICER, points.justice_bureau)),  # own = the district bureau only
        ):
            client.force_login(user)
            assert client.get(INBOX_URL).context["items"] == []
            assert client.get(detail(booked)).status_code == 404
            for name, data in (("accept", {}), ("complete", {"outcome": "x"}), ("decline", {"reason": "x"})):
                assert client.post(action(booked, name), data).status_code == 404
        booked.refresh_from_db()
        assert booked.status == RequestStatus.REQUESTED

    @pytest.mark.parametrize(
        "role,org_name",
        [
            (Role.HANDLING_OFFICER, "town_a_justice"),  # own
            (Role.UNIT_HEAD, "town_a"),  # subtree of the town
            (Role.RECEPTION_CLERK, "town_a_office"),  # area: the whole town
            (Role.BUREAU_HEAD, "petition_bureau"),  # area: the whole district
        ],
    )
    def test_who_sees_the_town_station_requests(self, client, points: Points, booked, role, org_name):
        org = points.town_a_justice if org_name == "town_a_justice" else getattr(points.mini, org_name)
        client.force_login(make_user((role, org)))
        assert [r.pk for r in client.get(INBOX_URL).context["items"]] == [booked.pk]
        assert client.get(detail(booked)).status_code == 200

    def test_village_mediator_handles_the_village_point(self, client, points: Points):
        reference, _code = book(client, points.village, points.kinds["people_mediation"])
        request = ServiceRequest.objects.get(reference=reference)
        client.force_login(make_user((Role.MEDIATOR, points.village_committee)))
        assert client.post(action(request, "accept")).status_code == 302
        request.refresh_from_db()
        assert request.status == RequestStatus.ACCEPTED
