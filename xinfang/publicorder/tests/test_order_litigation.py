"""Litigation-related matters (涉法涉诉) on the court's four-level model (O3): first handling, main
handling, leader tracking, joint handling; only for litigation-related matters (XF-HDL-03, 诉访分离);
every level change kept with its reason; visible to whoever sees the matter."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.publicorder.selectors import track_for_matter, track_list
from xinfang.publicorder.services import LevelData, litigation_level_change, litigation_track_open
from xinfang.publicorder.states import LitigationLevel

pytestmark = pytest.mark.django_db


def data(court, level=LitigationLevel.FIRST, **overrides):
    values = {
        "level": level,
        "responsible_org": court,
        "responsible_person": "诉讼服务中心",
        "reason": "涉及诉讼权利救济。",
    }
    values.update(overrides)
    return LevelData(**values)


def test_o3_four_levels():
    assert list(LitigationLevel.labels) == ["首次办理", "主办", "领导督办", "联合办理"]


def test_xf_hdl_03_only_litigation_related_matters(order, court):
    """XF-HDL-03: 诉访分离 applies to litigation-related matters; an ordinary matter is refused."""
    ordinary = order.matter()
    with pytest.raises(ValidationError) as exc:
        litigation_track_open(actor=order.clerk, matter=ordinary, data=data(court))
    assert "XF-HDL-03" in " ".join(exc.value.messages)


def test_xf_hdl_03_open_and_change_levels_with_history(order, court, mini):
    matter = order.litigation_matter()
    track = litigation_track_open(actor=order.clerk, matter=matter, data=data(court))
    assert track.level == LitigationLevel.FIRST
    with pytest.raises(ValidationError):
        litigation_track_open(actor=order.clerk, matter=matter, data=data(court))
    track = litigation_level_change(
        actor=order.leader,
        track=track,
        data=data(court, LitigationLevel.LEADER, responsible_person="副院长", reason="多次来访，院领导督办。"),
    )
    with pytest.raises(ValidationError) as exc:
        litigation_level_change(
            actor=order.leader,
            track=track,
            data=data(court, LitigationLevel.LEADER, responsible_person="副院长", reason="同上。"),
        )
    assert exc.value.code == "unchanged"
    with pytest.raises(ValidationError) as exc:
        litigation_level_change(actor=order.leader, track=track, data=data(court, LitigationLevel.JOINT))
    assert "joint_orgs" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        litigation_level_change(actor=order.leader, track=track, data=data(court, LitigationLevel.MAIN, reason=" "))
    assert "reason" in exc.value.message_dict
    track = litigation_level_change(
        actor=order.leader,
        track=track,
        data=data(court, LitigationLevel.JOINT, joint_orgs=[mini.housing_bureau], reason="联合办理。"),
    )
    assert list(track.joint_orgs.all()) == [mini.housing_bureau]
    history = [(c.from_level, c.to_level) for c in track.changes.order_by("changed_at", "id")]
    assert history == [("", "first"), ("first", "leader"), ("leader", "joint")]
    assert AuditEvent.objects.filter(action__startswith="order.litigation_", object_id=str(matter.pk)).count() == 3


def test_permissions_and_visibility(order, court):
    matter = order.litigation_matter()
    with pytest.raises(PermissionDenied):
        litigation_track_open(actor=order.officer, matter=matter, data=data(court))
    with pytest.raises(PermissionDenied):
        litigation_track_open(actor=order.street_clerk, matter=matter, data=data(court))
    litigation_track_open(actor=order.clerk, matter=matter, data=data(court))
    # Whoever sees the matter sees its track (a supervisor, without order.manage); others do not.
    assert track_for_matter(user=order.supervisor, matter=matter) is not None
    assert track_for_matter(user=order.street_clerk, matter=matter) is None
    assert track_list(user=order.supervisor).count() == 1
    assert track_list(user=order.street_clerk).count() == 0
