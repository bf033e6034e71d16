"""The working calendar over the API, read-only, and the deadline calculator.

- `/api/v1/calendar-years/`: stored years, official or provisional.
- `/api/v1/calendar-days/?year=…&month=…` and `/api/v1/calendar-days/{date}/`: days with their
  working/holiday flags, read from the same in-memory calendar every deadline uses
  (`selectors.calendar_lookup`), so a year not stored yet shows as its provisional calendar.
- `POST /api/v1/deadlines/`: a due date computed by `selectors.deadline_compute` (the calendar's own
  arithmetic, `deadlines.compute_deadline`; regulations.md §3, CNT-01..CNT-07), never here.
- `/api/v1/clocks/`: the stored clocks of workflow objects the caller may see — for now matters,
  visible through `Matter.objects.restrict(user, "matter.view")`; an object type not listed in
  `CLOCK_OBJECTS` shows nothing.

The calendar is public reference data (the calculator page needs no login), so every signed-in
caller reads it; clocks follow the visibility of the object they belong to."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

from django.apps import apps
from django.db.models import CharField, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.accounts.roles import Action
from xinfang.core.api.fields import StrictBooleanField, StrictIntegerField
from xinfang.core.api.filters import FilterSet, StrictBooleanFilter
from xinfang.core.api.queries import query_validation_errors, validate_query
from xinfang.core.api.views import RestrictedReadOnlyViewSet

from .choices import DayKind, Unit
from .deadlines import MAX_PERIOD, DeadlineResult, DeadlineRules
from .holidays import FIRST_SUPPORTED_DATE, FIRST_SUPPORTED_YEAR, LAST_SUPPORTED_DATE, LAST_SUPPORTED_YEAR, DayInfo
from .holidays import holiday_label as _holiday_label
from .models import CalendarYear, Clock, ClockAdjustment
from .selectors import calendar_lookup, deadline_compute

# Which workflow objects' clocks the API shows, and through which model and view action their
# visibility is decided (labels, not imports: workcalendar is a foundation app).
CLOCK_OBJECTS: dict[str, tuple[str, str]] = {
    "petitions.matter": ("petitions.Matter", Action.MATTER_VIEW),
}


# --- Calendar ----------------------------------------------------------------------------------


class CalendarYearSerializer(serializers.ModelSerializer[CalendarYear]):
    is_provisional = serializers.BooleanField(read_only=True)

    class Meta:
        model = CalendarYear
        fields = ["year", "status", "is_provisional", "source_note", "file_sha256", "loaded_at"]


class DaySerializer(serializers.Serializer[Any]):
    """One day of the calendar (a `DayInfo`)."""

    date = serializers.DateField()
    is_working_day = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=DayKind.choices)
    holiday_name = serializers.CharField(help_text="The stored name (Chinese), empty unless a holiday or make-up day.")
    holiday_label = serializers.SerializerMethodField(help_text="The holiday's name in the request's language.")
    provisional = serializers.BooleanField(help_text="From a year whose State Council notice is not loaded yet.")

    def get_holiday_label(self, day: DayInfo) -> str:
        return _holiday_label(day.holiday_name)


class DayQuerySerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(min_value=FIRST_SUPPORTED_YEAR, max_value=LAST_SUPPORTED_YEAR)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False)


class CalendarYearApi(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The stored calendar years and whether each is official (its notice loaded) or provisional."""

    queryset = CalendarYear.objects.order_by("year")
    serializer_class = CalendarYearSerializer
    filterset_fields = ["status"]
    ordering_fields = ["year"]


class CalendarDayApi(viewsets.ViewSet):
    """Days of a year or a month with their working/holiday flags (2004–2099; a year whose notice
    is not loaded is shown as its provisional calendar, each day flagged)."""

    lookup_field = "date"

    @extend_schema(
        parameters=[DayQuerySerializer],
        responses={200: DaySerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        query = validate_query(DayQuerySerializer, request)
        year, month = query["year"], query.get("month")
        first = datetime.date(year, month or 1, 1)
        last = datetime.date(year + (month or 12) // 12, (month or 12) % 12 + 1, 1)
        calendar = calendar_lookup()
        days = [calendar.day(first + datetime.timedelta(days=n)) for n in range((last - first).days)]
        return Response(DaySerializer(days, many=True).data)

    list.validation_errors = query_validation_errors(DayQuerySerializer)  # type: ignore[attr-defined]

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, OpenApiParameter.PATH)],
        responses={200: DaySerializer},
    )
    def retrieve(self, request: Request, date: str | None = None) -> Response:
        try:
            day = datetime.date.fromisoformat(date or "")
        except ValueError:
            raise exceptions.NotFound() from None
        if not FIRST_SUPPORTED_DATE <= day <= LAST_SUPPORTED_DATE:
            raise exceptions.NotFound()
        return Response(DaySerializer(calendar_lookup().day(day)).data)


# --- Deadline calculation ----------------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]})
class StartField(serializers.Field):  # type: ignore[type-arg]
    """A date, or a moment (its day in the installation's time zone is the start day)."""

    default_error_messages = {"invalid": _("起算日必须是日期（YYYY-MM-DD）或日期时间。")}

    def to_internal_value(self, data: Any) -> datetime.date:
        if isinstance(data, str) and len(data) == 10:
            try:
                return datetime.date.fromisoformat(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, str):
            self.fail("invalid")
        # DRF's own parsing: a moment without an offset is read in the installation's time zone.
        moment: datetime.datetime = serializers.DateTimeField().run_validation(data)
        return timezone.localdate(moment)

    def to_representation(self, value: Any) -> str:
        return value.isoformat()


class RulesSerializer(serializers.Serializer[Any]):
    """The counting policy (regulations.md CNT-03/CNT-06); each rule left out comes from the
    installation's settings (XINFANG_DEADLINE_RULES)."""

    exclude_start_day = StrictBooleanField(required=False, help_text="CNT-03/CNT-06(1): the start day is not counted.")
    roll_forward_to_working_day = StrictBooleanField(
        required=False, help_text="CNT-03/CNT-06(2): a last day that is a rest day rolls to the next working day."
    )
    month_end_rule = StrictBooleanField(
        required=False, help_text="CNT-03: a month without the corresponding day ends on its last day."
    )


class DeadlineRequestSerializer(serializers.Serializer[Any]):
    start = StartField(help_text="The day of the triggering event (a date, or a date-time in any time zone).")
    period = StrictIntegerField(min_value=1, max_value=max(MAX_PERIOD.values()))
    unit = serializers.ChoiceField(choices=Unit.choices, default=Unit.CALENDAR)
    rules = RulesSerializer(required=False, allow_null=True)


class RulesOutSerializer(serializers.Serializer[Any]):
    exclude_start_day = serializers.BooleanField()
    roll_forward_to_working_day = serializers.BooleanField()
    month_end_rule = serializers.BooleanField()


class DeadlineResultSerializer(serializers.Serializer[Any]):
    start = serializers.DateField()
    period = serializers.IntegerField()
    unit = serializers.ChoiceField(choices=Unit.choices)
    due_date = serializers.DateField()
    is_provisional = serializers.BooleanField(
        help_text="A day that decided the result lies in a year whose notice is not loaded: it may still move."
    )
    provisional_years = serializers.ListField(child=serializers.IntegerField())
    nominal_end = serializers.DateField(
        allow_null=True, help_text="Calendar-day, month and year periods: the last day before rolling forward."
    )
    rolled_over = DaySerializer(many=True, help_text="The rest days passed over by rolling forward.")
    skipped = DaySerializer(many=True, help_text="Working-day periods: the rest days not counted.")
    makeup_days = DaySerializer(many=True, help_text="Working-day periods: the make-up working days counted.")
    rules = RulesOutSerializer()
    days_left = serializers.IntegerField(help_text="Calendar days from today to the due date (negative: overdue).")
    explanation = serializers.ListField(child=serializers.CharField(), help_text="How the due date was reached.")


def _result_data(result: DeadlineResult) -> dict[str, Any]:
    return {
        "start": result.start,
        "period": result.period,
        "unit": result.unit,
        "due_date": result.due_date,
        "is_provisional": result.is_provisional,
        "provisional_years": list(result.provisional_years),
        "nominal_end": result.nominal_end,
        "rolled_over": list(result.rolled_over),
        "skipped": list(result.skipped),
        "makeup_days": list(result.makeup_days),
        "rules": result.rules,
        "days_left": result.days_left(timezone.localdate()),
        "explanation": result.explanation(),
    }


class DeadlineApi(viewsets.ViewSet):
    """The deadline calculator (the calendar's own arithmetic; nothing is stored)."""

    parser_classes = [JSONParser]

    @extend_schema(
        request=DeadlineRequestSerializer,
        responses={200: DeadlineResultSerializer},
        summary="Compute a due date on the working calendar",
    )
    def create(self, request: Request) -> Response:
        """Due date of a period of `period` `unit`s triggered on `start`: calendar days, working days
        (make-up working days count, weekends and holidays do not), months or years; the start day
        excluded and a rest day rolled forward unless `rules` says otherwise (CNT-03, CNT-06)."""
        data = DeadlineRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        rules = replace(DeadlineRules.from_settings(), **(values.get("rules") or {}))
        result = deadline_compute(start=values["start"], period=values["period"], unit=values["unit"], rules=rules)
        return Response(DeadlineResultSerializer(_result_data(result)).data)

    # The arithmetic's own refusals (deadlines.validate_request, a date outside 2004–2099).
    create.validation_errors = {None: {"unit", "period", "start", "out_of_range"}}  # type: ignore[attr-defined]


# --- Clocks ------------------------------------------------------------------------------------


class ClockAdjustmentSerializer(serializers.ModelSerializer[ClockAdjustment]):
    class Meta:
        model = ClockAdjustment
        fields = ["id", "kind", "days", "start_date", "end_date", "reason", "created_at"]


class ClockSerializer(serializers.ModelSerializer[Clock]):
    is_running = serializers.BooleanField(read_only=True)
    adjustments = ClockAdjustmentSerializer(many=True, read_only=True)

    class Meta:
        model = Clock
        fields = [
            "id",
            "object_type",
            "object_id",
            "kind",
            "org_id",
            "start_date",
            "period",
            "unit",
            "due_date",
            "is_provisional",
            "is_running",
            "created_at",
            "recomputed_at",
            "stopped_at",
            "stop_reason",
            "adjustments",
        ]


class ClockFilter(FilterSet):
    object_type = filters.ChoiceFilter(choices=[(key, key) for key in CLOCK_OBJECTS])
    running = StrictBooleanFilter(field_name="stopped_at", lookup_expr="isnull")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = Clock
        fields = ["object_id", "kind", "is_provisional", "unit"]


def clocks_visible(user: Any) -> QuerySet[Clock]:
    """Clocks of the objects in CLOCK_OBJECTS that `user` may see through their own `restrict()`."""
    condition = Q(pk__in=[])
    for object_type, (model_label, view_action) in CLOCK_OBJECTS.items():
        model = apps.get_model(model_label)
        refs = model.objects.restrict(user, view_action).annotate(ref=Cast("pk", CharField())).values("ref")
        condition |= Q(object_type=object_type, object_id__in=refs)
    return Clock.objects.filter(condition)


class ClockApi(RestrictedReadOnlyViewSet):
    """Deadline clocks of the matters the caller may see, soonest due first, with their extensions
    and pauses (XF-DL-02, XF-REV-05)."""

    queryset = Clock.objects.all()
    restrict_action = Action.MATTER_VIEW
    serializer_class = ClockSerializer
    filterset_class = ClockFilter
    ordering_fields = ["due_date", "start_date", "id"]

    def get_queryset(self) -> QuerySet[Clock]:
        return (
            clocks_visible(self.request.user)
            .prefetch_related(Prefetch("adjustments", queryset=ClockAdjustment.objects.order_by("id")))
            .order_by("due_date", "id")
        )

    def get_object(self) -> Clock:
        clock: Clock = super().get_object()
        # The ETag follows the last recomputation and the stop.
        stamps = [clock.recomputed_at, clock.stopped_at]
        clock.updated_at = max(s for s in stamps if s is not None)  # type: ignore[attr-defined]
        return clock


ROUTES = [
    ("calendar-years", CalendarYearApi, "calendar-year"),
    ("calendar-days", CalendarDayApi, "calendar-day"),
    ("deadlines", DeadlineApi, "deadline"),
    ("clocks", ClockApi, "clock"),
]
