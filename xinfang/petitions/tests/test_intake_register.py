"""Intake from every channel (XF-CH-01), the oral record's recorder (XF-REG-01), registration of
every petition (XF-REG-03), places down to village and grid inside the tree, 12345 orders (HOT-05),
and the petitioner as a reusable record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.orgs.models import Kind
from xinfang.orgs.services import organisation_create
from xinfang.petitions.models import Matter, MatterLink, Petitioner
from xinfang.petitions.services.intake import PetitionerData, derive_title, matter_register
from xinfang.petitions.states import Channel, LinkKind, ParticipantRole, Source
from xinfang.petitions.testing import register_walk_in, walk_in_data
from xinfang.workcalendar.models import Clock

pytestmark = pytest.mark.django_db


def _clerk(org):
    return make_user((Role.RECEPTION_CLERK, org), display_name="接待员王五")


class ChannelTests:
    @pytest.mark.parametrize(
        ("channel", "source"),
        [
            (Channel.VISIT, Source.COUNTER),
            (Channel.LETTER, Source.POST),
            (Channel.PHONE, Source.COUNTER),
            (Channel.FAX, Source.COUNTER),
            (Channel.ONLINE, Source.PORTAL),
            (Channel.ONLINE, Source.LEADER_MAILBOX),
            (Channel.ONLINE, Source.OPEN311),
        ],
    )
    def test_xf_ch_01_every_channel_is_registered(self, mini, channel, source):
        matter = register_walk_in(mini, channel=channel, source=source)
        assert (matter.channel, matter.source) == (channel, source)

    @pytest.mark.parametrize("source", [Source.LEADER_MAILBOX, Source.OPEN311])
    def test_xf_ch_01_leader_mailbox_and_civic_apps_are_online_sources(self, mini, source):
        with pytest.raises(ValidationError) as exc:
            register_walk_in(mini, channel=Channel.LETTER, source=source)
        assert "XF-CH-01" in str(exc.value.message_dict["source"])
        assert Matter.objects.count() == 0 and Petitioner.objects.count() == 0

    def test_hot_05_12345_source_needs_the_order_reference(self, mini):
        with pytest.raises(ValidationError) as exc:
            register_walk_in(mini, channel=Channel.PHONE, source=Source.HOTLINE_12345)
        assert "hotline_order_ref" in exc.value.message_dict

    def test_hot_05_order_that_exists_as_a_matter_is_linked_and_clocks_stay_apart(self, mini):
        order = register_walk_in(mini, channel=Channel.PHONE)
        order_clocks = list(Clock.objects.filter(object_id=str(order.pk)).values_list("pk", "due_date"))
        matter = register_walk_in(
            mini, channel=Channel.PHONE, source=Source.HOTLINE_12345, hotline_order_ref=order.number
        )
        link = MatterLink.objects.get(matter=matter)
        assert (link.other_id, link.kind) == (order.pk, LinkKind.HOTLINE_ORDER)
        # HOT-05: never merged clocks — each matter keeps its own.
        assert list(Clock.objects.filter(object_id=str(order.pk)).values_list("pk", "due_date")) == order_clocks
        assert Clock.objects.filter(object_id=str(matter.pk)).exists()

    def test_hot_05_unknown_order_keeps_the_reference_only(self, mini):
        matter = register_walk_in(
            mini, channel=Channel.PHONE, source=Source.HOTLINE_12345, hotline_order_ref="GD-2026-000777"
        )
        assert matter.hotline_order_ref == "GD-2026-000777"
        assert not MatterLink.objects.filter(matter=matter).exists()


class OralRecordTests:
    def test_xf_reg_01_oral_petition_names_its_recorder(self, mini):
        matter = register_walk_in(mini, channel=Channel.PHONE, oral_recorded_by="李记录")
        assert matter.oral_recorded_by == "李记录"

    def test_xf_reg_01_recorder_defaults_to_the_registering_clerk(self, mini):
        clerk = _clerk(mini.petition_bureau)
        matter = matter_register(actor=clerk, organisation=mini.petition_bureau, data=walk_in_data())
        assert matter.oral_recorded_by == "接待员王五"

    def test_written_petition_has_no_recorder(self, mini):
        assert register_walk_in(mini, channel=Channel.LETTER, source=Source.POST).oral_recorded_by == ""

    def test_title_is_derived_from_the_request_when_missing(self, mini):
        matter = register_walk_in(mini, title="", request="请求尽快修复村道路灯，夜间出行十分危险，已多次反映无果。")
        assert matter.title == derive_title(matter.request)
        assert matter.title.startswith("请求尽快修复村道路灯") and len(matter.title) <= 31


class PlaceTests:
    def test_place_down_to_village_and_grid(self, mini):
        for place in (mini.town_a, mini.village_a1, mini.grid_a1_1):
            assert register_walk_in(mini, place_org=place, place_text="村口").place_org == place

    def test_town_office_may_name_a_place_elsewhere_in_the_district(self, mini):
        matter = register_walk_in(mini, organisation=mini.town_a_office, place_org=mini.grid_b1_1)
        assert matter.place_org == mini.grid_b1_1

    def test_place_outside_the_tree_or_a_department_is_refused(self, mini):
        other_district = organisation_create(
            actor=SYSTEM, name="外区", code="OTHERD1", kind=Kind.DISTRICT, parent=mini.city
        )
        other_town = organisation_create(
            actor=SYSTEM, name="外区某镇", code="OTHERT1", kind=Kind.TOWN, parent=other_district
        )
        for place in (mini.city, other_district, other_town, mini.housing_bureau):
            with pytest.raises(ValidationError) as exc:
                register_walk_in(mini, place_org=place)
            assert "发生地应为测试区范围内" in exc.value.message_dict["place_org"][0]
        assert Matter.objects.count() == 0 and AuditEvent.objects.filter(action="matter.register").count() == 0


class PetitionerRecordTests:
    def test_same_id_number_reuses_the_record_and_fills_blanks(self, mini):
        first = register_walk_in(
            mini, petitioners=[PetitionerData(name="张三", id_number="440115199001011234", address="测试路1号")]
        )
        second = register_walk_in(
            mini,
            petitioners=[PetitionerData(name="张三", id_number="4401 1519 9001 0112 34", phone="138-0000-1111")],
        )
        petitioner = first.participants.get().petitioner
        assert second.participants.get().petitioner == petitioner
        petitioner.refresh_from_db()
        assert (petitioner.phone, petitioner.address) == ("13800001111", "测试路1号")
        assert Petitioner.objects.count() == 1

    def test_picked_record_is_reused(self, mini):
        first = register_walk_in(mini)
        petitioner = first.participants.get().petitioner
        second = register_walk_in(mini, petitioners=[PetitionerData(existing=petitioner)])
        assert second.participants.get().petitioner == petitioner
        assert Petitioner.objects.count() == 1


class RegisterRefusalTests:
    def test_xf_reg_03_role_that_may_not_register_is_refused(self, mini):
        grid_worker = make_user((Role.GRID_WORKER, mini.grid_a1_1))
        with pytest.raises(PermissionDenied):
            matter_register(actor=grid_worker, organisation=mini.town_a_office, data=walk_in_data())
        assert Matter.objects.count() == 0

    def test_xf_vis_03_group_visit_elects_representatives(self, mini):
        with pytest.raises(ValidationError) as exc:
            register_walk_in(mini, group_size=12)
        assert "代表" in str(exc.value.message_dict["petitioners"])
        matter = register_walk_in(
            mini,
            group_size=12,
            petitioners=[
                PetitionerData(name="代表甲", role=ParticipantRole.REPRESENTATIVE),
                PetitionerData(name="参与人乙", role=ParticipantRole.PARTICIPANT),
            ],
        )
        assert matter.is_group and matter.group_size == 12
        assert set(matter.participants.values_list("role", flat=True)) == {
            ParticipantRole.REPRESENTATIVE,
            ParticipantRole.PARTICIPANT,
        }
