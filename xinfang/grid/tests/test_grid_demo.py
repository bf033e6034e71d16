"""The demo loader (DEMO ONLY): every grid gets a boundary that passes validation, events are
created through the services, and a second run does nothing."""

from __future__ import annotations

import pytest

from xinfang.grid.demo import EVENTS, demo_grid_load
from xinfang.grid.models import GridEvent, GridProfile
from xinfang.orgs.models import Kind, Organisation

pytestmark = pytest.mark.django_db


def test_demo_gives_every_grid_a_boundary_and_creates_events_once(mini, categories):
    counts = demo_grid_load()
    assert counts == {"grids": Organisation.objects.filter(kind=Kind.GRID).count(), "events": EVENTS}
    assert GridProfile.objects.count() == counts["grids"]
    assert GridEvent.objects.count() == EVENTS
    assert len(set(GridEvent.objects.values_list("status", flat=True))) >= 4
    assert demo_grid_load() == {}
