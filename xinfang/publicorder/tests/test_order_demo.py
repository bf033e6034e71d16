"""The demo loader (DEMO ONLY): conduct records, litigation tracks and one cluster check on the demo
district, through the services; a second run adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from xinfang.accounts.models import User
from xinfang.orgs.models import Organisation
from xinfang.petitions.services.intake import matter_register
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import Nature
from xinfang.petitions.testing import walk_in_data
from xinfang.publicorder.demo import demo_order_load
from xinfang.publicorder.models import ClusterWarning, ConductRecord, LitigationTrack

pytestmark = pytest.mark.django_db


def test_refuses_without_the_demo_district(mini):
    with pytest.raises(LookupError):
        demo_order_load()


def test_loads_once(settings):
    settings.XINFANG_ORDER_WARNING = {"THRESHOLD": 3}
    call_command("demo_district", verbosity=0)
    clerk = User.objects.get(username="clerk")
    bureau = Organisation.objects.get(code__endswith="-XFJ", is_external=False)
    matters = [matter_register(actor=clerk, organisation=bureau, data=walk_in_data()) for _ in range(4)]
    matter_triage(actor=clerk, matter=matters[0], level="this", nature=Nature.LITIGATION)
    first = demo_order_load()
    assert first.records == 3 and first.tracks == 1 and first.warnings >= 1
    assert LitigationTrack.objects.get().level == "leader"
    counts = (ConductRecord.objects.count(), LitigationTrack.objects.count(), ClusterWarning.objects.count())
    second = demo_order_load()
    assert second.records == 0 and second.tracks == 0
    assert (ConductRecord.objects.count(), LitigationTrack.objects.count(), ClusterWarning.objects.count()) == counts
    call_command("demo_order", verbosity=0)
