"""A grid event taken into mediation (GRID-09): consent first (MED-01), the case linked both ways,
and the case's result coming back to the event through the mediation source registry."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.grid import services
from xinfang.grid.states import CLOCK_DUE, CLOCK_OBJECT_TYPE, EventStatus
from xinfang.mediation import services as mediation
from xinfang.mediation.states import BodyKind
from xinfang.workcalendar.models import Clock

from .conftest import GridWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(gw: GridWorld):
    """An event the grid worker escalated to town A, where the town's committee mediates."""
    mediation.mediation_body_create(
        actor=gw.admin, organisation=gw.mini.town_a, name="甲镇人民调解委员会", kind=BodyKind.COMMITTEE_TOWN
    )
    event = gw.report()
    return services.grid_event_escalate(actor=gw.worker, event=event, reason="村调解不成，请镇里调解")


def test_grid_09_consent_must_be_recorded_first(gw, escalated):
    with pytest.raises(ValidationError) as caught:
        services.grid_event_to_mediation(actor=gw.town_mediator, event=escalated, consent_recorded=False)
    assert "MED-01" in str(caught.value)
    escalated.refresh_from_db()
    assert escalated.mediation_case is None and escalated.status == EventStatus.ESCALATED


def test_grid_09_only_mediators_or_handlers_where_the_event_is(gw, escalated):
    with pytest.raises(PermissionDenied):
        services.grid_event_to_mediation(actor=gw.worker, event=escalated, consent_recorded=True)
    with pytest.raises(PermissionDenied):
        services.grid_event_to_mediation(actor=gw.outsider, event=escalated, consent_recorded=True)


def test_grid_09_agreement_returns_to_the_event_handled_and_closed(gw, escalated):
    case = services.grid_event_to_mediation(actor=gw.town_mediator, event=escalated, consent_recorded=True)
    escalated.refresh_from_db()
    assert escalated.mediation_case == case and case.grid_event == escalated
    assert (case.source_kind, case.source_id, case.source_label) == ("grid_event", str(escalated.pk), escalated.number)
    assert escalated.status == EventStatus.CONVERTED
    assert not Clock.objects.filter(
        object_type=CLOCK_OBJECT_TYPE, object_id=str(escalated.pk), kind=CLOCK_DUE, stopped_at=None
    ).exists()
    case = mediation.mediation_case_accept(actor=gw.town_mediator, case=case)
    mediation.mediation_agree(
        actor=gw.town_mediator, case=case, facts="楼上水管漏水", terms="楼上修复并赔偿500元", performance="七日内"
    )
    escalated.refresh_from_db()
    assert escalated.status == EventStatus.CLOSED
    assert case.number in escalated.mediation_result and escalated.handled_at and escalated.closed_at
    assert AuditEvent.objects.filter(action="grid_event.mediation_agreed", object_id=str(escalated.pk)).exists()


def test_grid_09_failure_sends_the_event_back_to_accepted_with_a_new_clock(gw, escalated):
    case = services.grid_event_to_mediation(actor=gw.town_mediator, event=escalated, consent_recorded=True)
    case = mediation.mediation_case_accept(actor=gw.town_mediator, case=case)
    mediation.mediation_fail(actor=gw.town_mediator, case=case, reason="双方差距过大")
    escalated.refresh_from_db()
    assert escalated.status == EventStatus.ACCEPTED
    assert "双方差距过大" in escalated.mediation_result
    assert Clock.objects.filter(
        object_type=CLOCK_OBJECT_TYPE, object_id=str(escalated.pk), kind=CLOCK_DUE, stopped_at=None
    ).exists()
    # A second attempt is possible.
    again = services.grid_event_to_mediation(actor=gw.town_mediator, event=escalated, consent_recorded=True)
    assert again.pk != case.pk
