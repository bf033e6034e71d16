"""The rollups equal a direct count after real service calls (register, triage, forward, accept,
reply, conclude, evaluate; grid events reported, handled, closed, escalated), and the rebuild
command gives the same tallies from scratch. G1; XF-SUP-06 figures; XF-SAT-01; XF-DL-01."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from xinfang.core.actors import SYSTEM
from xinfang.dashboards.models import Fact, Tally
from xinfang.dashboards.rollups import rollup_rebuild
from xinfang.dashboards.selectors import dashboard, period_condition
from xinfang.grid.models import GridEvent
from xinfang.grid.services import grid_event_accept, grid_event_close, grid_event_escalate, grid_event_handle
from xinfang.grid.tests.conftest import GridWorld
from xinfang.petitions.models import Evaluation, Matter, Routing
from xinfang.petitions.services.handling import evaluation_record, matter_conclude
from xinfang.petitions.states import Channel, Status
from xinfang.petitions.testing import register_walk_in
from xinfang.petitions.tests.handling_support import accepted, replied
from xinfang.workcalendar.models import Clock

from .conftest import Stats, direct_tallies, stored_tallies

pytestmark = pytest.mark.django_db


def drive(stats: Stats) -> dict[str, Matter]:
    """A handful of matters in different states, through the services."""
    hw = stats.hw
    registered = register_walk_in(stats.mini, channel=Channel.LETTER)
    forwarded_accepted = accepted(hw)
    concluded, _opinion = replied(hw)
    concluded = matter_conclude(actor=hw.town_officer, matter=concluded, note="已答复并送达。")
    evaluation_record(actor=SYSTEM, matter=concluded, stage="handling", value="satisfied", method="online")
    unhappy, _opinion = replied(hw)
    evaluation_record(actor=SYSTEM, matter=unhappy, stage="handling", value="dissatisfied", method="online")
    return {"registered": registered, "accepted": forwarded_accepted, "concluded": concluded, "unhappy": unhappy}


def test_g1_rollups_equal_the_direct_count_after_service_calls(stats):
    """G1 / XF-SUP-06: every tally the writes kept equals the count computed afresh."""
    drive(stats)
    assert stored_tallies() == direct_tallies()
    assert Fact.objects.filter(source="m").count() == Matter.objects.count()


def test_g1_dashboard_figures_equal_orm_counts(stats):
    """G1: the district dashboard's figures are plain counts of the matters, routings, clocks and
    evaluations (XF-SAT-01 satisfaction, XF-DL-01 on time, XF-SUP-06 转送/交办)."""
    drive(stats)
    today = timezone.localdate()
    board = dashboard(
        user=stats.bureau_head, organisation=stats.mini.district, date_from=today.replace(day=1), date_to=today
    )
    assert board.total == Matter.objects.count() == 4 + 0
    channels = {b.key: b.n for b in board.by_channel}
    for channel in Channel.values:
        assert channels.get(channel, 0) == Matter.objects.filter(channel=channel).count()
    statuses = {b.key: b.n for b in board.by_status}
    for status in Status.values:
        assert statuses.get(status, 0) == Matter.objects.filter(status=status).count()
    goals = {m.key: m for m in board.goals}
    assert goals["satisfied"].numerator == Evaluation.objects.filter(is_dissatisfied=False).count() == 1
    assert goals["satisfied"].denominator == Evaluation.objects.count() == 2
    assert goals["first_resolved"].numerator == Matter.objects.filter(status=Status.CONCLUDED).count() == 1
    assert goals["county"].numerator == 4 and goals["repeat"].numerator == 0
    assert board.routings["forward"] == Routing.objects.filter(kind="forward").count()
    handling = {m.key: m for m in board.on_time}["handling_60d"]
    clocks = Clock.objects.filter(object_type="petitions.matter", kind="handling_60d")
    assert handling.numerator == clocks.filter(stopped_at__isnull=False).count() == 2
    assert handling.extra == clocks.filter(stopped_at__isnull=True).count()


def test_g1_town_dashboard_counts_only_its_subtree(stats):
    """G1: a town's figures hold the matters it handles, nothing of the district bureau's own."""
    drive(stats)
    today = timezone.localdate()
    board = dashboard(user=stats.bureau_head, organisation=stats.mini.town_a, date_from=today, date_to=today)
    assert board.total == Matter.objects.filter(handling_org=stats.mini.town_a).count() == 3
    other = dashboard(user=stats.bureau_head, organisation=stats.mini.town_b, date_from=today, date_to=today)
    assert other.total == 0


def test_period_condition_uses_months_and_edge_days():
    condition = str(period_condition(datetime.date(2025, 1, 15), datetime.date(2025, 4, 10)))
    assert "datetime.date(2025, 2, 1)" in condition and "datetime.date(2025, 4, 1)" in condition
    assert "Period.MONTH" in condition
    short = str(period_condition(datetime.date(2025, 1, 15), datetime.date(2025, 1, 20)))
    assert "Period.MONTH" not in short


def test_g1_grid_events_at_source_rollup(gw: GridWorld):
    """G1 (预防在源头): events closed at village level count as resolved at source; an escalated
    event does not."""
    closed = gw.report()
    grid_event_accept(actor=gw.village_head, event=closed)
    grid_event_handle(actor=gw.village_head, event=closed, result="双方达成谅解。")
    grid_event_close(actor=gw.village_head, event=closed)
    escalated = gw.report()
    grid_event_escalate(actor=gw.village_head, event=escalated, reason="涉及多户，需要镇里协调。")
    assert stored_tallies() == direct_tallies()
    today = timezone.localdate()
    board = dashboard(user=gw.bureau_head, organisation=gw.mini.district, date_from=today, date_to=today)
    assert board.grid["all"] == GridEvent.objects.count() == 2
    assert board.grid["at_source"] == 1


def test_g1_rebuild_gives_the_same_tallies(stats, capsys):
    """The rebuild command (for data that existed before the rollups) equals the write path."""
    drive(stats)
    before = stored_tallies()
    Tally.objects.all().delete()
    Fact.objects.all().delete()
    call_command("dashboards_rollup_rebuild", "--batch", "2")
    assert stored_tallies() == before
    result = rollup_rebuild(batch=3)
    assert result.matters == Matter.objects.count()
    assert stored_tallies() == before


def test_listener_returns_at_once_for_other_events(db, django_assert_num_queries):
    """The audit listener runs on every write: anything but matters, routings and grid events
    costs no query, in a batch as alone."""
    from types import SimpleNamespace

    from xinfang.dashboards.rollups import on_audit_events

    assert on_audit_events.takes_batches is True
    ignored = [
        SimpleNamespace(action="personal_data.view", object_type="petitions.matter", object_id="1"),
        SimpleNamespace(action="org.create", object_type="orgs.organisation", object_id="7"),
        SimpleNamespace(action="data.export", object_type="", object_id=""),
    ]
    with django_assert_num_queries(0):
        on_audit_events(ignored)
        on_audit_events(ignored[:1])
        on_audit_events([])


def test_g1_listener_refreshes_each_object_once_per_batch(stats):
    """G1: a registration appends matter.register and two clock.start events in one batch; the
    listener refreshes the matter once (the same queries as for one event), and the tallies still
    equal the direct count."""
    from types import SimpleNamespace

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.audit.models import AuditEvent
    from xinfang.dashboards.rollups import on_audit_events

    matter = register_walk_in(stats.mini, channel=Channel.VISIT)
    batch = list(AuditEvent.objects.filter(object_type="petitions.matter", object_id=str(matter.pk)))
    assert {e.action for e in batch} >= {"matter.register", "clock.start"} and len(batch) >= 3
    assert stored_tallies() == direct_tallies()
    Fact.objects.filter(source="m", object_id=matter.pk).update(keys=["all:"])  # make it stale
    with CaptureQueriesContext(connection) as one:
        on_audit_events(batch[:1])
    Fact.objects.filter(source="m", object_id=matter.pk).update(keys=["all:"])
    Tally.objects.all().delete()
    rollup_rebuild()
    Fact.objects.filter(source="m", object_id=matter.pk).update(keys=["all:"])
    with CaptureQueriesContext(connection) as many:
        on_audit_events(batch)
    assert len(many) == len(one)
    on_audit_events([SimpleNamespace(action="matter.view", object_type="petitions.matter", object_id=str(matter.pk))])
    rollup_rebuild()
    assert stored_tallies() == direct_tallies()


def _responsible_in(organisation):
    from django.db.models import Q

    inside = Q(handling_org__path__startswith=organisation.path)
    return Matter.objects.filter(inside | Q(handling_org__isnull=True, current_org__path__startswith=organisation.path))


def test_g1_ancestor_rows_equal_a_direct_count_for_every_organisation(stats, gw):
    """G1: the rows kept for each ancestor (department -> town -> district, and above) equal a
    direct ORM count of the matters and grid events in that organisation's subtree, for every
    organisation of the tree, after service calls; the rebuild gives the same rows."""
    from xinfang.orgs.models import Organisation

    drive(stats)
    closed = gw.report()
    grid_event_accept(actor=gw.village_head, event=closed)
    grid_event_handle(actor=gw.village_head, event=closed, result="双方达成谅解。")
    grid_event_close(actor=gw.village_head, event=closed)
    gw.report()
    today = timezone.localdate()
    checked = 0
    for organisation in Organisation.objects.all():
        board = dashboard(user=SYSTEM, organisation=organisation, date_from=today.replace(day=1), date_to=today)
        assert board.total == _responsible_in(organisation).count(), organisation
        events = GridEvent.objects.filter(grid__path__startswith=organisation.path)
        assert board.grid["all"] == events.count(), organisation
        assert board.grid["at_source"] == events.filter(status__in=["closed", "verified"], level="village").count()
        checked += board.total > 0
    assert checked >= 3  # the district, a town and the handling units at least
    district_rows = Tally.objects.filter(org_id=stats.mini.district.pk, period="d", dim="all").get()
    assert district_rows.n == Matter.objects.count()
    before = stored_tallies()
    assert before == direct_tallies()
    rollup_rebuild(batch=2)
    assert stored_tallies() == before


def test_g1_moving_an_organisation_moves_its_sums_between_ancestors(gw: GridWorld):
    """G1: a village moved to another town (organisation_move) takes its grid events' sums from the
    old town's rows to the new town's; every tally still equals the direct count, and equals a
    rebuild."""
    from xinfang.orgs.services import organisation_move

    closed = gw.report()
    grid_event_accept(actor=gw.village_head, event=closed)
    grid_event_handle(actor=gw.village_head, event=closed, result="双方达成谅解。")
    grid_event_close(actor=gw.village_head, event=closed)
    gw.report()
    village = closed.grid.parent
    assert village is not None and village.parent is not None
    old_town = village.parent
    new_town = gw.mini.town_b if old_town.pk != gw.mini.town_b.pk else gw.mini.town_a
    organisation_move(actor=SYSTEM, organisation=village, new_parent=new_town)
    assert stored_tallies() == direct_tallies()
    today = timezone.localdate()
    new_board = dashboard(user=SYSTEM, organisation=new_town, date_from=today, date_to=today)
    old_board = dashboard(user=SYSTEM, organisation=old_town, date_from=today, date_to=today)
    assert new_board.grid["all"] == 2 and new_board.grid["at_source"] == 1
    assert old_board.grid["all"] == 0
    before = stored_tallies()
    rollup_rebuild()
    assert stored_tallies() == before


def test_g1_restrict_a_town_reader_reads_its_subtree_only(stats):
    """G1 with statistics.view through restrict(): the town B clerk (area: town B) reads town B's
    subtree rows and nothing of the district's or town A's rows, though those include town B."""
    from xinfang.dashboards.selectors import tally_sums

    drive(stats)
    register_walk_in(stats.mini, channel=Channel.LETTER)
    today = timezone.localdate()
    kwargs = {"date_from": today, "date_to": today}
    assert tally_sums(user=stats.town_clerk, organisation=stats.mini.district, **kwargs) == {}
    assert tally_sums(user=stats.town_clerk, organisation=stats.mini.town_a, **kwargs) == {}
    own = tally_sums(user=stats.town_clerk, organisation=stats.mini.town_b, **kwargs)
    assert own == tally_sums(user=stats.bureau_head, organisation=stats.mini.town_b, **kwargs)
    assert own.get("all", {}).get("", 0) == _responsible_in(stats.mini.town_b).count()


def test_g1_dashboard_reads_one_organisations_rows(stats, django_assert_num_queries):
    """Issue 8 performance: the district's figures are one query on the district's own rows (no
    join over the organisation subtree)."""
    from xinfang.dashboards.selectors import tally_sums

    drive(stats)
    today = timezone.localdate()
    tally_sums(user=stats.bureau_head, organisation=stats.mini.district, date_from=today, date_to=today)
    with django_assert_num_queries(1) as captured:  # the reader's scope is cached by now
        tally_sums(user=stats.bureau_head, organisation=stats.mini.district, date_from=today, date_to=today)
    sql = captured.captured_queries[0]["sql"]
    assert f'"org_id" = {stats.mini.district.pk}' in sql


def test_xf_sup_06_supervision_panel_tolerates_no_data(stats):
    """XF-SUP-06: the supervision panel reads the supervision app through the registry; with no
    orders it shows zero, never an error."""
    from xinfang.dashboards.selectors import supervision_panel

    today = timezone.localdate()
    panel = supervision_panel(stats.mini.district, today, today)
    assert panel.get("total", 0) == 0
