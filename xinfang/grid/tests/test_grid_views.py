"""The grid pages: the phone report form, the list (scope, filters, query count), one event with
its actions, and the vector map. Every view: allowed and denied."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.grid.models import GridEvent
from xinfang.grid.states import EventLevel, EventStatus

from .conftest import GridWorld

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def report_post(**extra):
    data = {
        "grid": "",
        "place_text": "甲一村村口",
        "category": "",
        "description": "村民反映征地补偿款一直没有到位。",
        "lon": "113.505",
        "lat": "22.705",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-name": "王五",
        "parties-0-role": "applicant",
        "parties-0-phone": "13900000003",
        "parties-1-name": "",
        "parties-1-role": "respondent",
        "parties-1-phone": "",
    }
    data.update(extra)
    return data


class ReportViewTests:
    def test_the_phone_form_has_camera_capture_and_a_dont_know_category(self, client, gw: GridWorld):
        client.force_login(gw.worker)
        page = client.get(reverse("grid:report")).content.decode()
        assert 'capture="environment"' in page and 'accept="image/jpeg,image/png"' in page
        assert "不清楚（由系统建议）" in page
        assert 'name="parties-0-name"' in page

    def test_a_grid_worker_reports_and_gets_a_suggestion(self, client, gw):
        client.force_login(gw.worker)
        data = report_post(grid=str(gw.mini.grid_a1_1.pk), photos=SimpleUploadedFile("a.png", PNG, "image/png"))
        response = client.post(reverse("grid:report"), data)
        event = GridEvent.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("grid:detail", args=[event.pk])
        assert getattr(event.suggested_category, "code", None) == "land_housing"
        assert event.parties == [{"name": "王五", "role": "applicant", "phone": "13900000003"}]
        assert event.photos.count() == 1

    def test_grid_03_outside_any_grid_is_shown_as_a_field_error_and_nothing_saved(self, client, gw):
        client.force_login(gw.worker)
        response = client.post(reverse("grid:report"), report_post(grid=str(gw.mini.grid_a1_1.pk), lon="120.0"))
        assert response.status_code == 400
        assert "不在任何网格范围内" in response.content.decode()
        assert not GridEvent.objects.exists()

    def test_denied_to_non_grid_workers_and_to_other_grids(self, client, gw):
        client.force_login(gw.village_head)
        assert client.get(reverse("grid:report")).status_code == 403
        client.force_login(gw.worker)
        response = client.post(reverse("grid:report"), report_post(grid=str(gw.mini.grid_b1_1.pk)))
        assert response.status_code == 400 and not GridEvent.objects.exists()


class ListViewTests:
    def test_scoped_paginated_with_clock_badges_in_a_fixed_number_of_queries(
        self, client, gw, django_assert_max_num_queries
    ):
        for n in range(6):
            gw.report(f"邻居噪音扰民第{n}次")
        gw.report("other grid", actor=gw.other_worker, grid=gw.mini.grid_b1_1, place_text="乙一社区")
        client.force_login(gw.village_head)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("grid:list"))
        page = response.content.decode()
        assert page.count('data-clock-kind="grid_due"') == 6
        assert "乙一社区" not in page
        for n in range(10):
            gw.report(f"邻居噪音扰民再{n}次")
        with django_assert_max_num_queries(12):  # the same count with more rows
            client.get(reverse("grid:list"))

    def test_filters(self, client, gw):
        gw.report("包工头拖欠工资")
        gw.report("楼上漏水")
        client.force_login(gw.worker)
        page = client.get(reverse("grid:list"), {"q": "漏水"}).content.decode()
        assert "楼上漏水" in page and "拖欠工资" not in page
        page = client.get(reverse("grid:list"), {"status": "open", "level": EventLevel.TOWN}).content.decode()
        assert "楼上漏水" not in page

    def test_denied_without_grid_event_view(self, client, gw, mini):
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert client.get(reverse("grid:list")).status_code == 403
        client.force_login(gw.outsider)
        assert "楼上" not in client.get(reverse("grid:list")).content.decode()


class DetailViewTests:
    def test_handler_sees_actions_and_walks_the_workflow(self, client, gw):
        event = gw.report()
        client.force_login(gw.village_head)
        page = client.get(reverse("grid:detail", args=[event.pk])).content.decode()
        assert "受理" in page and "上报上级" in page
        client.post(reverse("grid:action", args=[event.pk, "accept"]))
        response = client.post(reverse("grid:action", args=[event.pk, "handle"]), {"result": ""})
        assert response.status_code == 400
        client.post(reverse("grid:action", args=[event.pk, "handle"]), {"result": "已协调修复"})
        client.post(reverse("grid:action", args=[event.pk, "close"]))
        client.force_login(gw.worker)
        client.post(reverse("grid:action", args=[event.pk, "verify"]), {"note": "现场核实"})
        event.refresh_from_db()
        assert event.status == EventStatus.VERIFIED

    def test_the_grid_worker_escalates_to_the_town_and_then_loses_the_actions(self, client, gw):
        event = gw.report()
        client.force_login(gw.worker)
        response = client.post(reverse("grid:action", args=[event.pk, "escalate"]), {"reason": "村里调解不成"})
        assert response.status_code == 302
        event.refresh_from_db()
        assert event.current_org == gw.mini.town_a
        page = client.get(reverse("grid:detail", args=[event.pk])).content.decode()
        assert reverse("grid:action", args=[event.pk, "escalate"]) not in page

    def test_denied_to_others_and_refused_actions(self, client, gw):
        event = gw.report()
        client.force_login(gw.outsider)
        assert client.get(reverse("grid:detail", args=[event.pk])).status_code == 404
        assert client.post(reverse("grid:action", args=[event.pk, "accept"])).status_code == 404
        client.force_login(gw.worker)
        assert client.post(reverse("grid:action", args=[event.pk, "accept"])).status_code == 403
        assert client.post(reverse("grid:action", args=[event.pk, "nonsense"])).status_code == 404


class MapViewTests:
    def test_the_map_draws_a_polygon_per_grid_dots_a_legend_and_a_table(self, client, gw):
        gw.report(lon=113.505, lat=22.705)
        gw.report()  # no coordinates: table only
        client.force_login(gw.bureau_head)
        page = client.get(reverse("grid:map")).content.decode()
        svg = re.search(r"<svg[^>]*viewBox=\"0 0 1000 \d+\".*?</svg>", page, re.S)
        assert svg is not None
        assert svg.group(0).count("<path ") == 3  # three grids with boundaries
        assert svg.group(0).count("<circle ") == 1
        assert "甲一村第1网格" in svg.group(0)
        assert "图例" in page and page.count("<table") == 2
        assert 'role="img"' in page

    def test_denied_without_grid_event_view(self, client, gw, mini):
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert client.get(reverse("grid:map")).status_code == 403
        client.logout()
        assert client.get(reverse("grid:map")).status_code == 302
