"""Recording how a dispute over competence was settled (XF-JUR-01): by the common superior of the
disputing organisations, or by the Party committee, government or petition bureau of a common
superior area acting for the joint conference; validated, audited, superseding earlier ones."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.powerlist.models import DecidedAs, JurisdictionDecision
from xinfang.powerlist.services import jurisdiction_decision_end, jurisdiction_dispute_decide

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def decide(world, **extra):
    values = {
        "actor": world.admin,
        "matter_type": world.building,
        "area": world.mini.district,
        "disputing": [world.district_planning, world.mini.housing_bureau],
        "competent": world.mini.housing_bureau,
        "decided_by": world.mini.petition_bureau,
        "decision_ref": "测试区信访工作联席会议纪要〔2026〕1号",
        "reason": "违法建设由住建部门查处。",
        "decided_on": today(),
    } | extra
    return jurisdiction_dispute_decide(**values)


class DecideTests:
    def test_xf_jur_01_joint_conference_body_of_the_common_area(self, world):
        decision = decide(world)
        assert decision.decided_as == DecidedAs.JOINT_CONFERENCE
        assert set(decision.disputing.all()) == {world.district_planning, world.mini.housing_bureau}
        event = AuditEvent.objects.get(action="powerlist.jurisdiction.decide", object_id=str(decision.pk))
        assert event.org_id == world.mini.petition_bureau.pk
        assert event.summary["after"]["decided_as"] == "joint_conference"

    def test_xf_jur_01_common_superior(self, world):
        decision = decide(world, decided_by=world.mini.district)
        assert decision.decided_as == DecidedAs.COMMON_SUPERIOR
        town_dispute = decide(
            world,
            area=world.mini.village_a1,
            disputing=[world.town_a_social, world.town_a_gov],
            competent=world.town_a_social,
            decided_by=world.mini.town_a,
        )
        assert town_dispute.decided_as == DecidedAs.COMMON_SUPERIOR

    def test_xf_jur_01_lower_body_may_not_decide_a_higher_dispute(self, world):
        with pytest.raises(ValidationError) as exc:
            decide(world, decided_by=world.town_a_gov)  # a town's office, district bureaus disputing
        assert "共同上级" in exc.value.message_dict["decided_by"][0]
        with pytest.raises(ValidationError) as exc:
            decide(world, decided_by=world.mini.congress)  # not a body of the joint conference
        assert "decided_by" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:  # a town and a district bureau: the town cannot decide
            decide(world, disputing=[world.mini.town_a, world.mini.housing_bureau], decided_by=world.town_a_gov)
        assert "decided_by" in exc.value.message_dict
        assert JurisdictionDecision.objects.count() == 0

    def test_a_party_may_not_decide_its_own_dispute(self, world):
        with pytest.raises(ValidationError) as exc:
            decide(world, disputing=[world.mini.petition_bureau, world.mini.housing_bureau])
        assert "争议一方" in exc.value.message_dict["decided_by"][0]

    def test_bad_input(self, world):
        with pytest.raises(ValidationError) as exc:
            decide(
                world,
                disputing=[world.mini.housing_bureau],
                decision_ref=" ",
                reason="",
                decided_on=today() + datetime.timedelta(days=1),
                area=world.mini.housing_bureau,
            )
        assert {"disputing", "decision_ref", "reason", "decided_on", "area"} <= set(exc.value.message_dict)

    def test_area_and_competent_within_reach(self, world):
        with pytest.raises(ValidationError) as exc:  # the district's decision for the whole city
            decide(world, area=world.mini.city, decided_by=world.mini.district)
        assert "area" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:  # a town office competent for the whole district
            decide(world, competent=world.town_a_social)
        assert "没有管辖权" in exc.value.message_dict["competent"][0]

    def test_later_decision_supersedes_and_history_is_kept(self, world):
        first = decide(world, decided_on=today() - datetime.timedelta(days=10))
        second = decide(world, competent=world.district_planning, decision_ref="纪要〔2026〕2号")
        first.refresh_from_db()
        assert first.valid_to == today() and second.valid_to is None
        event = AuditEvent.objects.get(action="powerlist.jurisdiction.decide", object_id=str(second.pk))
        assert event.summary["after"]["supersedes"] == [first.pk]
        with pytest.raises(ValidationError):  # an older decision recorded after a newer one
            decide(world, decided_on=today() - datetime.timedelta(days=5))

    def test_end(self, world):
        decision = decide(world)
        jurisdiction_decision_end(actor=world.admin, decision=decision, on_date=today() + datetime.timedelta(days=3))
        decision.refresh_from_db()
        assert decision.valid_to == today() + datetime.timedelta(days=3)
        with pytest.raises(ValidationError):
            jurisdiction_decision_end(
                actor=world.admin, decision=decision, on_date=today() - datetime.timedelta(days=1)
            )

    def test_only_administrators_record_decisions(self, world):
        with pytest.raises(PermissionDenied):
            decide(world, actor=make_user((Role.BUREAU_HEAD, world.mini.petition_bureau)))
