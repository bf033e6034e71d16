"""The power list's proposal on the triage page and its binding jurisdiction decisions
(XF-JUR-01), through the power list app's own services (skipped while that app is absent)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.core.actors import SYSTEM
from xinfang.orgs.models import Function, Kind, Level
from xinfang.orgs.services import organisation_create
from xinfang.petitions.models import Routing
from xinfang.petitions.selectors_routing import triage_proposal
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import LevelDecision, Nature

from .triage_support import BASIS, build_world, registered

pytestmark = pytest.mark.django_db

routing_module = pytest.importorskip("xinfang.powerlist.routing")
services = pytest.importorskip("xinfang.powerlist.services")


@pytest.fixture
def world(mini):
    return build_world(mini)


@pytest.fixture
def wages(world):
    """拖欠工资: the power list names the human-resources bureau; a joint-conference decision says
    so too, after a dispute with the housing bureau."""
    hr = organisation_create(
        actor=SYSTEM,
        name="测试区人社局",
        code="TRHR001",
        kind=Kind.DEPARTMENT,
        parent=world.mini.district,
        function=Function.FUNCTIONAL,
    )
    matter_type = services.matter_type_create(actor=SYSTEM, code="WAGES", name="拖欠工资")
    today = timezone.localdate()
    return hr, matter_type, today


def triaged_wages(world, matter_type):
    matter = registered(world)
    return matter_triage(
        actor=world.clerk,
        matter=matter,
        level=LevelDecision.THIS_LEVEL,
        nature=Nature.GRIEVANCE,
        matter_type=matter_type,
    )


class PowerListProposalTests:
    def test_xf_jur_01_decision_is_proposed_and_binds_the_forward(self, client, world, wages):
        hr, matter_type, today = wages
        services.jurisdiction_dispute_decide(
            actor=SYSTEM,
            matter_type=matter_type,
            area=world.mini.district,
            disputing=[hr, world.housing],
            competent=hr,
            decided_by=world.government,
            decision_ref="联席会议纪要〔2026〕7号",
            reason="工资支付属劳动保障监察职责",
            decided_on=today,
        )
        matter = triaged_wages(world, matter_type)
        proposal = triage_proposal(matter=matter)
        assert proposal.available
        assert [c.organisation.pk for c in proposal.candidates] == [hr.pk]
        assert proposal.candidates[0].binding and hr.pk in proposal.allowed_ids
        client.force_login(world.clerk)
        page = client.get(reverse("petitions:triage_matter", args=[matter.pk])).content.decode()
        assert "联席会议纪要〔2026〕7号" in page and "测试区人社局" in page
        refused = client.post(
            reverse("petitions:routing_forward", args=[matter.pk]), {"to_org": world.housing.pk, "basis": BASIS}
        )
        assert "XF-JUR-01" in refused.content.decode() and not Routing.objects.exists()
        done = client.post(reverse("petitions:routing_forward", args=[matter.pk]), {"to_org": hr.pk, "basis": BASIS})
        assert done.status_code == 302 and Routing.objects.get().to_org == hr

    def test_power_list_entry_is_advice(self, client, world, wages):
        hr, matter_type, today = wages
        services.power_add(
            actor=SYSTEM,
            matter_type=matter_type,
            level=Level.DISTRICT,
            organisation=hr,
            legal_basis="《劳动保障监察条例》第三条",
            valid_from=today,
        )
        matter = triaged_wages(world, matter_type)
        proposal = triage_proposal(matter=matter)
        assert [c.organisation.pk for c in proposal.candidates] == [hr.pk]
        assert not proposal.candidates[0].binding
        client.force_login(world.clerk)
        response = client.post(
            reverse("petitions:routing_forward", args=[matter.pk]), {"to_org": world.housing.pk, "basis": BASIS}
        )
        assert response.status_code == 302  # the clerk decides; the audit event records the advice

    def test_no_matter_type_no_proposal(self, world):
        matter = registered(world)
        assert not triage_proposal(matter=matter).available
