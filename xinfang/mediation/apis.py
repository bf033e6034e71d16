"""Mediation cases over the API (docs/api.md "Mediation cases"). Reads go through
`MediationCase.objects.restrict(user, "mediation.handle")` (404 when not visible); each action
locks the case, honours If-Match and calls ONE service of `mediation.services` — the same the
case pages call, which keep every permission and state check. Parties' ID numbers and phones are
masked in every read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from xinfang.accounts.roles import Action
from xinfang.core.api.actions import LockedWriteMixin, declared_errors, fitted, resource_action
from xinfang.core.api.etags import if_match_check, lock, with_etag
from xinfang.core.api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from xinfang.core.api.filters import FilterSet
from xinfang.core.api.idempotency import idempotent
from xinfang.core.api.views import RestrictedViewSetMixin
from xinfang.core.ids import MAX_ID
from xinfang.orgs.models import Organisation

from . import services
from .models import MediationBody, MediationCase, MediationParty, MediationSession, Mediator
from .states import JcResult, PartyRole, SourceKind


class MediationPartyReadSerializer(serializers.ModelSerializer[MediationParty]):
    id_number_masked = serializers.CharField(read_only=True)
    phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = MediationParty
        fields = [
            "id",
            "name",
            "role",
            "id_number_masked",
            "phone_masked",
            "consent_recorded",
            "consent_at",
            "refused_at",
        ]
        read_only_fields = fields


class MediationSessionReadSerializer(serializers.ModelSerializer[MediationSession]):
    class Meta:
        model = MediationSession
        fields = ["id", "held_at", "place", "notes", "mediators", "created_at"]
        read_only_fields = fields


class MediationCaseSerializer(serializers.ModelSerializer[MediationCase]):
    parties = MediationPartyReadSerializer(many=True, read_only=True)
    sessions = MediationSessionReadSerializer(many=True, read_only=True)

    class Meta:
        model = MediationCase
        fields = [
            "id",
            "number",
            "body",
            "organisation",
            "source_kind",
            "source_id",
            "source_label",
            "matter",
            "category",
            "summary",
            "status",
            "mediators",
            "parties",
            "sessions",
            "applied_at",
            "accepted_at",
            "refusal_reason",
            "agreement_facts",
            "agreement_terms",
            "agreement_performance",
            "agreed_at",
            "agreement_document",
            "failure_reason",
            "routes_notice",
            "ended_at",
            "fulfilment_note",
            "fulfilment_checked_at",
            "jc_applied_at",
            "jc_court",
            "jc_result",
            "jc_result_at",
            "jc_note",
            "result_returned_at",
            "result_returned_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


MAX_PARTIES = 50


class MediationPartySerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = StrictCharField(max_length=100)
    role = serializers.ChoiceField(choices=PartyRole.choices)
    phone = StrictCharField(max_length=32, required=False, allow_blank=True, default="")
    id_number = StrictCharField(max_length=32, required=False, allow_blank=True, default="")
    address = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema_field(MediationPartySerializer(many=True))
class PartiesField(serializers.Field):  # type: ignore[type-arg]
    """A list of parties, each checked by MediationPartySerializer; an error names the party by its place
    in the list, on this field (one attr for the whole list, as the schema documents it)."""

    default_error_messages = {"not_a_list": _("当事人应为列表。")}

    def to_internal_value(self, data: Any) -> list[dict[str, Any]]:
        if not isinstance(data, list):
            self.fail("not_a_list")
        if len(data) > MAX_PARTIES:
            raise serializers.ValidationError(_("当事人不超过 %(max)s 人。") % {"max": MAX_PARTIES}, code="invalid")
        parties: list[dict[str, Any]] = []
        messages: list[str] = []
        for index, item in enumerate(data, start=1):
            party = MediationPartySerializer(data=item)
            if party.is_valid():
                parties.append(dict(party.validated_data))
                continue
            for name, errors in party.errors.items():
                label = name if name != api_settings.NON_FIELD_ERRORS_KEY else ""
                for error in errors:
                    messages.append(
                        _("第 %(index)s 名当事人%(field)s：%(message)s")
                        % {"index": index, "field": f"（{label}）" if label else "", "message": error}
                    )
        if messages:
            raise serializers.ValidationError(messages, code="invalid")
        return parties

    def to_representation(self, value: Any) -> Any:
        return value


class MediationCaseCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="Where the case is opened (its mediation body's organisation)."
    )
    body = StrictPrimaryKeyRelatedField(
        queryset=MediationBody.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The mediation body (default: the organisation's first active body).",
    )
    source_kind = serializers.ChoiceField(choices=SourceKind.choices)
    source_id = StrictCharField(max_length=64, required=False, allow_blank=True, default="")
    source_label = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    summary = StrictCharField(max_length=services.MAX_TEXT)
    category = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    consent_recorded = StrictBooleanField(help_text="The listed parties' consent to mediation is recorded (MED-01).")
    parties = PartiesField(required=False, default=list, help_text="The parties: at least one, at most 50.")


class MediationAcceptSerializer(serializers.Serializer):  # type: ignore[type-arg]
    mediators = serializers.ListField(
        child=StrictPrimaryKeyRelatedField(queryset=Mediator.objects.all()),
        required=False,
        default=list,
        max_length=20,
        help_text="Mediators of the case's organisation.",
    )


class MediationReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = StrictCharField(max_length=services.MAX_TEXT)


class MediationSessionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    held_at = serializers.DateTimeField()
    place = StrictCharField(max_length=200)
    notes = StrictCharField(max_length=services.MAX_TEXT)
    mediators = serializers.ListField(
        child=StrictPrimaryKeyRelatedField(queryset=Mediator.objects.all()),
        required=False,
        default=list,
        max_length=20,
        help_text="Mediators of the case's organisation.",
    )


class MediationAgreeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    facts = StrictCharField(max_length=services.MAX_TEXT)
    terms = StrictCharField(max_length=services.MAX_TEXT)
    performance = StrictCharField(max_length=services.MAX_TEXT)
    effective_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class MediationFailSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = StrictCharField(max_length=services.MAX_TEXT)
    routes_notice = StrictCharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")


class MediationPartyActionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    party = StrictIntegerField(min_value=1, max_value=MAX_ID, help_text="A party of this case.")
    note = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class MediationFulfilmentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    fulfilled = StrictBooleanField()
    note = StrictCharField(max_length=services.MAX_TEXT)


class MediationJcApplySerializer(serializers.Serializer):  # type: ignore[type-arg]
    applied_on = serializers.DateField()
    court = StrictCharField(max_length=120)


class MediationJcResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    result = serializers.ChoiceField(choices=JcResult.choices)
    result_on = serializers.DateField()
    note = StrictCharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")


class MediationResultReturnSerializer(serializers.Serializer):  # type: ignore[type-arg]
    returned_on = serializers.DateField()
    note = StrictCharField(max_length=services.MAX_TEXT)


class MediationAgreementDocumentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    document = serializers.IntegerField(help_text="The id of the mediation agreement (人民调解协议书).")
    number = serializers.CharField()
    pdf_url = serializers.CharField(
        help_text="Its stored PDF for whoever handles the case: GET /api/v1/mediation-cases/{id}/agreement-pdf/."
    )
    document_pdf_url = serializers.CharField(
        help_text="The same file through the documents API (GET /api/v1/documents/{id}/pdf/: matter.view holders)."
    )


class JsonForErrorsNegotiation(DefaultContentNegotiation):
    """The PDF answers its errors in JSON whatever `Accept` says (as the documents API does)."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


class MediationCaseFilter(FilterSet):
    class Meta:
        model = MediationCase
        fields = ["status", "source_kind", "body", "organisation"]


CASE = OpenApiResponse(MediationCaseSerializer, description="The case as it is now.")


def _post(url_path: str, body: Any, codes: Iterable[str] = (), responses: Any = None) -> Callable[[Any], Any]:
    """An action answered with the case as it is now (If-Match and Idempotency-Key honoured)."""
    return resource_action(url_path, body, answer=CASE, codes=("closed", *codes), responses=responses)


def _party(case: MediationCase, pk: int) -> MediationParty:
    party = MediationParty.objects.filter(case=case, pk=pk).first()
    if party is None:
        raise ValidationError({"party": _("该当事人不属于本调解案件。")})
    return party


class MediationCaseApi(
    RestrictedViewSetMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Mediation cases the caller may handle (the body's organisation and whoever's scope covers it)."""

    queryset = (
        MediationCase.objects.select_related("agreement_document")
        .prefetch_related("parties", "mediators", "sessions__mediators")
        .order_by("-applied_at", "-id")
    )
    restrict_action = Action.MEDIATION_HANDLE
    serializer_class = MediationCaseSerializer
    filterset_class = MediationCaseFilter
    ordering_fields = ["applied_at", "id", "updated_at"]

    @extend_schema(request=MediationCaseCreateSerializer, responses={201: CASE})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """立案: open a case with its parties (mediation_case_open)."""
        serializer = MediationCaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        parties = [services.PartyData(**p) for p in values.pop("parties")]
        try:
            case = services.mediation_case_open(actor=request.user, parties=parties, **values)
        except ValidationError as exc:
            raise fitted(exc, serializer.fields) from exc
        fresh = self.queryset.get(pk=case.pk)
        answer = Response(MediationCaseSerializer(fresh).data, status=status.HTTP_201_CREATED)
        answer["Location"] = f"{request.path.rstrip('/')}/{case.pk}/"
        return with_etag(answer, fresh)

    create.validation_errors = declared_errors(  # type: ignore[attr-defined]
        MediationCaseCreateSerializer, ("no_body", "parties", "max_length")
    )

    @_post("accept", MediationAcceptSerializer, codes=("party_refused",))
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """受理: accept the application and assign mediators (MED-02 period starts)."""
        return self.locked_write(
            request,
            MediationAcceptSerializer,
            lambda c, d: services.mediation_case_accept(actor=request.user, case=c, mediators=d["mediators"]),
        )

    @_post("refuse", MediationReasonSerializer)
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        """不予受理, with the reason; the result returns to the source."""
        return self.locked_write(
            request,
            MediationReasonSerializer,
            lambda c, d: services.mediation_case_refuse(actor=request.user, case=c, reason=d["reason"]),
        )

    @_post("sessions", MediationSessionSerializer)
    def sessions(self, request: Request, pk: str | None = None) -> Response:
        """调解记录: one session (time, place, what happened, mediators present)."""
        return self.locked_write(
            request,
            MediationSessionSerializer,
            lambda c, d: services.mediation_session_record(actor=request.user, case=c, **d),
        )

    @_post("agree", MediationAgreeSerializer, codes=("party_refused",))
    def agree(self, request: Request, pk: str | None = None) -> Response:
        """达成协议 (MED-04): facts, terms and performance; every party's consent recorded."""
        return self.locked_write(
            request, MediationAgreeSerializer, lambda c, d: services.mediation_agree(actor=request.user, case=c, **d)
        )

    @_post("fail", MediationFailSerializer)
    def fail(self, request: Request, pk: str | None = None) -> Response:
        """调解不成 (MED-03): the reason and the other routes told to the parties."""
        return self.locked_write(
            request, MediationFailSerializer, lambda c, d: services.mediation_fail(actor=request.user, case=c, **d)
        )

    @_post("consent", MediationPartyActionSerializer, codes=("party_refused",))
    def consent(self, request: Request, pk: str | None = None) -> Response:
        """MED-01: a party agrees to mediation."""
        return self.locked_write(
            request,
            MediationPartyActionSerializer,
            lambda c, d: services.mediation_party_consent_record(
                actor=request.user, party=_party(c, d["party"]), note=d["note"]
            ),
        )

    @_post("party-refuse", MediationPartyActionSerializer)
    def party_refuse(self, request: Request, pk: str | None = None) -> Response:
        """MED-01: a party refuses mediation; the case is refused or fails."""
        return self.locked_write(
            request,
            MediationPartyActionSerializer,
            lambda c, d: services.mediation_party_refuse(
                actor=request.user, party=_party(c, d["party"]), note=d["note"]
            ),
        )

    @_post("fulfilment", MediationFulfilmentSerializer)
    def fulfilment(self, request: Request, pk: str | None = None) -> Response:
        """履行回访: whether the agreement was performed."""
        return self.locked_write(
            request,
            MediationFulfilmentSerializer,
            lambda c, d: services.mediation_fulfilment_record(actor=request.user, case=c, **d),
        )

    @_post("jc-apply", MediationJcApplySerializer, codes=("not_agreed",))
    def jc_apply(self, request: Request, pk: str | None = None) -> Response:
        """申请司法确认 (MED-05): within 30 days of the agreement taking effect."""
        return self.locked_write(
            request,
            MediationJcApplySerializer,
            lambda c, d: services.mediation_jc_apply(actor=request.user, case=c, **d),
        )

    @_post("jc-result", MediationJcResultSerializer, codes=("not_agreed",))
    def jc_result(self, request: Request, pk: str | None = None) -> Response:
        """司法确认结果 (MED-06)."""
        return self.locked_write(
            request,
            MediationJcResultSerializer,
            lambda c, d: services.mediation_jc_result_record(actor=request.user, case=c, **d),
        )

    @_post("result-return", MediationResultReturnSerializer, codes=("not_outside", "not_ended", "returned"))
    def result_return(self, request: Request, pk: str | None = None) -> Response:
        """结果反馈: to the court or reconsideration body that sent the case."""
        return self.locked_write(
            request,
            MediationResultReturnSerializer,
            lambda c, d: services.mediation_result_return(actor=request.user, case=c, **d),
        )

    @_post(
        "issue-agreement",
        None,
        codes=("not_agreed", "issued"),
        responses={201: OpenApiResponse(MediationAgreementDocumentSerializer, description="The issued agreement.")},
    )
    def issue_agreement(self, request: Request, pk: str | None = None) -> Response:
        """出具人民调解协议书: the document's id and its PDF's address."""
        case = self.get_object()
        with transaction.atomic():
            locked = lock(MediationCase, case.pk)
            if_match_check(request, locked)
            document = services.mediation_agreement_issue(actor=request.user, case=locked)
        fresh = self.written(case.pk)
        data = {
            "document": document.pk,
            "number": document.number,
            "pdf_url": f"{request.path.rsplit('/issue-agreement', 1)[0]}/agreement-pdf/",
            "document_pdf_url": f"/api/v1/documents/{document.pk}/pdf/",
        }
        return with_etag(
            Response(MediationAgreementDocumentSerializer(data).data, status=status.HTTP_201_CREATED), fresh
        )

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The stored agreement PDF.")
        },
        summary="The case's mediation agreement (the stored PDF)",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="agreement-pdf",
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=JsonForErrorsNegotiation,
    )
    def agreement_pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """人民调解协议书: byte for byte the file the case page serves (never re-rendered); 404
        before it is issued."""
        case = self.get_object()
        document = case.agreement_document
        if document is None:
            raise NotFound(_("尚未出具调解协议书。"))
        response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{case.number}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


ROUTES = [("mediation-cases", MediationCaseApi, "mediation-case")]
