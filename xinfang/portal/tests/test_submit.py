"""Online petition submission (issue 5 item 1; XF-CH-01, XF-CH-05, XF-REG-01): the guided form,
the check step (other channels, similar open matters), attachments, consent, and the reference
and query code shown once."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xinfang.audit.models import AuditEvent
from xinfang.petitions.models import Attachment, Matter, Petitioner
from xinfang.petitions.states import CLOCK_NOTICE, CLOCK_TRIAGE, Channel, Source, Status
from xinfang.petitions.testing import register_walk_in
from xinfang.portal.credentials import ALPHABET, REF_LENGTH, public_ref_new
from xinfang.workcalendar.models import Clock

from .portal_support import check_step, form_token, petition, submit, submit_step

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class SubmitTests:
    def test_submit_registers_an_online_matter_at_the_petition_bureau(self, client, mini):
        """XF-CH-01: channel online, source portal; registered by the portal account at the district
        petition bureau; the petitioner recorded; the triage and notice clocks run (D1, D2)."""
        matter, _ref, _code = submit(client, place=str(mini.village_a1.pk))
        assert (matter.channel, matter.source, matter.status) == (Channel.ONLINE, Source.PORTAL, Status.REGISTERED)
        assert matter.registered_org == mini.petition_bureau
        assert matter.registered_by.username == "portal"
        assert matter.place_org == mini.village_a1
        assert matter.place_text == "村口"
        assert (matter.title, matter.request) == ("小区门口道路破损多年未修", "请求尽快修复村口道路。")
        person = Petitioner.objects.get(matter_roles__matter=matter)
        assert (person.name, person.phone, person.address) == ("李四", "13900002222", "测试区甲镇幸福路8号")
        kinds = set(
            Clock.objects.filter(object_id=str(matter.pk), object_type="petitions.matter").values_list(
                "kind", flat=True
            )
        )
        assert {CLOCK_TRIAGE, CLOCK_NOTICE} <= kinds
        event = AuditEvent.objects.get(action="matter.register", object_id=str(matter.pk))
        assert event.actor_label == "portal"

    def test_the_portal_account_cannot_sign_in_and_holds_no_role(self, client, mini):
        matter, _ref, _code = submit(client)
        portal = matter.registered_by
        assert portal.is_active and not portal.is_superuser and not portal.is_staff
        assert not is_password_usable(portal.password)
        assert not portal.memberships.exists()
        assert not portal.check_password("") and not portal.check_password("portal")

    def test_reference_is_random_and_the_code_is_shown_once_and_only_hashed(self, client, mini):
        """Item 8: public references are not sequential; the code is shown once, only its hash is
        stored (nowhere in the matter row or the audit log in clear)."""
        first, ref1, code1 = submit(client)
        second, ref2, code2 = submit(client, title="村口路灯不亮")
        for matter, ref, code in ((first, ref1, code1), (second, ref2, code2)):
            plain = ref.replace("-", "")
            assert len(plain) == REF_LENGTH and set(plain) <= set(ALPHABET)
            assert matter.public_ref == plain
            assert matter.number not in ref and str(matter.pk) != plain
            assert matter.query_code_hash.startswith("hmac-sha256$")
            assert code.replace("-", "") not in matter.query_code_hash
            row = str(Matter.objects.filter(pk=matter.pk).values().get())
            assert code.replace("-", "") not in row and code not in row
            events = " ".join(str(e.summary) for e in AuditEvent.objects.filter(object_id=str(matter.pk)))
            assert code.replace("-", "") not in events
        assert ref1 != ref2 and code1 != code2
        # The receipt is gone once shown.
        again = client.get(reverse("portal:receipt")).content.decode()
        assert code2 not in again and "回执已显示过" in again

    def test_references_share_no_order(self):
        """Item 8: 400 fresh references are distinct and not in the order they were made."""
        refs = [public_ref_new() for _ in range(400)]
        assert len(set(refs)) == 400
        assert refs != sorted(refs) and refs != sorted(refs, reverse=True)
        ascending = sum(1 for a, b in itertools.pairwise(refs) if a < b)
        assert 120 < ascending < 280  # about half of neighbours ascend, as for random values

    def test_the_same_form_sent_twice_registers_one_matter(self, client, mini):
        token = form_token(client)
        first = submit_step(client, token=token)
        second = submit_step(client, token=token)
        assert first.status_code == second.status_code == 302
        assert Matter.objects.count() == 1
        receipt = client.get(reverse("portal:receipt")).content.decode()
        assert "receipt-code" in receipt  # the first send's code, shown once

    def test_check_step_summarises_and_keeps_everything_in_the_form(self, client, mini):
        response = check_step(client, facts="第一行\n第二行")
        html = response.content.decode()
        assert response.status_code == 200
        assert "检查并提交" in html and "李四" in html
        assert 'name="facts" value="第一行\n第二行"' in html
        assert Matter.objects.count() == 0

    def test_back_to_edit_keeps_what_was_typed(self, client, mini):
        data = petition(step="edit", form_token=form_token(client))
        html = client.post(reverse("portal:submit"), data).content.decode()
        assert "小区门口道路破损多年未修" in html and "13900002222" in html
        assert "下一步" in html

    def test_missing_fields_are_named_and_nothing_is_lost(self, client, mini):
        response = check_step(client, request="", phone="12")
        html = response.content.decode()
        assert response.status_code == 400
        assert "请更正下面标出的内容" in html
        assert "请填写正确的电话号码" in html
        assert "小区门口道路破损多年未修" in html
        assert Matter.objects.count() == 0

    def test_consent_is_required(self, client, mini):
        response = submit_step(client, consent=False)
        assert response.status_code == 400
        assert "请阅读并同意个人信息处理说明后再提交" in response.content.decode()
        assert Matter.objects.count() == 0

    def test_a_place_outside_the_district_is_refused(self, client, mini):
        response = check_step(client, place=str(mini.city.pk))
        assert response.status_code == 400
        assert Matter.objects.count() == 0

    def test_the_place_select_is_grouped_by_town(self, client, mini):
        html = client.get(reverse("portal:submit")).content.decode()
        assert f'<optgroup label="{mini.town_a.name}">' in html
        assert html.index(mini.village_a1.name) > html.index(f'<optgroup label="{mini.town_a.name}">')
        assert mini.grid_a1_1.name not in html and mini.housing_bureau.name not in html


class AttachmentTests:
    def test_a_checked_file_is_stored(self, client, mini):
        matter, _ref, _code = submit_step_and_get(client, [SimpleUploadedFile("photo.png", PNG, "image/png")])
        attachment = Attachment.objects.get(matter=matter)
        assert attachment.content_type == "image/png"

    def test_a_file_of_a_wrong_type_is_refused_and_nothing_registered(self, client, mini):
        """Item 8: type checked by content, not by the name."""
        fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00\x03" + b"\x00" * 40, "application/pdf")
        response = submit_step(client, files=[fake])
        assert response.status_code == 400
        assert "类型不允许" in response.content.decode()
        assert Matter.objects.count() == 0

    def test_a_file_too_large_is_refused(self, client, mini, settings):
        settings.XINFANG_ATTACHMENT_MAX_BYTES = 50
        response = submit_step(client, files=[SimpleUploadedFile("photo.png", PNG, "image/png")])
        assert response.status_code == 400
        assert "超过大小上限" in response.content.decode()
        assert Matter.objects.count() == 0

    def test_too_many_files_are_refused(self, client, mini, settings):
        settings.XINFANG_PORTAL_MAX_ATTACHMENTS = 1
        files = [SimpleUploadedFile(f"{i}.txt", f"说明{i}".encode(), "text/plain") for i in range(2)]
        response = submit_step(client, files=files)
        assert response.status_code == 400
        assert "最多上传1个附件" in response.content.decode()
        assert Matter.objects.count() == 0


def submit_step_and_get(client, files):
    response = submit_step(client, files=files)
    assert response.status_code == 302
    receipt = client.get(response["Location"]).content.decode()
    assert "receipt-code" in receipt
    return Matter.objects.get(), None, None


class CheckStepTests:
    def test_litigation_text_gets_the_court_channel_and_its_guidance(self, client, mini):
        """§4 legal channels, XF-LEG-01: a matter decided by a court is shown the court channel,
        in plain words, with why (the words found) — and may still be submitted."""
        response = check_step(client, facts="法院判决已经生效，对方一直不履行，申请强制执行也没有结果。")
        html = response.content.decode()
        assert "法院诉讼、执行和检察监督" in html
        assert "诉访分离" in html
        assert "“判决”" in html and "“强制执行”" in html
        assert "导入诉讼程序" in html  # the handling track's own name, from the data
        assert 'value="submit"' in html

    def test_the_persons_own_choice_points_to_a_channel(self, client, mini):
        html = check_step(client, problem_kind="admin_decision").content.decode()
        assert "行政复议和行政诉讼" in html and "您选择了这类问题" in html

    def test_no_channel_hint_for_an_ordinary_matter(self, client, mini):
        html = check_step(client).content.decode()
        assert "没有发现需要先通过诉讼、仲裁、行政复议或纪检监察等途径解决的迹象" in html

    def test_similar_open_matters_show_reference_title_and_status_only(self, client, mini):
        """Similar open matters: public reference (or a dash), title and status — no number, no
        petitioner's name or phone; closed matters and reports on officials are left out."""
        walk_in = register_walk_in(
            mini,
            title="甲一村村口道路破损",
            facts="甲一村村口道路自去年起坑洼不平，雨天积水，多次有老人摔倒。",
            request="请求尽快修复村口道路。",
        )
        html = check_step(client).content.decode()
        assert "正在办理的相似事项" in html
        assert "甲一村村口道路破损" in html
        assert walk_in.number not in html
        assert "张三" not in html and "13800001111" not in html
        assert str(Status.REGISTERED.label) in html

    def test_similar_matters_can_be_switched_off(self, client, mini, settings):
        settings.XINFANG_PORTAL_SHOW_SIMILAR = False
        register_walk_in(mini, title="甲一村村口道路破损", facts="甲一村村口道路自去年起坑洼不平，雨天积水。")
        html = check_step(client).content.decode()
        assert "正在办理的相似事项" not in html and "甲一村村口道路破损" not in html
