"""Grid events over the API (docs/api.md "Grid events"). Reads go through
`GridEvent.objects.restrict(user, "grid_event.view")` (404 when not visible); each action locks
the event, honours If-Match and calls ONE service of `grid.services` — the same the grid pages
call, which keep every permission and state check. Parties' phones are masked in every read."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from xinfang.accounts.roles import Action
from xinfang.core.api.actions import LockedWriteMixin, declared_errors, fitted, resource_action
from xinfang.core.api.etags import with_etag
from xinfang.core.api.fields import StrictBooleanField, StrictCharField, StrictPrimaryKeyRelatedField
from xinfang.core.api.filters import FilterSet
from xinfang.core.api.idempotency import idempotent
from xinfang.core.api.views import RestrictedViewSetMixin
from xinfang.orgs.models import Organisation
from xinfang.petitions.services.personal_data import mask_phone

from . import services
from .models import DisputeCategory, GridEvent
from .states import PartyRole


class GridEventPartyReadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    role = serializers.CharField()
    phone_masked = serializers.CharField(help_text="The phone, masked (138****0001).")


class GridEventSerializer(serializers.ModelSerializer[GridEvent]):
    parties = serializers.SerializerMethodField(help_text="The parties, phones masked.")
    matter_number = serializers.SerializerMethodField()
    mediation_case_number = serializers.SerializerMethodField()

    class Meta:
        model = GridEvent
        fields = [
            "id",
            "number",
            "grid",
            "reported_at",
            "occurred_at",
            "place_text",
            "lon",
            "lat",
            "category",
            "suggested_category",
            "suggestion_score",
            "description",
            "parties",
            "status",
            "level",
            "current_org",
            "result",
            "escalation_reason",
            "verification_note",
            "accepted_at",
            "handled_at",
            "closed_at",
            "verified_at",
            "matter",
            "matter_number",
            "mediation_case",
            "mediation_case_number",
            "mediation_result",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(GridEventPartyReadSerializer(many=True))
    def get_parties(self, obj: GridEvent) -> list[dict[str, Any]]:
        rows = [
            {"name": p.get("name", ""), "role": p.get("role", ""), "phone_masked": mask_phone(p.get("phone") or "")}
            for p in (obj.parties or [])
            if isinstance(p, dict)
        ]
        return GridEventPartyReadSerializer(rows, many=True).data  # type: ignore[return-value]

    def get_matter_number(self, obj: GridEvent) -> str | None:
        return obj.matter.number if obj.matter_id and obj.matter else None

    def get_mediation_case_number(self, obj: GridEvent) -> str | None:
        return obj.mediation_case.number if obj.mediation_case_id and obj.mediation_case else None


class GridEventPartySerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = StrictCharField(max_length=100)
    role = serializers.ChoiceField(choices=PartyRole.choices, required=False, default=PartyRole.OTHER)
    phone = StrictCharField(max_length=32, required=False, allow_blank=True, default="")


@extend_schema_field(GridEventPartySerializer(many=True))
class PartiesField(serializers.Field):  # type: ignore[type-arg]
    """A list of parties, each checked by GridEventPartySerializer; an error names the party by its place
    in the list, on this field (one attr for the whole list, as the schema documents it)."""

    default_error_messages = {"not_a_list": _("当事人应为列表。")}

    def to_internal_value(self, data: Any) -> list[dict[str, Any]]:
        if not isinstance(data, list):
            self.fail("not_a_list")
        if len(data) > services.MAX_PARTIES:
            raise serializers.ValidationError(
                _("当事人不超过 %(max)s 人。") % {"max": services.MAX_PARTIES}, code="invalid"
            )
        parties: list[dict[str, Any]] = []
        messages: list[str] = []
        for index, item in enumerate(data, start=1):
            party = GridEventPartySerializer(data=item)
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


class StrictFloatField(serializers.FloatField):
    """A JSON number (not a text holding one); the point is checked by the service (in its grid)."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)  # type: ignore[no-any-return]


class GridEventCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    grid = StrictPrimaryKeyRelatedField(queryset=Organisation.objects.all(), help_text="The grid reporting.")
    place_text = StrictCharField(max_length=200)
    description = StrictCharField(max_length=services.MAX_TEXT)
    category = StrictPrimaryKeyRelatedField(
        queryset=DisputeCategory.objects.all(), required=False, allow_null=True, default=None
    )
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    lon = StrictFloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    lat = StrictFloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    parties = PartiesField(required=False, default=list, help_text="The parties (at most 20).")


class GridEventCategorySerializer(serializers.Serializer):  # type: ignore[type-arg]
    category = StrictPrimaryKeyRelatedField(queryset=DisputeCategory.objects.all())


class GridEventResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    result = StrictCharField(max_length=services.MAX_TEXT)


class GridEventNoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = StrictCharField(max_length=services.MAX_TEXT)


class GridEventReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = StrictCharField(max_length=services.MAX_TEXT)


class GridEventToPetitionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="The petition office where the matter is registered."
    )


class GridEventToMediationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    consent_recorded = StrictBooleanField(help_text="The parties' consent to mediation is recorded (MED-01).")


def _day_start(value: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


class GridEventFilter(FilterSet):
    reported_from = django_filters.DateFilter(method="filter_reported_from")
    reported_to = django_filters.DateFilter(method="filter_reported_to")

    class Meta:
        model = GridEvent
        fields = ["status", "level", "category", "grid", "current_org"]

    def filter_reported_from(self, queryset: QuerySet[GridEvent], name: str, value: datetime.date) -> Any:
        if value.year < 1900:  # before any event: no bound (and no datetime overflow)
            return queryset
        return queryset.filter(reported_at__gte=_day_start(value))

    def filter_reported_to(self, queryset: QuerySet[GridEvent], name: str, value: datetime.date) -> Any:
        if value.year > 9000:
            return queryset
        return queryset.filter(reported_at__lt=_day_start(value + datetime.timedelta(days=1)))


EVENT = OpenApiResponse(GridEventSerializer, description="The event as it is now.")


def _post(url_path: str, body: Any, codes: Iterable[str] = (), responses: Any = None) -> Callable[[Any], Any]:
    """An action answered with the event as it is now (If-Match and Idempotency-Key honoured)."""
    return resource_action(url_path, body, answer=EVENT, codes=codes, responses=responses)


class GridEventApi(
    RestrictedViewSetMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Grid events the caller may see (their grid's workers, the organisations handling them)."""

    queryset = GridEvent.objects.select_related("matter", "mediation_case").order_by("-reported_at", "-id")
    restrict_action = Action.GRID_EVENT_VIEW
    serializer_class = GridEventSerializer
    filterset_class = GridEventFilter
    ordering_fields = ["reported_at", "id", "updated_at"]

    @extend_schema(request=GridEventCreateSerializer, responses={201: EVENT})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """上报: a grid worker reports an event in their grid (grid_event_report)."""
        serializer = GridEventCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        grid = values.pop("grid")
        parties = [services.PartyEntry(**p) for p in values.pop("parties")]
        try:
            event = services.grid_event_report(
                actor=request.user, grid=grid, data=services.GridEventData(parties=parties, **values)
            )
        except ValidationError as exc:
            raise fitted(exc, serializer.fields) from exc
        fresh = GridEvent.objects.select_related("matter", "mediation_case").get(pk=event.pk)
        answer = Response(GridEventSerializer(fresh).data, status=status.HTTP_201_CREATED)
        answer["Location"] = f"{request.path.rstrip('/')}/{event.pk}/"
        return with_etag(answer, fresh)

    create.validation_errors = declared_errors(GridEventCreateSerializer, ("grid",))  # type: ignore[attr-defined]

    @_post("accept", None)
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """受理: the organisation handling the event takes it on."""
        return self.locked_write(request, None, lambda e, d: services.grid_event_accept(actor=request.user, event=e))

    @_post("categorise", GridEventCategorySerializer, codes=("category",))
    def categorise(self, request: Request, pk: str | None = None) -> Response:
        """设置类别: its due clock is recomputed."""
        return self.locked_write(
            request,
            GridEventCategorySerializer,
            lambda e, d: services.grid_event_categorise(actor=request.user, event=e, category=d["category"]),
        )

    @_post("handle", GridEventResultSerializer)
    def handle(self, request: Request, pk: str | None = None) -> Response:
        """处置: how the event was dealt with; stops the due clock."""
        return self.locked_write(
            request,
            GridEventResultSerializer,
            lambda e, d: services.grid_event_handle(actor=request.user, event=e, result=d["result"]),
        )

    @_post("close", None)
    def close(self, request: Request, pk: str | None = None) -> Response:
        """办结: close a handled event."""
        return self.locked_write(request, None, lambda e, d: services.grid_event_close(actor=request.user, event=e))

    @_post("verify", GridEventNoteSerializer)
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """核查: the grid worker checks on site that the closed event is settled."""
        return self.locked_write(
            request,
            GridEventNoteSerializer,
            lambda e, d: services.grid_event_verify(actor=request.user, event=e, note=d["note"]),
        )

    @_post("escalate", GridEventReasonSerializer, codes=("top_level",))
    def escalate(self, request: Request, pk: str | None = None) -> Response:
        """上报上级: village → town/street → district, with the reason."""
        return self.locked_write(
            request,
            GridEventReasonSerializer,
            lambda e, d: services.grid_event_escalate(actor=request.user, event=e, reason=d["reason"]),
        )

    @_post(
        "to-petition",
        GridEventToPetitionSerializer,
        codes=("converted", "parties", "not_triaged", "anonymous", "stale", "duplicate", "organisation"),
    )
    def to_petition(self, request: Request, pk: str | None = None) -> Response:
        """转为信访事项: registers a petition matter from the event, linked both ways."""
        return self.locked_write(
            request,
            GridEventToPetitionSerializer,
            lambda e, d: services.grid_event_to_petition(actor=request.user, event=e, organisation=d["organisation"]),
        )

    @_post("to-mediation", GridEventToMediationSerializer, codes=("converted", "parties", "consent", "no_body"))
    def to_mediation(self, request: Request, pk: str | None = None) -> Response:
        """转为调解案件: opens a mediation case for the event (MED-01: consent recorded)."""
        return self.locked_write(
            request,
            GridEventToMediationSerializer,
            lambda e, d: services.grid_event_to_mediation(
                actor=request.user, event=e, consent_recorded=d["consent_recorded"]
            ),
        )


ROUTES = [("grid-events", GridEventApi, "grid-event")]
