"""Webhook endpoints and the delivery log over the API (webhook.manage, docs/webhooks.md).

Endpoints: list, read, create (the answer carries the secret, once), change, delete, and
`rotate-secret` (a new secret, once). Deliveries: list, read and `replay`. Reads go through
`restrict(user, "webhook.manage")`; every write is one service call."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from xinfang.accounts.roles import Action
from xinfang.core.api.etags import checks_if_match, if_match_check, lock, with_etag
from xinfang.core.api.filters import FilterSet
from xinfang.core.api.idempotency import idempotent
from xinfang.core.api.views import RestrictedReadOnlyViewSet, RestrictedViewSetMixin
from xinfang.orgs.models import Organisation

from . import services
from .events import EVENT_TYPES
from .models import WebhookDelivery, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(EVENT_TYPES)), min_length=1, help_text="Subscribed event types."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "organisation",
            "url",
            "event_types",
            "include_subtree",
            "is_active",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class WebhookEndpointWriteSerializer(WebhookEndpointSerializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    # A set of choices (errors on the field itself, not per list index).
    event_types = serializers.MultipleChoiceField(  # type: ignore[assignment]
        choices=sorted(EVENT_TYPES), allow_empty=False, help_text="Subscribed event types."
    )
    url = serializers.CharField(
        max_length=500, help_text="An http(s) URL; loopback and link-local addresses are refused."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        pass


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Shown only in this answer: store it to verify signatures."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


def _declared_errors(body: Any = None, codes: tuple[str, ...] = ()) -> dict[str | None, set[str]]:
    """A 400 may carry the services' field errors ("invalid", e.g. the SSRF guard on `url`) and their
    own refusal codes (no field)."""
    fields = list(body._declared_fields) if body is not None else []
    declared: dict[str | None, set[str]] = {name: {"invalid"} for name in (*fields, api_settings.NON_FIELD_ERRORS_KEY)}
    declared[None] = {"invalid", *codes}
    return declared


class WebhookEndpointFilter(FilterSet):
    class Meta:
        model = WebhookEndpoint
        fields = ["organisation", "is_active", "include_subtree"]


class WebhookEndpointApi(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Endpoints of the organisations where the caller holds webhook.manage."""

    queryset = WebhookEndpoint.objects.select_related("organisation").order_by("id")
    restrict_action = Action.WEBHOOK_MANAGE
    serializer_class = WebhookEndpointSerializer
    filterset_class = WebhookEndpointFilter
    ordering_fields = ["id", "created_at", "updated_at"]

    def get_serializer_class(self) -> Any:
        if self.action in ("create", "update", "partial_update"):
            return WebhookEndpointWriteSerializer
        return super().get_serializer_class()

    @extend_schema(request=WebhookEndpointWriteSerializer, responses={201: WebhookEndpointSecretSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create an endpoint; the answer holds its secret, shown this once."""
        serializer = WebhookEndpointWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(actor=request.user, **serializer.validated_data)
        response = Response(WebhookEndpointSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path.rstrip('/')}/{endpoint.pk}/"
        response["Cache-Control"] = "no-store"
        return with_etag(response, endpoint)

    create.validation_errors = _declared_errors(WebhookEndpointWriteSerializer)  # type: ignore[attr-defined]

    def _write(self, request: Request, partial: bool) -> Response:
        endpoint = self.get_object()
        serializer = WebhookEndpointWriteSerializer(endpoint, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            locked = lock(WebhookEndpoint, endpoint.pk)
            if_match_check(request, locked)
            saved = services.webhook_endpoint_update(actor=request.user, endpoint=locked, **serializer.validated_data)
        return with_etag(Response(WebhookEndpointSerializer(saved).data), saved)

    @extend_schema(request=WebhookEndpointWriteSerializer, responses={200: WebhookEndpointSerializer})
    @checks_if_match
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, partial=False)

    @extend_schema(request=WebhookEndpointWriteSerializer, responses={200: WebhookEndpointSerializer})
    @checks_if_match
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, partial=True)

    update.validation_errors = _declared_errors(WebhookEndpointWriteSerializer)  # type: ignore[attr-defined]
    partial_update.validation_errors = _declared_errors(WebhookEndpointWriteSerializer)  # type: ignore[attr-defined]

    @extend_schema(responses={204: None})
    @checks_if_match
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete the endpoint and its delivery log (set is_active=false to keep the log)."""
        endpoint = self.get_object()
        with transaction.atomic():
            locked = lock(WebhookEndpoint, endpoint.pk)
            if_match_check(request, locked)
            services.webhook_endpoint_delete(actor=request.user, endpoint=locked)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: WebhookEndpointSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        """A new secret for the endpoint, shown in this answer only. No idempotency key (the answer
        is not stored): sent twice, it rotates twice, and the last answer holds the valid secret."""
        endpoint = services.webhook_endpoint_rotate_secret(actor=request.user, endpoint=self.get_object())
        response = Response(WebhookEndpointSecretSerializer(endpoint).data)
        response["Cache-Control"] = "no-store"
        return with_etag(response, endpoint)


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "uuid",
            "endpoint",
            "event_type",
            "event_id",
            "organisation_code",
            "occurred_at",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_response",
            "last_error",
            "replay_of",
            "created_at",
            "updated_at",
        ]


class WebhookDeliveryFilter(FilterSet):
    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type", "event_id"]


class WebhookDeliveryApi(RestrictedReadOnlyViewSet):
    """The delivery log of the endpoints the caller manages, newest first."""

    queryset = WebhookDelivery.objects.order_by("-id")
    restrict_action = Action.WEBHOOK_MANAGE
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["id", "created_at", "next_attempt_at"]

    @extend_schema(request=None, responses={201: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def replay(self, request: Request, pk: str | None = None) -> Response:
        """Send the delivery's event again as a new delivery (same event id)."""
        replay = services.webhook_delivery_replay(actor=request.user, delivery=self.get_object())
        return Response(WebhookDeliverySerializer(replay).data, status=status.HTTP_201_CREATED)

    replay.validation_errors = _declared_errors(codes=("pending",))  # type: ignore[attr-defined]


ROUTES = [
    ("webhook-endpoints", WebhookEndpointApi, "webhook-endpoint"),
    ("webhook-deliveries", WebhookDeliveryApi, "webhook-delivery"),
]
