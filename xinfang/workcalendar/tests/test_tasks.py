"""The deadlines sweep runs through the real database task backend and its worker."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from xinfang.core.actors import SYSTEM
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.services import clock_start
from xinfang.workcalendar.tasks import deadlines_sweep

pytestmark = pytest.mark.django_db


class DeadlinesSweepTests:
    # The worker closes its database connection after a task, as in production: a transactional
    # test, so that the test's data is committed and the reconnection sees it.
    @pytest.mark.django_db(transaction=True)
    def test_worker_runs_the_enqueued_sweep(self, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        clock = clock_start(
            object_type="test.matter",
            object_id="1",
            kind="triage_15d",
            start_date=datetime.date(2027, 9, 16),
            period=15,
            unit="calendar",
            actor=SYSTEM,
        )
        assert clock.is_provisional
        result = deadlines_sweep.enqueue()
        assert result.status == "READY"
        call_command("db_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)
        result.refresh()
        assert result.status == "SUCCESSFUL", result.errors
        assert result.return_value == {"recomputed": 1, "changed": 0}
        assert Clock.objects.get(pk=clock.pk).is_provisional  # 2027 is still provisional

    def test_command_runs_it_inline(self, capsys):
        call_command("deadlines_sweep")
        assert "recomputed 0 clock(s)" in capsys.readouterr().out
