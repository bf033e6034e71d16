"""Order over the API (docs/api.md "Order"): conduct records of 条例 Art. 26 (XF-BEH-01, -02),
cluster warnings (O1) and the four-level litigation track (XF-HDL-03, O3). Reads go through the
same selectors as the order pages (`selectors.conduct_list`, `warning_list`, `track_list`, each a
`restrict()` path); a caller whom the page refuses (`policies.may_manage_order`,
`may_view_tracks`, `may_track`) gets 403 with the page's message, a row outside the caller's sight
404. Each write calls ONE service of `publicorder.services` — the one the page calls, which keeps
every permission and state check; actions lock the row and honour If-Match.

The system records conduct and the lawful response only; it never imposes a sanction (XF-BEH-02):
no body field here names one. Warnings are raised by the system (`order_warning_check`), never
through the API. The people a conduct record names are shown masked, exactly as the pages show
them (`views._petitioner_rows`); the full data only through `POST /petitioners/{id}/personal-data/`,
audited."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.accounts.roles import Action
from xinfang.core.api.actions import ServiceViewSet, creating, declared_errors, guarded, resource_action, write_action
from xinfang.core.api.fields import StrictCharField, StrictPrimaryKeyRelatedField
from xinfang.core.api.filters import FilterSet, IntegerFilter
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import Matter, Petitioner
from xinfang.risk.apis import FlatListField  # item errors on the list itself, as the error schema documents

from . import policies, selectors, services, views
from .models import ClusterWarning, ConductEvidence, ConductRecord, LitigationLevelChange, LitigationTrack
from .states import ConductKind, LitigationLevel, ResponseKind

TEXT = 5000  # the services' limit of a long text

# --- Reads ---------------------------------------------------------------------------------------


class ConductPersonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A petitioner named in a conduct record, masked as the record's page shows them."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(help_text="Masked (张*); an organisation's name stays whole.")
    id_number = serializers.CharField(help_text="Masked (4401**********1234).")
    phone = serializers.CharField(help_text="Masked (138****1111).")


class ConductEvidenceSerializer(serializers.ModelSerializer[ConductEvidence]):
    class Meta:
        model = ConductEvidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class ConductRecordSerializer(serializers.ModelSerializer[ConductRecord]):
    reference = serializers.CharField(read_only=True, help_text="ZX<year>-<id>, as on the pages.")
    responses = serializers.ListField(
        child=serializers.ChoiceField(choices=ResponseKind.choices),
        read_only=True,
        help_text="What staff did (XF-BEH-02): dissuade, criticise, educate, or hand over to the police.",
    )
    petitioners = serializers.SerializerMethodField(help_text="The petitioners concerned, masked.")
    evidence = ConductEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ConductRecord
        fields = [
            "id",
            "reference",
            "organisation",
            "kind",
            "occurred_at",
            "place_org",
            "place_text",
            "description",
            "responses",
            "response_note",
            "police_unit",
            "police_handed_at",
            "police_note",
            "other_persons",
            "matters",
            "petitioners",
            "evidence",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ConductPersonSerializer(many=True))
    def get_petitioners(self, obj: ConductRecord) -> Any:
        return ConductPersonSerializer(views._petitioner_rows(obj.petitioners.all()), many=True).data


class ClusterWarningSerializer(serializers.ModelSerializer[ClusterWarning]):
    label = serializers.SerializerMethodField(
        help_text="The theme's label in the reader's language, or the place or name."
    )

    class Meta:
        model = ClusterWarning
        fields = [
            "id",
            "kind",
            "label",
            "organisation",
            "status",
            "matter_count",
            "grid_event_count",
            "threshold",
            "window_days",
            "window_start",
            "raised_at",
            "checked_at",
            "acknowledged_at",
            "acknowledged_by",
            "closed_at",
            "closed_by",
            "note",
        ]
        read_only_fields = fields

    def get_label(self, obj: ClusterWarning) -> str:
        return selectors.warning_label(obj, selectors.theme_labels())


class ClusterWarningDetailSerializer(ClusterWarningSerializer):
    matters = serializers.SerializerMethodField(
        help_text="The matters behind the warning that the reader may see (XF-CLS-03 included)."
    )
    actions = serializers.SerializerMethodField(help_text="What the reader may do now: acknowledge, close.")

    class Meta(ClusterWarningSerializer.Meta):
        fields = [*ClusterWarningSerializer.Meta.fields, "matters", "actions"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_matters(self, obj: ClusterWarning) -> list[int]:
        user = self.context["request"].user
        return list(selectors.warning_matters(user=user, warning=obj).values_list("pk", flat=True))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, obj: ClusterWarning) -> list[str]:
        return policies.warning_actions(self.context["request"].user, obj)


class LevelChangeSerializer(serializers.ModelSerializer[LitigationLevelChange]):
    from_level = serializers.ChoiceField(
        choices=LitigationLevel.choices, allow_blank=True, read_only=True, help_text="Blank for the first entry."
    )

    class Meta:
        model = LitigationLevelChange
        fields = [
            "id",
            "from_level",
            "to_level",
            "responsible_org",
            "responsible_person",
            "reason",
            "changed_by",
            "changed_at",
        ]
        read_only_fields = fields


class LitigationTrackSerializer(serializers.ModelSerializer[LitigationTrack]):
    changes = LevelChangeSerializer(many=True, read_only=True, help_text="Every level change, oldest first.")

    class Meta:
        model = LitigationTrack
        fields = [
            "id",
            "matter",
            "level",
            "responsible_org",
            "responsible_person",
            "joint_orgs",
            "opened_by",
            "opened_at",
            "updated_at",
            "changes",
        ]
        read_only_fields = fields


# --- Bodies --------------------------------------------------------------------------------------


class StoredDateTimeField(serializers.DateTimeField):
    """DRF's, refusing a time the database cannot store (before the year 1 in UTC, e.g.
    0001-01-01T00:00:00+08:00) with 400 instead of failing on the write."""

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        try:
            aware = super().enforce_timezone(value)
            aware.astimezone(datetime.UTC)
        except (OverflowError, serializers.ValidationError):
            raise serializers.ValidationError(self.error_messages["overflow"], code="invalid") from None
        return aware


def _note(max_length: int = TEXT) -> StrictCharField:
    return StrictCharField(max_length=max_length, required=False, allow_blank=True, default="")


def _org(queryset: Any = None, **kwargs: Any) -> StrictPrimaryKeyRelatedField:
    return StrictPrimaryKeyRelatedField(queryset=Organisation.objects.all() if queryset is None else queryset, **kwargs)


class ConductCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = _org(help_text="The recording organisation (the caller holds order.manage there).")
    kind = serializers.ChoiceField(choices=ConductKind.choices, help_text="条例 Art. 26 (XF-BEH-01).")
    occurred_at = StoredDateTimeField(help_text="Not later than now.")
    place_org = _org(
        required=False,
        allow_null=True,
        default=None,
        help_text="A place in the area of an organisation where the caller records (as the page offers).",
    )
    place_text = StrictCharField(max_length=200)
    description = StrictCharField(max_length=TEXT)
    responses = FlatListField(
        child=serializers.ChoiceField(choices=ResponseKind.choices),
        allow_empty=False,
        help_text="XF-BEH-02: dissuade, criticise, educate; police (with police_unit and police_handed_at).",
    )
    matters = StrictPrimaryKeyRelatedField(
        many=True, queryset=Matter.objects.all(), help_text="1 to 20 matters the caller sees."
    )
    petitioners = StrictPrimaryKeyRelatedField(
        many=True,
        queryset=Petitioner.objects.all(),
        required=False,
        default=list,
        help_text="Petitioners of those matters.",
    )
    response_note = _note()
    police_unit = _note(120)
    police_handed_at = StoredDateTimeField(required=False, allow_null=True, default=None)
    police_note = _note()
    other_persons = _note(200)


class EvidenceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    attachments = FlatListField(
        child=serializers.FileField(allow_empty_file=True),
        allow_empty=False,
        help_text="PDF, JPEG, PNG or plain text, checked by content and size; at most 10 at once.",
    )


class WarningNoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = StrictCharField(max_length=TEXT, help_text="What was found and done.")


RESPONSIBLE_ORGS = views._responsible_orgs()  # what the page offers (lazy; no query here)


class LevelSerializer(serializers.Serializer):  # type: ignore[type-arg]
    level = serializers.ChoiceField(choices=LitigationLevel.choices)
    responsible_org = _org(RESPONSIBLE_ORGS)
    responsible_person = StrictCharField(max_length=60, help_text="For leader tracking: the leader.")
    reason = StrictCharField(max_length=TEXT)
    joint_orgs = _org(RESPONSIBLE_ORGS, many=True, required=False, default=list, help_text="For joint handling only.")


class TrackOpenSerializer(LevelSerializer):
    matter = StrictPrimaryKeyRelatedField(
        queryset=Matter.objects.all(), help_text="A litigation-related matter the caller sees."
    )


# --- Conduct records -----------------------------------------------------------------------------


class ConductRecordFilter(FilterSet):
    petitioner = IntegerFilter(field_name="petitioners")
    matter = IntegerFilter(field_name="matters")

    class Meta:
        model = ConductRecord
        fields = ["kind", "organisation"]


CONDUCT = OpenApiResponse(ConductRecordSerializer, description="The record as it is now, with its evidence.")
ORDER_REFUSED = gettext_lazy("您没有权限查看信访秩序记录和聚集预警。")


def _conduct_record(user: Any, values: dict[str, Any]) -> ConductRecord:
    """The page's create: the place among those the page offers, then `conduct_record`."""
    place = values["place_org"]
    if place is not None:
        offered = views._places(list(views._recording_orgs(user).select_related("parent")))
        if not offered.filter(pk=place.pk).exists():
            raise ValidationError({"place_org": forms.ModelChoiceField.default_error_messages["invalid_choice"]})
    organisation = values.pop("organisation")
    return services.conduct_record(actor=user, organisation=organisation, data=services.ConductData(**values))


class ConductRecordApi(ServiceViewSet):
    """Conduct records (信访秩序记录) of the caller's area (`selectors.conduct_list`): order.manage."""

    queryset = ConductRecord.objects.all()
    restrict_action = Action.ORDER_MANAGE  # through selectors.conduct_list: get_queryset
    permission_classes = guarded(policies.may_manage_order, ORDER_REFUSED)
    serializer_class = ConductRecordSerializer
    filterset_class = ConductRecordFilter
    ordering_fields = ["occurred_at", "recorded_at", "id"]

    def get_queryset(self) -> QuerySet[ConductRecord]:
        """The pages' read (`conduct_list`, with what `conduct_get` adds for one record)."""
        base = selectors.conduct_list(user=self.request.user)
        return base.select_related("recorded_by").prefetch_related("evidence")

    create = creating(
        ConductCreateSerializer,
        CONDUCT,
        _conduct_record,
        "记录信访秩序情况 (conduct_record, XF-BEH-01, XF-BEH-02): the conduct and the lawful response; "
        "it records and never imposes a sanction. Evidence files: POST …/{id}/evidence/.",
    )

    @write_action(
        request=EvidenceSerializer,
        responses={200: CONDUCT},
        url_path="evidence",
        parser_classes=[MultiPartParser, FormParser],
        validation_errors=declared_errors(EvidenceSerializer),
    )
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        """添加证据材料 (conduct_evidence_add; multipart, field `attachments`, one or more files):
        checked by content and size like every upload; the same file twice is kept once."""
        return self.locked_write(
            request,
            EvidenceSerializer,
            lambda r, v: services.conduct_evidence_add(actor=request.user, record=r, files=v["attachments"]),
        )


# --- Cluster warnings ----------------------------------------------------------------------------


class ClusterWarningFilter(FilterSet):
    class Meta:
        model = ClusterWarning
        fields = ["status", "kind", "organisation"]


WARNING = OpenApiResponse(ClusterWarningDetailSerializer, description="The warning as it is now.")


class OrderWarningApi(ServiceViewSet):
    """Cluster warnings (聚集预警) of the caller's area (`selectors.warning_list`): order.manage.
    Raised and updated by the system only (`order_warning_check`)."""

    queryset = ClusterWarning.objects.all()
    restrict_action = Action.ORDER_MANAGE  # through selectors.warning_list: get_queryset
    permission_classes = guarded(policies.may_manage_order, ORDER_REFUSED)
    serializer_class = ClusterWarningSerializer
    filterset_class = ClusterWarningFilter
    ordering_fields = ["checked_at", "raised_at", "id"]

    def get_serializer_class(self) -> Any:
        return ClusterWarningSerializer if self.action == "list" else ClusterWarningDetailSerializer

    def get_queryset(self) -> QuerySet[ClusterWarning]:
        """The pages' read (`warning_list`, with the people `warning_get` adds)."""
        return selectors.warning_list(user=self.request.user).select_related("acknowledged_by", "closed_by")

    @resource_action("acknowledge", WarningNoteSerializer, answer=WARNING, codes=("status",))
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """标记为已知悉 (warning_acknowledge): an open warning, with what is being done; it stays live."""
        return self.locked_write(
            request,
            WarningNoteSerializer,
            lambda w, v: services.warning_acknowledge(actor=request.user, warning=w, **v),
        )

    @resource_action("close", WarningNoteSerializer, answer=WARNING, codes=("status",))
    def close(self, request: Request, pk: str | None = None) -> Response:
        """关闭预警 (warning_close): a live warning, with what was found and done."""
        return self.locked_write(
            request, WarningNoteSerializer, lambda w, v: services.warning_close(actor=request.user, warning=w, **v)
        )


# --- Litigation tracks ---------------------------------------------------------------------------


class LitigationTrackFilter(FilterSet):
    class Meta:
        model = LitigationTrack
        fields = ["level", "responsible_org", "matter"]


TRACK = OpenApiResponse(LitigationTrackSerializer, description="The track as it is now, with its history.")
TRACK_CODES = ("nature", "duplicate", "unchanged")


def _may_track(user: Any, matter: Matter) -> None:
    """The page's check before its form (`policies.may_track`): 403 with the page's message."""
    if not policies.may_track(user, matter):
        raise PermissionDenied(_("您没有权限调整该事项的办理层级，或该事项不属于涉法涉诉类（XF-HDL-03）。"))


def _track_open(user: Any, values: dict[str, Any]) -> LitigationTrack:
    """The page's way: the matter visible (matter.view), `may_track`, then `litigation_track_open`."""
    found = values.pop("matter")
    matter = (
        Matter.objects.restrict(user, Action.MATTER_VIEW)
        .select_related("current_org", "registered_org")
        .filter(pk=found.pk)
        .first()
    )
    if matter is None:
        raise ValidationError({"matter": _("没有找到该信访事项，或您无权查看。")})
    _may_track(user, matter)
    return services.litigation_track_open(actor=user, matter=matter, data=services.LevelData(**values))


def _level_change(user: Any, track: LitigationTrack, values: dict[str, Any]) -> LitigationTrack:
    _may_track(user, track.matter)
    return services.litigation_level_change(actor=user, track=track, data=services.LevelData(**values))


class LitigationTrackApi(ServiceViewSet):
    """Litigation-related matters on the court's four-level model (`selectors.track_list`): seen by
    whoever sees the matter (XF-CLS-03 included), changed with order.manage over the matter."""

    queryset = LitigationTrack.objects.all()
    restrict_action = Action.MATTER_VIEW  # through selectors.track_list: get_queryset
    permission_classes = guarded(policies.may_view_tracks, gettext_lazy("您没有权限查看涉法涉诉信访事项。"))
    serializer_class = LitigationTrackSerializer
    filterset_class = LitigationTrackFilter
    ordering_fields = ["updated_at", "opened_at", "id"]

    def get_queryset(self) -> QuerySet[LitigationTrack]:
        """The pages' read (`track_list`, with the history `track_for_matter` adds)."""
        changes = LitigationLevelChange.objects.order_by("changed_at", "id")
        return selectors.track_list(user=self.request.user).prefetch_related(Prefetch("changes", queryset=changes))

    create = creating(
        TrackOpenSerializer,
        TRACK,
        _track_open,
        "实行分级办理 (litigation_track_open, XF-HDL-03): a litigation-related matter on the four-level model.",
        codes=TRACK_CODES,
    )

    @resource_action("level", LevelSerializer, answer=TRACK, codes=TRACK_CODES)
    def level(self, request: Request, pk: str | None = None) -> Response:
        """调整办理层级 (litigation_level_change): another level, responsible organisation or person,
        with the reason; every change is kept in `changes`."""
        return self.locked_write(request, LevelSerializer, lambda t, v: _level_change(request.user, t, v))


ROUTES = [
    ("conduct-records", ConductRecordApi, "conduct-record"),
    ("order-warnings", OrderWarningApi, "order-warning"),
    ("litigation-tracks", LitigationTrackApi, "litigation-track"),
]
