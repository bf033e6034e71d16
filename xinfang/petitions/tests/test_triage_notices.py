"""Written notices to the petitioner (XF-NOT-01/02/03, DOC-01/02; D2, D3)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from xinfang.audit.models import AuditEvent
from xinfang.core.errors import ServiceError
from xinfang.petitions.models import Matter
from xinfang.petitions.services.notices import notice_give, notice_kinds_for
from xinfang.petitions.services.routing import routing_accept
from xinfang.petitions.services.triage import (
    matter_accept_here,
    matter_guide_elsewhere,
    matter_not_accept,
    matter_triage,
)
from xinfang.petitions.states import (
    CLOCK_NOTICE,
    CLOCK_RECIPIENT_NOTICE,
    Channel,
    LevelDecision,
    Nature,
    NonAcceptanceGround,
    NoticeKind,
    NoticeMethod,
)
from xinfang.workcalendar.models import Clock

from .triage_support import at, build_world, forwarded, frozen, registered, triaged

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(mini):
    return build_world(mini)


def notice_clock(matter: Matter, kind: str = CLOCK_NOTICE) -> Any:
    return Clock.objects.filter(object_id=str(matter.pk), kind=kind).order_by("-pk").first()


class NoticeContentTests:
    def test_xf_not_01_receipt_and_procedure_when_accepted_here(self, world):
        matter = matter_accept_here(actor=world.clerk, matter=triaged(world))
        notice = notice_give(
            actor=world.clerk, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.ON_THE_SPOT
        )
        assert notice.issuing_org == world.bureau and notice.routing is None
        for text in (matter.number, "已依法受理", "60日", "查询"):
            assert text in notice.content
        clock = notice_clock(matter)
        assert clock.stopped_at is not None and notice.due_date == clock.due_date and not notice.is_late
        event = AuditEvent.objects.get(action="notice.give", object_id=str(notice.pk))
        assert event.summary["matter"] == matter.pk and "张三" not in str(event.summary)

    def test_xf_not_01_where_it_was_forwarded(self, world):
        matter, routing = forwarded(world)
        notice = notice_give(actor=world.clerk, matter=matter, kind=NoticeKind.FORWARDED_TO, method=NoticeMethod.POST)
        assert world.housing.name in notice.content and "第二十二条" in notice.content
        assert notice.routing == routing and notice_clock(matter).stopped_at is not None

    def test_xf_not_01_go_to_the_empowered_organ(self, world):
        matter = matter_guide_elsewhere(
            actor=world.clerk,
            matter=triaged(world, level=LevelDecision.OUTSIDE),
            proper_channel="向测试区市场监督管理局投诉",
        )
        notice = notice_give(
            actor=world.clerk, matter=matter, kind=NoticeKind.GO_TO_COMPETENT, method=NoticeMethod.POST
        )
        assert "向测试区市场监督管理局投诉" in notice.content

    def test_doc_02_not_accepted_with_ground_channel_and_basis(self, world):
        matter = matter_not_accept(
            actor=world.clerk,
            matter=triaged(world),
            ground=NonAcceptanceGround.AFTER_RE_REVIEW,
            proper_channel="该事项已经复核终结",
            legal_basis="《信访工作条例》第三十六条第三款",
        )
        notice = notice_give(actor=world.clerk, matter=matter, kind=NoticeKind.NOT_ACCEPTED, method=NoticeMethod.POST)
        for text in ("不予受理", "复核后以同一事实和理由再次提出", "该事项已经复核终结", "第三十六条第三款"):
            assert text in notice.content

    def test_xf_not_03_recipient_notice_d3(self, world):
        with frozen(at(2026, 9, 29, 9)):
            matter, routing = forwarded(world)
            routing_accept(actor=world.housing_officer, routing=routing)
            matter.refresh_from_db()
            assert notice_kinds_for(user=world.housing_officer, matter=matter) == [NoticeKind.RECEIPT_AND_ROUTE]
            notice = notice_give(
                actor=world.housing_officer, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.SMS
            )
        assert notice.issuing_org == world.housing and notice.routing == routing
        assert world.bureau.name in notice.content and "转送" in notice.content
        assert notice.due_date == datetime.date(2026, 10, 14)
        assert notice_clock(matter, CLOCK_RECIPIENT_NOTICE).stopped_at is not None
        assert notice_clock(matter, CLOCK_NOTICE).stopped_at is None  # the bureau's own notice is separate

    def test_content_is_the_official_language_whatever_the_screen(self, world):
        matter = matter_accept_here(actor=world.clerk, matter=triaged(world))
        with translation.override("en"):
            notice = notice_give(
                actor=world.clerk, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.POST
            )
        assert "特此告知" in notice.content

    def test_written_content_is_kept(self, world):
        matter = matter_accept_here(actor=world.clerk, matter=triaged(world))
        notice = notice_give(
            actor=world.clerk,
            matter=matter,
            kind=NoticeKind.RECEIPT_AND_ROUTE,
            method=NoticeMethod.POST,
            content="自拟内容",
        )
        assert notice.content == "自拟内容"


class NoticeRuleTests:
    def test_xf_not_02_late_notice_needs_a_reason_and_stays_late(self, world):
        with frozen(at(2026, 9, 14)):
            matter = triaged(world, received_at=at(2026, 9, 14, 9))
            matter = matter_accept_here(actor=world.clerk, matter=matter)
        with frozen(at(2026, 10, 9)):
            with pytest.raises(ValidationError) as exc:
                notice_give(
                    actor=world.clerk, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.POST
                )
            assert "XF-NOT-02" in exc.value.message_dict["late_reason"][0]
            notice = notice_give(
                actor=world.clerk,
                matter=matter,
                kind=NoticeKind.RECEIPT_AND_ROUTE,
                method=NoticeMethod.POST,
                late_reason="地址有误，邮件退回后重新送达",
            )
        assert notice.is_late and notice.due_date == datetime.date(2026, 9, 29)

    def test_xf_not_02_on_the_spot_only_for_visits(self, world):
        matter = matter_accept_here(actor=world.clerk, matter=triaged(world, channel=Channel.LETTER))
        with pytest.raises(ValidationError) as exc:
            notice_give(
                actor=world.clerk, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.ON_THE_SPOT
            )
        assert "method" in exc.value.message_dict

    def test_xf_not_02_no_clock_when_name_or_address_unclear(self, world):
        matter = matter_accept_here(actor=world.clerk, matter=triaged(world, name_or_address_unclear=True))
        assert notice_clock(matter) is None
        notice = notice_give(
            actor=world.clerk, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.POST
        )
        assert notice.due_date is None and not notice.is_late

    def test_anonymous_matters_get_no_notice(self, world):
        matter = registered(world, petitioners=[], is_anonymous=True, nature_hint=Nature.REPORT)
        matter = matter_triage(actor=world.clerk, matter=matter, level=LevelDecision.OUTSIDE, nature=Nature.REPORT)
        matter = matter_guide_elsewhere(actor=world.clerk, matter=matter, proper_channel="向有权机关检举")
        assert notice_kinds_for(user=world.clerk, matter=matter) == []
        with pytest.raises(ServiceError):
            notice_give(actor=world.clerk, matter=matter, kind=NoticeKind.GO_TO_COMPETENT, method=NoticeMethod.POST)

    def test_notice_must_fit_the_state(self, world):
        matter = triaged(world)
        with pytest.raises(ServiceError):
            notice_give(actor=world.clerk, matter=matter, kind=NoticeKind.NOT_ACCEPTED, method=NoticeMethod.POST)

    def test_given_before_receipt_refused(self, world):
        matter = matter_accept_here(actor=world.clerk, matter=triaged(world))
        with pytest.raises(ValidationError) as exc:
            notice_give(
                actor=world.clerk,
                matter=matter,
                kind=NoticeKind.RECEIPT_AND_ROUTE,
                method=NoticeMethod.POST,
                given_at=matter.received_at - datetime.timedelta(days=1),
            )
        assert "given_at" in exc.value.message_dict

    def test_double_submit_is_refused_clearly(self, world):
        matter = matter_accept_here(actor=world.clerk, matter=triaged(world))
        notice_give(actor=world.clerk, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.POST)
        with pytest.raises(ServiceError) as exc:
            notice_give(actor=world.clerk, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.POST)
        assert "已经作出过" in exc.value.messages[0]
        assert matter.notices.count() == 1

    def test_only_the_issuing_organisation(self, world):
        matter = matter_accept_here(actor=world.clerk, matter=triaged(world))
        for user in (world.overseer, world.town_b_clerk, world.housing_officer):
            with pytest.raises(PermissionDenied):
                notice_give(actor=user, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.POST)
        assert matter.notices.count() == 0
