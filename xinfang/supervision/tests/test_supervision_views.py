"""The supervision pages: every view redirects anonymous users to the login, refuses users without
the action (403) or outside its scope (404), and serves the right role; lists keep a constant
number of queries (no N+1)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.petitions.states import Nature
from xinfang.supervision import services
from xinfang.supervision.models import AccountabilityRecord, Referral, SupervisionOrder
from xinfang.supervision.states import DecisionKind, FindingKind, Measure, OrderStatus, Trigger

pytestmark = pytest.mark.django_db


def _referral(sup):  # type: ignore[no-untyped-def]
    matter = sup.matter(nature=Nature.REPORT, forward=False)
    return services.referral_create(
        actor=sup.bureau,
        matter=matter,
        sending_org=sup.mini.petition_bureau,
        discipline_org=sup.discipline,
        reason="移送。",
    )


def _record(sup):  # type: ignore[no-untyped-def]
    return services.accountability_record(
        actor=sup.bureau,
        organisation=sup.mini.petition_bureau,
        subject_org=sup.mini.housing_bureau,
        finding=FindingKind.SHIRKING,
        facts="逾期未办结。",
        measure=Measure.TALK,
        decided_on=timezone.localdate(),
    )


def _meeting(sup):  # type: ignore[no-untyped-def]
    meeting = services.meeting_create(
        actor=sup.leader, organisation=sup.mini.district, title="联席会议", held_on=timezone.localdate()
    )
    services.meeting_decision_add(actor=sup.leader, meeting=meeting, kind=DecisionKind.COORDINATION, text="协调。")
    return meeting


def _all_urls(sup) -> dict[str, str]:  # type: ignore[no-untyped-def]
    order = sup.order()
    referral = _referral(sup)
    record = _record(sup)
    meeting = _meeting(sup)
    decision = meeting.decisions.get()
    return {
        "orders": reverse("supervision:orders"),
        "order_create": reverse("supervision:order_create"),
        "order_detail": reverse("supervision:order_detail", args=[order.pk]),
        "order_action": reverse("supervision:order_action", args=[order.pk, "escalate"]),
        "referrals": reverse("supervision:referrals"),
        "referral_create": reverse("supervision:referral_create") + f"?matter={referral.matter_id}",
        "referral_detail": reverse("supervision:referral_detail", args=[referral.pk]),
        "records": reverse("supervision:records"),
        "record_create": reverse("supervision:record_create"),
        "record_detail": reverse("supervision:record_detail", args=[record.pk]),
        "meetings": reverse("supervision:meetings"),
        "meeting_create": reverse("supervision:meeting_create"),
        "meeting_detail": reverse("supervision:meeting_detail", args=[meeting.pk]),
        "decision_add": reverse("supervision:decision_add", args=[meeting.pk]),
        "decision_follow_up": reverse("supervision:decision_follow_up", args=[decision.pk]),
    }


def test_every_view_redirects_anonymous_users(client, sup):
    for name, url in _all_urls(sup).items():
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], name
    response = client.post(reverse("supervision:referral_action", args=[Referral.objects.get().pk, "verify"]))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_every_view_serves_the_right_role(client, sup):
    urls = _all_urls(sup)
    right = {
        "orders": sup.supervisor,
        "order_create": sup.supervisor,
        "order_detail": sup.supervisor,
        "order_action": sup.supervisor,
        "referrals": sup.bureau,
        "referral_create": sup.bureau,
        "referral_detail": sup.bureau,
        "records": sup.overseer,
        "record_create": sup.bureau,
        "record_detail": sup.overseer,
        "meetings": sup.leader,
        "meeting_create": sup.leader,
        "meeting_detail": sup.leader,
        "decision_add": sup.leader,
        "decision_follow_up": sup.leader,
    }
    for name, url in urls.items():
        client.force_login(right[name])
        assert client.get(url).status_code == 200, name


def test_every_view_refuses_users_without_the_right_or_outside_the_scope(client, sup):
    urls = _all_urls(sup)
    # A grid-less clerk holds none of the actions except matter.view: 403 everywhere.
    client.force_login(sup.clerk)
    for name, url in urls.items():
        assert client.get(url).status_code == 403, name
    # Another area's supervisor (乙街道): lists are empty, rows of the district are 404.
    client.force_login(sup.outsider)
    assert client.get(urls["orders"]).context["page"].paginator.count == 0
    assert client.get(urls["referrals"]).context["page"].paginator.count == 0
    assert client.get(urls["records"]).context["page"].paginator.count == 0
    for name in ("order_detail", "order_action", "referral_detail", "record_detail"):
        assert client.get(urls[name]).status_code == 404, name
    # A district leader runs conferences, but the town's supervisor does not.
    for name in ("meetings", "meeting_create", "meeting_detail", "decision_add", "decision_follow_up"):
        assert client.get(urls[name]).status_code == 403, name
    # The supervised officer sees the order but may not escalate it.
    client.force_login(sup.officer)
    assert client.get(urls["order_detail"]).status_code == 200
    assert client.get(urls["order_action"]).status_code == 403
    # XF-CLS-03: the unit concerned does not see the accountability record (no right: 403).
    assert client.get(urls["record_detail"]).status_code == 403


def test_order_list_query_count_is_constant(client, sup, django_assert_max_num_queries):
    for _ in range(3):
        sup.order(sup.matter(forward=True))
    client.force_login(sup.supervisor)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("supervision:orders"))
    assert page.context["page"].paginator.count == 3
    for _ in range(5):
        sup.order()
    with django_assert_max_num_queries(12):
        page = client.get(reverse("supervision:orders"), {"status": OrderStatus.OPEN})
    assert page.context["page"].paginator.count == 8


def test_other_lists_query_count_is_constant(client, sup, django_assert_max_num_queries):
    for _ in range(3):
        _referral(sup)
        _record(sup)
        _meeting(sup)
    for user, name, count in (
        (sup.bureau, "supervision:referrals", 3),
        (sup.overseer, "supervision:records", 3),
        (sup.leader, "supervision:meetings", 3),
    ):
        client.force_login(user)
        with django_assert_max_num_queries(12):
            page = client.get(reverse(name))
        assert page.context["page"].paginator.count == count, name


def test_open_answer_close_through_the_pages(client, sup):
    matter = sup.matter()
    client.force_login(sup.supervisor)
    form_page = client.get(reverse("supervision:order_create"), {"matter": matter.pk})
    assert form_page.status_code == 200
    response = client.post(
        reverse("supervision:order_create") + f"?matter={matter.pk}",
        {
            "issuing_org": sup.mini.petition_bureau.pk,
            "target_org": sup.mini.housing_bureau.pk,
            "trigger": Trigger.OVERDUE,
            "kind": "ordinary",
            "demands": "请于期限内办结。",
        },
    )
    order = SupervisionOrder.objects.get()
    assert response.status_code == 302 and order.matter == matter
    client.force_login(sup.officer)
    client.post(reverse("supervision:order_action", args=[order.pk, "answer"]), {"answer": "已办结。", "adopted": "1"})
    client.force_login(sup.supervisor)
    client.post(reverse("supervision:order_action", args=[order.pk, "close"]), {"outcome": "accepted"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    # Bad input: a 400 with the errors on the form, nothing written.
    bad = client.post(reverse("supervision:order_create"), {"issuing_org": sup.mini.petition_bureau.pk})
    assert bad.status_code == 400 and SupervisionOrder.objects.count() == 1


def test_matter_page_shows_the_orders(client, sup):
    matter = sup.matter()
    order = sup.order(matter)
    client.force_login(sup.supervisor)
    page = client.get(reverse("petitions:matter_detail", args=[matter.pk]))
    assert page.status_code == 200
    assert order.number in page.content.decode()


def test_referral_verify_and_feedback_pages(client, sup):
    referral = _referral(sup)
    client.force_login(sup.bureau)
    client.post(reverse("supervision:referral_action", args=[referral.pk, "verify"]))
    referral.refresh_from_db()
    assert referral.last_verified_ok is True
    client.post(
        reverse("supervision:referral_action", args=[referral.pk, "feedback"]),
        {"handling_mode": "close", "feedback": "予以了结。"},
    )
    referral.refresh_from_db()
    assert referral.status == "concluded"
    client.force_login(sup.outsider)
    assert client.post(reverse("supervision:referral_action", args=[referral.pk, "verify"])).status_code == 404


def test_record_create_page(client, sup):
    client.force_login(sup.bureau)
    response = client.post(
        reverse("supervision:record_create"),
        {
            "organisation": sup.mini.petition_bureau.pk,
            "subject_org": sup.mini.housing_bureau.pk,
            "finding": FindingKind.NOT_ACCEPTED,
            "facts": "应当受理而不受理。",
            "measure": Measure.CORRECTION,
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302 and AccountabilityRecord.objects.count() == 1


def test_appointment_page(client, sup, django_assert_max_num_queries):
    url = reverse("supervision:appointments")
    assert client.get(url).status_code == 302
    client.force_login(sup.supervisor)
    assert client.get(url).status_code == 403
    client.force_login(sup.admin)
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "username": sup.officer.username,
            "organisation": sup.mini.petition_bureau.pk,
            "starts_on": today.isoformat(),
            "ends_on": today.replace(year=today.year + 1).isoformat(),
            "note": "新提拔干部",
        },
    )
    assert response.status_code == 302
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.context["page"].paginator.count == 1 and "已授予" in page.content.decode()
    bad = client.post(
        url, {"username": "nobody", "organisation": sup.mini.petition_bureau.pk, "starts_on": today, "ends_on": today}
    )
    assert bad.status_code == 400
