"""Early warning when matters cluster (O1): themes (land acquisition and demolition, property
management, wage arrears), a place, a company name, over the configured window; one live warning
per cluster key, updated by each check, never duplicated; acknowledge and close with a note."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.publicorder.models import ClusterWarning
from xinfang.publicorder.selectors import warning_list, warning_matters
from xinfang.publicorder.services import names_in, order_warning_check, warning_acknowledge, warning_close
from xinfang.publicorder.states import WarningKind, WarningStatus

pytestmark = pytest.mark.django_db

WAGES = {"title": "讨薪", "request": "请求支付工资。", "facts": "包工头拖欠工资三个月。"}


def wage_matters(order, n: int, **overrides):
    return [order.matter(**{**WAGES, **overrides}) for _ in range(n)]


def test_names_in_finds_company_names():
    assert names_in("反映南沙某某建筑工程有限公司拖欠工资") == {"南沙某某建筑工程有限公司"}
    assert names_in("投诉锦绣物业管理有限公司乱收物业费，业主与开发商的纠纷") == {"锦绣物业管理有限公司"}
    assert names_in("某某村经济合作社分红不公", ["南沙某某建筑工程有限公司"]) == {"某某村经济合作社"}
    assert names_in("没有公司名称") == set()
    assert names_in("小区物业公司乱收费，自来水公司停水") == set()  # trade words alone are no names
    assert names_in("反映某某集团有限公司欠款") == {"某某集团有限公司"}
    assert names_in("与 A 公司无关", ["某厂"]) == set()


def test_o1_theme_cluster_raises_one_warning_and_updates_it(order):
    """O1: wage-arrears matters reaching the threshold raise one warning; a second check updates it."""
    matters = wage_matters(order, 3)
    result = order_warning_check()
    theme = [w for w in result.raised if w.kind == WarningKind.THEME]
    assert len(theme) == 1
    warning = theme[0]
    assert warning.key == f"theme:wages@{order.mini.district.pk}" and warning.matter_count == 3
    assert set(warning.matters.values_list("pk", flat=True)) == {m.pk for m in matters}
    assert AuditEvent.objects.filter(action="order.warning_raise", object_id=str(warning.pk)).count() == 1
    again = order_warning_check()
    assert not [w for w in again.raised if w.kind == WarningKind.THEME]
    wage_matters(order, 1)
    order_warning_check()
    assert ClusterWarning.objects.filter(key=warning.key).count() == 1
    warning.refresh_from_db()
    assert warning.matter_count == 4 and warning.status == WarningStatus.OPEN


def test_o1_below_threshold_and_outside_the_window_do_not_warn(order):
    wage_matters(order, 2)
    old = timezone.now() - datetime.timedelta(days=40)
    wage_matters(order, 2, received_at=old)
    assert not ClusterWarning.objects.filter(kind=WarningKind.THEME).exists()
    order_warning_check()
    assert not ClusterWarning.objects.filter(kind=WarningKind.THEME).exists()


def test_o1_matter_type_counts_for_its_theme(order, settings):
    settings.XINFANG_ORDER_WARNING = {
        "THRESHOLD": 2,
        "THEMES": {"property": {"label": "物业管理", "keywords": ["业委会"], "matter_types": []}},
    }
    order.matter(title="业委会选举", request="请求重新选举。", facts="业委会选举程序违法。")
    order.matter(title="业委会账目", request="公开账目。", facts="业委会不公开维修资金账目。")
    (warning,) = [w for w in order_warning_check().raised if w.kind == WarningKind.THEME]
    assert warning.label == "物业管理" and warning.matter_count == 2


def test_o1_place_cluster_rolls_grids_up_to_the_village(order):
    mini = order.mini
    for place in (mini.grid_a1_1, mini.grid_a1_2, mini.village_a1):
        order.matter(title="噪声", request="整改。", facts="夜间施工噪声。", place_org=place)
    (warning,) = [w for w in order_warning_check().raised if w.kind == WarningKind.PLACE]
    assert warning.key == f"place:{mini.village_a1.pk}" and warning.organisation == mini.village_a1
    assert warning.label == mini.village_a1.name


def test_o1_company_name_cluster(order):
    for n in range(3):
        order.matter(title=f"投诉{n}", request="退款。", facts="反映南沙某某健身有限公司关门跑路，预付卡无法退款。")
    (warning,) = [w for w in order_warning_check().raised if w.kind == WarningKind.NAME]
    assert warning.label == "南沙某某健身有限公司" and warning.matter_count == 3


def test_o1_grid_events_count_for_place_and_theme(order):
    grid_services = pytest.importorskip("xinfang.grid.services")
    worker = make_user((Role.GRID_WORKER, order.mini.grid_b1_1))
    for _ in range(2):
        data = grid_services.GridEventData(place_text="乙一社区2栋", description="工人聚集讨薪，称拖欠工资。")
        grid_services.grid_event_report(actor=worker, grid=order.mini.grid_b1_1, data=data)
    order.matter(**WAGES, place_org=order.mini.village_b1)
    raised = {w.kind: w for w in order_warning_check().raised}
    assert raised[WarningKind.THEME].grid_event_count == 2 and raised[WarningKind.THEME].matter_count == 1
    assert raised[WarningKind.PLACE].key == f"place:{order.mini.village_b1.pk}"
    assert raised[WarningKind.PLACE].total == 3


def test_acknowledge_close_and_raise_again_only_for_new_matters(order):
    wage_matters(order, 3)
    (warning,) = [w for w in order_warning_check().raised if w.kind == WarningKind.THEME]
    with pytest.raises(ValidationError):
        warning_acknowledge(actor=order.clerk, warning=warning, note=" ")
    with pytest.raises(PermissionDenied):
        warning_acknowledge(actor=order.street_clerk, warning=warning, note="已知悉。")
    warning = warning_acknowledge(actor=order.leader, warning=warning, note="已召集人社局研究。")
    assert warning.status == WarningStatus.ACKNOWLEDGED
    order_warning_check()  # an acknowledged warning stays live: updated, not duplicated
    assert ClusterWarning.objects.filter(key=warning.key).count() == 1
    warning = warning_close(actor=order.clerk, warning=warning, note="工资已支付。")
    assert warning.status == WarningStatus.CLOSED and "工资已支付" in warning.note
    with pytest.raises(ValidationError):
        warning_close(actor=order.clerk, warning=warning, note="again")
    order_warning_check()
    assert ClusterWarning.objects.filter(key=warning.key).count() == 1  # nothing new since closing
    wage_matters(order, 1)
    (again,) = [w for w in order_warning_check().raised if w.kind == WarningKind.THEME]
    assert again.pk != warning.pk and again.matter_count == 4


def test_reads_are_scoped(order):
    wage_matters(order, 3, place_org=order.mini.village_b1)
    order_warning_check()
    district_keys = set(warning_list(user=order.clerk).values_list("kind", flat=True))
    assert district_keys == {WarningKind.THEME, WarningKind.PLACE}
    street = list(warning_list(user=order.street_clerk))
    assert [w.kind for w in street] == [WarningKind.PLACE]  # the place is in street B, the theme district-wide
    assert not warning_list(user=order.officer).exists()
    # Drill-down shows only the matters the reader may see.
    place = street[0]
    assert warning_matters(user=order.street_clerk, warning=place).count() == 0
    assert warning_matters(user=order.clerk, warning=place).count() == 3


def test_command_and_task(order):
    from io import StringIO

    from xinfang.publicorder.tasks import order_warning_check_task

    wage_matters(order, 3)
    out = StringIO()
    call_command("order_warning_check", stdout=out)
    assert "1 raised" in out.getvalue()
    result = order_warning_check_task.call()
    assert result["raised"] == 0 and result["updated"] == 1
