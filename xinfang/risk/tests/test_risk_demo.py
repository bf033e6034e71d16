"""The demo loader (DEMO ONLY): this year's list of the demo district, decisions in every state,
through the services; a second run writes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from xinfang.audit.models import AuditEvent
from xinfang.risk.demo import demo_risk_load
from xinfang.risk.models import MajorDecision
from xinfang.risk.states import DecisionStatus, Outcome

pytestmark = pytest.mark.django_db


def test_refuses_without_the_demo_district(mini):
    with pytest.raises(LookupError):
        demo_risk_load()


def test_loads_once():
    call_command("demo_district", verbosity=0)
    first = demo_risk_load()
    assert first.created == 4
    statuses = set(MajorDecision.objects.values_list("status", flat=True))
    assert statuses == {DecisionStatus.DECIDED, DecisionStatus.ASSESSING, DecisionStatus.LISTED}
    assert MajorDecision.objects.get(project_code="NS-CSGX-2026-017").outcome == Outcome.POSTPONED
    events = AuditEvent.objects.count()
    second = demo_risk_load()
    assert second.created == 0 and AuditEvent.objects.count() == events
    call_command("demo_risk", verbosity=0)
