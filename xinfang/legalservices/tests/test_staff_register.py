"""Walk-in and phone requests registered by staff (P1, issue 5 item 3): `staff_request_register` and
the staff page `staff/new/` with its one-time slip. Only staff who may handle requests at the
point's organisation register there (legalservice.handle); the request records how it came, runs
the same clocks as an online one (legal aid: 7 days from receipt, D38), is audited, appears in the
inbox, and the person follows it on the public status page with the reference and code of the slip."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.legalservices.models import RequestChannel, RequestStatus, ServiceRequest
from xinfang.legalservices.selectors import request_inbox, status_explanation
from xinfang.legalservices.services import OBJECT_TYPE, RECEIVED_DAYS_BACK, staff_request_register
from xinfang.workcalendar.models import Clock

from .conftest import INBOX_URL, STATUS_URL, Points

pytestmark = pytest.mark.django_db

NEW_URL = reverse("legalservices:staff_new")
SLIP_URL = reverse("legalservices:staff_slip")
PHONE_MESSAGE = "请填写正确的电话号码，例如 13800000000 或 020-00000000。"


@pytest.fixture
def officer(points: Points):
    """A handling officer of the district justice bureau (its centre is theirs, nothing else)."""
    return make_user((Role.HANDLING_OFFICER, points.justice_bureau))


def register(points: Points, actor, code: str = "legal_aid", **extra):
    values = {
        "actor": actor,
        "point": points.centre,
        "kind": points.kinds[code],
        "channel": RequestChannel.WALK_IN,
        "name": "罗伟明",
        "phone": "13800009005",
        "description": "工资被拖欠三个月，来中心申请法律援助。",
        **extra,
    }
    return staff_request_register(**values)


def running(service_request) -> list[Clock]:
    return list(
        Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(service_request.pk), stopped_at__isnull=True)
    )


def form_data(points: Points, **overrides):
    data = {
        "point": points.centre.pk,
        "channel": "phone",
        "kind": points.kinds["legal_aid"].pk,
        "name": "罗伟明",
        "phone": "13800009005",
        "description": "来电申请法律援助，追讨工资。",
        "received_on": timezone.localdate().isoformat(),
        "preferred_date": timezone.localdate().isoformat(),
        "time_slot": "afternoon",
        "language": "zh-hans",
        "note": "",
        "informed": "on",
    }
    data.update(overrides)
    return data


class StaffRegisterServiceTests:
    def test_p1_walk_in_recorded_with_its_channel_clock_and_audit_event(self, points: Points, officer):
        """D38: the legal-aid decision clock runs 7 days from the day the request was received."""
        submitted = register(points, officer)
        request = ServiceRequest.objects.get(pk=submitted.request.pk)
        assert (request.channel, request.status, request.point, request.name) == (
            RequestChannel.WALK_IN,
            RequestStatus.REQUESTED,
            points.centre,
            "罗伟明",
        )
        assert request.preferred_date == timezone.localdate() and request.time_slot in ("morning", "afternoon")
        [clock] = running(request)
        assert (clock.kind, clock.start_date) == ("legal_aid_7calendar", timezone.localdate())
        event = AuditEvent.objects.get(action="legalservice.register", object_id=str(request.pk))
        assert event.actor_id == officer.pk and event.org_id == points.justice_bureau.pk
        assert event.summary["after"]["channel"] == "walk_in" and event.summary["after"]["kind"] == "legal_aid"
        assert "罗伟明" not in str(event.summary) and "13800009005" not in str(event.summary)  # no personal data
        assert not AuditEvent.objects.filter(action="legalservice.request", object_id=str(request.pk)).exists()
        # In the inbox like any other request.
        assert request in request_inbox(officer)

    def test_p1_a_request_taken_earlier_keeps_its_day_of_receipt(self, points: Points, officer):
        """D38: a call taken two days ago and entered today: the 7 days run from the call."""
        received = timezone.localdate() - datetime.timedelta(days=2)
        submitted = register(points, officer, channel=RequestChannel.PHONE, received_on=received)
        assert submitted.request.channel == RequestChannel.PHONE
        assert running(submitted.request)[0].start_date == received

    def test_p1_accepted_on_the_spot(self, points: Points, officer):
        """D41: notarisation accepted at the counter: the 15-working-day completion clock starts."""
        submitted = register(points, officer, "notarisation", accept_now=True, note="请下周二上午带原件来办理。")
        request = ServiceRequest.objects.get(pk=submitted.request.pk)
        assert (request.status, request.public_note, request.handled_by) == (
            RequestStatus.ACCEPTED,
            "请下周二上午带原件来办理。",
            officer,
        )
        [clock] = running(request)
        assert clock.kind == "notarisation_15working"
        actions = list(
            AuditEvent.objects.filter(
                object_type=OBJECT_TYPE, object_id=str(request.pk), action__startswith="legalservice."
            )
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == ["legalservice.register", "legalservice.accept"]

    def test_p1_legal_aid_granted_on_the_spot_stops_the_decision_clock(self, points: Points, officer):
        submitted = register(points, officer, accept_now=True)
        assert submitted.request.status == RequestStatus.ACCEPTED and running(submitted.request) == []

    def test_only_staff_who_handle_the_points_organisation_may_register(self, points: Points):
        other_town = make_user((Role.HANDLING_OFFICER, points.town_b_justice))
        supervisor = make_user((Role.SUPERVISOR, points.mini.petition_bureau))  # no legalservice.handle
        for user in (other_town, supervisor):
            with pytest.raises(PermissionDenied):
                register(points, user)
        assert not ServiceRequest.objects.exists() and not Clock.objects.exists()
        # A town clerk registers at the town's own points (their area).
        clerk = make_user((Role.RECEPTION_CLERK, points.mini.town_b_office))
        submitted = register(points, clerk, "consultation", point=points.town_b)
        assert submitted.request.point == points.town_b

    def test_bad_data_is_refused_field_by_field_and_nothing_is_written(self, points: Points, officer):
        bureau = make_user((Role.BUREAU_HEAD, points.mini.petition_bureau))  # every point of the district
        with pytest.raises(ValidationError) as raised:
            register(
                points,
                bureau,
                "notarisation",
                point=points.town_a,  # does not offer notarisation
                channel=RequestChannel.ONLINE,  # staff register walk-ins and calls only
                phone="12",
                received_on=timezone.localdate() + datetime.timedelta(days=1),
                note="说明",  # without accepting
            )
        assert set(raised.value.error_dict) == {"kind", "channel", "phone", "received_on", "note"}
        with pytest.raises(ValidationError) as raised:
            register(
                points, officer, received_on=timezone.localdate() - datetime.timedelta(days=RECEIVED_DAYS_BACK + 1)
            )
        assert set(raised.value.error_dict) == {"received_on"}
        assert (
            not ServiceRequest.objects.exists()
            and not AuditEvent.objects.filter(action__startswith="legalservice.re").exists()
        )


class StaffRegisterPageTests:
    def test_p1_inbox_links_to_the_registration_page(self, client, points: Points, officer):
        client.force_login(officer)
        html = client.get(INBOX_URL).content.decode()
        assert f'href="{NEW_URL}"' in html and "登记来访/来电申请" in html

    def test_permission_anonymous_and_users_without_the_action(self, client, points: Points):
        assert client.get(NEW_URL).status_code == 302  # to the login page
        client.force_login(make_user((Role.SUPERVISOR, points.mini.petition_bureau)))
        assert client.get(NEW_URL).status_code == 403
        assert client.post(NEW_URL, form_data(points)).status_code == 403
        assert client.get(SLIP_URL).status_code == 403
        assert not ServiceRequest.objects.exists()

    def test_only_the_users_points_and_their_kinds_are_offered(self, client, points: Points):
        client.force_login(make_user((Role.HANDLING_OFFICER, points.town_a_justice)))
        form = client.get(NEW_URL).context["form"]
        assert list(form.fields["point"].queryset) == [points.town_a]
        assert {k.code for k in form.fields["kind"].queryset} == {"consultation", "legal_aid"}

    def test_a_point_of_another_organisation_cannot_be_chosen(self, client, points: Points):
        client.force_login(make_user((Role.HANDLING_OFFICER, points.town_a_justice)))
        response = client.post(NEW_URL, form_data(points, point=points.centre.pk))
        assert response.status_code == 400
        assert response.context["form"].errors["point"]
        assert not ServiceRequest.objects.exists()

    def test_a_kind_the_point_does_not_offer_is_a_field_error(self, client, points: Points, officer):
        client.force_login(make_user((Role.BUREAU_HEAD, points.mini.petition_bureau)))  # every point
        response = client.post(
            NEW_URL, form_data(points, point=points.village.pk, kind=points.kinds["notarisation"].pk)
        )
        assert response.status_code == 400
        assert response.context["form"].errors["kind"] == ["该服务点不提供这项服务，请选择其他服务项目或服务点。"]

    def test_bad_input_gives_translated_field_errors_and_keeps_what_was_typed(self, client, points: Points, officer):
        client.force_login(officer)
        client.cookies["django_language"] = "en"
        response = client.post(NEW_URL, form_data(points, phone="12345", informed=""))
        assert response.status_code == 400
        html = response.content.decode()
        with translation.override("en"):
            phone_error = gettext(PHONE_MESSAGE)
        assert phone_error != PHONE_MESSAGE  # the message exists in English …
        assert phone_error in html  # … and the English reader gets it
        assert response.context["form"].errors["informed"]
        # What was typed is still there.
        assert 'value="罗伟明"' in html and 'value="12345"' in html and "来电申请法律援助，追讨工资。" in html
        assert 'value="phone" checked' in html
        assert not ServiceRequest.objects.exists()

    def test_p1_registered_then_the_slip_once_then_the_status_page(self, client, points: Points, officer):
        client.force_login(officer)
        response = client.post(NEW_URL, form_data(points))
        assert response.status_code == 302 and response.url == SLIP_URL
        slip = client.get(SLIP_URL)
        assert slip.status_code == 200
        reference, code = slip.context["reference"], slip.context["code"]
        html = slip.content.decode()
        assert reference in html and code in html and "服务申请登记回执" in html
        assert "http://testserver" + STATUS_URL in html  # where to look it up, printed on the slip
        request = ServiceRequest.objects.get(reference=reference)
        assert (request.channel, request.kind.code) == (RequestChannel.PHONE, "legal_aid")
        # Shown once: the code is not stored in clear and the slip is gone.
        again = client.get(SLIP_URL)
        assert again.status_code == 302 and again.url == INBOX_URL
        assert code.replace("-", "") not in request.access_code_hash
        # The person looks it up with the slip's reference and code.
        client.logout()
        status = client.post(STATUS_URL, {"reference": reference, "code": code})
        assert status.status_code == 200 and status.context["service_request"] == request
        assert status_explanation(request) in status.content.decode()
        # The staff page says how it came and who registered it.
        client.force_login(officer)
        detail = client.get(reverse("legalservices:staff_detail", args=[request.pk])).content.decode()
        assert "来电" in detail and "工作人员登记申请" in detail and officer.get_username() in detail

    def test_p1_slip_in_the_persons_language(self, client, points: Points, officer):
        client.force_login(officer)
        client.post(NEW_URL, form_data(points, language="en", accept_now="on", note="请带身份证。"))
        html = client.get(SLIP_URL).content.decode()
        assert '<section class="slip" lang="en"' in html
        assert "Test District Public Legal Service Centre" in html  # the point's English name
        with translation.override("en"):
            assert gettext("已受理") in html  # the status in English
        request = ServiceRequest.objects.get()
        assert (request.status, request.language, request.public_note) == (RequestStatus.ACCEPTED, "en", "请带身份证。")
