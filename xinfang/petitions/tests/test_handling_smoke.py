"""The whole handling chain through the services, once (XF-DL-01, XF-OPN-01, XF-REV-01..06)."""

from __future__ import annotations

import pytest

from xinfang.notices.models import Document
from xinfang.petitions.services.handling import running_clock
from xinfang.petitions.states import CLOCK_HANDLING, Status

from .handling_support import accepted, build_handling_world, final

pytestmark = pytest.mark.django_db


class HandlingChainTests:
    def test_acceptance_starts_the_60_day_clock(self, mini):
        hw = build_handling_world(mini)
        matter = accepted(hw)
        clock = running_clock(matter, CLOCK_HANDLING)
        assert clock is not None and clock.period == 60
        assert matter.handling_org == hw.town

    def test_chain_to_final(self, mini):
        hw = build_handling_world(mini)
        matter = final(hw)
        assert matter.status == Status.FINAL
        kinds = sorted(Document.objects.filter(matter=matter).values_list("kind", flat=True))
        assert kinds == [
            "delivery_receipt",
            "delivery_receipt",
            "handling_opinion",
            "rereview_opinion",
            "review_opinion",
        ]
