"""12345 work orders over the API (docs/hotline.md): the hotline platform creates orders here and
reads their progress; staff systems act on them. Reads go through
`HotlineOrder.objects.restrict(user, "matter.view")` (404 when not visible); each action locks the
order, honours If-Match and calls ONE service — the same the staff pages call.

Create is idempotent twice over: by `Idempotency-Key` (the stored answer is replayed) and by the
order's own identity (source system + external id): the first POST answers 201, any later POST of the
same order answers 200 with the existing order (fields it may still take are updated)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.accounts.roles import Action
from xinfang.core.api.actions import LockedWriteMixin, declared_errors, fitted, resource_action
from xinfang.core.api.etags import with_etag
from xinfang.core.api.filters import FilterSet
from xinfang.core.api.idempotency import idempotent
from xinfang.core.api.views import RestrictedViewSetMixin
from xinfang.core.ids import MAX_ID
from xinfang.orgs.models import Organisation

from . import selectors, services
from .models import EXTERNAL_ID_MAX, HotlineOrder
from .states import Evaluation, Exclusion, OrderKind


class HotlineClockSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.CharField()
    label = serializers.CharField()
    due_date = serializers.DateField()
    is_provisional = serializers.BooleanField()
    is_overdue = serializers.BooleanField()


class HotlineOrderSerializer(serializers.ModelSerializer[HotlineOrder]):
    reference = serializers.CharField(read_only=True, help_text="source_system:external_id")
    caller_name_masked = serializers.SerializerMethodField(help_text="The caller's name, masked (张*).")
    caller_phone_masked = serializers.SerializerMethodField(help_text="The caller's phone, masked (138****1111).")
    matter_number = serializers.SerializerMethodField(help_text="The petition matter registered from this order.")
    clocks = serializers.SerializerMethodField(help_text="Running clocks, soonest due first.")
    exclusion = serializers.ChoiceField(choices=Exclusion.choices, allow_blank=True, read_only=True)
    evaluation = serializers.ChoiceField(choices=Evaluation.choices, allow_blank=True, read_only=True)

    class Meta:
        model = HotlineOrder
        fields = [
            "id",
            "reference",
            "source_system",
            "external_id",
            "receiving_org",
            "current_org",
            "dispatched_from",
            "caller_name_masked",
            "caller_phone_masked",
            "kind",
            "category",
            "content",
            "place_text",
            "received_at",
            "status",
            "exclusion",
            "exclusion_note",
            "dispatched_at",
            "accepted_at",
            "return_reason",
            "objection_reason",
            "extension_days",
            "extension_reason",
            "reply",
            "replied_at",
            "return_visit_at",
            "return_visit_note",
            "evaluation",
            "closed_at",
            "merged_into",
            "merge_reason",
            "rehandle_count",
            "rehandle_reason",
            "matter",
            "matter_number",
            "clocks",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_caller_name_masked(self, obj: HotlineOrder) -> str:
        return selectors.caller_masked(obj)[0]

    def get_caller_phone_masked(self, obj: HotlineOrder) -> str:
        return selectors.caller_masked(obj)[1]

    def get_matter_number(self, obj: HotlineOrder) -> str | None:
        return obj.matter.number if obj.matter_id and obj.matter else None

    @extend_schema_field(HotlineClockSerializer(many=True))
    def get_clocks(self, obj: HotlineOrder) -> list[dict[str, Any]]:
        known = self.context.get("clocks")
        clocks = known.get(obj.pk, []) if known is not None else selectors.order_clocks([obj]).get(obj.pk, [])
        return HotlineClockSerializer(clocks, many=True).data  # type: ignore[return-value]


class HotlineOrderCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="The organisation receiving the order from the hotline."
    )
    source_system = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$", max_length=32, help_text="Code of the hotline platform."
    )
    external_id = serializers.CharField(max_length=EXTERNAL_ID_MAX, help_text="The order's number on that platform.")
    kind = serializers.ChoiceField(choices=OrderKind.choices)
    content = serializers.CharField(max_length=services.MAX_TEXT)
    received_at = serializers.DateTimeField(help_text="When the hotline received the order.")
    caller_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    caller_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    place_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    exclusion = serializers.ChoiceField(choices=Exclusion.choices, required=False, allow_blank=True, default="")
    exclusion_note = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")


class DispatchSerializer(serializers.Serializer):  # type: ignore[type-arg]
    to_org = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    note = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=services.MAX_TEXT)


class ExtendSerializer(serializers.Serializer):  # type: ignore[type-arg]
    days = serializers.IntegerField(min_value=1, max_value=100)
    reason = serializers.CharField(max_length=services.MAX_TEXT)


class ReplySerializer(serializers.Serializer):  # type: ignore[type-arg]
    result = serializers.CharField(max_length=services.MAX_TEXT)


class CloseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    evaluation = serializers.ChoiceField(choices=Evaluation.choices)
    note = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")
    visited_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class MergeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    into = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The open order (same receiving organisation) this one repeats."
    )
    reason = serializers.CharField(max_length=services.MAX_TEXT)


class RehandleSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=services.MAX_TEXT, help_text="What the caller is dissatisfied with.")
    note = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")


class ToPetitionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Where the petition is registered (default: the receiving organisation).",
    )


class CallerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    phone = serializers.CharField()


class HotlineOrderFilter(FilterSet):
    class Meta:
        model = HotlineOrder
        fields = ["status", "kind", "source_system", "external_id", "receiving_org", "current_org", "exclusion"]


ORDER = OpenApiResponse(HotlineOrderSerializer, description="The order as it is now.")


def _post(url_path: str, body: Any, codes: Iterable[str] = (), responses: Any = None) -> Callable[[Any], Any]:
    """An action answered with the order as it is now (If-Match and Idempotency-Key honoured)."""
    return resource_action(url_path, body, answer=ORDER, codes=codes, responses=responses)


class HotlineOrderApi(
    RestrictedViewSetMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """12345 work orders the caller may see (received, held or dispatched by their organisations)."""

    queryset = HotlineOrder.objects.select_related("matter").order_by("-received_at", "-id")
    restrict_action = Action.MATTER_VIEW
    serializer_class = HotlineOrderSerializer
    filterset_class = HotlineOrderFilter
    ordering_fields = ["received_at", "id", "updated_at"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "clocks": selectors.order_clocks(rows)}
        data = HotlineOrderSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        request=HotlineOrderCreateSerializer,
        responses={201: ORDER, 200: OpenApiResponse(HotlineOrderSerializer, description="The order existed already.")},
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Receive an order from the hotline (idempotent by source system + external id)."""
        serializer = HotlineOrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        organisation = values.pop("organisation")
        try:
            result = services.order_receive(
                actor=request.user, organisation=organisation, data=services.OrderData(**values)
            )
        except ValidationError as exc:
            raise fitted(exc, serializer.fields) from exc
        order = result.order
        answer = Response(
            HotlineOrderSerializer(order, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )
        answer["Location"] = f"{request.path.rstrip('/')}/{order.pk}/"
        if result.ignored_fields:
            answer["X-Xinfang-Ignored-Fields"] = ",".join(result.ignored_fields)
        return with_etag(answer, order)

    create.validation_errors = declared_errors(HotlineOrderCreateSerializer)  # type: ignore[attr-defined]

    @_post("dispatch", DispatchSerializer)
    def dispatch_order(self, request: Request, pk: str | None = None) -> Response:
        """派单: to the organisation that handles it (or again after a return or an objection)."""
        return self.locked_write(
            request,
            DispatchSerializer,
            lambda o, d: services.order_dispatch(actor=request.user, order=o, to_org=d["to_org"], note=d["note"]),
        )

    @_post("accept", None)
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """签收: the unit it was dispatched to takes it on."""
        return self.locked_write(request, None, lambda o, d: services.order_accept(actor=request.user, order=o))

    @_post("return", ReasonSerializer, codes=("return_window",))
    def return_order(self, request: Request, pk: str | None = None) -> Response:
        """退单: a misdirected order, within the return window (HOT-04)."""
        return self.locked_write(
            request,
            ReasonSerializer,
            lambda o, d: services.order_return(actor=request.user, order=o, reason=d["reason"]),
        )

    @_post("object", ReasonSerializer)
    def object_order(self, request: Request, pk: str | None = None) -> Response:
        """派单异议: back to the dispatcher for review (HOT-03)."""
        return self.locked_write(
            request,
            ReasonSerializer,
            lambda o, d: services.order_object(actor=request.user, order=o, reason=d["reason"]),
        )

    @_post("extend", ExtendSerializer, codes=("no_clock", "extended"))
    def extend(self, request: Request, pk: str | None = None) -> Response:
        """延期: once, by at most 10 working days (HOT-04)."""
        return self.locked_write(
            request,
            ExtendSerializer,
            lambda o, d: services.order_extend(actor=request.user, order=o, days=d["days"], reason=d["reason"]),
        )

    @_post("reply", ReplySerializer)
    def reply(self, request: Request, pk: str | None = None) -> Response:
        """答复: the result, for the hotline to give the caller."""
        return self.locked_write(
            request,
            ReplySerializer,
            lambda o, d: services.order_reply(actor=request.user, order=o, result=d["result"]),
        )

    @_post("close", CloseSerializer)
    def close(self, request: Request, pk: str | None = None) -> Response:
        """回访办结: the caller's evaluation after the return visit."""
        return self.locked_write(
            request,
            CloseSerializer,
            lambda o, d: services.order_close(
                actor=request.user, order=o, evaluation=d["evaluation"], note=d["note"], visited_at=d["visited_at"]
            ),
        )

    @_post("merge", MergeSerializer)
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """并单: merge this repeated order into the open order it repeats (HOT-03)."""
        return self.locked_write(
            request,
            MergeSerializer,
            lambda o, d: services.order_merge(actor=request.user, order=o, into=d["into"], reason=d["reason"]),
        )

    @_post("rehandle", RehandleSerializer, codes=("rehandled",))
    def rehandle(self, request: Request, pk: str | None = None) -> Response:
        """退回重办: the caller is dissatisfied with the reply (济南 Art. 27); at most
        XINFANG_HOTLINE_MAX_REHANDLES times."""
        return self.locked_write(
            request,
            RehandleSerializer,
            lambda o, d: services.order_rehandle(actor=request.user, order=o, reason=d["reason"], note=d["note"]),
        )

    @_post("to-petition", ToPetitionSerializer, codes=("converted",))
    def to_petition(self, request: Request, pk: str | None = None) -> Response:
        """转为信访事项: registers a petition matter from the order and links both (HOT-05)."""
        return self.locked_write(
            request,
            ToPetitionSerializer,
            lambda o, d: services.order_to_petition(actor=request.user, order=o, organisation=d["organisation"]),
        )

    @extend_schema(request=None, responses={200: CallerSerializer})
    @action(detail=True, methods=["post"], url_path="personal-data")
    def personal_data(self, request: Request, pk: str | None = None) -> Response:
        """The caller's full name and phone (personal_data.view; every view is audited). No
        idempotency key: a stored answer would keep personal data outside the order."""
        data = services.order_caller_view(actor=request.user, order=self.get_object())
        answer = Response(CallerSerializer({"name": data.name, "phone": data.phone}).data)
        answer["Cache-Control"] = "no-store"
        return answer


ROUTES = [("hotline-orders", HotlineOrderApi, "hotline-order")]
