"""Documents over the API: metadata of what the reader may read (through the matter, or the issuing
organisation for a document without one; the rule of the staff download), the stored PDF byte
for byte, and the authenticity check by code — nothing personal in any of them."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.notices.kinds import DocumentKind
from xinfang.notices.services import delivery_record, document_issue, document_void

from .conftest import ACCEPTANCE

pytestmark = pytest.mark.django_db

LIST = "/api/v1/documents/"
VERIFY = "/api/v1/documents/verify/"


def token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture(autouse=True)
def _fresh_throttle():
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


@pytest.fixture
def order(world):
    """A supervision order: no matter, issued by the district petition bureau."""
    head = make_user((Role.BUREAU_HEAD, world.mini.petition_bureau))
    return document_issue(
        actor=head,
        kind=DocumentKind.SUPERVISION,
        organisation=world.mini.petition_bureau,
        context={"destination": "测试区住建局", "issue": "拖欠工资问题", "deadline": "2026年12月10日"},
        object_type="supervision.case",
        object_id="7",
    )


class ReadPermissionTests:
    def test_the_matters_reader_sees_the_metadata_without_content(self, world, document, order):
        body = token_client(world.clerk).get(LIST).json()
        assert {row["id"] for row in body["results"]} == {document.pk, order.pk}
        row = next(r for r in body["results"] if r["id"] == document.pk)
        assert row["number"] == document.number and row["kind"] == DocumentKind.ACCEPTANCE
        assert row["kind_label"] == "信访事项受理告知书" and row["matter"] == world.matter.pk
        assert row["organisation_name"] == "测试区信访局" and row["pdf_sha256"] == document.pdf_sha256
        # No content and no personal data in the metadata.
        assert "body" not in row and "context" not in row and "张三" not in str(body)

    def test_someone_without_the_matter_sees_nothing(self, world, document, order):
        """The outsider (town B's office) may view neither the matter nor the bureau's documents."""
        api = token_client(world.outsider)
        assert api.get(LIST).json()["count"] == 0
        for pk in (document.pk, order.pk):
            assert api.get(f"{LIST}{pk}/").status_code == 404
            response = api.get(f"{LIST}{pk}/pdf/")
            assert response.status_code == 404
            assert response["Content-Type"] == "application/json"
            assert response.json()["errors"][0]["code"] == "not_found"

    def test_the_handling_unit_sees_its_own_matters_documents_only(self, world, document):
        housing = document_issue(
            actor=make_user((Role.RECEPTION_CLERK, world.mini.housing_bureau)),
            kind=DocumentKind.ACCEPTANCE,
            organisation=world.mini.housing_bureau,
            matter=world.housing_matter,
            context=ACCEPTANCE,
        )
        body = token_client(world.handler).get(LIST).json()
        assert [row["id"] for row in body["results"]] == [housing.pk]

    def test_no_role_no_documents(self, world, document):
        api = token_client(make_user())
        assert api.get(LIST).json()["count"] == 0
        assert api.get(f"{LIST}{document.pk}/pdf/").status_code == 404


class PdfTests:
    def test_pdf_is_the_stored_file(self, world, document):
        response = token_client(world.clerk).get(f"{LIST}{document.pk}/pdf/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert response.content == bytes(document.pdf)
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_asking_for_pdf_explicitly_works_and_errors_stay_json(self, world, document):
        api = token_client(world.clerk)
        ok = api.get(f"{LIST}{document.pk}/pdf/", HTTP_ACCEPT="application/pdf")
        assert ok.status_code == 200 and ok.content.startswith(b"%PDF")
        missing = api.get(f"{LIST}99999999/pdf/", HTTP_ACCEPT="application/pdf")
        assert missing.status_code == 404 and missing["Content-Type"] == "application/json"


class FilterTests:
    def test_filters_and_query_bound(self, world, document, order, django_assert_max_num_queries):
        api = token_client(world.clerk)
        assert [r["id"] for r in api.get(LIST, {"matter": world.matter.pk}).json()["results"]] == [document.pk]
        assert [r["id"] for r in api.get(LIST, {"kind": "supervision"}).json()["results"]] == [order.pk]
        assert [r["id"] for r in api.get(LIST, {"object_type": "supervision.case"}).json()["results"]] == [order.pk]
        document_void(actor=world.clerk, document=document, reason="错误")
        assert [r["id"] for r in api.get(LIST, {"status": "void"}).json()["results"]] == [document.pk]
        assert api.get(LIST, {"kind": "letter"}).status_code == 400
        for _ in range(3):
            document_issue(
                actor=world.clerk,
                kind=DocumentKind.ACCEPTANCE,
                organisation=world.mini.petition_bureau,
                matter=world.matter,
                context=ACCEPTANCE,
            )
        with django_assert_max_num_queries(12):
            assert api.get(LIST).json()["count"] == 5

    def test_etag_changes_with_a_delivery_and_a_void(self, world, document):
        from django.utils import timezone

        api = token_client(world.clerk)
        first = api.get(f"{LIST}{document.pk}/")["ETag"]
        delivery_record(
            actor=world.clerk, document=document, method="hand", delivered_at=timezone.now(), recipient="张三"
        )
        after_delivery = api.get(f"{LIST}{document.pk}/")
        assert after_delivery["ETag"] != first
        assert [d["method"] for d in after_delivery.json()["deliveries"]] == ["hand"]
        assert "张三" not in after_delivery.content.decode()
        document_void(actor=world.clerk, document=document, reason="错误")
        assert api.get(f"{LIST}{document.pk}/")["ETag"] != after_delivery["ETag"]


class VerifyTests:
    def test_verification_shows_the_public_basics(self, world, document):
        api = token_client(world.outsider)
        body = api.get(VERIFY, {"code": document.verification_code.lower()}).json()
        assert body == {
            "number": document.number,
            "kind": "acceptance",
            "kind_label": "信访事项受理告知书",
            "organisation_name": "测试区信访局",
            "issued_at": body["issued_at"],
            "status": "issued",
        }

    def test_unknown_or_missing_code(self, world, document):
        api = token_client(world.clerk)
        unknown = api.get(VERIFY, {"code": "ABCDEFGHJKLMNPQR"})
        assert unknown.status_code == 404 and "未找到该验证码对应的文书" in unknown.json()["errors"][0]["detail"]
        missing = api.get(VERIFY)
        assert missing.status_code == 400 and missing.json()["errors"][0]["attr"] == "code"
