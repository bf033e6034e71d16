"""The power list over the API, read-only (administrators edit it in the admin through
`powerlist.services`): matter types, the entries naming the competent organisation for each, the
decisions on disputes over competence, and the routing question "where does this go"
(`POST /api/v1/matter-types/suggest/`): the same keyword suggestion the intake uses
(`routing.matter_type_suggest`) and, for a place, the same proposal triage shows
(`routing.powerlist_propose`). Reads go through `restrict(user, POWERLIST_VIEW)` (org.view: every
staff member reads the whole list; an account without a role reads nothing)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.core.api.fields import StrictCharField, StrictIntegerField, StrictPrimaryKeyRelatedField
from xinfang.core.api.filters import FilterSet, IntegerFilter, StrictBooleanFilter
from xinfang.core.api.views import RestrictedReadOnlyViewSet
from xinfang.orgs.models import Function, Level, Organisation

from .models import JurisdictionDecision, MatterType, Power
from .policies import POWERLIST_VIEW
from .routing import matter_type_suggest, powerlist_propose

MAX_SUGGEST_TEXT = 10_000  # characters of a petition's text the suggestion reads
MAX_SUGGESTIONS = 20


# --- Serializers -------------------------------------------------------------------------------


class MatterTypeSerializer(serializers.ModelSerializer[MatterType]):
    local_name = serializers.CharField(read_only=True, help_text="The name in the request's language.")

    class Meta:
        model = MatterType
        fields = [
            "id",
            "code",
            "name",
            "local_name",
            "name_en",
            "description",
            "keywords",
            "is_active",
            "sort_order",
            "updated_at",
        ]


class MatterTypeBriefSerializer(serializers.ModelSerializer[MatterType]):
    local_name = serializers.CharField(read_only=True)

    class Meta:
        model = MatterType
        fields = ["id", "code", "name", "local_name"]


class PowerSerializer(serializers.ModelSerializer[Power]):
    matter_type_code = serializers.CharField(source="matter_type.code", read_only=True)
    matter_type_name = serializers.CharField(source="matter_type.local_name", read_only=True)
    organisation_name = serializers.SerializerMethodField(
        help_text="The named organisation, in the request's language."
    )
    competent_label = serializers.CharField(
        read_only=True, help_text="Who is competent as the power-list page shows it (organisation or function)."
    )

    class Meta:
        model = Power
        fields = [
            "id",
            "matter_type",
            "matter_type_code",
            "matter_type_name",
            "level",
            "organisation",
            "organisation_name",
            "function",
            "department_keyword",
            "competent_label",
            "is_lead",
            "legal_basis",
            "valid_from",
            "valid_to",
            "previous",
            "created_at",
        ]

    def get_organisation_name(self, power: Power) -> str | None:
        return power.organisation.local_name if power.organisation is not None else None


class JurisdictionDecisionSerializer(serializers.ModelSerializer[JurisdictionDecision]):
    class Meta:
        model = JurisdictionDecision
        fields = [
            "id",
            "matter_type",
            "area",
            "disputing",
            "competent",
            "decided_by",
            "decided_as",
            "decision_ref",
            "reason",
            "decided_on",
            "valid_to",
            "created_at",
        ]


class SuggestRequestSerializer(serializers.Serializer[Any]):
    text = StrictCharField(max_length=MAX_SUGGEST_TEXT, help_text="What the petition is about (title, request, facts).")
    place = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.none(),
        required=False,
        allow_null=True,
        help_text="Where the matter arose (a village, grid, town, district …): adds the competent organisations.",
    )
    on = serializers.DateField(required=False, help_text="The day the power list is read as of (default today).")
    limit = StrictIntegerField(min_value=1, max_value=MAX_SUGGESTIONS, default=5)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            places = Organisation.objects.restrict(request.user, Action.ORG_VIEW)
            self.fields["place"].queryset = places  # type: ignore[attr-defined]


class ProposalSerializer(serializers.Serializer[Any]):
    organisation = serializers.IntegerField(source="organisation.pk")
    organisation_name = serializers.CharField(source="organisation.local_name")
    is_lead = serializers.BooleanField()
    disputed = serializers.BooleanField(help_text="Several lead organisations compete (XF-JUR-01).")
    level = serializers.ChoiceField(choices=Level.choices)
    legal_basis = serializers.CharField()
    reason = serializers.CharField()
    source = serializers.ChoiceField(choices=[("power_list", "power_list"), ("decision", "decision")])
    power = serializers.IntegerField(source="power.pk", allow_null=True, default=None)
    decision = serializers.IntegerField(source="decision.pk", allow_null=True, default=None)
    successor_of = serializers.IntegerField(
        source="successor_of.pk",
        allow_null=True,
        default=None,
        help_text="The merged or abolished organisation the source named (XF-JUR-02).",
    )


class SuggestionSerializer(serializers.Serializer[Any]):
    matter_type = MatterTypeBriefSerializer()
    score = serializers.IntegerField()
    matched = serializers.ListField(child=serializers.CharField(), help_text="The keywords found in the text.")
    proposals = ProposalSerializer(
        many=True, help_text="Competent organisations for the place (empty without a place)."
    )


# --- Filters -----------------------------------------------------------------------------------


class MatterTypeFilter(FilterSet):
    organisation = IntegerFilter(
        method="filter_organisation", help_text="Matter types for which an entry names this organisation."
    )

    class Meta:
        model = MatterType
        fields = ["code", "is_active"]

    def filter_organisation(self, queryset: QuerySet[MatterType], name: str, value: int) -> QuerySet[MatterType]:
        return queryset.filter(pk__in=Power.objects.filter(organisation=value).values("matter_type"))


class PowerFilter(FilterSet):
    matter_type_code = filters.CharFilter(field_name="matter_type__code")
    level = filters.TypedChoiceFilter(choices=Level.choices, coerce=int)
    function = filters.ChoiceFilter(choices=Function.choices)
    on = filters.DateFilter(method="filter_on", help_text="Only entries in force on this day.")
    active = StrictBooleanFilter(
        method="filter_active", help_text="true: only entries in force today; false: only those not in force today."
    )

    class Meta:
        model = Power
        fields = ["matter_type", "organisation", "is_lead"]

    def filter_on(self, queryset: Any, name: str, value: datetime.date) -> Any:
        return queryset.in_force(value)

    def filter_active(self, queryset: Any, name: str, value: bool) -> Any:
        today = timezone.localdate()
        in_force = Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        return queryset.filter(in_force) if value else queryset.exclude(in_force)


class JurisdictionDecisionFilter(FilterSet):
    on = filters.DateFilter(method="filter_on", help_text="Only decisions in force on this day.")

    class Meta:
        model = JurisdictionDecision
        fields = ["matter_type", "area", "competent", "decided_by"]

    def filter_on(self, queryset: Any, name: str, value: datetime.date) -> Any:
        return queryset.filter(decided_on__lte=value).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=value))


# --- Views -------------------------------------------------------------------------------------


class MatterTypeApi(RestrictedReadOnlyViewSet):
    """Matter types of the power list (the routing key), with the routing suggestion."""

    queryset = MatterType.objects.all()
    restrict_action = POWERLIST_VIEW
    serializer_class = MatterTypeSerializer
    filterset_class = MatterTypeFilter
    ordering_fields = ["sort_order", "code", "name"]

    @extend_schema(
        request=SuggestRequestSerializer,
        responses={200: SuggestionSerializer(many=True)},
        summary="Where does this go: matter types for a text, and the competent organisations for a place",
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None, parser_classes=[JSONParser])
    def suggest(self, request: Request) -> Response:
        """Matter types the text may be about, best first (the intake's keyword suggestion); with
        `place`, each with the organisations the power list names as competent there on `on`
        (the proposal triage shows: decisions on disputes first, XF-JUR-01; 属地管理, XF-TRI-01(b);
        successors of merged bodies, XF-JUR-02). Advice only: the clerk decides."""
        if not user_can(request.user, POWERLIST_VIEW):
            raise exceptions.PermissionDenied(_("您没有权限查看权责清单。"))
        data = SuggestRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        place: Organisation | None = values.get("place")
        on_date = values.get("on") or timezone.localdate()
        rows = []
        for suggestion in matter_type_suggest(text=values["text"], limit=values["limit"]):
            proposals = (
                powerlist_propose(matter_type=suggestion.matter_type, area=place, on_date=on_date)
                if place is not None
                else []
            )
            rows.append(
                {
                    "matter_type": suggestion.matter_type,
                    "score": suggestion.score,
                    "matched": list(suggestion.matched),
                    "proposals": proposals,
                }
            )
        return Response(SuggestionSerializer(rows, many=True).data)


class PowerApi(RestrictedReadOnlyViewSet):
    """Entries of the power list: for a matter type at a level, the competent organisation (named,
    or the department with a function in the matter's area), legal basis and validity."""

    queryset = Power.objects.select_related("matter_type", "organisation").order_by(
        "matter_type__sort_order", "matter_type__code", "level", "-is_lead", "pk"
    )
    restrict_action = POWERLIST_VIEW
    serializer_class = PowerSerializer
    filterset_class = PowerFilter
    ordering_fields = ["level", "valid_from", "valid_to", "id"]


class JurisdictionDecisionApi(RestrictedReadOnlyViewSet):
    """Decisions on disputes over competence (XF-JUR-01), newest first."""

    queryset = JurisdictionDecision.objects.prefetch_related("disputing").order_by("-decided_on", "-pk")
    restrict_action = POWERLIST_VIEW
    serializer_class = JurisdictionDecisionSerializer
    filterset_class = JurisdictionDecisionFilter
    ordering_fields = ["decided_on", "id"]


ROUTES = [
    ("matter-types", MatterTypeApi, "matter-type"),
    ("powers", PowerApi, "power"),
    ("jurisdiction-decisions", JurisdictionDecisionApi, "jurisdiction-decision"),
]
