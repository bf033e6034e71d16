"""The demo loader (DEMO ONLY): reception days, bookings, an assignment with its plan and visits,
through the services; a second run writes nothing; the demo booking can be looked up."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from xinfang.audit.models import AuditEvent
from xinfang.outreach.demo import DEMO_BOOKINGS, demo_outreach_load
from xinfang.outreach.models import Assignment, OutreachVisit, ReceptionDay
from xinfang.outreach.services import booking_lookup

pytestmark = pytest.mark.django_db


def test_refuses_without_the_demo_district(mini):  # type: ignore[no-untyped-def]
    with pytest.raises(LookupError):
        demo_outreach_load()


def test_loads_once():
    call_command("demo_district", verbosity=0)
    first = demo_outreach_load()
    assert first.created == 3
    assert ReceptionDay.objects.filter(is_published=True).count() == 2
    assert OutreachVisit.objects.count() == 3 and Assignment.objects.count() == 1
    assert OutreachVisit.objects.filter(items__matter__isnull=False).count() == 1
    reference, code = DEMO_BOOKINGS[0]
    assert booking_lookup(reference=reference, code=code) is not None
    events = AuditEvent.objects.count()
    second = demo_outreach_load()
    assert second.created == 0 and AuditEvent.objects.count() == events
    call_command("demo_outreach", verbosity=0)
