"""Numbers (文号) are taken under a row lock in the issuing transaction: concurrent issuers get
distinct numbers with no gaps (PostgreSQL; SQLite serialises writers at BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from xinfang.notices.kinds import DocumentKind
from xinfang.notices.models import Document, NumberSeries
from xinfang.notices.services import document_issue

from .conftest import ACCEPTANCE

THREADS = 4
PER_THREAD = 3


@pytest.mark.django_db(transaction=True)
class ConcurrentNumberingTests:
    def test_concurrent_issues_get_distinct_numbers_without_gaps(self, world):
        if connection.vendor == "sqlite":
            # SQLite has no row locks: every write transaction begins IMMEDIATE (the database write
            # lock), so issuers queue one after another. Check that setting, then the numbering.
            assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
            for _ in range(THREADS * PER_THREAD):
                document_issue(
                    actor=world.clerk,
                    kind=DocumentKind.ACCEPTANCE,
                    organisation=world.mini.petition_bureau,
                    matter=world.matter,
                    context=ACCEPTANCE,
                )
            assert sorted(Document.objects.values_list("sequence", flat=True)) == list(
                range(1, THREADS * PER_THREAD + 1)
            )
            return
        errors: list[BaseException] = []
        barrier = threading.Barrier(THREADS)

        def issue() -> None:
            try:
                barrier.wait()
                for _ in range(PER_THREAD):
                    document_issue(
                        actor=world.clerk,
                        kind=DocumentKind.ACCEPTANCE,
                        organisation=world.mini.petition_bureau,
                        matter=world.matter,
                        context=ACCEPTANCE,
                    )
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=issue) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        total = THREADS * PER_THREAD
        sequences = sorted(Document.objects.values_list("sequence", flat=True))
        assert sequences == list(range(1, total + 1))
        assert len(set(Document.objects.values_list("number", flat=True))) == total
        assert NumberSeries.objects.get().last == total
