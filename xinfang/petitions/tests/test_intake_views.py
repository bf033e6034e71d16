"""The counter form and the intake pages: permissions (allowed and denied), what the law requires
and nothing more, errors next to their fields with the data kept, double submit, group visits
(XF-VIS-03), places, attachments, petitioner lookup and repeat decisions on the same page, the
petitioner's page and the logged full view of personal data, and constant query counts."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.petitions.models import Matter, MatterLink, Petitioner
from xinfang.petitions.services.intake import PetitionerData
from xinfang.petitions.states import Channel, LinkKind, Nature, ParticipantRole, Status
from xinfang.petitions.testing import register_walk_in

pytestmark = pytest.mark.django_db

REGISTER = "petitions:intake_register"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def clerk(mini):
    return make_user((Role.RECEPTION_CLERK, mini.petition_bureau), display_name="接待员甲")


def form_data(mini, **overrides):
    received = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "organisation": mini.petition_bureau.pk,
        "channel": Channel.VISIT,
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
        "oral_recorded_by": "接待员甲",
        "petitioner_name": "赵六",
        "petitioner_address": "幸福路8号",
        "request": "请求解决小区停车位被占用的问题。",
        "facts": "小区地下车库车位长期被外来车辆占用，物业不作为。",
        "reasons": "业主对车位享有使用权。",
        "source": "counter",
        "group_size": "1",
        "submission_key": "key-001",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def field_error(html: str, name: str) -> str:
    match = re.search(rf'id="id_{name}_error">(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


class RegisterPageTests:
    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(reverse(REGISTER))
        assert response.status_code == 302 and reverse("accounts:login") in response.url

    def test_role_that_may_not_register_gets_403(self, client, mini):
        for role, org in (
            (Role.GRID_WORKER, mini.grid_a1_1),
            (Role.SUPERVISOR, mini.district),
            (Role.LEADER, mini.district),
        ):
            client.force_login(make_user((role, org)))
            assert client.get(reverse(REGISTER)).status_code == 403
            assert client.post(reverse(REGISTER), form_data(mini)).status_code == 403
        assert Matter.objects.count() == 0

    def test_form_asks_for_what_the_law_requires(self, client, clerk):
        client.force_login(clerk)
        html = client.get(reverse(REGISTER)).content.decode()
        for name in (
            "channel",
            "received_at",
            "oral_recorded_by",
            "petitioner_name",
            "petitioner_address",
            "request",
            "facts",
            "reasons",
        ):
            assert f'id="id_{name}"' in html and f'for="id_{name}"' in html, name
        # everything else is optional, in collapsed sections
        more = html[html.index('id="intake-more"') :]
        for name in (
            "title",
            "source",
            "hotline_order_ref",
            "place_org",
            "group_size",
            "representatives",
            "attachments",
        ):
            assert f'id="id_{name}"' in more, name
        assert '<details class="mb-3" id="intake-more">' in html  # closed
        # received time defaults to now; the clerk is the recorder; a one-time key
        now = timezone.localtime().strftime("%Y-%m-%dT%H")
        assert re.search(rf'name="received_at" value="{now}:\d\d"', html)
        assert 'value="接待员甲"' in html and 'name="submission_key"' in html
        # the 登记 button is the first submit button: Enter in a field submits the registration
        first_submit = re.search(r'<button type="submit"[^>]*>([^<]*)</button>', html[html.index('id="intake-form"') :])
        assert first_submit is not None and first_submit.group(1) == "登记"

    def test_several_organisations_give_a_select(self, client, mini):
        user = make_user((Role.RECEPTION_CLERK, mini.petition_bureau), (Role.RECEPTION_CLERK, mini.town_a_office))
        client.force_login(user)
        html = client.get(reverse(REGISTER)).content.decode()
        assert '<select name="organisation"' in html and "甲镇信访办" in html
        response = client.post(reverse(REGISTER), form_data(mini, organisation=mini.town_a_office.pk))
        assert response.status_code == 302
        assert Matter.objects.get().registered_org == mini.town_a_office


class RegisterSubmitTests:
    def test_xf_reg_03_walk_in_is_registered_and_its_number_shown(self, client, mini, clerk):
        client.force_login(clerk)
        response = client.post(reverse(REGISTER), form_data(mini), follow=True)
        matter = Matter.objects.get()
        html = response.content.decode()
        assert matter.number in html and 'id="intake-done"' in html
        assert matter.registered_by == clerk and matter.oral_recorded_by == "接待员甲"
        assert matter.title == "请求解决小区停车位被占用的问题。"
        participant = matter.participants.get()
        assert (participant.petitioner.name, participant.role) == ("赵六", ParticipantRole.PETITIONER)
        # a fresh form with a new one-time key follows, so the clerk can go on
        assert 'value="key-001"' not in html

    def test_double_submit_registers_one_matter(self, client, mini, clerk):
        client.force_login(clerk)
        first = client.post(reverse(REGISTER), form_data(mini))
        second = client.post(reverse(REGISTER), form_data(mini))
        assert Matter.objects.count() == 1
        assert first.url == second.url  # both show the same registered matter

    def test_missing_request_and_facts_errors_in_place_and_data_kept(self, client, mini, clerk):
        client.force_login(clerk)
        response = client.post(reverse(REGISTER), form_data(mini, request="", facts="  ", reasons=""))
        assert response.status_code == 200 and Matter.objects.count() == 0
        html = response.content.decode()
        assert 'id="intake-errors"' in html
        assert "必填" in field_error(html, "request") or "此字段是必填项" in field_error(html, "request")
        assert field_error(html, "facts") and field_error(html, "reasons")
        assert 'aria-invalid="true"' in html
        assert 'value="赵六"' in html and 'value="幸福路8号"' in html and 'value="key-001"' in html

    def test_name_and_address_required_unless_unclear_or_anonymous_report(self, client, mini, clerk):
        client.force_login(clerk)
        html = client.post(
            reverse(REGISTER), form_data(mini, petitioner_name="", petitioner_address="")
        ).content.decode()
        assert "第十九条" in field_error(html, "petitioner_name") and "住址" in field_error(html, "petitioner_address")
        response = client.post(
            reverse(REGISTER), form_data(mini, petitioner_address="", name_or_address_unclear="on", submission_key="k2")
        )
        assert response.status_code == 302
        response = client.post(
            reverse(REGISTER),
            form_data(mini, petitioner_name="", petitioner_address="", is_anonymous="on", submission_key="k3"),
        )
        assert response.status_code == 302
        anonymous = Matter.objects.get(submission_key="k3")
        assert anonymous.is_anonymous and anonymous.nature == Nature.REPORT and not anonymous.participants.exists()

    def test_received_in_the_future_is_refused(self, client, mini, clerk):
        client.force_login(clerk)
        future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        html = client.post(reverse(REGISTER), form_data(mini, received_at=future)).content.decode()
        assert "收到时间不能晚于现在" in field_error(html, "received_at")
        assert Matter.objects.count() == 0

    def test_xf_reg_01_oral_petition_needs_its_recorder(self, client, mini, clerk):
        client.force_login(clerk)
        html = client.post(
            reverse(REGISTER), form_data(mini, channel=Channel.PHONE, oral_recorded_by="")
        ).content.decode()
        assert "XF-REG-01" in field_error(html, "oral_recorded_by")
        response = client.post(
            reverse(REGISTER), form_data(mini, channel=Channel.LETTER, source="post", oral_recorded_by="")
        )
        assert response.status_code == 302 and Matter.objects.get().oral_recorded_by == ""

    def test_xf_vis_03_sixth_representative_is_refused(self, client, mini, clerk):
        client.force_login(clerk)
        five_more = "\n".join(f"代表{i} 1390000000{i}" for i in range(5))
        html = client.post(
            reverse(REGISTER), form_data(mini, group_size="40", representatives=five_more)
        ).content.decode()
        assert "第二十条第三款" in field_error(html, "representatives")
        assert Matter.objects.count() == 0
        assert '<details class="mb-3" id="intake-more" open>' in html  # the error is not hidden
        four_more = "\n".join(f"代表{i} 1390000000{i}" for i in range(4))
        response = client.post(
            reverse(REGISTER),
            form_data(mini, group_size="40", representatives=four_more, participants="参与人甲\n参与人乙"),
        )
        assert response.status_code == 302
        matter = Matter.objects.get()
        roles = list(matter.participants.values_list("role", flat=True))
        assert roles.count(ParticipantRole.REPRESENTATIVE) == 5 and roles.count(ParticipantRole.PARTICIPANT) == 2
        assert matter.group_size == 40 and matter.is_group

    def test_place_outside_the_tree_is_refused(self, client, mini, clerk):
        client.force_login(clerk)
        html = client.post(reverse(REGISTER), form_data(mini, place_org=mini.city.pk)).content.decode()
        assert "发生地" in field_error(html, "place_org")
        assert Matter.objects.count() == 0
        response = client.post(reverse(REGISTER), form_data(mini, place_org=mini.grid_a1_2.pk, place_text="3号楼"))
        assert response.status_code == 302 and Matter.objects.get().place_org == mini.grid_a1_2

    def test_bad_attachment_is_refused_and_nothing_written(self, client, mini, clerk):
        client.force_login(clerk)
        bad = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00binary", content_type="application/pdf")
        html = client.post(reverse(REGISTER), {**form_data(mini), "attachments": [bad]}).content.decode()
        assert "类型不允许" in field_error(html, "attachments") and "附件需要重新选择" in html
        assert Matter.objects.count() == 0 and Petitioner.objects.count() == 0
        good = SimpleUploadedFile("合同.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
        assert client.post(reverse(REGISTER), {**form_data(mini), "attachments": [good]}).status_code == 302
        assert Matter.objects.get().attachments.get().content_type == "application/pdf"

    def test_picking_an_existing_petitioner_reuses_the_record(self, client, mini, clerk):
        earlier = register_walk_in(mini)
        petitioner = earlier.participants.get().petitioner
        client.force_login(clerk)
        data = form_data(mini, petitioner_name="", petitioner_address="", petitioner_existing=str(petitioner.pk))
        data.update(request="请求清理楼道杂物。", facts="楼道堆满杂物，存在消防隐患。")
        assert client.post(reverse(REGISTER), data).status_code == 302
        assert Matter.objects.latest("pk").participants.get().petitioner == petitioner
        assert Petitioner.objects.count() == 1

    def test_picking_an_invisible_petitioner_is_refused(self, client, mini, clerk):
        hidden = register_walk_in(mini, organisation=mini.town_b_office).participants.get().petitioner
        town_clerk = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
        client.force_login(town_clerk)
        data = form_data(mini, organisation=mini.town_a_office.pk, petitioner_existing=str(hidden.pk))
        html = client.post(reverse(REGISTER), data).content.decode()
        assert "不在您的查看范围内" in field_error(html, "petitioner_name")

    @pytest.mark.parametrize(
        ("field", "value", "error_field"),
        [
            ("link_choice", "99999999999999999999999:in_progress_here", "link_choice"),
            ("link_choice", "-1:in_progress_here", "link_choice"),
            ("petitioner_existing", "99999999999999999999999", "petitioner_name"),
        ],
    )
    def test_ids_no_row_can_have_are_refused_not_a_server_error(self, client, mini, clerk, field, value, error_field):
        client.force_login(clerk)
        response = client.post(reverse(REGISTER), form_data(mini, **{field: value, "link_reason": "同一事项"}))
        assert response.status_code == 200
        assert "不在您的查看范围内" in field_error(response.content.decode(), error_field)
        assert Matter.objects.count() == 0

    def test_repeat_decision_on_the_same_page(self, client, mini, clerk):
        earlier = register_walk_in(
            mini, request="请求解决小区停车位被占用的问题。", facts="小区地下车库车位长期被外来车辆占用，物业不作为。"
        )
        client.force_login(clerk)
        choice = f"{earlier.pk}:{LinkKind.IN_PROGRESS_HERE}"
        html = client.post(reverse(REGISTER), form_data(mini, link_choice=choice)).content.decode()
        assert "理由" in field_error(html, "link_reason") and Matter.objects.count() == 1
        assert f'value="{choice}" id="id_link_choice_{earlier.pk}_in_progress_here" checked' in html
        response = client.post(reverse(REGISTER), form_data(mini, link_choice=choice, link_reason="同一事项再次来访"))
        assert response.status_code == 302
        new = Matter.objects.latest("pk")
        assert new.status == Status.MERGED and MatterLink.objects.get(matter=new).other == earlier

    def test_refused_repeat_decision_is_shown_next_to_the_proposals(self, client, mini, clerk):
        earlier = register_walk_in(mini)  # in progress here: "pending at a lower level" does not apply
        client.force_login(clerk)
        data = form_data(mini, link_choice=f"{earlier.pk}:{LinkKind.PENDING_HIGHER}", link_reason="同一事项")
        html = client.post(reverse(REGISTER), data).content.decode()
        assert "不能据此作出决定" in field_error(html, "link_choice")
        assert Matter.objects.count() == 1

    def test_check_button_shows_lookup_and_proposals_without_registering(self, client, mini, clerk):
        earlier = register_walk_in(
            mini,
            petitioners=[PetitionerData(name="赵六", id_number="440115199202023333", address="幸福路8号")],
            request="请求解决小区停车位被占用的问题。",
            facts="小区地下车库车位长期被外来车辆占用，物业不作为。",
        )
        client.force_login(clerk)
        html = client.post(reverse(REGISTER), form_data(mini, _check="1", reasons="")).content.decode()
        assert Matter.objects.count() == 1
        assert "4401**********3333" in html and "440115199202023333" not in html
        assert earlier.number in html and "本级正在办理" in html
        assert 'id="intake-errors"' not in html  # nothing was submitted yet


class FragmentTests:
    def test_petitioner_lookup_is_masked_and_needs_register_permission(self, client, mini, clerk):
        register_walk_in(mini)
        url = reverse("petitions:intake_petitioner_lookup")
        client.force_login(clerk)
        html = client.post(url, {"petitioner_phone": "13800001111"}, HTTP_HX_REQUEST="true").content.decode()
        assert 'id="petitioner-results"' in html and "张三" in html and "138****1111" in html
        assert "13800001111" not in html and "<html" not in html
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))
        assert client.post(url, {"petitioner_name": "张"}).status_code == 403

    def test_repeat_proposals_fragment(self, client, mini, clerk):
        earlier = register_walk_in(mini, organisation=mini.town_a_office)
        url = reverse("petitions:intake_repeat_candidates")
        client.force_login(clerk)
        data = form_data(
            mini,
            request="请求责令施工单位支付拖欠的三个月工资。",
            facts="本人在某工地务工，2026年8月至10月工资共计两万元未发放。",
        )
        html = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
        assert earlier.number in html and "第十九条第三款" in html and "<html" not in html
        client.force_login(make_user((Role.GRID_WORKER, mini.grid_a1_1)))
        assert client.post(url, data).status_code == 403


class PetitionerPageTests:
    def test_history_shows_visible_matters_only(self, client, mini):
        first = register_walk_in(mini, organisation=mini.town_a_office)
        petitioner = first.participants.get().petitioner
        hidden = register_walk_in(
            mini, organisation=mini.town_b_office, petitioners=[PetitionerData(existing=petitioner)]
        )
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        html = client.get(reverse("petitions:petitioner_detail", args=[petitioner.pk])).content.decode()
        assert first.number in html and hidden.number not in html
        assert "4401**********1234" in html and "440115199001011234" not in html
        assert 'id="personal-data-show"' in html

    def test_petitioner_of_another_town_is_not_found(self, client, mini):
        petitioner = register_walk_in(mini, organisation=mini.town_b_office).participants.get().petitioner
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert client.get(reverse("petitions:petitioner_detail", args=[petitioner.pk])).status_code == 404
        assert client.post(reverse("petitions:petitioner_personal_data", args=[petitioner.pk])).status_code == 404

    def test_full_view_with_htmx_is_logged(self, client, mini, clerk):
        petitioner = register_walk_in(mini).participants.get().petitioner
        client.force_login(clerk)
        url = reverse("petitions:petitioner_personal_data", args=[petitioner.pk])
        html = client.post(url, HTTP_HX_REQUEST="true").content.decode()
        assert "440115199001011234" in html and "13800001111" in html and "<html" not in html
        event = AuditEvent.objects.get(action="personal_data.view")
        assert event.object_id == str(petitioner.pk) and event.actor_id == clerk.pk

    def test_full_view_without_javascript_renders_the_page(self, client, mini, clerk):
        petitioner = register_walk_in(mini).participants.get().petitioner
        client.force_login(clerk)
        html = client.post(reverse("petitions:petitioner_personal_data", args=[petitioner.pk])).content.decode()
        assert "<html" in html and "440115199001011234" in html
        assert client.get(reverse("petitions:petitioner_personal_data", args=[petitioner.pk])).status_code == 405

    def test_role_without_personal_data_view_sees_masked_data_and_no_button(self, client, mini):
        petitioner = register_walk_in(mini).participants.get().petitioner
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))
        html = client.get(reverse("petitions:petitioner_detail", args=[petitioner.pk])).content.decode()
        assert "138****1111" in html and 'id="personal-data-show"' not in html
        assert client.post(reverse("petitions:petitioner_personal_data", args=[petitioner.pk])).status_code == 403
        assert not AuditEvent.objects.filter(action="personal_data.view").exists()

    def test_search_page_permission_and_masking(self, client, mini, clerk):
        register_walk_in(mini)
        url = reverse("petitions:petitioner_search")
        client.force_login(clerk)
        assert client.get(url).status_code == 200  # the empty search page
        html = client.post(url, {"q": "440115199001011234"}).content.decode()
        results = html[html.index('id="petitioner-search-results"') :]
        assert "张三" in results and "4401**********1234" in results and "440115199001011234" not in results
        fragment = client.post(url, {"q": "张"}, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in fragment and "张三" in fragment
        client.force_login(make_user((Role.GRID_WORKER, mini.grid_a1_1)))
        assert client.post(url, {"q": "张"}).status_code == 403

    def test_search_query_count_is_constant(self, client, mini, clerk, django_assert_max_num_queries):
        url = reverse("petitions:petitioner_search")
        for i in range(5):
            register_walk_in(
                mini, petitioners=[PetitionerData(name=f"钱{i:02d}", phone=f"1370000{i:04d}", address="乙")]
            )
        client.force_login(clerk)
        with django_assert_max_num_queries(20) as small:
            assert client.post(url, {"q": "钱"}).content.decode().count("/matters/petitioners/") >= 5
        for i in range(5, 30):
            register_walk_in(
                mini, petitioners=[PetitionerData(name=f"钱{i:02d}", phone=f"1370000{i:04d}", address="乙")]
            )
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert "钱19" in client.post(url, {"q": "钱"}).content.decode()

    def test_history_query_count_is_constant(self, client, mini, clerk, django_assert_max_num_queries):
        first = register_walk_in(mini)
        petitioner = first.participants.get().petitioner
        url = reverse("petitions:petitioner_detail", args=[petitioner.pk])
        for _ in range(4):
            register_walk_in(mini, petitioners=[PetitionerData(existing=petitioner)])
        client.force_login(clerk)
        with django_assert_max_num_queries(20) as small:
            client.get(url)
        for _ in range(25):
            register_walk_in(mini, petitioners=[PetitionerData(existing=petitioner)])
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert client.get(url).content.decode().count("<tr>") >= 30


class MatterPagesTests:
    def test_repeat_decision_for_a_registered_matter(self, client, mini, clerk):
        earlier = register_walk_in(mini, organisation=mini.town_a_office)
        new = register_walk_in(mini)
        url = reverse("petitions:intake_matter_repeats", args=[new.pk])
        client.force_login(clerk)
        html = client.get(url).content.decode()
        assert earlier.number in html and "第十九条第三款" in html
        response = client.post(
            url, {"link_choice": f"{earlier.pk}:{LinkKind.PENDING_HIGHER}", "link_reason": "甲镇在办"}
        )
        assert response.status_code == 302
        new.refresh_from_db()
        assert new.status == Status.NOT_ACCEPTED
        html = client.post(
            url, {"link_choice": f"{earlier.pk}:{LinkKind.PENDING_HIGHER}", "link_reason": "再次"}
        ).content.decode()
        assert 'id="id_link_choice_error"' in html

    def test_repeat_page_permissions(self, client, mini):
        matter = register_walk_in(mini, organisation=mini.town_a_office)
        url = reverse("petitions:intake_matter_repeats", args=[matter.pk])
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_b_office)))
        assert client.get(url).status_code == 404
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))
        assert client.get(url).status_code == 403
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert client.get(url).status_code == 200

    def test_attachment_page(self, client, mini, clerk):
        matter = register_walk_in(mini)
        url = reverse("petitions:intake_attachment_add", args=[matter.pk])
        client.force_login(clerk)
        assert client.get(url).status_code == 200
        response = client.post(url, {"file": SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n0000")})
        assert response.status_code == 302 and matter.attachments.count() == 1
        html = client.post(url, {"file": SimpleUploadedFile("x.png", b"MZ\x00")}).content.decode()
        assert "类型不允许" in html and matter.attachments.count() == 1

    def test_attachment_page_permissions(self, client, mini):
        matter = register_walk_in(mini, organisation=mini.town_a_office)
        url = reverse("petitions:intake_attachment_add", args=[matter.pk])
        client.force_login(make_user((Role.RECEPTION_CLERK, mini.town_b_office)))
        assert client.get(url).status_code == 404
        client.force_login(make_user((Role.SUPERVISOR, mini.district)))
        assert client.get(url).status_code == 403
        assert client.post(url, {"file": SimpleUploadedFile("a.txt", b"abc")}).status_code == 403
        assert matter.attachments.count() == 0
