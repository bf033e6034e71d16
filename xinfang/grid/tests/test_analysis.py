"""Analysis of grid events (issue 7 §3; GRID-ANA-01: a user sees only their own subtree): exact
counts on a small fixture, the page's permission, data tables and query count."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.grid.analysis import analysis_build, mask_name, normalise_place
from xinfang.grid.importing import grid_events_import

from .conftest import GridWorld
from .test_import import csv_bytes

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)


@pytest.fixture
def world(gw: GridWorld) -> GridWorld:
    """Seven events in 2025 (and one in 2024, outside the period) imported into three grids."""
    m = gw.mini
    a1, a2, b1 = m.grid_a1_1.code, m.grid_a1_2.code, m.grid_b1_1.code
    rows = [
        [a1, "2025-01-05 09:00", "", "甲一村3巷5号", "楼上漏水", "neighbour", "张三/申请人；李四", "", "", ""],
        [a1, "2025-01-20 09:00", "", "甲一村 3巷5号", "又漏水", "neighbour", "张三；王五", "", "", ""],
        [a1, "2025-02-01 09:00", "", "甲一村３巷５号", "邻居吵架", "neighbour", "张三", "已上报", "", ""],
        [a2, "2025-02-03 09:00", "", "甲一村工地", "包工头拖欠工资", "wage_arrears", "赵六", "", "", ""],
        [a2, "2025-03-03 09:00", "", "甲一村工地", "广场舞噪音扰民", "", "", "", "", ""],
        [b1, "2025-03-04 09:00", "", "乙一社区广场", "情况待核实", "", "", "", "", ""],
        [b1, "2025-03-05 09:00", "", "乙一社区", "合同违约欠款", "contract_debt", "", "", "", ""],
        [b1, "2024-12-31 09:00", "", "乙一社区", "合同违约欠款", "contract_debt", "", "", "", ""],
    ]
    assert grid_events_import(actor=gw.admin, name="e.csv", content=csv_bytes(rows)).ok
    return gw


def counts(buckets) -> dict[str, int]:
    return {b.label: b.count for b in buckets}


class AnalysisTests:
    def test_exact_counts_by_category_status_area_month_place_and_party(self, world: GridWorld):
        report = analysis_build(user=world.bureau_head, organisation=None, date_from=START, date_to=END)
        assert (report.total, report.suggested_only, report.uncategorised) == (7, 1, 1)
        assert counts(report.by_category) == {"邻里纠纷": 3, "欠薪": 1, "环境与噪声扰民": 1, "未分类": 1, "合同债务": 1}
        assert counts(report.by_status) == {"已上报": 1, "已办结": 6}
        assert counts(report.by_town) == {"甲镇": 5, "乙街道": 2}
        assert counts(report.by_village) == {"甲一村": 5, "乙一社区": 2}
        assert counts(report.by_grid) == {"甲一村第1网格": 3, "甲一村第2网格": 2, "乙一社区第1网格": 2}
        assert [(b.label, b.count) for b in report.by_month[:4]] == [
            ("2025-01", 2),
            ("2025-02", 2),
            ("2025-03", 3),
            ("2025-04", 0),
        ]
        assert len(report.by_month) == 12
        trend = dict(report.trend_series)
        assert trend["邻里纠纷"][:3] == [2, 1, 0]
        # Three spellings of one place count together; single places are not "recurring".
        assert counts(report.top_places) == {"甲一村3巷5号": 3, "甲一村工地": 2}
        assert counts(report.top_parties) == {"张三": 3}  # bureau head: personal data in the area
        assert not report.parties_masked

    def test_grid_ana_01_a_user_sees_only_their_subtree(self, world: GridWorld):
        street = analysis_build(user=world.outsider, organisation=None, date_from=START, date_to=END)
        assert street.total == 2 and counts(street.by_town) == {"乙街道": 2}
        worker = analysis_build(user=world.worker, organisation=None, date_from=START, date_to=END)
        assert worker.total == 3 and counts(worker.by_grid) == {"甲一村第1网格": 3}
        assert worker.parties_masked and counts(worker.top_parties) == {"张*": 3}
        # Choosing another organisation never widens the scope.
        other = analysis_build(user=world.worker, organisation=world.mini.village_b1, date_from=START, date_to=END)
        assert other.total == 0

    def test_organisation_and_period_filter(self, world: GridWorld):
        village = analysis_build(
            user=world.bureau_head, organisation=world.mini.village_a1, date_from=START, date_to=END
        )
        assert village.total == 5
        january = analysis_build(
            user=world.bureau_head, organisation=None, date_from=START, date_to=datetime.date(2025, 1, 31)
        )
        assert january.total == 2

    def test_helpers(self):
        assert normalise_place(" 甲一村３巷５号。") == normalise_place("甲一村3巷5号") == "甲一村3巷5号"
        assert mask_name("张三丰") == "张**" and mask_name("李") == "李*"


class AnalysisPageTests:
    url = reverse("grid:analysis")

    def test_permission_allowed_and_denied(self, client, world: GridWorld):
        client.force_login(world.bureau_head)
        assert client.get(self.url).status_code == 200
        nobody = make_user((Role.CONGRESS_OVERSEER, world.mini.district))
        client.force_login(nobody)
        assert client.get(self.url).status_code == 403
        client.logout()
        assert client.get(self.url).status_code == 302  # to the login page

    def test_charts_with_data_tables_and_a_bounded_number_of_queries(self, client, world: GridWorld):
        client.force_login(world.bureau_head)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(self.url, {"date_from": "2025-01-01", "date_to": "2025-12-31"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "vendor/echarts-6.1.0/echarts.min.js" in html and 'id="analysis-data"' in html
        assert html.count('data-chart="') == 8 and "<table" in html
        assert "甲一村第1网格" in html and "2025-03" in html
        assert len(queries) <= 16, [q["sql"][:80] for q in queries]

    def test_bad_period_is_a_translated_error(self, client, world: GridWorld):
        client.force_login(world.bureau_head)
        response = client.get(self.url, {"date_from": "2025-12-31", "date_to": "2025-01-01"})
        assert response.status_code == 200
        assert "起始日期不能晚于截止日期。" in response.content.decode()
