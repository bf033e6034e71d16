"""A separate process appending audit events, for test_concurrency on SQLite:
`python -m xinfang.audit.tests.concurrency_worker NAME COUNT GO_FILE` (Django settings from the
environment). It signals readiness by creating GO_FILE.NAME, then waits for GO_FILE."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main(name: str, count: int, go_file: Path) -> None:
    import django

    django.setup()
    from django.db import transaction

    from xinfang.audit.services import audit_record

    Path(f"{go_file}.{name}").touch()
    deadline = time.monotonic() + 30
    while not go_file.exists():
        if time.monotonic() > deadline:
            raise SystemExit("never told to start")
        time.sleep(0.002)
    for i in range(count):
        with transaction.atomic():  # each event in its own transaction, as services do
            audit_record(actor=None, action="test.concurrent", object_type="tests.worker", object_id=f"{name}-{i}")
        # Like requests, not a tight loop: SQLite's lock is not a fair queue, and a writer that
        # re-takes it at once would run all its events before the waiting ones wake up.
        time.sleep(0.003)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
