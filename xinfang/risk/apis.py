"""Major decisions and their social-stability risk assessment over the API (docs/api.md "Major
decisions (risk)"). Reads go through `Model.objects.restrict(user, "risk.manage")` — the decision
body and the owner unit (404 for anyone else); each action locks the row, honours If-Match and
calls ONE service of `risk.services` — the same the risk pages call, which keep every permission,
state and level check (RA-01..RA-07)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ErrorDetail
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from xinfang.accounts.roles import Action
from xinfang.core.api.actions import LockedWriteMixin, declared_errors, fitted, resource_action
from xinfang.core.api.etags import with_etag
from xinfang.core.api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from xinfang.core.api.filters import FilterSet, IntegerFilter, StrictBooleanFilter
from xinfang.core.api.idempotency import idempotent
from xinfang.core.api.views import RestrictedViewSetMixin
from xinfang.core.errors import ServiceError
from xinfang.orgs.models import Organisation

from . import services
from .models import Assessment, AssessmentStep, DecisionList, MajorDecision, ReviewFlag
from .states import AssessmentStatus, DecisionKind, Outcome, RiskLevel, StepKind, permitted_outcomes

# --- Reads ---------------------------------------------------------------------------------------


class RiskDecisionListSerializer(serializers.ModelSerializer[DecisionList]):
    class Meta:
        model = DecisionList
        fields = ["id", "organisation", "year", "title", "created_at"]
        read_only_fields = fields


class RiskStepDocumentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class RiskAssessmentStepSerializer(serializers.ModelSerializer[AssessmentStep]):
    documents = RiskStepDocumentSerializer(many=True, read_only=True, help_text="Metadata of its documents.")

    class Meta:
        model = AssessmentStep
        fields = ["id", "kind", "date", "text", "completed_at", "documents"]
        read_only_fields = fields


class RiskAssessmentSerializer(serializers.ModelSerializer[Assessment]):
    level = serializers.ChoiceField(
        choices=RiskLevel.choices, allow_blank=True, read_only=True, help_text="Blank until concluded."
    )
    steps = RiskAssessmentStepSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "round", "reason", "status", "level", "measures", "conclusion", "started_at", "concluded_at"]
        fields += ["steps"]
        read_only_fields = fields


class MajorDecisionSerializer(serializers.ModelSerializer[MajorDecision]):
    reference = serializers.CharField(read_only=True, help_text="The decision's number on its list (2026-001).")
    year = serializers.SerializerMethodField()
    assessments = RiskAssessmentSerializer(many=True, read_only=True, help_text="Every round, newest first.")
    permitted_outcomes = serializers.SerializerMethodField(
        help_text="What the current round's level permits (XINFANG_RISK_PERMITTED_OUTCOMES; RA-03, RA-06, RA-07)."
    )
    open_flags = serializers.SerializerMethodField(help_text="Review flags not yet resolved.")
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, allow_blank=True, read_only=True, help_text="Blank until decided."
    )

    class Meta:
        model = MajorDecision
        fields = [
            "id",
            "reference",
            "decision_list",
            "year",
            "number",
            "organisation",
            "title",
            "description",
            "kind",
            "owner_org",
            "owner_person",
            "project_code",
            "place",
            "keywords",
            "planned_date",
            "status",
            "outcome",
            "outcome_note",
            "outcome_measures",
            "decided_at",
            "assessments",
            "permitted_outcomes",
            "open_flags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_year(self, obj: MajorDecision) -> int:
        return obj.decision_list.year

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Outcome.choices)))
    def get_permitted_outcomes(self, obj: MajorDecision) -> list[str]:
        current = next((a for a in obj.assessments.all() if a.status == AssessmentStatus.CONCLUDED), None)
        return permitted_outcomes(current.level) if current is not None else []

    def get_open_flags(self, obj: MajorDecision) -> int:
        return sum(1 for flag in obj.review_flags.all() if flag.resolved_at is None)


class RiskReviewFlagSerializer(serializers.ModelSerializer[ReviewFlag]):
    round = serializers.SerializerMethodField(help_text="The assessment round flagged (null: none started).")
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = ReviewFlag
        fields = [
            "id",
            "decision",
            "round",
            "reason",
            "matched",
            "matched_count",
            "window_start",
            "created_at",
            "is_open",
            "resolved_at",
            "resolution",
        ]
        read_only_fields = fields

    def get_round(self, obj: ReviewFlag) -> int | None:
        return obj.assessment.round if obj.assessment is not None else None


# --- Bodies --------------------------------------------------------------------------------------


class FlatListField(serializers.ListField):
    """A list whose items' errors are reported on the list itself, each naming the item by its
    place (`keywords`, not `keywords.0`: the error schema documents one attr per field)."""

    def run_child_validation(self, data: list[Any]) -> Any:
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            messages = []
            for index, errors in dict(exc.detail).items():  # type: ignore[arg-type]
                pairs = errors.items() if isinstance(errors, dict) else [("", errors)]
                for name, found in pairs:
                    for message in found if isinstance(found, list) else [found]:
                        label = f"（{name}）" if name and name != api_settings.NON_FIELD_ERRORS_KEY else ""
                        messages.append(
                            _("第 %(index)s 项%(field)s：%(message)s")
                            % {"index": int(index) + 1, "field": label, "message": message}
                        )
            raise serializers.ValidationError(messages, code="invalid") from exc


class RiskDecisionListCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="The government (district, town or street)."
    )
    year = StrictIntegerField(min_value=2000, max_value=2100)
    title = StrictCharField(max_length=120, required=False, allow_blank=True, default="")


class RiskDecisionCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    decision_list = StrictPrimaryKeyRelatedField(queryset=DecisionList.objects.all())
    title = StrictCharField(max_length=200)
    owner_org = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        help_text="The owner unit (决策承办单位): the government or its unit.",
    )
    description = StrictCharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=DecisionKind.choices, required=False, default=DecisionKind.OTHER)
    owner_person = StrictCharField(max_length=60, required=False, allow_blank=True, default="")
    project_code = StrictCharField(max_length=40, required=False, allow_blank=True, default="")
    place = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Where it takes place (in the government's area): the cluster trigger counts petitions there.",
    )
    keywords = FlatListField(
        child=StrictCharField(max_length=20),
        required=False,
        default=list,
        max_length=services.MAX_KEYWORDS,
        help_text="2 to 20 characters each.",
    )
    planned_date = serializers.DateField(required=False, allow_null=True, default=None)


class RiskReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = StrictCharField(
        max_length=services.MAX_TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for a re-assessment (RA-03, RA-07: the plan was adjusted).",
    )


class RiskStepSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=StepKind.choices)
    date = serializers.DateField(help_text="When it was done (not in the future).")
    text = StrictCharField(max_length=services.MAX_TEXT, help_text="What was done and the risk points found.")


class RiskConcludeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    level = serializers.ChoiceField(choices=RiskLevel.choices, help_text="RA-04's three levels.")
    measures = StrictCharField(
        max_length=services.MAX_TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Prevention measures and contingency plan (required for high and medium, RA-02).",
    )
    conclusion = StrictCharField(max_length=services.MAX_TEXT)


class RiskDecideSerializer(serializers.Serializer):  # type: ignore[type-arg]
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, help_text="One of the decision's `permitted_outcomes` (RA-03, RA-06, RA-07)."
    )
    note = StrictCharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")
    measures = StrictCharField(
        max_length=services.MAX_TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="For approved_with_measures (default: the assessment's measures, RA-06).",
    )


class RiskFlagResolveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    resolution = StrictCharField(max_length=services.MAX_TEXT)
    reassess = StrictBooleanField(
        required=False, default=False, help_text="Start a re-assessment of an assessed decision (RA-03/RA-07)."
    )


# --- Refusals with their own code on a field -----------------------------------------------------

# A ServiceError raised on one field (`{"outcome": …}`, code "not_permitted") keeps its code: the
# client tells "approved against a high-risk conclusion" from a malformed body.


def coded(perform: Callable[..., Any], fields: Iterable[str]) -> Callable[..., Any]:
    """`perform` whose ServiceError on a field is answered with the service's own code on that field."""
    names = set(fields)

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return perform(*args, **kwargs)
        except ServiceError as exc:
            code = exc.args[1] if len(exc.args) > 1 else None
            if not hasattr(exc, "error_dict") or not code:
                raise
            detail = {
                (name if name in names else "non_field_errors"): [ErrorDetail(str(m), code=code) for m in errors]
                for name, errors in exc.message_dict.items()
            }
            raise ApiValidationError(detail) from exc

    return run


def field_codes(declared: dict[str | None, set[str]], codes: dict[str, str]) -> dict[str | None, set[str]]:
    """The declared refusals plus a service's own code on a field (documented in the schema)."""
    for name, code in codes.items():
        declared.setdefault(name, set()).add(code)
    return declared


def _created(request: Request, data: Any, instance: Any) -> Response:
    answer = Response(data, status=status.HTTP_201_CREATED)
    answer["Location"] = f"{request.path.rstrip('/')}/{instance.pk}/"
    return with_etag(answer, instance)


# --- Decision lists ------------------------------------------------------------------------------


class DecisionListFilter(FilterSet):
    class Meta:
        model = DecisionList
        fields = ["organisation", "year"]


class DecisionListApi(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """The yearly lists (年度重大决策事项目录) of the governments the caller manages."""

    queryset = DecisionList.objects.order_by("-year", "organisation__path", "id")
    restrict_action = Action.RISK_MANAGE
    serializer_class = RiskDecisionListSerializer
    filterset_class = DecisionListFilter
    ordering_fields = ["year", "id"]

    @extend_schema(request=RiskDecisionListCreateSerializer, responses={201: RiskDecisionListSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """建立年度目录 (decision_list_create): one per government and year."""
        serializer = RiskDecisionListCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        perform = coded(services.decision_list_create, serializer.fields)
        try:
            created = perform(actor=request.user, **serializer.validated_data)
        except ValidationError as exc:
            raise fitted(exc, serializer.fields) from exc
        return _created(request, RiskDecisionListSerializer(created).data, created)

    create.validation_errors = field_codes(  # type: ignore[attr-defined]
        declared_errors(RiskDecisionListCreateSerializer), {"organisation": "organisation", "year": "duplicate"}
    )


# --- Decisions -----------------------------------------------------------------------------------


class MajorDecisionFilter(FilterSet):
    year = IntegerFilter(field_name="decision_list__year")

    class Meta:
        model = MajorDecision
        fields = ["status", "kind", "decision_list", "organisation", "owner_org", "outcome"]


DECISION = OpenApiResponse(MajorDecisionSerializer, description="The decision as it is now.")


def _post(url_path: str, body: Any, codes: Iterable[str] = (), on_fields: dict[str, str] | None = None) -> Any:
    """An action answered with the decision as it is now (If-Match and Idempotency-Key honoured);
    `on_fields`: a service's own code on a body field."""
    decorate = resource_action(url_path, body, answer=DECISION, codes=codes)

    def wrap(method: Any) -> Any:
        method = decorate(method)
        field_codes(method.validation_errors, on_fields or {})
        return method

    return wrap


class MajorDecisionApi(
    RestrictedViewSetMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Major decisions the caller may see: the decision body's and the owner unit's (RA-01)."""

    queryset = (
        MajorDecision.objects.select_related("decision_list")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.order_by("-round").prefetch_related(
                    Prefetch("steps", queryset=AssessmentStep.objects.order_by("date", "id")), "steps__documents"
                ),
            ),
            "review_flags",
        )
        .order_by("-decision_list__year", "organisation__path", "number", "id")
    )
    restrict_action = Action.RISK_MANAGE
    serializer_class = MajorDecisionSerializer
    filterset_class = MajorDecisionFilter
    ordering_fields = ["number", "id", "planned_date", "updated_at"]

    @extend_schema(request=RiskDecisionCreateSerializer, responses={201: DECISION})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """列入目录 (decision_add): numbered on its list; owner unit and place within the government's area."""
        serializer = RiskDecisionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        decision_list = values.pop("decision_list")
        try:
            decision = services.decision_add(
                actor=request.user, decision_list=decision_list, data=services.DecisionData(**values)
            )
        except ValidationError as exc:
            raise fitted(exc, serializer.fields) from exc
        fresh = self.queryset.get(pk=decision.pk)
        return _created(request, MajorDecisionSerializer(fresh).data, fresh)

    create.validation_errors = declared_errors(RiskDecisionCreateSerializer)  # type: ignore[attr-defined]

    @_post("start-assessment", RiskReasonSerializer)
    def start_assessment(self, request: Request, pk: str | None = None) -> Response:
        """开始评估 / 重新评估 (assessment_start): a listed decision, or an assessed one after its plan was
        adjusted (RA-03, RA-07; a reason is required then)."""
        return self.locked_write(
            request,
            RiskReasonSerializer,
            lambda d, v: services.assessment_start(actor=request.user, decision=d, reason=v["reason"]),
        )

    @_post("steps", RiskStepSerializer)
    def steps(self, request: Request, pk: str | None = None) -> Response:
        """记录评估环节 (assessment_step_record, RA-02, RA-05): a listed decision's assessment starts with it.
        Documents are uploaded on the decision page."""
        return self.locked_write(
            request,
            RiskStepSerializer,
            lambda d, v: services.assessment_step_record(actor=request.user, decision=d, data=services.StepData(**v)),
        )

    @_post("conclude", RiskConcludeSerializer, codes=("steps_missing",))
    def conclude(self, request: Request, pk: str | None = None) -> Response:
        """作出评估结论 (assessment_conclude): the risk level (RA-04), measures (RA-02) and conclusion."""
        return self.locked_write(
            request,
            RiskConcludeSerializer,
            lambda d, v: services.assessment_conclude(actor=request.user, decision=d, **v),
        )

    @_post(
        "decide",
        RiskDecideSerializer,
        codes=("flag_open",),
        on_fields={"outcome": "not_permitted", "measures": "measures_missing"},
    )
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """作出决策 (decision_decide): within what the level permits — an approval against a high-risk
        conclusion is refused with code `not_permitted` on `outcome` (RA-03, RA-06, RA-07)."""
        return self.locked_write(
            request,
            RiskDecideSerializer,
            coded(
                lambda d, v: services.decision_decide(actor=request.user, decision=d, **v),
                RiskDecideSerializer().fields,
            ),
        )


# --- Review flags --------------------------------------------------------------------------------


class ReviewFlagFilter(FilterSet):
    is_open = StrictBooleanFilter(field_name="resolved_at", lookup_expr="isnull")

    class Meta:
        model = ReviewFlag
        fields = ["decision"]


FLAG = OpenApiResponse(RiskReviewFlagSerializer, description="The flag as it is now.")


class ReviewFlagApi(
    RestrictedViewSetMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Review flags: petitions and grid events gathered around a decision the caller may see."""

    queryset = ReviewFlag.objects.select_related("assessment").order_by("-created_at", "-id")
    restrict_action = Action.RISK_MANAGE
    serializer_class = RiskReviewFlagSerializer
    filterset_class = ReviewFlagFilter
    ordering_fields = ["created_at", "id"]

    @resource_action("resolve", RiskFlagResolveSerializer, answer=FLAG, codes=("resolved",))
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """处理复核提示 (review_flag_resolve): by the decision body; optionally a re-assessment."""
        return self.locked_write(
            request,
            RiskFlagResolveSerializer,
            coded(
                lambda f, v: services.review_flag_resolve(actor=request.user, flag=f, **v),
                RiskFlagResolveSerializer().fields,
            ),
        )

    resolve.validation_errors["reassess"].add("reassess")  # type: ignore[attr-defined]


ROUTES = [
    ("risk-decision-lists", DecisionListApi, "risk-decision-list"),
    ("risk-decisions", MajorDecisionApi, "risk-decision"),
    ("risk-review-flags", ReviewFlagApi, "risk-review-flag"),
]
