"""Concurrent appends keep one linear chain.

PostgreSQL: threads of this process, each with its own connection, append events in their own
transactions; the advisory lock serialises them. SQLite: the test database is an in-memory database
in shared-cache mode, where a second writer gets "database table is locked" at once instead of
waiting (shared-cache locks bypass the busy timeout), so threads cannot show anything there. The
test therefore runs separate processes against a temporary database file, which is how SQLite is
deployed (file, WAL, BEGIN IMMEDIATE), and checks the result with the real `audit_verify` command."""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record

from .conftest import verify_database

WORKERS = 4
EVENTS_EACH = 40


def switches(object_ids: list[str]) -> int:
    """How often the chain passes from one writer's event to another's."""
    order = [object_id.split("-")[0] for object_id in object_ids]
    return sum(1 for a, b in itertools.pairwise(order) if a != b)


def run_in_threads() -> None:
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=30)
            for i in range(EVENTS_EACH):
                with transaction.atomic():
                    audit_record(
                        actor=None, action="test.concurrent", object_type="tests.worker", object_id=f"{name}-{i}"
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def run_in_processes(tmp_path: Path) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
        "XINFANG_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "concurrency-test",
    }
    root = Path(settings.BASE_DIR)
    manage = [sys.executable, str(root / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=root, env=env, check=True, timeout=120)  # noqa: S603
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "xinfang.audit.tests.concurrency_worker", f"w{n}", str(EVENTS_EACH), str(go)],
            cwd=root,
            env=env,
        )
        for n in range(WORKERS)
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"go.w{n}").exists() for n in range(WORKERS)) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    assert [worker.wait(timeout=120) for worker in workers] == [0] * WORKERS
    verify = subprocess.run(  # noqa: S603
        [*manage, "audit_verify"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert verify.returncode == 0, verify.stderr
    return verify.stdout


@pytest.mark.django_db(transaction=True)
class ConcurrentAppendTests:
    def test_concurrent_writers_build_one_linear_chain(self, tmp_path):
        if connection.vendor == "postgresql":
            run_in_threads()
            result = verify_database()
            assert result.broken is None and result.count == WORKERS * EVENTS_EACH
            object_ids = list(AuditEvent.objects.order_by("id").values_list("object_id", flat=True))
        else:
            output = run_in_processes(tmp_path)
            assert f"OK: {WORKERS * EVENTS_EACH} events" in output
            with closing(sqlite3.connect(tmp_path / "audit.sqlite3")) as db:
                object_ids = [row[0] for row in db.execute("SELECT object_id FROM audit_auditevent ORDER BY id")]
        assert switches(object_ids) >= WORKERS  # the writers really did interleave
