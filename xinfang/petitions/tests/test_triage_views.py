"""Triage and routing pages: who may open and post each (allowed and denied), errors next to the
fields, double submits, XF-CLS-03 end to end, and constant query counts of the lists."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.petitions.models import Matter, Notice, Routing
from xinfang.petitions.services.routing import routing_object
from xinfang.petitions.states import LevelDecision, Nature, RoutingOutcome, Status

from .triage_support import BASIS, build_world, forwarded, registered, triaged

pytestmark = pytest.mark.django_db

REASON = "该事项属于劳动保障监察职责，不属于本单位职权范围，请转人社部门办理。"


@pytest.fixture
def world(mini):
    return build_world(mini)


def url(name: str, pk: int | None = None) -> str:
    return reverse(f"petitions:{name}", args=[pk] if pk is not None else [])


def page(response) -> str:
    return response.content.decode()


class TriagePageTests:
    def test_clerk_sees_summary_clocks_and_forms(self, client, world):
        matter = triaged(world)
        client.force_login(world.clerk)
        response = client.get(url("triage_matter", matter.pk))
        assert response.status_code == 200
        body = page(response)
        for text in (matter.number, "转送", "交办", "不予受理", "转送、交办期限", world.housing.name):
            assert text in body
        assert "测试市信访局" not in body.split('name="to_org"')[1].split("</select>")[0]  # restricted list

    @pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
    def test_pages_render_in_every_language(self, client, world, language):
        matter, routing = forwarded(world)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(world.clerk)
        for name, pk in (("routing_detail", routing.pk), ("notice_give", matter.pk), ("triage_list", None)):
            response = client.get(url(name, pk))
            assert response.status_code == 200 and f'lang="{language}"' in page(response)
        assert client.get(url("triage_matter", triaged(world).pk)).status_code == 200
        client.force_login(world.housing_head)
        assert client.get(url("routing_inbox")).status_code == 200

    def test_proposal_area_tolerates_a_missing_power_list(self, client, world):
        matter = triaged(world)
        client.force_login(world.clerk)
        assert "权责清单" in page(client.get(url("triage_matter", matter.pk)))

    def test_denied_to_roles_that_do_not_triage(self, client, world):
        matter = triaged(world)
        client.force_login(world.overseer)  # may view, may not triage
        assert client.get(url("triage_matter", matter.pk)).status_code == 403
        client.force_login(world.town_b_clerk)  # another area: cannot even see it
        assert client.get(url("triage_matter", matter.pk)).status_code == 404
        client.logout()
        assert client.get(url("triage_matter", matter.pk)).status_code == 302

    def test_record_distinctions(self, client, world):
        matter = registered(world)
        client.force_login(world.clerk)
        response = client.post(url("triage_record", matter.pk), {"level": "lower", "nature": "grievance"})
        assert response.status_code == 302
        matter.refresh_from_db()
        assert (matter.level_decision, matter.nature) == ("lower", "grievance")

    def test_record_errors_next_to_the_fields(self, client, world):
        matter = registered(world)
        client.force_login(world.clerk)
        response = client.post(url("triage_record", matter.pk), {"nature": "grievance", "reported_names": "李四"})
        body = page(response)
        assert response.status_code == 200
        assert 'id="id_level-errors"' in body
        response = client.post(
            url("triage_record", matter.pk), {"level": "this", "nature": "grievance", "reported_names": "李四"}
        )
        assert 'id="id_reported_names-errors"' in page(response) and "只有检举控告类" in page(response)


class ForwardViewTests:
    def test_forward_and_double_submit(self, client, world):
        matter = triaged(world)
        client.force_login(world.clerk)
        data = {"to_org": world.housing.pk, "basis": BASIS, "electronic": "on"}
        response = client.post(url("routing_forward", matter.pk), data)
        assert response.status_code == 302
        matter.refresh_from_db()
        assert matter.status == Status.FORWARDED
        again = client.post(url("routing_forward", matter.pk), data)
        assert again.status_code == 200 and "不能再执行此操作" in page(again)
        assert Routing.objects.count() == 1

    def test_outside_the_tree_error_next_to_the_field(self, client, world):
        matter = triaged(world)
        client.force_login(world.clerk)
        response = client.post(
            url("routing_forward", matter.pk), {"to_org": world.mini.city_petition_bureau.pk, "basis": BASIS}
        )
        body = page(response)
        assert response.status_code == 200 and "XF-TRI-01" in body and 'id="id_to_org-errors"' in body
        assert not Routing.objects.exists()

    def test_sent_before_received_error(self, client, world):
        matter = triaged(world)
        client.force_login(world.clerk)
        sent = timezone.localtime(matter.received_at - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = client.post(
            url("routing_forward", matter.pk), {"to_org": world.housing.pk, "basis": BASIS, "sent_at": sent}
        )
        assert 'id="id_sent_at-errors"' in page(response)

    def test_assign_needs_report_due(self, client, world):
        matter = triaged(world)
        client.force_login(world.clerk)
        response = client.post(url("routing_assign", matter.pk), {"to_org": world.housing.pk, "basis": BASIS})
        assert 'id="id_report_due-errors"' in page(response)
        due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
        response = client.post(
            url("routing_assign", matter.pk), {"to_org": world.housing.pk, "basis": BASIS, "report_due": due}
        )
        assert response.status_code == 302

    @pytest.mark.parametrize(
        "name",
        [
            "routing_forward",
            "routing_assign",
            "triage_accept",
            "triage_not_accept",
            "triage_guide",
            "triage_urgent",
            "triage_record",
        ],
    )
    def test_every_triage_action_denied_to_a_recipient(self, client, world, name):
        matter = triaged(world)
        client.force_login(world.overseer)
        assert client.get(url(name, matter.pk)).status_code == 403
        assert client.post(url(name, matter.pk), {"basis": BASIS}).status_code == 403
        client.force_login(world.clerk)
        assert client.get(url(name, matter.pk)).status_code == 200

    def test_accept_not_accept_guide_urgent(self, client, world):
        client.force_login(world.clerk)
        matter = triaged(world)
        assert client.post(url("triage_accept", matter.pk), {}).status_code == 302
        matter = triaged(world)
        response = client.post(url("triage_not_accept", matter.pk), {"ground": "not_our_power"})
        assert 'id="id_proper_channel-errors"' in page(response)
        response = client.post(
            url("triage_not_accept", matter.pk),
            {"ground": "not_our_power", "proper_channel": "向区人社局提出", "legal_basis": "第二十三条"},
        )
        assert response.status_code == 302
        matter = triaged(world, level=LevelDecision.OUTSIDE)
        assert client.post(url("triage_guide", matter.pk), {"proper_channel": "向法院起诉"}).status_code == 302
        assert client.post(url("triage_urgent", matter.pk), {"reason": "群体聚集"}).status_code == 302
        again = client.post(url("triage_urgent", matter.pk), {"reason": "群体聚集"})
        assert again.status_code == 200 and "已标记为重大紧急事项" in page(again)
        statuses = set(Matter.objects.values_list("status", flat=True))
        assert statuses == {Status.ACCEPTED, Status.NOT_ACCEPTED, Status.GUIDED}


class NoticeViewTests:
    def test_notice_given_and_double_submit(self, client, world):
        matter, _routing = forwarded(world)
        client.force_login(world.clerk)
        assert client.get(url("notice_give", matter.pk)).status_code == 200
        data = {"kind": "forwarded_to", "method": "post"}
        assert client.post(url("notice_give", matter.pk), data).status_code == 302
        again = client.post(url("notice_give", matter.pk), data)
        assert again.status_code == 200 and "已经作出过该告知" in page(again)
        assert Notice.objects.count() == 1

    def test_denied_without_a_notice_to_give(self, client, world):
        matter, _routing = forwarded(world)
        client.force_login(world.overseer)
        assert client.get(url("notice_give", matter.pk)).status_code == 403
        client.force_login(world.pl_head)  # cannot see the matter at all
        assert client.get(url("notice_give", matter.pk)).status_code == 404


class RoutingViewTests:
    def test_recipient_accepts(self, client, world):
        _matter, routing = forwarded(world)
        client.force_login(world.housing_officer)
        response = client.get(url("routing_detail", routing.pk))
        assert response.status_code == 200 and "提出异议" in page(response)
        assert client.post(url("routing_accept", routing.pk), {}).status_code == 302
        routing.refresh_from_db()
        assert routing.outcome == RoutingOutcome.ACCEPTED
        again = client.post(url("routing_accept", routing.pk), {})
        assert again.status_code == 200 and "不能再执行此操作" in page(again)

    def test_sender_may_not_answer_for_the_recipient(self, client, world):
        _matter, routing = forwarded(world)
        client.force_login(world.pl_head)
        assert client.get(url("routing_detail", routing.pk)).status_code == 404
        client.force_login(world.clerk)
        body = page(client.get(url("routing_detail", routing.pk)))
        assert f'action="{url("routing_accept", routing.pk)}"' not in body
        # The clerk's triage scope covers the housing bureau's area but not its handling.
        assert client.post(url("routing_accept", routing.pk), {}).status_code == 403
        assert client.post(url("routing_object", routing.pk), {"reason": REASON}).status_code == 403

    def test_objection_errors_and_decision(self, client, world):
        matter, routing = forwarded(world)
        client.force_login(world.housing_head)
        response = client.post(url("routing_object", routing.pk), {"reason": "太短"})
        assert 'id="id_reason-errors"' in page(response)
        assert client.post(url("routing_object", routing.pk), {"reason": REASON}).status_code == 302
        assert client.post(url("routing_decide", routing.pk), {"upheld": "0", "note": "x"}).status_code == 403
        client.force_login(world.head)
        assert "核实异议" in page(client.get(url("routing_detail", routing.pk)))
        response = client.post(
            url("routing_decide", routing.pk),
            {
                "upheld": "1",
                "note": "成立",
                "reroute_to": world.mini.town_a.pk,
                "reroute_kind": "forward",
                "reroute_basis": BASIS,
            },
        )
        assert response.status_code == 302
        matter.refresh_from_db()
        assert matter.current_org == world.mini.town_a and matter.status == Status.FORWARDED

    def test_received_correction(self, client, world):
        _matter, routing = forwarded(world, electronic=False)
        client.force_login(world.housing_officer)
        received = timezone.localtime(routing.sent_at).strftime("%Y-%m-%dT%H:%M")
        response = client.post(url("routing_received", routing.pk), {"received_at": received})
        assert response.status_code == 302
        routing.refresh_from_db()
        assert routing.received_at is not None
        client.force_login(world.pl_head)
        assert client.post(url("routing_received", routing.pk), {"received_at": received}).status_code == 404


class ConfidentialityViewTests:
    """XF-CLS-03 end to end: recorded through the triage page, routed to discipline inspection,
    and invisible to the person and unit reported on in every page and list."""

    def test_xf_cls_03_report_never_reaches_the_reported(self, client, world):
        matter = registered(world, nature_hint=Nature.REPORT)
        client.force_login(world.clerk)
        response = client.post(
            url("triage_record", matter.pk),
            {
                "level": "this",
                "nature": "report",
                "reported_users": [world.housing_head.pk],
                "reported_orgs": [world.housing.pk],
                "reported_names": "住建局某科长",
            },
        )
        assert response.status_code == 302
        refused = client.post(url("routing_forward", matter.pk), {"to_org": world.housing.pk, "basis": BASIS})
        assert "XF-TRI-02" in page(refused) or "XF-CLS-03" in page(refused)
        assert (
            client.post(url("routing_forward", matter.pk), {"to_org": world.discipline.pk, "basis": BASIS}).status_code
            == 302
        )
        routing = Routing.objects.get(matter=matter)
        client.force_login(world.discipline_head)
        assert matter.number in page(client.get(url("routing_inbox")))
        for reported in (world.housing_head, world.housing_officer):
            client.force_login(reported)
            assert client.get(url("triage_matter", matter.pk)).status_code == 404
            assert client.get(url("routing_detail", routing.pk)).status_code == 404
            assert client.get(url("notice_give", matter.pk)).status_code == 404
            assert matter.number not in page(client.get(url("routing_inbox")))
        # A bureau head who is reported on does not see it in the triage list either.
        other = registered(world, nature_hint=Nature.REPORT)
        client.force_login(world.clerk)
        client.post(
            url("triage_record", other.pk), {"level": "this", "nature": "report", "reported_users": [world.head.pk]}
        )
        client.force_login(world.head)
        assert other.number not in page(client.get(url("triage_list")))
        client.force_login(world.clerk)
        assert other.number in page(client.get(url("triage_list")))


class ListTests:
    def test_lists_denied_to_roles_without_the_action(self, client, world):
        grid_worker = make_user((Role.GRID_WORKER, world.mini.grid_a1_1))
        client.force_login(grid_worker)
        assert client.get(url("triage_list")).status_code == 403
        assert client.get(url("routing_inbox")).status_code == 403
        client.force_login(world.housing_officer)
        assert client.get(url("triage_list")).status_code == 403
        assert client.get(url("routing_inbox")).status_code == 200

    def test_triage_list_query_count_is_constant(self, client, world):
        client.force_login(world.clerk)
        for _ in range(5):
            triaged(world)
        with CaptureQueriesContext(connection) as five:
            response = client.get(url("triage_list"))
        assert page(response).count('/triage/"') >= 5
        for _ in range(25):
            triaged(world)
        with CaptureQueriesContext(connection) as thirty:
            response = client.get(url("triage_list"))
        assert page(response).count('/triage/"') >= 30
        assert len(thirty) == len(five)

    def test_routing_inbox_query_count_is_constant(self, client, world):
        client.force_login(world.housing_head)
        routings = [forwarded(world)[1] for _ in range(5)]
        routing_object(actor=world.housing_head, routing=routings[0], reason=REASON)
        with CaptureQueriesContext(connection) as five:
            response = client.get(url("routing_inbox"))
        assert page(response).count("/matters/routings/") >= 4
        for _ in range(25):
            forwarded(world)
        with CaptureQueriesContext(connection) as thirty:
            response = client.get(url("routing_inbox"))
        assert page(response).count("/matters/routings/") >= 29
        assert len(thirty) == len(five)
        client.force_login(world.head)
        assert routings[0].matter.number in page(client.get(url("routing_inbox")))  # objection to decide
