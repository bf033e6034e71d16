"""The reply-check endpoint (/text/reply-check/: htmx fragment, POST only, CSRF, login required) and
its hook on the petitions opinion form (XF-HDL-02, XF-OPN-01)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.petitions.tests.handling_support import build_handling_world, classified

pytestmark = pytest.mark.django_db

URL = "/text/reply-check/"
REQUEST = "丽景花园小区物业擅自把停车费上调到每月300元。请问是否合法？希望退还多收的停车费。"


def test_url_is_mounted():
    assert reverse("textmining:reply_check") == URL


def test_anonymous_is_sent_to_log_in(client):
    response = client.post(URL, {"request_text": REQUEST, "reply_text": "已收悉。"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_get_is_not_allowed_and_csrf_is_enforced(mini):
    user = make_user((Role.HANDLING_OFFICER, mini.housing_bureau))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.get(URL).status_code == 405
    assert strict.post(URL, {"request_text": REQUEST, "reply_text": "已收悉。"}).status_code == 403


def test_xf_hdl_02_fragment_lists_the_flags(client, mini):
    client.force_login(make_user((Role.HANDLING_OFFICER, mini.housing_bureau)))
    response = client.post(
        URL,
        {
            "request": REQUEST,
            "opinion": "我们高度重视，已转交相关部门，将进一步加强管理。",
            "due_date": "2026-09-30",
            "replied_on": "2026-10-09",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="reply-check-result"' in html
    assert 'data-flag="perfunctory"' in html and 'data-flag="late"' in html
    assert "<html" not in html  # a fragment


def test_an_empty_reply_asks_for_the_opinion_first(client, mini):
    client.force_login(make_user((Role.HANDLING_OFFICER, mini.housing_bureau)))
    response = client.post(URL, {"request": REQUEST, "opinion": ""})
    assert response.status_code == 200 and "请先填写处理意见" in response.content.decode()


def test_good_reply_in_the_opinion_fields_passes(client, mini):
    client.force_login(make_user((Role.HANDLING_OFFICER, mini.housing_bureau)))
    response = client.post(
        URL,
        {
            "request": REQUEST,
            "facts_reasons": "经2026年5月12日现场核查，丽景花园小区停车费上调未经业主大会表决，上调不合法。",
            "opinion": "责令物业自6月1日起恢复每月150元标准，并在30日内退还多收的停车费。",
            "legal_basis": "《西地省物业服务收费管理办法》第十二条",
        },
    )
    assert "未发现" in response.content.decode()


def test_xf_opn_01_opinion_form_carries_the_hook(client, mini):
    """The opinion form (XF-OPN-01) offers the check; other handling forms do not."""
    hw = build_handling_world(mini)
    matter = classified(hw)
    client.force_login(hw.town_officer)
    page = client.get(reverse("petitions:handling_opinion", args=[matter.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'hx-post="{URL}"' in html and "[name='opinion']" in html
    other = client.get(reverse("petitions:handling_record", args=[matter.pk]))
    assert f'hx-post="{URL}"' not in other.content.decode()
