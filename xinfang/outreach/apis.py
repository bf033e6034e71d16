"""Cadres at the grassroots (四下基层) over the API (docs/api.md "Outreach"): reception days and their
bookings, visits and the matters raised on them, 包联 assignments and their visit plans. Reads go
through `Model.objects.restrict(user, "outreach.manage")` (a visit and its items also for whoever
may take its items on at the visited place, as the visit page); each action locks the row, honours
If-Match and calls ONE service of `outreach.services` — the same the staff pages call, which keep
every permission and rule check (OUT-01..OUT-08). Bookings by the public stay on the web form.
Phones are masked in every read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.accounts.roles import Action
from xinfang.core.api.actions import LockedWriteMixin, declared_errors, fitted, resource_action
from xinfang.core.api.etags import with_etag
from xinfang.core.api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from xinfang.core.api.filters import FilterSet
from xinfang.core.api.idempotency import idempotent
from xinfang.core.api.views import RestrictedViewSetMixin
from xinfang.orgs.models import Organisation, ReceptionPoint
from xinfang.petitions.services.personal_data import mask_phone
from xinfang.risk.apis import FlatListField

from . import selectors, services
from .models import Assignment, Booking, OutreachVisit, ReceptionDay, VisitItem, VisitPlan
from .states import BookingStatus, VisitKind

# --- Reads ---------------------------------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "example": "09:30"}
)
class LocalTimeField(serializers.TimeField):
    """A time of day in Asia/Shanghai without an offset ("09:30"), as on the forms; OpenAPI's
    `format: time` would promise an offset."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)


class ReceptionDaySerializer(serializers.ModelSerializer[ReceptionDay]):
    taken = serializers.IntegerField(read_only=True, help_text="Active (not cancelled) bookings.")
    start_time = LocalTimeField(read_only=True)
    end_time = LocalTimeField(read_only=True)

    class Meta:
        model = ReceptionDay
        fields = [
            "id",
            "organisation",
            "leader",
            "leader_name",
            "leader_title",
            "reception_point",
            "place",
            "date",
            "start_time",
            "end_time",
            "topic",
            "capacity",
            "taken",
            "is_published",
            "published_at",
            "created_at",
        ]
        read_only_fields = fields


class BookingSerializer(serializers.ModelSerializer[Booking]):
    phone_masked = serializers.CharField(read_only=True, help_text="The phone, masked (138****1111).")
    preferred_time = LocalTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "reception_day",
            "reference",
            "name",
            "phone_masked",
            "subject",
            "preferred_time",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VisitItemSerializer(serializers.ModelSerializer[VisitItem]):
    raised_by_phone_masked = serializers.SerializerMethodField(help_text="The phone, masked (138****0001).")
    matter_number = serializers.SerializerMethodField()
    grid_event_number = serializers.SerializerMethodField()
    mediation_case_number = serializers.SerializerMethodField()

    class Meta:
        model = VisitItem
        fields = [
            "id",
            "visit",
            "description",
            "raised_by",
            "raised_by_phone_masked",
            "outcome",
            "resolution",
            "matter",
            "matter_number",
            "grid_event",
            "grid_event_number",
            "mediation_case",
            "mediation_case_number",
            "decided_at",
        ]
        read_only_fields = fields

    def get_raised_by_phone_masked(self, obj: VisitItem) -> str:
        return mask_phone(obj.raised_by_phone)

    def get_matter_number(self, obj: VisitItem) -> str | None:
        return obj.matter.number if obj.matter is not None else None

    def get_grid_event_number(self, obj: VisitItem) -> str | None:
        return obj.grid_event.number if obj.grid_event is not None else None

    def get_mediation_case_number(self, obj: VisitItem) -> str | None:
        return obj.mediation_case.number if obj.mediation_case is not None else None


class OutreachVisitSerializer(serializers.ModelSerializer[OutreachVisit]):
    items = VisitItemSerializer(many=True, read_only=True, help_text="The matters raised, phones masked.")

    class Meta:
        model = OutreachVisit
        fields = [
            "id",
            "kind",
            "cadre",
            "organisation",
            "village",
            "assignment",
            "place_text",
            "date",
            "people_met",
            "notes",
            "items",
            "created_at",
        ]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    plan = serializers.PrimaryKeyRelatedField(read_only=True, help_text="Its visit plan (/outreach-plans/{id}/).")

    class Meta:
        model = Assignment
        fields = ["id", "cadre", "organisation", "start", "end", "note", "plan", "created_at"]
        read_only_fields = fields


class VisitPlanSerializer(serializers.ModelSerializer[VisitPlan]):
    dates = serializers.SlugRelatedField(many=True, read_only=True, slug_field="date")

    class Meta:
        model = VisitPlan
        fields = ["id", "assignment", "visits_per_month", "dates", "updated_at"]
        read_only_fields = fields


# --- Bodies --------------------------------------------------------------------------------------


class ReceptionDayCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = StrictPrimaryKeyRelatedField(queryset=Organisation.objects.all())
    leader_name = StrictCharField(max_length=60)
    leader_title = StrictCharField(max_length=100)
    place = StrictCharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Default: the reception point's."
    )
    date = serializers.DateField(help_text="Today or later.")
    start_time = LocalTimeField()
    end_time = LocalTimeField()
    capacity = StrictIntegerField(min_value=1, max_value=services.MAX_CAPACITY)
    topic = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    leader = StrictPrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True, default=None
    )
    reception_point = StrictPrimaryKeyRelatedField(
        queryset=ReceptionPoint.objects.all(), required=False, allow_null=True, default=None
    )


class OutreachPublishSerializer(serializers.Serializer):  # type: ignore[type-arg]
    published = StrictBooleanField(required=False, default=True, help_text="false withdraws it.")


class BookingMarkSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=[(s, s.label) for s in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW)])


class VisitItemCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    description = StrictCharField(max_length=services.MAX_TEXT)
    raised_by = StrictCharField(max_length=60, required=False, allow_blank=True, default="")
    raised_by_phone = StrictCharField(max_length=20, required=False, allow_blank=True, default="")


class VisitItemEntrySerializer(VisitItemCreateSerializer):
    resolution = StrictCharField(
        max_length=services.MAX_TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="How it was resolved on the spot (the item is then resolved, OUT-06).",
    )


class OutreachVisitCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="The place visited: a town, street, village, community or grid."
    )
    kind = serializers.ChoiceField(choices=VisitKind.choices)
    date = serializers.DateField(help_text="Not in the future.")
    people_met = StrictIntegerField(min_value=0, max_value=100000, required=False, default=0)
    place_text = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    notes = StrictCharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")
    items = FlatListField(
        child=VisitItemEntrySerializer(), required=False, default=list, max_length=50, help_text="The matters raised."
    )


class VisitItemResolveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    resolution = StrictCharField(max_length=services.MAX_TEXT)


class VisitItemToPetitionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="The petition office registering it (matter.register there)."
    )
    title = StrictCharField(max_length=100, required=False, allow_blank=True, default="")


class VisitItemToGridEventSerializer(serializers.Serializer):  # type: ignore[type-arg]
    grid = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: the visited grid.",
    )


class VisitItemToMediationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="Where the mediation body is (mediation.handle there)."
    )
    applicant = StrictCharField(max_length=100)
    applicant_phone = StrictCharField(max_length=20, required=False, allow_blank=True, default="")
    respondent = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    category = StrictCharField(max_length=60, required=False, allow_blank=True, default="")
    consent_recorded = StrictBooleanField(help_text="The parties' consent to mediation is recorded (MED-01).")


class AssignmentCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    cadre = StrictPrimaryKeyRelatedField(queryset=get_user_model().objects.all(), help_text="The cadre's user id.")
    organisation = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="A village, community or grid (OUT-07)."
    )
    start = serializers.DateField()
    end = serializers.DateField(required=False, allow_null=True, default=None)
    note = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class VisitPlanSetSerializer(serializers.Serializer):  # type: ignore[type-arg]
    visits_per_month = StrictIntegerField(min_value=0, max_value=31, required=False, default=0)
    dates = FlatListField(
        child=serializers.DateField(),
        required=False,
        default=list,
        max_length=services.MAX_PLAN_DATES,
        help_text="Planned dates within the assignment (OUT-08).",
    )


# --- Shared steps --------------------------------------------------------------------------------


def _created(request: Request, data: Any, instance: Any) -> Response:
    answer = Response(data, status=status.HTTP_201_CREATED)
    answer["Location"] = f"{request.path.rstrip('/')}/{instance.pk}/"
    return with_etag(answer, instance)


def _create(request: Request, body: Any, make: Callable[[dict[str, Any]], Any]) -> Any:
    """The body checked, then ONE service call; its field errors fitted to the body."""
    serializer = body(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        return make(dict(serializer.validated_data))
    except ValidationError as exc:
        raise fitted(exc, serializer.fields) from exc


def _post(url_path: str, body: Any, answer: Any, codes: Iterable[str] = ()) -> Callable[[Any], Any]:
    return resource_action(url_path, body, answer=answer, codes=codes)


class OneOfActionsMixin(RestrictedViewSetMixin):
    """Rows visible through any of `restrict_actions` (a visit: outreach.manage over the place, or
    the action of an app that takes its items on there — `selectors.visit_detail`'s rule)."""

    restrict_actions: tuple[str, ...] = selectors.ITEM_ACTIONS
    visit_path = "pk"

    def get_queryset(self) -> QuerySet[Any]:
        base = super(RestrictedViewSetMixin, self).get_queryset()  # type: ignore[misc]
        user = self.request.user
        visible = Q()
        for action in self.restrict_actions:
            visible |= Q(**{f"{self.visit_path}__in": OutreachVisit.objects.restrict(user, action).values("pk")})
        return base.filter(visible)  # type: ignore[no-any-return]


# --- Reception days and bookings -----------------------------------------------------------------


class ReceptionDayFilter(FilterSet):
    class Meta:
        model = ReceptionDay
        fields = {"organisation": ["exact"], "is_published": ["exact"], "date": ["exact", "gte", "lte"]}


DAY = OpenApiResponse(ReceptionDaySerializer, description="The reception day as it is now.")


class ReceptionDayApi(
    RestrictedViewSetMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Leaders' reception days (领导接访日) of the organisations the caller manages."""

    queryset = ReceptionDay.objects.annotate(taken=Count("bookings", filter=selectors.ACTIVE)).order_by(
        "-date", "-start_time", "-id"
    )
    restrict_action = Action.OUTREACH_MANAGE
    serializer_class = ReceptionDaySerializer
    filterset_class = ReceptionDayFilter
    ordering_fields = ["date", "id"]

    @extend_schema(request=ReceptionDayCreateSerializer, responses={201: DAY})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """安排接访日 (reception_day_create): a draft until published."""

        def make(values: dict[str, Any]) -> Any:
            organisation = values.pop("organisation")
            data = services.ReceptionDayData(**values)
            return services.reception_day_create(actor=request.user, organisation=organisation, data=data)

        day = _create(request, ReceptionDayCreateSerializer, make)
        fresh = self.queryset.get(pk=day.pk)
        return _created(request, ReceptionDaySerializer(fresh).data, fresh)

    create.validation_errors = declared_errors(ReceptionDayCreateSerializer)  # type: ignore[attr-defined]

    @_post("publish", OutreachPublishSerializer, DAY, codes=("past",))
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """公布 / 撤回 (reception_day_publish): a past day is not published (OUT-01)."""
        return self.locked_write(
            request,
            OutreachPublishSerializer,
            lambda day, v: services.reception_day_publish(actor=request.user, day=day, published=v["published"]),
        )


class BookingFilter(FilterSet):
    class Meta:
        model = Booking
        fields = ["reception_day", "status"]


class BookingApi(
    RestrictedViewSetMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Bookings of the reception days the caller manages (made by the public on the web form)."""

    queryset = Booking.objects.order_by("reception_day_id", "preferred_time", "created_at", "id")
    restrict_action = Action.OUTREACH_MANAGE
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    ordering_fields = ["created_at", "id"]

    @_post(
        "mark",
        BookingMarkSerializer,
        OpenApiResponse(BookingSerializer, description="The booking as it is now."),
        codes=("status", "early"),
    )
    def mark(self, request: Request, pk: str | None = None) -> Response:
        """登记到场情况 (booking_mark): attended or no-show, on or after the day (OUT-05)."""
        return self.locked_write(
            request,
            BookingMarkSerializer,
            lambda booking, v: services.booking_mark(actor=request.user, booking=booking, status=v["status"]),
        )


# --- Visits and their items ----------------------------------------------------------------------


class OutreachVisitFilter(FilterSet):
    class Meta:
        model = OutreachVisit
        fields = {"kind": ["exact"], "cadre": ["exact"], "village": ["exact"], "date": ["exact", "gte", "lte"]}


VISIT = OpenApiResponse(OutreachVisitSerializer, description="The visit as it is now.")


class OutreachVisitApi(
    OneOfActionsMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Visits down to the grassroots (下访, 现场办公, 包联走访) and the matters raised on them."""

    queryset = OutreachVisit.objects.prefetch_related(
        "items__matter", "items__grid_event", "items__mediation_case"
    ).order_by("-date", "-id")
    restrict_action = Action.OUTREACH_MANAGE
    serializer_class = OutreachVisitSerializer
    filterset_class = OutreachVisitFilter
    ordering_fields = ["date", "id"]

    @extend_schema(request=OutreachVisitCreateSerializer, responses={201: VISIT})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """记录走访 (visit_record): the cadre is the caller, as on the phone form; items with a
        `resolution` are resolved on the spot (OUT-06); a 包联 visit needs the cadre's assignment (OUT-07)."""

        def make(values: dict[str, Any]) -> Any:
            organisation = values.pop("organisation")
            items = [services.ItemData(**item) for item in values.pop("items")]
            data = services.VisitData(items=items, **values)
            return services.visit_record(actor=request.user, cadre=request.user, organisation=organisation, data=data)

        visit = _create(request, OutreachVisitCreateSerializer, make)
        fresh = self.queryset.get(pk=visit.pk)
        return _created(request, OutreachVisitSerializer(fresh).data, fresh)

    create.validation_errors = declared_errors(OutreachVisitCreateSerializer)  # type: ignore[attr-defined]

    @_post("items", VisitItemCreateSerializer, VISIT)
    def items(self, request: Request, pk: str | None = None) -> Response:
        """添加反映事项 (visit_item_add): a matter raised on the visit, recorded afterwards."""
        return self.locked_write(
            request,
            VisitItemCreateSerializer,
            lambda visit, v: services.visit_item_add(actor=request.user, visit=visit, data=services.ItemData(**v)),
        )


class VisitItemFilter(FilterSet):
    class Meta:
        model = VisitItem
        fields = ["visit", "outcome"]


ITEM = OpenApiResponse(VisitItemSerializer, description="The item as it is now, linked to what it became.")


class VisitItemApi(
    OneOfActionsMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Matters raised on visits; each ends once (OUT-06): resolved on the spot, or passed on through
    the receiving app's own service (which checks its own permission)."""

    queryset = VisitItem.objects.select_related("matter", "grid_event", "mediation_case").order_by("-visit_id", "id")
    restrict_action = Action.OUTREACH_MANAGE
    visit_path = "visit"
    serializer_class = VisitItemSerializer
    filterset_class = VisitItemFilter
    ordering_fields = ["id", "decided_at"]

    @_post("resolve", VisitItemResolveSerializer, ITEM, codes=("decided",))
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """当场化解 (visit_item_resolve)."""
        return self.locked_write(
            request,
            VisitItemResolveSerializer,
            lambda item, v: services.visit_item_resolve(actor=request.user, item=item, resolution=v["resolution"]),
        )

    @_post(
        "to-petition",
        VisitItemToPetitionSerializer,
        ITEM,
        codes=("decided", "not_triaged", "anonymous", "stale", "duplicate", "organisation"),
    )
    def to_petition(self, request: Request, pk: str | None = None) -> Response:
        """登记为信访事项 (visit_item_to_petition → matter_register, source outreach)."""
        return self.locked_write(
            request,
            VisitItemToPetitionSerializer,
            lambda item, v: services.visit_item_to_petition(actor=request.user, item=item, **v),
        )

    @_post("to-grid-event", VisitItemToGridEventSerializer, ITEM, codes=("decided", "grid"))
    def to_grid_event(self, request: Request, pk: str | None = None) -> Response:
        """转为网格事件 (visit_item_to_grid_event → grid_event_report; default: the visited grid)."""
        return self.locked_write(
            request,
            VisitItemToGridEventSerializer,
            lambda item, v: services.visit_item_to_grid_event(actor=request.user, item=item, grid=v["grid"]),
        )

    @_post("to-mediation", VisitItemToMediationSerializer, ITEM, codes=("decided", "consent", "no_body", "parties"))
    def to_mediation(self, request: Request, pk: str | None = None) -> Response:
        """转为调解案件 (visit_item_to_mediation → mediation_case_open; MED-01 consent)."""
        from xinfang.mediation.services import PartyData

        def perform(item: VisitItem, v: dict[str, Any]) -> Any:
            parties = [PartyData(v["applicant"], "applicant", phone=v["applicant_phone"])]
            if v["respondent"]:
                parties.append(PartyData(v["respondent"], "respondent"))
            return services.visit_item_to_mediation(
                actor=request.user,
                item=item,
                organisation=v["organisation"],
                parties=parties,
                consent_recorded=v["consent_recorded"],
                category=v["category"],
            )

        return self.locked_write(request, VisitItemToMediationSerializer, perform)


# --- Assignments (包联) and plans -----------------------------------------------------------------


class AssignmentFilter(FilterSet):
    class Meta:
        model = Assignment
        fields = ["cadre", "organisation"]


class AssignmentApi(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """包联: cadres assigned to the villages, communities and grids the caller manages."""

    queryset = Assignment.objects.select_related("plan").order_by("organisation__path", "start", "id")
    restrict_action = Action.OUTREACH_MANAGE
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    ordering_fields = ["start", "id"]

    @extend_schema(
        request=AssignmentCreateSerializer,
        responses={201: OpenApiResponse(AssignmentSerializer, description="The assignment, with an empty plan.")},
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """包联安排 (assignment_create): OUT-07 — villages, communities and grids only, no overlap."""
        assignment = _create(
            request, AssignmentCreateSerializer, lambda v: services.assignment_create(actor=request.user, **v)
        )
        fresh = self.queryset.get(pk=assignment.pk)
        return _created(request, AssignmentSerializer(fresh).data, fresh)

    create.validation_errors = declared_errors(AssignmentCreateSerializer, ("overlap",))  # type: ignore[attr-defined]


class VisitPlanApi(
    RestrictedViewSetMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """The visit plans of the assignments (one each): visits per month and/or planned dates."""

    queryset = VisitPlan.objects.prefetch_related("dates").order_by("assignment_id")
    restrict_action = Action.OUTREACH_MANAGE
    serializer_class = VisitPlanSerializer
    filterset_fields = ["assignment"]
    ordering_fields = ["assignment", "updated_at"]

    @_post("set", VisitPlanSetSerializer, OpenApiResponse(VisitPlanSerializer, description="The plan as it is now."))
    def set_plan(self, request: Request, pk: str | None = None) -> Response:
        """设置走访计划 (plan_set): replaces the plan; dates within the assignment (OUT-08)."""
        return self.locked_write(
            request,
            VisitPlanSetSerializer,
            lambda plan, v: services.plan_set(actor=request.user, assignment=plan.assignment, **v),
        )


ROUTES = [
    ("outreach-reception-days", ReceptionDayApi, "outreach-reception-day"),
    ("outreach-bookings", BookingApi, "outreach-booking"),
    ("outreach-visits", OutreachVisitApi, "outreach-visit"),
    ("outreach-visit-items", VisitItemApi, "outreach-visit-item"),
    ("outreach-assignments", AssignmentApi, "outreach-assignment"),
    ("outreach-plans", VisitPlanApi, "outreach-plan"),
]
