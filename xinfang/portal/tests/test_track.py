"""Tracking (issue 5 item 2; H7, XF-SAT-02, XF-CH-05): reference + query code (+ the phone's last
four digits) open the matter for a while; the page shows status and clocks in plain words, the
organisation, and the notices as PDF; pages stay small and the query count bounded."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.notices.kinds import DocumentKind
from xinfang.notices.models import Document
from xinfang.notices.services import document_issue
from xinfang.petitions.models import Matter
from xinfang.petitions.states import CLOCK_TRIAGE, Status
from xinfang.petitions.tests.handling_support import build_handling_world, reviewed
from xinfang.portal.services import matter_query_code_issue
from xinfang.portal.views import SESSION_ACCESS
from xinfang.portal.wording import CLOCK_SENTENCES, STATUS_SENTENCES
from xinfang.workcalendar.models import Clock

from .portal_support import check_step, open_matter, submit

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 100 * 1024


def required_message() -> str:
    """Django's "This field is required." as the active catalogs translate it (DRF's catalog words
    it differently from Django's own, and whichever is installed first wins)."""
    from django.forms import Field
    from django.utils.html import escape

    return escape(str(Field.default_error_messages["required"]))


def acceptance_notice(matter: Matter, clerk: Any) -> Document:
    """The acceptance notice (DOC-01), issued by staff of the registering bureau."""
    return document_issue(
        actor=clerk,
        kind=DocumentKind.ACCEPTANCE,
        organisation=matter.registered_org,
        matter=matter,
        context={
            "petitioner_name": "李四",
            "received_date": matter.received_at,
            "acceptance_status": "本机关已依法受理。",
            "handling_route": "由本机关办理。",
            "time_limit": "60日",
        },
    )


@pytest.fixture
def clerk(mini: Any) -> Any:
    return make_user((Role.RECEPTION_CLERK, mini.petition_bureau))


class TrackTests:
    def test_the_right_code_shows_status_organisation_clocks_and_notices(self, client, mini, clerk):
        """H7: status in plain words, the organisation holding it, the clock ("… by <date>") and the
        acceptance notice issued later by staff."""
        matter, ref, code = submit(client)
        notice = acceptance_notice(matter, clerk)
        response = open_matter(Client(), ref, code)
        assert response.status_code == 302 and response["Location"] == reverse("portal:track_detail")
        visitor = Client()
        visitor.post(reverse("portal:track"), {"public_ref": ref, "query_code": code})
        html = visitor.get(reverse("portal:track_detail")).content.decode()
        assert str(STATUS_SENTENCES[Status.REGISTERED]) in html
        assert mini.petition_bureau.name in html
        triage = Clock.objects.get(object_id=str(matter.pk), kind=CLOCK_TRIAGE, stopped_at__isnull=True)
        assert (
            str(CLOCK_SENTENCES[CLOCK_TRIAGE]) % {"date": formats.date_format(triage.due_date, "DATE_FORMAT")} in html
        )
        assert "信访事项受理告知书" in html
        assert reverse("portal:document", args=[notice.pk]) in html
        assert notice.number in html

    def test_xf_not_01_written_notices_appear_with_their_text(self, client, mini, clerk):
        """XF-NOT-01 / XF-CH-05: a written notice given by staff (any method) shows on the tracking
        page with its text, the organisation and the date; two equal due-date sentences show once."""
        from xinfang.petitions.services.notices import notice_give
        from xinfang.petitions.services.triage import matter_accept_here, matter_triage
        from xinfang.petitions.states import LevelDecision, Nature, NoticeKind, NoticeMethod

        matter, ref, code = submit(client)
        matter = matter_triage(actor=clerk, matter=matter, level=LevelDecision.THIS_LEVEL, nature=Nature.GRIEVANCE)
        matter = matter_accept_here(actor=clerk, matter=matter)
        notice = notice_give(actor=clerk, matter=matter, kind=NoticeKind.RECEIPT_AND_ROUTE, method=NoticeMethod.ONLINE)
        visitor = Client()
        visitor.post(reverse("portal:track"), {"public_ref": ref, "query_code": code})
        html = visitor.get(reverse("portal:track_detail")).content.decode()
        assert str(NoticeKind.RECEIPT_AND_ROUTE.label) in html
        assert notice.content.splitlines()[0][:20] in html
        assert html.count('id="notices-heading"') == 1

    def test_a_reference_typed_loosely_still_opens(self, client, mini):
        _matter, ref, code = submit(client)
        loose = " " + ref.lower().replace("-", " ") + " "
        assert open_matter(Client(), loose, code.lower()).status_code == 302

    def test_the_phone_check_when_given_must_match(self, client, mini):
        _matter, ref, code = submit(client)  # phone 13900002222
        assert open_matter(Client(), ref, code, phone_last4="1111").status_code == 200
        assert open_matter(Client(), ref, code, phone_last4="2222").status_code == 302

    def test_the_phone_check_may_be_required(self, client, mini, settings):
        settings.XINFANG_PORTAL_TRACK_REQUIRE_PHONE = True
        _matter, ref, code = submit(client)
        assert open_matter(Client(), ref, code).status_code == 400
        assert open_matter(Client(), ref, code, phone_last4="2222").status_code == 302

    def test_missing_fields_are_named(self, client, mini):
        response = client.post(reverse("portal:track"), {"public_ref": "", "query_code": ""})
        assert response.status_code == 400
        assert required_message() in response.content.decode()

    def test_access_lasts_thirty_minutes_then_asks_again(self, client, mini):
        _matter, ref, code = submit(client)
        open_matter(client, ref, code)
        assert client.get(reverse("portal:track_detail")).status_code == 200
        session = client.session
        access = session[SESSION_ACCESS]
        assert 29 * 60 < access["until"] - time.time() <= 30 * 60
        session[SESSION_ACCESS] = {**access, "until": time.time() - 1}
        session.save()
        response = client.get(reverse("portal:track_detail"))
        assert response.status_code == 302 and response["Location"] == reverse("portal:track")

    def test_without_a_lookup_there_is_no_matter_page(self, client, mini):
        response = client.get(reverse("portal:track_detail"))
        assert response.status_code == 302 and response["Location"] == reverse("portal:track")

    def test_leaving_closes_the_matter_in_this_browser(self, client, mini):
        _matter, ref, code = submit(client)
        open_matter(client, ref, code)
        client.post(reverse("portal:leave"))
        assert client.get(reverse("portal:track_detail")).status_code == 302

    def test_dates_in_the_readers_locale(self, client, mini):
        matter, ref, code = submit(client)
        visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
        open_matter(visitor, ref, code)
        html = visitor.get(reverse("portal:track_detail")).content.decode()
        triage = Clock.objects.get(object_id=str(matter.pk), kind=CLOCK_TRIAGE, stopped_at__isnull=True)
        with translation.override("en"):
            english = formats.date_format(triage.due_date, "DATE_FORMAT")
        assert english in html and str(triage.due_date.year) + "年" not in html
        assert '<html lang="en">' in html


class DocumentDownloadTests:
    def test_the_pdf_only_after_the_lookup(self, client, mini, clerk):
        matter, ref, code = submit(client)
        notice = acceptance_notice(matter, clerk)
        url = reverse("portal:document", args=[notice.pk])
        stranger = Client()
        before = stranger.get(url)
        assert before.status_code == 302 and before["Location"] == reverse("portal:track")
        open_matter(stranger, ref, code)
        after = stranger.get(url)
        assert after.status_code == 200 and after["Content-Type"] == "application/pdf"
        assert after.content == bytes(notice.pdf) and after.content.startswith(b"%PDF-")
        assert "no-store" in after["Cache-Control"]

    def test_another_matters_document_is_not_found(self, client, mini, clerk):
        mine, ref, code = submit(client)
        other, _ref2, _code2 = submit(client, title="另一件事")
        theirs = acceptance_notice(other, clerk)
        open_matter(client, ref, code)
        assert client.get(reverse("portal:document", args=[theirs.pk])).status_code == 404
        assert mine.pk != other.pk

    def test_documents_between_organisations_are_not_offered(self, client, mini, clerk):
        matter, ref, code = submit(client)
        forwarding = document_issue(
            actor=clerk,
            kind=DocumentKind.FORWARDING,
            organisation=matter.registered_org,
            matter=matter,
            context={"destination": "测试区住建局", "summary": "道路", "legal_basis": "属地管理"},
        )
        open_matter(client, ref, code)
        assert "信访事项转送函" not in client.get(reverse("portal:track_detail")).content.decode()
        assert client.get(reverse("portal:document", args=[forwarding.pk])).status_code == 404


class WordingTests:
    def test_every_status_has_a_sentence_for_the_public(self):
        assert set(STATUS_SENTENCES) == set(Status.values)

    def test_the_petitioners_clocks_have_sentences(self):
        assert all("%(date)s" in str(sentence) for sentence in CLOCK_SENTENCES.values())


class BudgetTests:
    """Issue 5 item 7: every public page under 100 KB of HTML plus its own CSS and JS; the tracking
    page in a bounded number of queries however much has happened."""

    def _assets(self) -> int:
        from django.contrib.staticfiles import finders

        return sum(
            len(open(str(finders.find(p)), "rb").read())
            for p in ("portal/portal.css", "portal/portal.js", "xinfang/site.css")
        )

    def test_pages_are_small(self, client, mini):
        assets = self._assets()
        pages = {
            "home": client.get(reverse("portal:home")),
            "submit": client.get(reverse("portal:submit")),
            "check": check_step(client, facts="法院判决已经生效，对方一直不履行，申请强制执行。"),
            "track": client.get(reverse("portal:track")),
            "privacy": client.get(reverse("portal:privacy")),
        }
        _matter, ref, code = submit(client)
        open_matter(client, ref, code)
        pages["track_detail"] = client.get(reverse("portal:track_detail"))
        for name, response in pages.items():
            assert response.status_code == 200, name
            assert len(response.content) + assets < PAGE_BUDGET, (name, len(response.content))

    def test_the_tracking_page_has_a_bounded_number_of_queries(self, client, mini, django_assert_max_num_queries):
        hw = build_handling_world(mini)
        matter, _opinion = reviewed(hw)
        credentials = matter_query_code_issue(actor=hw.clerk, matter=matter)
        open_matter(client, credentials.public_ref, credentials.query_code or "")
        with django_assert_max_num_queries(20):
            response = client.get(reverse("portal:track_detail"))
        html = response.content.decode()
        assert "信访复查意见书" in html and "信访处理意见书" in html
        assert "请求复核" in html
        assert timezone.localdate().year > 2000
