"""The hot-spot pages (/text/hotspots/, `statistics.view`; O1, G1): anonymous users are sent to
log in, users without the right are refused, a reader in another area sees none of the matters,
the bureau sees the hot spot of its matters with a drill-down to each matter; the list page's
query count does not grow with the matters. Matters come through the registered source
(`petitions.selectors.hotspot_documents`, which applies restrict(), XF-CLS-03 included)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.petitions.services.intake import PetitionerData
from xinfang.petitions.testing import register_walk_in
from xinfang.textmining.hotspots_sources import hotspot_documents

pytestmark = pytest.mark.django_db

URL = "/text/hotspots/"


def register(mini, n: int, *, start: int = 0, **overrides):  # type: ignore[no-untyped-def]
    matters = []
    for i in range(start, start + n):
        values: dict[str, Any] = {
            "title": f"丽景花园小区停车收费问题{i}",
            "request": "请求纠正丽景花园物业擅自上调停车费。",
            "facts": f"丽景花园物业自本月起将停车费每月上调至{300 + i}元，未经业主大会同意。",
            "petitioners": [PetitionerData(name=f"业主{i}", id_number=f"44011519900101{i:04d}", address="丽景花园")],
        }
        values.update(overrides)
        matters.append(register_walk_in(mini, **values))
    return matters


def test_url_is_mounted():
    assert reverse("textmining:hotspots") == URL
    assert reverse("textmining:hotspot_detail", args=["abc"]) == URL + "abc/"


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(URL + "abc/").status_code == 302


def test_without_statistics_view_refused(client, mini):
    officer = make_user((Role.HANDLING_OFFICER, mini.housing_bureau))
    client.force_login(officer)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "abc/").status_code == 403


def test_o1_bureau_sees_the_hot_spot_and_drills_down(client, mini, django_assert_max_num_queries):
    """O1: three petitioners about one estate make a hot spot; its page lists their matters."""
    matters = register(mini, 3)
    register_walk_in(mini, title="工地拖欠工资")  # alone: no hot spot
    head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
    client.force_login(head)
    with django_assert_max_num_queries(12):
        page = client.get(URL)
    assert page.status_code == 200
    rows = page.context["rows"]
    assert len(rows) == 1
    spot, link = rows[0]
    assert spot.label == "丽景花园" and spot.messages == 3 and spot.authors == 3
    assert spot.recent == 3 and spot.previous == 0
    html = page.content.decode()
    assert "丽景花园" in html and "hotspot-data" in html
    detail = client.get(link)
    assert detail.status_code == 200
    body = detail.content.decode()
    for matter in matters:
        assert reverse("petitions:matter_detail", args=[matter.pk]) in body
    assert "工地拖欠工资" not in body


def test_list_query_count_does_not_grow(client, mini, django_assert_max_num_queries):
    register(mini, 3)
    head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
    client.force_login(head)
    with django_assert_max_num_queries(12):
        client.get(URL)
    register(mini, 6, start=3)
    register(
        mini,
        3,
        start=20,
        title="博才小学门口交通拥堵",
        request="请求整治博才小学门口乱停车。",
        facts="博才小学上下学时段车辆乱停。",
    )
    with django_assert_max_num_queries(12):
        page = client.get(URL)
    assert sorted(s.messages for s, _url in page.context["rows"]) == [3, 9]


def test_another_area_sees_none_and_unknown_key_is_404(client, mini):
    register(mini, 3)
    outsider = make_user((Role.LEADER, mini.town_b))
    client.force_login(outsider)
    page = client.get(URL)
    assert page.status_code == 200 and page.context["rows"] == []
    head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
    client.force_login(head)
    key = client.get(URL).context["rows"][0][0].key
    client.force_login(outsider)
    assert client.get(URL + f"{key}/").status_code == 404  # the bureau's hot spot is not reachable
    client.force_login(head)
    assert client.get(URL + "000000000000/").status_code == 404


def test_window_filters_and_validates(client, mini):
    register(mini, 3)
    head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
    client.force_login(head)
    today = timezone.localdate()
    old = {
        "since": (today - datetime.timedelta(days=400)).isoformat(),
        "until": (today - datetime.timedelta(days=300)).isoformat(),
    }
    assert client.get(URL, old).context["rows"] == []
    bad = client.get(URL, {"since": today.isoformat(), "until": (today - datetime.timedelta(days=1)).isoformat()})
    assert bad.status_code == 200 and bad.context["rows"] == [] and bad.context["form"].errors


def test_source_applies_restrict(mini):
    """The petitions source only returns matters the reader may count (statistics.view scope)."""
    register(mini, 2)
    now = timezone.now()
    window = {"since": now - datetime.timedelta(days=1), "until": now + datetime.timedelta(days=1)}
    head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
    outsider = make_user((Role.LEADER, mini.town_b))
    docs = hotspot_documents(user=head, **window)
    assert len(docs) == 2 and len({d.author for d in docs}) == 2
    assert all(d.url.startswith("/") and d.ref.startswith("petitions.matter:") for d in docs)
    assert hotspot_documents(user=outsider, **window) == []
