"""Written instruments over the API, read-only: the metadata of the documents a user may read, the
stored PDF (`GET /api/v1/documents/{id}/pdf/`, the same bytes the staff download serves) and the
authenticity check by verification code (`GET /api/v1/documents/verify/?code=…`, what the public
page shows). Documents are issued by the workflow services (`notices.services.document_issue`),
never through this resource.

Who reads a document (the rule of `selectors.document_for_download`): whoever may view its matter
(matter.view through `Matter.objects.restrict`), or, for a document without a matter, whoever has
matter.view over the issuing organisation (`Document.objects.restrict`). Content and context hold
personal data and are not part of the metadata; the PDF carries them for those allowed to read it."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.accounts.roles import Action
from xinfang.core.api.filters import FilterSet, UtcDateTimeFilter
from xinfang.core.api.queries import query_validation_errors, validate_query
from xinfang.core.api.views import RestrictedReadOnlyViewSet

from .kinds import DocumentKind
from .models import Delivery, Document, DocumentStatus
from .selectors import document_for_download, document_verify, documents_visible


class DeliveryBriefSerializer(serializers.ModelSerializer[Delivery]):
    """How and when a document was delivered (the recipient's name is personal data: not here)."""

    class Meta:
        model = Delivery
        fields = ["id", "method", "delivered_at"]


class DocumentSerializer(serializers.ModelSerializer[Document]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    organisation_name = serializers.CharField(source="organisation.local_name", read_only=True)
    deliveries = DeliveryBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "number",
            "kind",
            "kind_label",
            "language",
            "organisation",
            "organisation_name",
            "matter",
            "object_type",
            "object_id",
            "status",
            "void_reason",
            "voided_at",
            "issued_at",
            "issued_by",
            "template_version",
            "verification_code",
            "pdf_sha256",
            "deliveries",
        ]


class VerificationSerializer(serializers.ModelSerializer[Document]):
    """What the public authenticity check shows: nothing personal, no content."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    organisation_name = serializers.CharField(source="organisation.local_name", read_only=True)

    class Meta:
        model = Document
        fields = ["number", "kind", "kind_label", "organisation_name", "issued_at", "status"]


class VerifyQuerySerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=32, help_text="The verification code printed on the document.")


class DocumentFilter(FilterSet):
    kind = filters.ChoiceFilter(choices=DocumentKind.choices)
    status = filters.ChoiceFilter(choices=DocumentStatus.choices)
    issued_after = UtcDateTimeFilter(field_name="issued_at", lookup_expr="gte")
    issued_before = UtcDateTimeFilter(field_name="issued_at", lookup_expr="lt")

    class Meta:
        model = Document
        fields = ["matter", "organisation", "number", "object_type", "object_id"]


class JsonForErrorsNegotiation(DefaultContentNegotiation):
    """The PDF download answers its errors in JSON whatever the Accept header says (the file itself
    is an HttpResponse that no renderer touches), so `Accept: application/pdf` never yields 406."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


class DocumentApi(RestrictedReadOnlyViewSet):
    """Issued documents the caller may read, newest first (metadata only)."""

    queryset = Document.objects.all()
    restrict_action = Action.MATTER_VIEW
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    ordering_fields = ["issued_at", "number", "id"]

    def get_queryset(self) -> QuerySet[Document]:
        last_delivery = Delivery.objects.filter(document=OuterRef("pk")).order_by("-recorded_at").values("recorded_at")
        return (
            documents_visible(self.request.user)
            .select_related("organisation")
            .defer("pdf", "body", "context")
            .annotate(last_delivery_at=Subquery(last_delivery[:1]))
            .prefetch_related(
                Prefetch("deliveries", queryset=Delivery.objects.only("id", "document_id", "method", "delivered_at"))
            )
            .order_by("-issued_at", "-pk")
        )

    def get_object(self) -> Document:
        document: Document = super().get_object()
        # The ETag follows every change a reader can see: voiding and a new delivery.
        stamps = [document.issued_at, document.voided_at, getattr(document, "last_delivery_at", None)]
        document.updated_at = max(s for s in stamps if s is not None)  # type: ignore[attr-defined]
        return document

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The stored PDF.")},
        summary="The document's PDF (the stored file)",
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=JsonForErrorsNegotiation,
    )
    def pdf(self, request: Request, pk: Any = None) -> HttpResponse:
        """The stored PDF, byte for byte the file the staff download serves (never re-rendered)."""
        visible = self.get_object()
        document = document_for_download(request.user, visible.pk)
        response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="document-{document.pk}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        parameters=[VerifyQuerySerializer],
        responses={200: VerificationSerializer},
        summary="Authenticity check by verification code",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def verify(self, request: Request) -> Response:
        """What the public check page shows for a code (number, kind, issuing organisation, date,
        status), open to every signed-in caller as it is to the public; 404 for an unknown code."""
        document = document_verify(validate_query(VerifyQuerySerializer, request)["code"])
        if document is None:
            raise exceptions.NotFound(_("未找到该验证码对应的文书，请核对后重新输入。"))
        return Response(VerificationSerializer(document).data)

    verify.validation_errors = query_validation_errors(VerifyQuerySerializer)  # type: ignore[attr-defined]


ROUTES = [("documents", DocumentApi, "document")]
