"""Pages: the public authenticity check (valid, void, unknown, rate limit, no personal data) and
the staff PDF download (allowed, denied)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from xinfang.notices.kinds import DocumentKind
from xinfang.notices.services import document_issue, document_void
from xinfang.notices.views import VERIFY_LIMIT

from .conftest import ACCEPTANCE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def document(world):
    return document_issue(
        actor=world.clerk,
        kind=DocumentKind.ACCEPTANCE,
        organisation=world.mini.petition_bureau,
        matter=world.matter,
        context=ACCEPTANCE,
    )


class VerifyPageTests:
    def test_form_is_public(self, client):
        response = client.get(reverse("notices:verify"))
        assert response.status_code == 200 and "文书真伪查验" in response.text

    def test_form_redirects_to_the_code(self, client, document):
        response = client.get(reverse("notices:verify"), {"code": document.verification_code.lower()})
        assert response.status_code == 302
        assert response["Location"] == reverse("notices:verify_code", args=[document.verification_code])

    def test_valid_document_shows_basics_only(self, client, document):
        response = client.get(reverse("notices:verify_code", args=[document.verification_code]))
        assert response.status_code == 200
        text = response.text
        assert (
            document.number in text and "信访事项受理告知书" in text and "测试区信访局" in text and "当前有效" in text
        )
        # No personal data and no content.
        assert "张三" not in text and "依法予以受理" not in text and document.matter.number not in text

    def test_void_document_is_shown_as_void(self, client, world, document):
        document_void(actor=world.clerk, document=document, reason="错误")
        response = client.get(reverse("notices:verify_code", args=[document.verification_code]))
        assert response.status_code == 200 and "已作废" in response.text

    def test_unknown_code_is_a_not_found_message(self, client, document):
        response = client.get(reverse("notices:verify_code", args=["ABCDEFGHJKLMNPQR"]))
        assert response.status_code == 404 and "未找到该验证码对应的文书" in response.text

    def test_rate_limit_per_address(self, client, document):
        url = reverse("notices:verify_code", args=[document.verification_code])
        for _ in range(VERIFY_LIMIT):
            assert client.get(url).status_code == 200
        response = client.get(url)
        assert response.status_code == 429 and "查询过于频繁" in response.text
        other = client.get(url, REMOTE_ADDR="10.0.0.9")
        assert other.status_code == 200


class DownloadPermissionTests:
    def test_matter_viewer_downloads(self, client, world, document):
        client.force_login(world.clerk)
        response = client.get(reverse("notices:pdf", args=[document.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content == bytes(document.pdf) and response.content.startswith(b"%PDF")

    def test_user_without_the_matter_is_denied(self, client, world, document):
        client.force_login(world.outsider)
        assert client.get(reverse("notices:pdf", args=[document.pk])).status_code == 403

    def test_anonymous_is_sent_to_login(self, client, document):
        response = client.get(reverse("notices:pdf", args=[document.pk]))
        assert response.status_code == 302 and "login" in response["Location"]

    def test_unknown_document_is_404(self, client, world):
        client.force_login(world.clerk)
        assert client.get(reverse("notices:pdf", args=[999999])).status_code == 404

    def test_document_without_matter_needs_the_organisation_in_scope(self, client, world):
        from xinfang.accounts.roles import Role
        from xinfang.core.testing import make_user

        supervisor = make_user((Role.BUREAU_HEAD, world.mini.petition_bureau))
        order = document_issue(
            actor=supervisor,
            kind=DocumentKind.SUPERVISION,
            organisation=world.mini.petition_bureau,
            context={"destination": "测试区住建局", "issue": "拖欠工资问题", "deadline": "2026年12月10日"},
            object_type="supervision.case",
            object_id="7",
        )
        client.force_login(world.clerk)
        assert client.get(reverse("notices:pdf", args=[order.pk])).status_code == 200
        client.logout()
        client.force_login(world.outsider)
        assert client.get(reverse("notices:pdf", args=[order.pk])).status_code == 403
