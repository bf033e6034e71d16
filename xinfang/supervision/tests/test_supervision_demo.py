"""The demo loader (DEMO ONLY): orders in several states, a meeting and a record on the demo
district, through the services; a second run writes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from xinfang.audit.models import AuditEvent
from xinfang.supervision.demo import demo_supervision_load
from xinfang.supervision.models import AccountabilityRecord, Meeting, SupervisionOrder
from xinfang.supervision.states import OrderKind, OrderStatus

pytestmark = pytest.mark.django_db


def test_refuses_without_the_demo_district(mini):
    with pytest.raises(LookupError):
        demo_supervision_load()


def test_loads_once():
    call_command("demo_district", verbosity=0)
    first = demo_supervision_load()
    assert first.orders >= 3
    statuses = set(SupervisionOrder.objects.values_list("status", flat=True))
    assert {OrderStatus.ANSWERED, OrderStatus.ESCALATED, OrderStatus.OPEN} <= statuses
    assert SupervisionOrder.objects.filter(kind=OrderKind.LISTED).count() == 1
    assert Meeting.objects.count() == 1 and AccountabilityRecord.objects.count() == 1
    events = AuditEvent.objects.count()
    assert demo_supervision_load().orders == 0 and AuditEvent.objects.count() == events
    call_command("demo_supervision", verbosity=0)
