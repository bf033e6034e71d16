"""Complaint and appeal guides (O2): the procuratorate's complaint and appeal procedure and the
court's litigation-related petitions, seeded in three languages, shown to the public in the
reader's language (simplified Chinese with a note when a translation is missing), unpublished ones
hidden, plain text rendered safely, edited by administrators in the admin with an audit event."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.guidance.models import Guide
from xinfang.guidance.services import guide_save
from xinfang.guidance.text import Block, body_blocks

pytestmark = pytest.mark.django_db

GUIDES = reverse("guidance:guides")
PROCURATORATE = "procuratorate-complaints"
COURT = "court-petitions"
MAX_PAGE_BYTES = 100 * 1024


def required_message() -> str:
    """Django's "This field is required." as the active catalogs translate it (DRF's catalog words
    it differently from Django's own, and whichever is installed first wins)."""
    from django.forms import Field
    from django.utils.html import escape

    return escape(str(Field.default_error_messages["required"]))


def _in(client, language):
    client.cookies["django_language"] = language
    return client


def text(response) -> str:
    return response.content.decode()


def note(language: str, full: bool = True) -> str:
    """The fallback note as the reader's catalog gives it (the English text comes with the
    translator's pass; until then it is the simplified-Chinese msgid)."""
    with translation.override(language):
        if full:
            return gettext("本指南暂无您所选语言的版本，以下为简体中文原文。")
        return gettext("本指南暂无您所选语言的版本，将显示简体中文原文。")


def detail(slug: str) -> str:
    return reverse("guidance:guide", kwargs={"slug": slug})


class SeededGuideTests:
    def test_o2_both_guides_are_seeded_in_three_languages(self, db):
        guides = {g.slug: g for g in Guide.objects.all()}
        assert set(guides) == {PROCURATORATE, COURT}
        for guide in guides.values():
            assert guide.is_published and guide.version == 1
            for field in ("title", "summary", "body"):
                for language in ("zh-hans", "zh-hant", "en"):
                    assert guide.text(field, language), (guide.slug, field, language)
        procuratorate = guides[PROCURATORATE]
        assert procuratorate.title_zh_hant == "檢察機關控告申訴指南"  # OpenCC at seed time
        assert "12309" in procuratorate.body_zh_hans
        # Time limits from regulations.md §4: appeal 15/10 days, retrial 6 months, enforcement 2 years.
        for phrase in ("15日", "10日", "6个月", "2年"):
            assert phrase in guides[COURT].body_zh_hans, phrase


class GuidePageTests:
    @pytest.mark.parametrize(
        ("language", "titles"),
        [
            ("zh-hans", ["检察机关控告申诉指南", "法院涉诉信访指南"]),
            ("zh-hant", ["檢察機關控告申訴指南", "法院涉訴信訪指南"]),
            ("en", ["Guide to complaints and appeals to the procuratorate", "Guide to litigation-related petitions"]),
        ],
    )
    def test_o2_list_in_the_readers_language(self, client, db, language, titles):
        response = _in(client, language).get(GUIDES)
        assert response.status_code == 200
        page = text(response)
        for title in titles:
            assert title in page
        assert page.index(titles[0]) < page.index(titles[1])  # sort order
        assert len(response.content) < MAX_PAGE_BYTES
        assert note(language, full=False) not in page

    @pytest.mark.parametrize(
        ("language", "expected"),
        [
            ("zh-hans", ['<h2 class="h5 mt-4">怎样提出</h2>', "<li>写信寄到人民检察院。</li>"]),
            ("zh-hant", ['<h2 class="h5 mt-4">怎樣提出</h2>']),
            ("en", ['<h2 class="h5 mt-4">How to make it</h2>', "<li>By letter to the procuratorate.</li>"]),
        ],
    )
    def test_o2_detail_in_the_readers_language_with_headings_and_lists(self, client, db, language, expected):
        response = _in(client, language).get(detail(PROCURATORATE))
        assert response.status_code == 200
        page = text(response)
        for fragment in expected:
            assert fragment in page
        assert "<ol>" in page and "<ul>" in page and page.count("<h1") == 1
        assert len(response.content) < MAX_PAGE_BYTES

    def test_query_count_is_bounded(self, client, db):
        client.get(GUIDES)
        with CaptureQueriesContext(connection) as listing:
            client.get(GUIDES)
        with CaptureQueriesContext(connection) as one:
            client.get(detail(COURT))
        assert len(listing) <= 2 and len(one) <= 2

    def test_o2_missing_translation_falls_back_to_simplified_chinese_with_a_note(self, client, db):
        Guide.objects.filter(slug=COURT).update(body_en="", title_zh_hant="", body_zh_hant="")
        page = text(_in(client, "en").get(detail(COURT)))
        assert "法院涉诉信访指南" in page and "什么是涉诉信访" in page
        assert note("en") in page
        assert '<article lang="zh-Hans">' in page
        listing = text(_in(client, "zh-hant").get(GUIDES))
        assert "法院涉诉信访指南" in listing and note("zh-hant", full=False) in listing
        assert "檢察機關控告申訴指南" in listing

    def test_o2_unpublished_guide_is_hidden(self, client, db):
        Guide.objects.filter(slug=COURT).update(is_published=False)
        assert "法院涉诉信访指南" not in text(client.get(GUIDES))
        response = client.get(detail(COURT))
        assert response.status_code == 404
        assert client.get(detail("no-such-guide")).status_code == 404

    def test_body_is_plain_text_no_html_gets_through(self, client, db):
        Guide.objects.filter(slug=COURT).update(
            body_zh_hans="<script>alert(1)</script>\n\n- <b>粗体</b>", title_zh_hans="<i>标题</i>"
        )
        page = text(client.get(detail(COURT)))
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<b>粗体</b>" not in page and "&lt;b&gt;粗体&lt;/b&gt;" in page
        assert "<i>标题</i>" not in page

    def test_staff_read_the_guides_like_everyone_and_only_get(self, client, db, mini):
        client.force_login(make_user((Role.MEDIATOR, mini.district)))
        assert client.get(GUIDES).status_code == 200
        assert client.post(GUIDES).status_code == 405


class BodyBlockTests:
    def test_paragraphs_lists_and_headings(self):
        body = "## 标题\n第一行\n第二行\n\n- 甲\n- 乙\n  续行\n1. 一\n2、二\n\n尾段"
        assert body_blocks(body) == [
            Block("h", ("标题",)),
            Block("p", ("第一行", "第二行")),
            Block("ul", ("甲", "乙 续行")),
            Block("ol", ("一", "二")),
            Block("p", ("尾段",)),
        ]

    def test_empty_and_windows_line_ends(self):
        assert body_blocks("") == []
        assert body_blocks("甲\r\n\r\n乙") == [Block("p", ("甲",)), Block("p", ("乙",))]


class GuideAdminTests:
    def _form(self, guide: Guide, **changes):
        data = {
            "sort_order": guide.sort_order,
            "is_published": "on" if guide.is_published else "",
            "title_zh_hans": guide.title_zh_hans,
            "summary_zh_hans": guide.summary_zh_hans,
            "body_zh_hans": guide.body_zh_hans,
            "title_zh_hant": guide.title_zh_hant,
            "summary_zh_hant": guide.summary_zh_hant,
            "body_zh_hant": guide.body_zh_hant,
            "title_en": guide.title_en,
            "summary_en": guide.summary_en,
            "body_en": guide.body_en,
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v != ""}

    def test_o2_system_admin_edits_a_guide_and_the_save_is_audited(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        guide = Guide.objects.get(slug=COURT)
        assert client.get(reverse("admin:guidance_guide_changelist")).status_code == 200
        change = reverse("admin:guidance_guide_change", args=[guide.pk])
        assert client.get(change).status_code == 200
        response = client.post(change, self._form(guide, body_en="## New\nUpdated text."))
        assert response.status_code == 302, text(response)[:3000]
        guide.refresh_from_db()
        assert guide.body_en == "## New\nUpdated text." and guide.version == 2
        event = AuditEvent.objects.get(action="guide.update", object_id=str(guide.pk))
        assert event.summary["fields"] == ["body_en"] and event.summary["version"] == 2
        assert "Updated text." in text(_in(client, "en").get(detail(COURT)))
        assert "第2版" in text(_in(client, "zh-hans").get(detail(COURT)))

    def test_o2_unpublishing_in_the_admin_hides_the_guide_and_is_audited(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        guide = Guide.objects.get(slug=PROCURATORATE)
        change = reverse("admin:guidance_guide_change", args=[guide.pk])
        assert client.post(change, self._form(guide, is_published="")).status_code == 302
        event = AuditEvent.objects.get(action="guide.update", object_id=str(guide.pk))
        assert event.summary["published"] == {"before": True, "after": False}
        assert client.get(detail(PROCURATORATE)).status_code == 404

    def test_o2_traditional_chinese_regenerated_from_simplified_on_request(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        guide = Guide.objects.get(slug=COURT)
        change = reverse("admin:guidance_guide_change", args=[guide.pk])
        form = self._form(guide, body_zh_hans="## 新的说明\n请到诉讼服务中心。", regenerate_hant="on")
        assert client.post(change, form).status_code == 302
        guide.refresh_from_db()
        assert guide.body_zh_hant == "## 新的說明\n請到訴訟服務中心。"
        event = AuditEvent.objects.get(action="guide.update", object_id=str(guide.pk))
        assert event.summary["fields"] == ["body_zh_hans", "body_zh_hant"]

    def test_o2_admin_adds_a_guide(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        form = {
            "slug": "police-complaints",
            "sort_order": 30,
            "is_published": "on",
            "title_zh_hans": "公安投诉指南",
            "body_zh_hans": "正文",
        }
        assert client.post(reverse("admin:guidance_guide_add"), form).status_code == 302
        guide = Guide.objects.get(slug="police-complaints")
        assert AuditEvent.objects.filter(action="guide.create", object_id=str(guide.pk)).exists()
        assert "公安投诉指南" in text(client.get(GUIDES))
        assert note("en") in text(_in(client, "en").get(detail("police-complaints")))

    def test_missing_simplified_text_is_a_translated_form_error(self, client, mini):
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        guide = Guide.objects.get(slug=COURT)
        change = reverse("admin:guidance_guide_change", args=[guide.pk])
        response = client.post(change, self._form(guide, body_zh_hans=""))
        assert response.status_code == 200 and required_message() in text(response)
        guide.refresh_from_db()
        assert guide.version == 1 and not AuditEvent.objects.filter(action="guide.update").exists()

    def test_staff_without_the_role_may_read_but_not_change(self, client, mini):
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau), is_staff=True))
        guide = Guide.objects.get(slug=COURT)
        assert client.get(reverse("admin:guidance_guide_changelist")).status_code == 200
        change = reverse("admin:guidance_guide_change", args=[guide.pk])
        assert client.post(change, self._form(guide, title_zh_hans="改名")).status_code == 403
        assert client.get(reverse("admin:guidance_guide_add")).status_code == 403
        assert Guide.objects.get(slug=COURT).title_zh_hans == "法院涉诉信访指南"

    def test_nobody_deletes_a_guide_and_anonymous_users_go_to_the_login(self, client, mini):
        guide = Guide.objects.get(slug=COURT)
        delete = reverse("admin:guidance_guide_delete", args=[guide.pk])
        assert client.get(delete).status_code == 302
        client.force_login(make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True))
        assert client.get(delete).status_code == 403

    def test_the_service_checks_the_permission(self, mini):
        from django.core.exceptions import PermissionDenied

        guide = Guide.objects.get(slug=COURT)
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        with pytest.raises(PermissionDenied):
            guide_save(actor=clerk, guide=guide, changed=["title_zh_hans"])
        guide_save(actor=SYSTEM, guide=guide, changed=[])
        guide.refresh_from_db()
        assert guide.version == 1  # nothing changed, same version
