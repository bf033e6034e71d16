"""Crash test (issue 8 item 1): the sweep is killed (SIGKILL) in a separate process after part of its
work has committed, then run again; no alert, notification or outbox message is lost or repeated.

The sweep runs as `manage.py clock_sweep` against a real database the test can read: on PostgreSQL
the test database itself (this test commits its data); on SQLite, where the test database lives in
memory, a file copy of it made with SQLite's backup API (file, WAL: how SQLite is deployed)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from xinfang.workcalendar.testing import seed_test_calendar

from .conftest import NEXT_MON

CLOCKS = 60
BATCH = 5
# Per clock: overdue -> the head; escalated -> leader, bureau head, supervisor. E-mail: head and leader.
NOTIFICATIONS = CLOCKS * (1 + 3)
MESSAGES = CLOCKS * 2


def database_url(tmp_path: Path) -> tuple[str, Callable[[str], int]]:
    """The URL the subprocess uses and a way for the test to count rows there."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}/{db['NAME']}"

        def count_pg(sql: str) -> int:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return int(cursor.fetchone()[0])

        return url, count_pg
    path = tmp_path / "sweep.sqlite3"
    with closing(sqlite3.connect(path)) as target:
        connection.ensure_connection()
        connection.connection.backup(target)

    def count_file(sql: str) -> int:
        with closing(sqlite3.connect(path, timeout=20)) as db:
            return int(db.execute(sql).fetchone()[0])

    return f"sqlite:///{path}", count_file


def sweep(env: dict[str, str], *extra: str) -> subprocess.Popen[Any]:
    root = Path(settings.BASE_DIR)
    return subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [
            sys.executable,
            str(root / "manage.py"),
            "clock_sweep",
            "--today",
            NEXT_MON.isoformat(),
            "--no-progress",
            "--batch-size",
            str(BATCH),
            *extra,
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.django_db(transaction=True)
class CrashTests:
    def test_killed_sweep_loses_and_repeats_nothing(self, tmp_path, watch):
        """S1 exactly once: SIGKILL mid-sweep, run again, every alert, notification and message once."""
        seed_test_calendar()  # a transactional test may follow another that flushed the calendar
        for n in range(CLOCKS):
            watch.clock(str(n))
        url, count = database_url(tmp_path)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": url,
            "XINFANG_VAR_DIR": str(tmp_path),
            "DJANGO_SECRET_KEY": "crash-test",
        }
        alerts_sql = "SELECT COUNT(*) FROM notify_clockalert"
        worker = sweep(env, "--pause", "0.4")
        deadline = time.monotonic() + 120
        while count(alerts_sql) < 2 * BATCH * 2 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        partial = count(alerts_sql)
        assert 0 < partial < CLOCKS * 2  # killed after some batches committed, before the end
        assert partial % 2 == 0  # whole clocks only: a batch commits all its alerts or none
        assert count("SELECT COUNT(*) FROM notify_notification") == partial // 2 * 4  # with their rows

        again = sweep(env)
        assert again.wait(timeout=300) == 0, again.stderr.read().decode() if again.stderr else ""
        assert count(alerts_sql) == CLOCKS * 2
        assert count("SELECT COUNT(DISTINCT clock_id || stage) FROM notify_clockalert") == CLOCKS * 2
        assert count("SELECT COUNT(*) FROM notify_notification") == NOTIFICATIONS
        assert count("SELECT COUNT(DISTINCT key) FROM notify_notification") == NOTIFICATIONS
        assert count("SELECT COUNT(*) FROM notify_outboxmessage") == MESSAGES
        assert count("SELECT COUNT(DISTINCT key) FROM notify_outboxmessage") == MESSAGES
        # And a third run finds nothing left to do.
        assert sweep(env).wait(timeout=300) == 0
        assert count("SELECT COUNT(*) FROM notify_notification") == NOTIFICATIONS
