"""The staff workbench pages: who may open the inbox, a matter page and an attachment (allowed and
denied, XF-CLS-03), and what the matter page shows (masked petitioners, clocks, timeline)."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import Attachment, Matter, MatterLink, Routing
from xinfang.petitions.services.common import OBJECT_TYPE
from xinfang.petitions.services.intake import PetitionerData
from xinfang.petitions.services.routing import matter_forward, routing_object
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import LevelDecision, LinkKind, Nature, ParticipantRole
from xinfang.petitions.testing import register_walk_in
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.services import clock_start

pytestmark = pytest.mark.django_db
INBOX = reverse("petitions:inbox")


# --- Helpers shared by the workbench tests ------------------------------------------------------


def register_at(mini: MiniDistrict, org: Organisation, **overrides: Any) -> Matter:
    """A walk-in registered by a clerk of `org` through the real intake service."""
    return register_walk_in(mini, organisation=org, **overrides)


def forward(matter: Matter, *, to_org: Organisation, actor: Any, level: str = LevelDecision.THIS_LEVEL) -> Routing:
    """Triage and forward a matter (转送) through the real triage and routing services."""
    matter = matter_triage(actor=actor, matter=matter, level=level, nature=matter.nature or Nature.GRIEVANCE)
    return matter_forward(actor=actor, matter=matter, to_org=to_org, basis="《信访工作条例》第二十二条")


def start_clock(matter: Matter, *, kind: str, start: datetime.date, period: int, unit: str = "calendar") -> Clock:
    """A real clock on the matter through the workcalendar service."""
    return clock_start(
        object_type=OBJECT_TYPE,
        object_id=str(matter.pk),
        kind=kind,
        start_date=start,
        period=period,
        unit=unit,
        actor=SYSTEM,
        org_id=matter.current_org_id,
    )


def detail_url(matter: Matter) -> str:
    return reverse("petitions:matter_detail", args=[matter.pk])


# --- Inbox ------------------------------------------------------------------------------------


class InboxPermissionTests:
    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(INBOX)
        assert response.status_code == 302 and reverse("accounts:login") in response.url

    @pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.MEDIATOR, Role.SYSTEM_ADMIN])
    def test_roles_without_matter_view_are_refused(self, client, mini, role):
        client.force_login(make_user((role, mini.grid_a1_1 if role == Role.GRID_WORKER else mini.district)))
        assert client.get(INBOX).status_code == 403
        assert client.get(reverse("petitions:search")).status_code == 403

    def test_user_without_memberships_is_refused(self, client, mini):
        client.force_login(make_user())
        assert client.get(INBOX).status_code == 403

    def test_town_clerk_sees_own_town_only(self, client, mini):
        mine = register_at(mini, mini.town_a_office)
        other = register_at(mini, mini.town_b_office)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        response = client.get(INBOX, {"tab": "all"})
        assert response.status_code == 200
        listed = {row.matter.pk for row in response.context["rows"]}
        assert listed == {mine.pk}
        assert other.number not in response.content.decode()

    def test_district_bureau_head_sees_every_town(self, client, mini):
        a = register_at(mini, mini.town_a_office)
        b = register_at(mini, mini.town_b_office)
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        listed = {row.matter.pk for row in client.get(INBOX, {"tab": "all"}).context["rows"]}
        assert listed == {a.pk, b.pk}

    def test_xf_cls_03_reported_person_does_not_see_the_report_in_lists(self, client, mini):
        report = register_at(mini, mini.petition_bureau, nature_hint=Nature.REPORT)
        head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        report.reported_users.add(head)
        client.force_login(head)
        response = client.get(INBOX, {"tab": "all"})
        assert report.pk not in {row.matter.pk for row in response.context["rows"]}
        assert all(t.count == 0 for t in response.context["tabs"])

    def test_landing_tab_follows_the_role(self, client, mini):
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert client.get(INBOX).context["tab"] == "triage"
        client.force_login(make_user((Role.HANDLING_OFFICER, mini.housing_bureau)))
        assert client.get(INBOX).context["tab"] == "accept"
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))
        assert client.get(INBOX).context["tab"] == "all"
        assert client.get(reverse("petitions:search")).context["tab"] == "all"

    def test_unknown_tab_falls_back_to_all(self, client, mini):
        register_at(mini, mini.town_a_office)
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))
        response = client.get(INBOX, {"tab": "triage"})  # supervisors do not triage
        assert response.context["tab"] == "all" and len(response.context["rows"]) == 1

    def test_htmx_request_gets_the_results_fragment(self, client, mini):
        register_at(mini, mini.town_a_office)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        response = client.get(INBOX, {"tab": "all"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="workbench-results")
        body = response.content.decode()
        assert response.status_code == 200 and "<html" not in body and "wb-tabs" in body
        # The chosen tab travels with the filter form, which stays outside the swapped fragment.
        assert '<input type="hidden" name="tab" value="all" form="matter-filter">' in body

    def test_english_page(self, client, mini):
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en").status_code == 200


# --- Matter page ------------------------------------------------------------------------------


class MatterDetailPermissionTests:
    def test_anonymous_is_sent_to_login(self, client, mini):
        matter = register_at(mini, mini.town_a_office)
        response = client.get(detail_url(matter))
        assert response.status_code == 302 and reverse("accounts:login") in response.url

    def test_clerk_of_the_registering_town_may_open_it(self, client, mini):
        matter = register_at(mini, mini.town_a_office)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert client.get(detail_url(matter)).status_code == 200

    def test_bureau_head_of_the_district_may_open_it(self, client, mini):
        matter = register_at(mini, mini.town_a_office)
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        assert client.get(detail_url(matter)).status_code == 200

    def test_another_towns_clerk_gets_404(self, client, mini):
        matter = register_at(mini, mini.town_a_office)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_b_office)))
        assert client.get(detail_url(matter)).status_code == 404

    def test_grid_worker_gets_404(self, client, mini):
        matter = register_at(mini, mini.town_a_office, place_org=mini.grid_a1_1)
        client.force_login(make_user((Role.GRID_WORKER, mini.grid_a1_1)))
        assert client.get(detail_url(matter)).status_code == 404

    def test_handling_officer_sees_it_once_forwarded_to_the_unit(self, client, mini):
        matter = register_at(mini, mini.petition_bureau)
        officer = make_user((Role.HANDLING_OFFICER, mini.housing_bureau))
        client.force_login(officer)
        assert client.get(detail_url(matter)).status_code == 404
        forward(matter, to_org=mini.housing_bureau, actor=make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        response = client.get(detail_url(matter))
        assert response.status_code == 200
        assert "测试区住建局" in response.content.decode()

    def test_xf_cls_03_the_reported_person_gets_404(self, client, mini):
        report = register_at(mini, mini.petition_bureau, nature_hint=Nature.REPORT)
        reported = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        report.reported_users.add(reported)
        client.force_login(reported)
        assert client.get(detail_url(report)).status_code == 404
        # A reported unit: its members get 404 too, even where the matter was registered.
        town_report = register_at(mini, mini.town_a_office, nature_hint=Nature.REPORT)
        town_report.reported_orgs.add(mini.town_a_office)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert client.get(detail_url(town_report)).status_code == 404
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        assert client.get(detail_url(town_report)).status_code == 200

    def test_missing_matter_is_404(self, client, mini):
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        assert client.get(reverse("petitions:matter_detail", args=[999999])).status_code == 404


class MatterDetailContentTests:
    def test_page_shows_the_matter_with_petitioners_masked(self, client, mini):
        matter = register_at(mini, mini.town_a_office, place_org=mini.village_a1, place_text="村委会东侧")
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        body = client.get(detail_url(matter)).content.decode()
        assert matter.number in body and matter.request in body and matter.facts in body
        assert "甲一村" in body and "村委会东侧" in body
        assert "张*" in body and "张三" not in body
        assert "440115199001011234" not in body and "13800001111" not in body
        assert "138****1111" in body

    def test_group_visit_shows_size_and_representatives(self, client, mini):
        reps = [PetitionerData(name=f"李{i}{i}", role=ParticipantRole.REPRESENTATIVE) for i in range(2)]
        matter = register_at(mini, mini.town_a_office, petitioners=reps, group_size=12)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        response = client.get(detail_url(matter))
        body = response.content.decode()
        assert "共 12 人" in body and len(response.context["representatives"]) == 2
        assert "李0" not in body and "李*" in body

    def test_timeline_from_the_audit_log_with_translated_labels(self, client, mini):
        matter = register_at(mini, mini.petition_bureau)
        head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        forward(matter, to_org=mini.housing_bureau, actor=head)
        client.force_login(head)
        timeline = client.get(detail_url(matter)).context["timeline"]
        actions = [e.action for e in timeline]
        assert actions[0] == "matter.register" and "clock.start" in actions and "matter.forward" in actions
        labels = {e.action: e.label for e in timeline}
        assert labels["matter.register"] == "登记" and labels["matter.forward"] == "转送"
        forwarded = next(e for e in timeline if e.action == "matter.forward")
        assert forwarded.details == ["状态：已登记待分流 → 已转送待受理"]

    def test_receiving_unit_sees_the_whole_history(self, client, mini):
        """Once a matter is visible, every step is, whichever organisation recorded it."""
        matter = register_at(mini, mini.petition_bureau)
        head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        forward(matter, to_org=mini.housing_bureau, actor=head)
        client.force_login(make_user((Role.HANDLING_OFFICER, mini.housing_bureau)))
        actions = [e.action for e in client.get(detail_url(matter)).context["timeline"]]
        assert actions[0] == "matter.register" and "matter.forward" in actions

    def test_timeline_falls_back_to_the_raw_code(self, mini):
        from xinfang.petitions.selectors import action_label

        assert action_label("matter.conclude_someday") == "matter.conclude_someday"
        assert action_label("routing.object") == "承办单位提出异议"

    def test_clocks_with_days_left_late_marker_and_provisional_flag(self, client, mini):
        matter = register_at(mini, mini.petition_bureau, name_or_address_unclear=True)
        today = timezone.localdate()
        late = start_clock(matter, kind="test_late", start=today - datetime.timedelta(days=40), period=5)
        from xinfang.workcalendar.services import clock_stop

        clock_stop(clock=late, actor=SYSTEM, reason="test")
        start_clock(matter, kind="test_provisional", start=datetime.date(2027, 6, 1), period=15)
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        response = client.get(detail_url(matter))
        states = {c.kind: c for c in response.context["clocks"]}
        assert states["triage_15d"].state == "running" and states["triage_15d"].days_left > 0
        assert states["test_late"].state == "late" and not states["test_late"].is_running
        assert states["test_provisional"].is_provisional
        body = response.content.decode()
        assert "逾期办理" in body and "暂定" in body and "转送交办期限（15日，D1）" in body

    def test_routings_and_links_are_shown_links_only_when_visible(self, client, mini):
        earlier = register_at(mini, mini.town_a_office, title="早前事项")
        hidden = register_at(mini, mini.town_b_office, title="乙街道事项")
        matter = register_at(mini, mini.town_a_office)
        clerk = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
        for other in (earlier, hidden):
            MatterLink.objects.create(
                matter=matter, other=other, kind=LinkKind.SAME_PETITIONER, reason="同一信访人", decided_by=clerk
            )
        forward(matter, to_org=mini.village_a1, actor=clerk, level=LevelDecision.LOWER)
        client.force_login(clerk)
        response = client.get(detail_url(matter))
        body = response.content.decode()
        assert [link.other_pk for link in response.context["links"]] == [earlier.pk]
        assert earlier.number in body and hidden.number not in body and "乙街道事项" not in body
        assert "转送" in body and "甲一村" in body and "待受理" in body
        # The earlier matter shows the link the other way round.
        assert [link.other_pk for link in client.get(detail_url(earlier)).context["links"]] == [matter.pk]

    def test_action_buttons_only_for_those_who_may_act(self, client, mini):
        matter = register_at(mini, mini.petition_bureau)
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))
        assert client.get(detail_url(matter)).context["actions"] == []
        head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        client.force_login(head)
        urls = {a.url for a in client.get(detail_url(matter)).context["actions"]}
        assert reverse("petitions:triage_matter", args=[matter.pk]) in urls
        assert reverse("petitions:triage_urgent", args=[matter.pk]) in urls
        # XF-NOT-03: once forwarded, the recipient may accept or object; the bureau may not.
        routing = forward(matter, to_org=mini.housing_bureau, actor=head)
        assert reverse("petitions:triage_matter", args=[matter.pk]) not in {
            a.url for a in client.get(detail_url(matter)).context["actions"]
        }
        officer = make_user((Role.HANDLING_OFFICER, mini.housing_bureau))
        client.force_login(officer)
        urls = {a.url for a in client.get(detail_url(matter)).context["actions"]}
        assert {reverse("petitions:routing_accept", args=[routing.pk])} <= urls
        assert {reverse("petitions:routing_object", args=[routing.pk])} <= urls
        # The objection is decided by the bureau that forwarded it.
        routing_object(actor=officer, routing=routing, reason="该事项不属于本局职责范围，应由人社部门处理。")
        assert reverse("petitions:routing_decide", args=[routing.pk]) not in {
            a.url for a in client.get(detail_url(matter)).context["actions"]
        }
        client.force_login(head)
        urls = {a.url for a in client.get(detail_url(matter)).context["actions"]}
        assert reverse("petitions:routing_decide", args=[routing.pk]) in urls

    def test_detail_query_count_does_not_grow_with_petitioners(
        self, client, mini, media_root, django_assert_max_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        one = register_at(mini, mini.town_a_office)
        many = register_at(
            mini,
            mini.town_a_office,
            petitioners=[PetitionerData(name=f"王{i}", role=ParticipantRole.REPRESENTATIVE) for i in range(5)]
            + [PetitionerData(name=f"赵{i}", role=ParticipantRole.PARTICIPANT) for i in range(10)],
            group_size=40,
        )
        for matter in (one, many):
            attach(matter, "a.txt", b"x")
        attach(many, "b.txt", b"y")
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        client.get(detail_url(one))  # warm the calendar cache
        with CaptureQueriesContext(connection) as few:
            assert client.get(detail_url(one)).status_code == 200
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(detail_url(many)).status_code == 200


# --- Attachments ------------------------------------------------------------------------------


def attach(matter: Matter, name: str, content: bytes, content_type: str = "text/plain") -> Attachment:
    return Attachment.objects.create(
        matter=matter,
        file=SimpleUploadedFile(name, content, content_type=content_type),
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


class AttachmentDownloadTests:
    def url(self, attachment: Attachment) -> str:
        return reverse("petitions:attachment_download", args=[attachment.matter_id, attachment.pk])

    def test_visible_matter_serves_the_file_as_a_download(self, client, mini, media_root):
        matter = register_at(mini, mini.town_a_office)
        attachment = attach(matter, "证明材料.pdf", b"%PDF-1.4 test", "application/pdf")
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        response = client.get(detail_url(matter))
        page = response.content.decode()
        assert self.url(attachment) in page and "证明材料.pdf" in page
        assert response.context["attachment_add_url"] == reverse("petitions:intake_attachment_add", args=[matter.pk])
        response = client.get(self.url(attachment))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == b"%PDF-1.4 test"

    def test_no_add_link_for_readers(self, client, mini, media_root):
        matter = register_at(mini, mini.town_a_office)
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))
        response = client.get(detail_url(matter))
        assert response.status_code == 200 and response.context["attachment_add_url"] is None
        assert response.context["repeats_url"] is None

    def test_invisible_matter_gets_404(self, client, mini, media_root):
        attachment = attach(register_at(mini, mini.town_a_office), "a.txt", b"secret")
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_b_office)))
        assert client.get(self.url(attachment)).status_code == 404

    def test_xf_cls_03_reported_person_cannot_download(self, client, mini, media_root):
        report = register_at(mini, mini.petition_bureau, nature_hint=Nature.REPORT)
        attachment = attach(report, "a.txt", b"secret")
        reported = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        report.reported_users.add(reported)
        client.force_login(reported)
        assert client.get(self.url(attachment)).status_code == 404

    def test_attachment_of_another_matter_through_this_url_gets_404(self, client, mini, media_root):
        mine = register_at(mini, mini.town_a_office)
        theirs = attach(register_at(mini, mini.town_b_office), "a.txt", b"secret")
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        url = reverse("petitions:attachment_download", args=[mine.pk, theirs.pk])
        assert client.get(url).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, mini, media_root):
        attachment = attach(register_at(mini, mini.town_a_office), "a.txt", b"x")
        response = client.get(self.url(attachment))
        assert response.status_code == 302 and reverse("accounts:login") in response.url

    def test_missing_file_is_404(self, client, mini, media_root):
        attachment = attach(register_at(mini, mini.town_a_office), "a.txt", b"x")
        attachment.file.storage.delete(attachment.file.name)
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert client.get(self.url(attachment)).status_code == 404
