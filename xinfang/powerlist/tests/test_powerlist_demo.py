"""`manage.py demo_powerlist`: the demo power list for the demo district. The demo district and
list are loaded once for the module inside a transaction rolled back at the end."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from xinfang.orgs.demo import DISTRICT_CODE
from xinfang.orgs.models import AREA_KINDS, Function, Kind, Level, Organisation
from xinfang.powerlist.demo import DECISION, MATTER_TYPES, POWERS
from xinfang.powerlist.models import JurisdictionDecision, MatterType, Power
from xinfang.powerlist.routing import powerlist_propose

pytestmark = pytest.mark.django_db


@dataclasses.dataclass(frozen=True)
class DemoRun:
    output: str
    errors: str
    seconds: float


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoRun]:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_district", stdout=StringIO(), stderr=StringIO())
        out, err = StringIO(), StringIO()
        started = time.monotonic()
        call_command("demo_powerlist", stdout=out, stderr=err)
        yield DemoRun(output=out.getvalue(), errors=err.getvalue(), seconds=time.monotonic() - started)
        transaction.set_rollback(True)


class DemoPowerlistTests:
    def test_loads_everything_quickly(self, demo):
        assert demo.errors == ""
        assert demo.seconds < 5
        assert 25 <= len(MATTER_TYPES) <= 30
        assert MatterType.objects.count() == len(MATTER_TYPES)
        assert Power.objects.count() == len(POWERS)
        assert JurisdictionDecision.objects.get().decision_ref == DECISION.decision_ref
        assert "Created: jurisdiction_decision 1" in demo.output

    def test_second_run_adds_nothing(self, demo):
        out = StringIO()
        call_command("demo_powerlist", stdout=out)
        assert "nothing to add" in out.getvalue()
        assert Power.objects.count() == len(POWERS) and JurisdictionDecision.objects.count() == 1

    def test_every_matter_type_routes_for_a_village_in_every_town(self, demo):
        district = Organisation.objects.get(code=DISTRICT_CODE)
        towns = list(Organisation.objects.filter(parent=district, kind__in=[Kind.TOWN, Kind.STREET]))
        assert len(towns) == 9
        villages = [Organisation.objects.filter(parent=town, kind__in=AREA_KINDS).order_by("pk")[0] for town in towns]
        today = timezone.localdate()
        for matter_type in MatterType.objects.all():
            for village in villages:
                proposals = powerlist_propose(matter_type=matter_type, area=village, on_date=today)
                assert proposals, (matter_type.code, village.name)
                assert any(p.is_lead for p in proposals), (matter_type.code, village.name)
                assert not any(p.disputed for p in proposals), (matter_type.code, village.name)
                for p in proposals:
                    assert p.organisation.is_active and p.legal_basis and p.reason
                    # 属地: a town-level proposal is the village's own town's department.
                    if p.level == 4:
                        assert p.organisation.parent_id == village.parent_id

    def test_joint_conference_decision_settles_illegal_building(self, demo):
        matter_type = MatterType.objects.get(code="ILLEGAL-BUILDING")
        village = Organisation.objects.filter(kind=Kind.VILLAGE).order_by("pk")[0]
        [p] = powerlist_propose(matter_type=matter_type, area=village, on_date=timezone.localdate())
        assert "城市管理" in p.organisation.name and p.decision is not None
        before = powerlist_propose(matter_type=matter_type, area=village, on_date=DECISION.decided_on.replace(day=1))
        assert len(before) == 2 and all(p.disputed for p in before)

    def test_xf_tri_02_litigation_and_reports_on_officials_route_by_function(self, demo):
        village = Organisation.objects.filter(kind=Kind.VILLAGE).order_by("pk")[0]
        expected = {"LITIGATION": Function.POLITICAL_LEGAL, "OFFICIAL-MISCONDUCT": Function.DISCIPLINE}
        for code, function in expected.items():
            proposals = powerlist_propose(
                matter_type=MatterType.objects.get(code=code), area=village, on_date=timezone.localdate()
            )
            [lead] = [p for p in proposals if p.is_lead]
            assert lead.organisation.function == function and lead.level == Level.DISTRICT
