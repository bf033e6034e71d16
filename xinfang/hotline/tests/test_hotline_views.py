"""The staff pages of 12345 orders: the list of my organisations' orders with their clocks, one
order with the actions the user may take, each action through its service; another organisation's
user gets 404, a user without matter.view 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.hotline.models import HotlineOrder
from xinfang.hotline.services import order_accept, order_dispatch
from xinfang.hotline.states import Exclusion, OrderStatus

from .conftest import at, frozen

pytestmark = [pytest.mark.django_db, pytest.mark.urls("xinfang.hotline.tests.urls")]


def test_list_shows_my_orders_with_their_clocks(client, hotline, django_assert_max_num_queries):
    for n in range(4):
        hotline.receive(external_id=f"L-{n}")
    excluded = hotline.receive(external_id="L-X", exclusion=Exclusion.SECRETS_PRIVACY)
    client.force_login(hotline.clerk)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("hotline:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "L-0" in html and "L-X" in html and 'data-clock-kind="hotline_dispatch"' in html
    assert "李*" in html and "李四" not in html and "13900002222" not in html
    assert "不予受理情形" in html
    assert page.context["nav"]["hotline"] is True
    closed_only = client.get(reverse("hotline:list"), {"status": "closed"})
    assert closed_only.context["page"].paginator.count == 0
    overdue = client.get(reverse("hotline:list"), {"status": "", "due": "overdue"})
    # Received on 2026-09-30 with one working day to dispatch: long overdue today.
    assert overdue.context["page"].paginator.count == 5
    assert excluded.pk in [o.pk for o in overdue.context["items"]]


def test_list_is_closed_without_matter_view_and_empty_for_another_organisation(client, hotline, mini):
    hotline.receive()
    client.force_login(make_user((Role.GRID_WORKER, mini.village_a1)))
    assert client.get(reverse("hotline:list")).status_code == 403
    client.force_login(hotline.outsider)
    assert client.get(reverse("hotline:list")).context["page"].paginator.count == 0


def test_detail_offers_the_actions_of_the_users_role_and_dispatch_works(client, hotline):
    order = hotline.receive()
    client.force_login(hotline.clerk)
    page = client.get(reverse("hotline:detail", args=[order.pk]))
    assert page.status_code == 200
    assert set(page.context["actions"]) == {"dispatch", "reply", "to_petition"}
    answer = client.post(
        reverse("hotline:action", args=[order.pk, "dispatch"]), {"to_org": hotline.mini.housing_bureau.pk}
    )
    assert answer.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED and order.current_org == hotline.mini.housing_bureau
    client.force_login(hotline.handler)
    page = client.get(reverse("hotline:detail", args=[order.pk]))
    assert set(page.context["actions"]) == {"accept", "return", "object"}
    assert client.post(reverse("hotline:action", args=[order.pk, "accept"])).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED


def test_form_errors_and_refusals_are_shown(client, hotline):
    order = hotline.receive()
    with frozen(at(2026, 9, 30, 10)):
        order = order_dispatch(actor=hotline.clerk, order=order, to_org=hotline.mini.housing_bureau)
    order_accept(actor=hotline.handler, order=order)
    client.force_login(hotline.handler)
    empty = client.post(reverse("hotline:action", args=[order.pk, "reply"]), {"result": ""})
    assert empty.status_code == 400
    late = client.post(reverse("hotline:action", args=[order.pk, "return"]), {"return-reason": "派错了"}, follow=True)
    assert "HOT-04" in late.content.decode()  # the return window (2 working days) closed long ago
    assert HotlineOrder.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED


def test_another_organisations_user_gets_404(client, hotline):
    order = hotline.receive()
    client.force_login(hotline.outsider)
    assert client.get(reverse("hotline:detail", args=[order.pk])).status_code == 404
    assert client.post(reverse("hotline:action", args=[order.pk, "dispatch"]), {}).status_code == 404
    assert client.post(reverse("hotline:caller", args=[order.pk])).status_code == 404


def test_caller_details_on_request_and_audited(client, hotline):
    order = hotline.receive()
    client.force_login(hotline.clerk)
    page = client.post(reverse("hotline:caller", args=[order.pk]))
    html = page.content.decode()
    assert "李四" in html and "13900002222" in html
    assert AuditEvent.objects.filter(action="hotline_order.personal_data_view").count() == 1


def test_to_petition_from_the_page(client, hotline):
    order = hotline.receive()
    client.force_login(hotline.clerk)
    answer = client.post(reverse("hotline:action", args=[order.pk, "to-petition"]), follow=True)
    assert answer.status_code == 200
    order.refresh_from_db()
    assert order.matter is not None
    assert reverse("petitions:matter_detail", args=[order.matter.pk]) in answer.content.decode()


def test_detail_of_an_order_with_its_whole_story(client, hotline):
    """Every part of the page renders: dispatch, extension, reply, return visit, stopped clocks."""
    from xinfang.hotline.services import order_close, order_extend, order_reply
    from xinfang.hotline.states import Evaluation

    order = hotline.receive()
    order = order_dispatch(actor=hotline.clerk, order=order, to_org=hotline.mini.housing_bureau)
    order = order_accept(actor=hotline.handler, order=order)
    order = order_extend(actor=hotline.unit_head, order=order, days=10, reason="需协调施工单位")
    order = order_reply(actor=hotline.handler, order=order, result="已修复路面。")
    order_close(actor=hotline.clerk, order=order, evaluation=Evaluation.DISSATISFIED, note="认为修复太慢")
    client.force_login(hotline.clerk)
    html = client.get(reverse("hotline:detail", args=[order.pk])).content.decode()
    for text in (
        "10 个工作日",
        "需协调施工单位",
        "已修复路面。",
        "不满意",
        "认为修复太慢",
        "已停止",
        "回访办结",
        "测试区住建局",
    ):
        assert text in html, text
