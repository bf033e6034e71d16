"""The demo matters: every main state present, through the real services, idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from xinfang.audit.models import AuditEvent
from xinfang.petitions.demo import DEMO_KEY_PREFIX, demo_matters_load
from xinfang.petitions.models import Matter, Routing
from xinfang.petitions.states import Status

pytestmark = pytest.mark.django_db


class DemoMattersTests:
    def test_every_state_and_idempotent(self):
        call_command("demo_district", verbosity=0)
        call_command("demo_powerlist", verbosity=0)
        result = demo_matters_load(count=120)
        assert result.created == 120
        for status in (
            Status.REGISTERED,
            Status.FORWARDED,
            Status.ASSIGNED,
            Status.OBJECTED,
            Status.ACCEPTED,
            Status.NOT_ACCEPTED,
            Status.GUIDED,
        ):
            assert result.by_status.get(status, 0) > 0, status
        assert Routing.objects.exists()
        assert AuditEvent.objects.filter(action="matter.register").count() >= 120
        events = AuditEvent.objects.count()
        again = demo_matters_load(count=120)
        assert again.created == 0 and again.by_status == result.by_status
        assert AuditEvent.objects.count() == events
        merged = result.by_status[Status.MERGED]
        assert Matter.objects.filter(submission_key__startswith=DEMO_KEY_PREFIX).count() == 120 + merged

    def test_refuses_without_the_demo_district(self):
        with pytest.raises(LookupError):
            demo_matters_load(count=1)
