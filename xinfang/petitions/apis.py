"""Matters over the API: `/api/v1/matters/` (register, read, triage and routing actions, written
notices, attachments; the handling actions come from `apis_handling.MatterHandlingActions`),
`/api/v1/routings/` (the recipient's and the bureau's answers) and `/api/v1/petitioners/`.

Each write is the API twin of one HTML page and does what that page does, in the same order:

1. the record must be visible — `restrict()`, through the page's own selector (404: a report on
   the reader is not even acknowledged to exist, XF-CLS-03);
2. the page's own pre-check — the same `require` / `user_can` / selector calls (403);
3. the body is validated by a DRF serializer (400, errors per field, in the language of the
   request's Accept-Language);
4. `apis_common.matter_write` (for a routing: `RoutingApi._act`) locks the matter, checks
   If-Match (412) and calls the ONE service the page calls — which stays the real permission and
   state check — in one transaction, and answers with the record as it is now and its new ETag.

Every POST that changes something takes an Idempotency-Key. Personal data (ID numbers, phones) is
shown masked everywhere, as on the HTML pages; the full data only through
`POST /petitioners/{id}/personal-data/`, audited like the page's "show" button (and, unlike the
other POSTs, never stored with an idempotency key's answer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django_filters import BooleanFilter, NumberFilter
from django_filters import rest_framework as drf_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from xinfang.accounts.models import User
from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.core.api.actions import write_action
from xinfang.core.api.etags import if_match_check, lock, with_etag
from xinfang.core.api.idempotency import CreatedResponse, idempotent
from xinfang.core.api.views import RestrictedViewSetMixin
from xinfang.core.ids import id_from_text
from xinfang.notices.models import Document
from xinfang.orgs.models import Organisation
from xinfang.orgs.selectors import organisation_area
from xinfang.powerlist.models import MatterType

from .apis_common import matter_write
from .apis_handling import MatterHandlingActions
from .filters import MatterFilter, MatterFilterForm, _organisation_choices, _place_choices
from .forms_intake import MatterIntakeForm, new_submission_key
from .forms_triage import TriageForm
from .models import Attachment, Matter, MatterParticipant, Notice, Petitioner, Routing
from .selectors import (
    LinkRow,
    clock_window,
    matter_clock_badges,
    matter_clocks,
    matter_detail,
    matter_links,
    matter_registered_by_actor,
    petitioner_names_masked,
)
from .selectors_intake import petitioner_get, petitioner_history, petitioner_search
from .selectors_routing import routing_for_action, triage_proposal
from .services.intake import attachment_add, attachment_can_add, matter_correct_received_at, matter_register
from .services.notices import notice_give, notice_kinds_for
from .services.personal_data import PetitionerCard, personal_data_can_view, personal_data_view, petitioner_card
from .services.repeats import Candidate
from .services.routing import (
    matter_assign,
    matter_forward,
    routing_accept,
    routing_mark_received,
    routing_object,
    routing_objection_decide,
)
from .services.triage import (
    matter_accept_here,
    matter_flag_urgent,
    matter_guide_elsewhere,
    matter_not_accept,
    matter_triage,
)
from .states import (
    Channel,
    LevelDecision,
    Nature,
    NonAcceptanceGround,
    NoticeKind,
    NoticeMethod,
    PetitionerKind,
    RoutingKind,
    Source,
)
from .views.intake import _organisations_or_403, _repeats_context

# --- Shared pieces ---------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class PlainChoiceField(serializers.ChoiceField):
    """A choice in an answer, documented as a plain string (its label is in the `*_display` field
    next to it): the same field names (`kind`, `status` …) carry different choice sets in
    different resources, and the schema keeps those apart only in the requests."""


def _renaming(call: Callable[..., Any], names: dict[str, str]) -> Callable[..., Any]:
    """`call` with its service's field errors renamed to the body's field names."""

    def renamed(*args: Any) -> Any:
        try:
            return call(*args)
        except DjangoValidationError as exc:
            raise _rename_errors(exc, names) from exc

    return renamed


# --- Request fields that take JSON's types as the schema states them ----------------------------
# DRF's own fields also take "12" for 12, 12 for "12" and "true" for true; the schema promises the
# JSON type, so a value of another type is refused here with the field's own "invalid" message.


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """An id (a JSON integer); one no row can have names nothing ("does not exist")."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if id_from_text(data) is None:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _text(**kwargs: Any) -> serializers.CharField:
    """An optional text field ("" when left out)."""
    return StrictCharField(required=False, allow_blank=True, default="", **kwargs)


def _rename_errors(exc: DjangoValidationError, names: dict[str, str]) -> DjangoValidationError:
    """A service's field errors under the names this API's body uses."""
    if not hasattr(exc, "error_dict"):
        return exc
    return DjangoValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()})


def _form_errors(form: forms.Form, names: dict[str, str] | None = None) -> serializers.ValidationError:
    """A Django form's errors (its own and the service's, put there by the form) as the API's
    per-field validation errors, with their codes; `names` maps form fields to the body's."""
    detail: dict[str, list[ErrorDetail]] = {}
    for name, errors in form.errors.as_data().items():
        key = api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else (names or {}).get(name, name)
        for error in errors:
            for message in error.messages:
                detail.setdefault(key, []).append(ErrorDetail(str(message), code=error.code or "invalid"))
    return serializers.ValidationError(detail)


@extend_schema_field(OpenApiTypes.INT)
class _IntegerFilter(NumberFilter):
    """An id in a query string (a whole number, not a decimal); one no row can have finds nothing."""

    field_class = forms.IntegerField

    def filter(self, qs: Any, value: Any) -> Any:
        if value is not None and id_from_text(value) is None:
            return qs.none()
        return super().filter(qs, value)


class _StrictBooleanField(forms.Field):
    """true/false (or 1/0) — anything else is an error, not "no filter"."""

    default_error_messages = {"invalid": serializers.BooleanField.default_error_messages["invalid"]}

    def to_python(self, value: Any) -> bool | None:
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise DjangoValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class _BooleanFilter(BooleanFilter):
    """A boolean query parameter read strictly (the text reaches the field as it was sent)."""

    field_class = _StrictBooleanField


# --- What the answers show ---------------------------------------------------------------------


class MatterClockSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A clock of the deadline table as the matter page shows it (selectors.ClockState)."""

    kind = serializers.CharField(help_text="The clock kind, e.g. triage_15d, notice_15d, handling_60d.")
    label = serializers.CharField()
    start_date = serializers.DateField()
    due_date = serializers.DateField()
    days_left = serializers.IntegerField(help_text="Calendar days to the due date; negative when overdue.")
    is_provisional = serializers.BooleanField(help_text="Touches a calendar year not yet officially loaded.")
    is_running = serializers.BooleanField()
    stopped_on = serializers.DateField(allow_null=True)
    state = serializers.CharField(help_text="overdue, due_soon, running, late (stopped after its due date) or done.")


class PetitionerCardSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A petitioner as lists show them: ID number and phone masked (services.personal_data)."""

    id = serializers.IntegerField(source="pk")
    kind = PlainChoiceField(choices=PetitionerKind.choices)
    kind_display = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    id_number_masked = serializers.CharField()
    phone_masked = serializers.CharField()

    def to_representation(self, instance: Any) -> Any:
        card = instance if isinstance(instance, PetitionerCard) else petitioner_card(instance)
        return super().to_representation(card)


class ParticipantSerializer(serializers.ModelSerializer[MatterParticipant]):
    """A petitioner's part in the matter, masked; `can_view_full`: whether the reader may ask for
    the full data (POST /petitioners/{id}/personal-data/, audited)."""

    serializer_choice_field = PlainChoiceField
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    petitioner = PetitionerCardSerializer(read_only=True)
    can_view_full = serializers.SerializerMethodField()

    class Meta:
        model = MatterParticipant
        fields = ["role", "role_display", "petitioner", "can_view_full"]
        read_only_fields = fields

    def get_can_view_full(self, obj: MatterParticipant) -> bool:
        known = self.context.get("can_view_full")  # decided once for a just-registered matter
        if known is not None:
            return bool(known)
        return personal_data_can_view(user=self.context["request"].user, petitioner=obj.petitioner)


class RoutingSerializer(serializers.ModelSerializer[Routing]):
    """A forwarding or assignment (转送/交办) with the recipient's answer and the bureau's decision."""

    serializer_choice_field = PlainChoiceField
    matter_number = serializers.CharField(source="matter.number", read_only=True)
    matter_title = serializers.CharField(source="matter.title", read_only=True)
    matter_status = serializers.CharField(source="matter.status", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    from_org_name = serializers.CharField(source="from_org.local_name", read_only=True)
    to_org_name = serializers.CharField(source="to_org.local_name", read_only=True)
    is_late = serializers.BooleanField(read_only=True, help_text="Sent after the 15-day triage period (XF-TRI-01).")

    class Meta:
        model = Routing
        fields = [
            "id",
            "matter",
            "matter_number",
            "matter_title",
            "matter_status",
            "kind",
            "kind_display",
            "from_org",
            "from_org_name",
            "to_org",
            "to_org_name",
            "sent_at",
            "received_at",
            "report_due",
            "basis",
            "outcome",
            "outcome_display",
            "objection_reason",
            "objected_at",
            "decision_note",
            "decided_at",
            "triage_due",
            "late_reason",
            "is_late",
        ]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer[Notice]):
    """A written notice given to the petitioner (XF-NOT-01..03)."""

    serializer_choice_field = PlainChoiceField
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    issuing_org_name = serializers.CharField(source="issuing_org.local_name", read_only=True)
    is_late = serializers.BooleanField(read_only=True, help_text="Given after its 15-day period (XF-NOT-02/03).")

    class Meta:
        model = Notice
        fields = [
            "id",
            "routing",
            "kind",
            "kind_display",
            "method",
            "method_display",
            "given_at",
            "content",
            "issuing_org",
            "issuing_org_name",
            "due_date",
            "late_reason",
            "is_late",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    """A file of the matter: metadata only (the file itself is downloaded from the matter page)."""

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class MatterDocumentSerializer(serializers.ModelSerializer[Document]):
    """An official instrument issued on the matter, with the link to its stored PDF."""

    serializer_choice_field = PlainChoiceField
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organisation_name = serializers.CharField(source="organisation.local_name", read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "kind_display",
            "number",
            "status",
            "issued_at",
            "organisation",
            "organisation_name",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_pdf_url(self, obj: Document) -> str:
        return reverse("notices:pdf", args=[obj.pk])


class MatterLinkSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A decided link to or from another matter the reader may view (selectors.LinkRow)."""

    kind_label = serializers.CharField()
    reason = serializers.CharField()
    other = serializers.IntegerField(source="other_pk")
    other_number = serializers.CharField()
    other_title = serializers.CharField()
    direction = serializers.CharField(help_text="out: this matter links to the other; in: the other links here.")


class MatterListSerializer(serializers.ModelSerializer[Matter]):
    """A row of the matter list: petitioners' names masked, the most urgent running clock."""

    serializer_choice_field = PlainChoiceField
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    registered_org_name = serializers.CharField(source="registered_org.local_name", read_only=True)
    current_org_name = serializers.CharField(source="current_org.local_name", read_only=True)
    matter_type_name = serializers.CharField(source="matter_type.local_name", read_only=True, allow_null=True)
    petitioners = serializers.SerializerMethodField()
    next_due = serializers.SerializerMethodField()

    class Meta:
        model = Matter
        fields = [
            "id",
            "number",
            "title",
            "status",
            "status_display",
            "channel",
            "channel_display",
            "received_at",
            "registered_org",
            "registered_org_name",
            "current_org",
            "current_org_name",
            "matter_type",
            "matter_type_name",
            "nature",
            "is_urgent",
            "is_anonymous",
            "is_group",
            "petitioners",
            "next_due",
            "updated_at",
        ]
        read_only_fields = fields

    def get_petitioners(self, obj: Matter) -> list[str]:
        return petitioner_names_masked(obj)

    @extend_schema_field(MatterClockSerializer(allow_null=True))
    def get_next_due(self, obj: Matter) -> Any:
        badge = self.context.get("badges", {}).get(obj.pk)
        return MatterClockSerializer(badge).data if badge is not None else None


class MatterSerializer(serializers.ModelSerializer[Matter]):
    """One matter with what its page shows: clocks (running and stopped, with due dates), the
    petitioners (masked), routings, written notices, attachments (metadata), the instruments
    issued (with their PDF link) and the links to other matters the reader may view."""

    serializer_choice_field = PlainChoiceField
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    registered_org_name = serializers.CharField(source="registered_org.local_name", read_only=True)
    current_org_name = serializers.CharField(source="current_org.local_name", read_only=True)
    place_org_name = serializers.CharField(source="place_org.local_name", read_only=True, allow_null=True)
    matter_type_name = serializers.CharField(source="matter_type.local_name", read_only=True, allow_null=True)
    participants = serializers.SerializerMethodField()
    clocks = serializers.SerializerMethodField()
    routings = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Matter
        fields = [
            "id",
            "number",
            "title",
            "status",
            "status_display",
            "channel",
            "channel_display",
            "source",
            "received_at",
            "registered_at",
            "registered_org",
            "registered_org_name",
            "current_org",
            "current_org_name",
            "handling_org",
            "review_org",
            "rereview_org",
            "oral_recorded_by",
            "request",
            "facts",
            "reasons",
            "place_org",
            "place_org_name",
            "place_text",
            "is_anonymous",
            "is_group",
            "group_size",
            "name_or_address_unclear",
            "hotline_order_ref",
            "matter_type",
            "matter_type_name",
            "nature",
            "level_decision",
            "non_acceptance_ground",
            "proper_channel",
            "triage_note",
            "decision_basis",
            "triage_late_reason",
            "reported_names",
            "accepted_at",
            "procedure",
            "closed_at",
            "is_urgent",
            "urgent_reason",
            "urgent_reported_at",
            "public_ref",
            "updated_at",
            "participants",
            "clocks",
            "routings",
            "notices",
            "attachments",
            "documents",
            "links",
        ]
        read_only_fields = fields

    @extend_schema_field(ParticipantSerializer(many=True))
    def get_participants(self, obj: Matter) -> Any:
        return ParticipantSerializer(obj.participants.all(), many=True, context=self.context).data

    @extend_schema_field(MatterClockSerializer(many=True))
    def get_clocks(self, obj: Matter) -> Any:
        return MatterClockSerializer(matter_clocks(matter=obj, window=clock_window()), many=True).data

    @extend_schema_field(RoutingSerializer(many=True))
    def get_routings(self, obj: Matter) -> Any:
        return RoutingSerializer(obj.routings.all(), many=True, context=self.context).data

    @extend_schema_field(NoticeSerializer(many=True))
    def get_notices(self, obj: Matter) -> Any:
        return NoticeSerializer(obj.notices.all(), many=True, context=self.context).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, obj: Matter) -> Any:
        return AttachmentSerializer(obj.attachments.all(), many=True).data

    @extend_schema_field(MatterDocumentSerializer(many=True))
    def get_documents(self, obj: Matter) -> Any:
        documents = (
            Document.objects.filter(matter=obj)
            .defer("pdf", "body", "context")  # the PDF is downloaded through pdf_url
            .select_related("organisation")
            .order_by("issued_at", "pk")
        )
        return MatterDocumentSerializer(documents, many=True).data

    @extend_schema_field(MatterLinkSerializer(many=True))
    def get_links(self, obj: Matter) -> Any:
        if "links" in self.context:  # known already (a just-registered matter without link decisions has none)
            return MatterLinkSerializer(self.context["links"], many=True).data
        rows: list[LinkRow] = matter_links(user=self.context["request"].user, matter=obj)
        return MatterLinkSerializer(rows, many=True).data


class RepeatDecisionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A decision the clerk may take on a repeat proposal: `link_choice` is what the body takes."""

    link_choice = serializers.CharField()
    kind = serializers.CharField()
    label = serializers.CharField()


class RepeatCandidateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An earlier matter that may be the same (XF-REG-04, XF-REV-06), as the counter form shows it."""

    matter = serializers.IntegerField(source="matter.pk")
    number = serializers.CharField(source="matter.number")
    title = serializers.CharField(source="matter.title")
    received_at = serializers.DateTimeField(source="matter.received_at")
    status = serializers.CharField(source="matter.status")
    status_display = serializers.CharField(source="matter.get_status_display")
    current_org_name = serializers.CharField(source="matter.current_org.local_name")
    label = serializers.CharField(help_text="pending_higher, in_progress_here, after_re_review, or the basis kind.")
    explanation = serializers.CharField()
    basis = serializers.ListField(child=serializers.CharField())
    score = serializers.FloatField(help_text="Text similarity, 0-100.")
    same_petitioner = serializers.BooleanField()
    is_decisive = serializers.BooleanField(help_text="A 'same matter' decision would change the new matter's status.")
    decisions = serializers.SerializerMethodField(help_text="What `link_choice` accepts for this candidate.")

    @extend_schema_field(RepeatDecisionSerializer(many=True))
    def get_decisions(self, obj: Candidate) -> list[dict[str, str]]:
        return [{"link_choice": value, "kind": kind, "label": label} for value, kind, label in obj.choices()]


class MatterCreatedSerializer(MatterSerializer):
    """The registered matter, with the repeat proposals the counter form would have shown."""

    repeat_candidates = RepeatCandidateSerializer(many=True, read_only=True)

    class Meta(MatterSerializer.Meta):
        fields = [*MatterSerializer.Meta.fields, "repeat_candidates"]
        read_only_fields = fields


# --- What the requests carry -----------------------------------------------------------------------


# The body's names of the counter form's fields, where they differ (the model's field name).
_BODY_TO_FORM = {"nature": "nature_hint"}
_FORM_TO_BODY = {form: body for body, form in _BODY_TO_FORM.items()}


class MatterRegisterSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The counter form (forms_intake.MatterIntakeForm), field for field: what the law requires
    (XF-REG-01) — channel, received time, the petitioner's name and address (or an anonymous
    report), request, facts, reasons — and the rest optional. Representatives and participants are
    one per line ("name ID-number phone address"), as on the form; `link_choice` is a decision on a
    repeat proposal ("<matter id>:<link kind>", from `repeat_candidates[].decisions`) with its
    `link_reason`. Files are added afterwards (POST /matters/{id}/attachments/)."""

    organisation = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        help_text="Where the matter is registered: one of the caller's own offices (default: the first).",
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    received_at = serializers.DateTimeField()
    oral_recorded_by = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="Recorder of an oral petition (XF-REG-01); default: the registering user.",
    )
    is_anonymous = StrictBooleanField(default=False, help_text="Only reports may be anonymous.")
    petitioner_existing = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="A petitioner already on record (instead of the name).",
    )
    petitioner_name = _text(max_length=100)
    petitioner_address = _text(max_length=200)
    name_or_address_unclear = StrictBooleanField(default=False)
    petitioner_kind = serializers.ChoiceField(choices=PetitionerKind.choices, default=PetitionerKind.PERSON)
    petitioner_id_number = _text(max_length=32)
    petitioner_phone = _text(max_length=32)
    request = StrictCharField()
    facts = StrictCharField()
    reasons = StrictCharField()
    link_choice = _text(max_length=40)
    link_reason = _text()
    title = _text(max_length=120, help_text="Default: the start of the request.")
    source = serializers.ChoiceField(choices=Source.choices, default=Source.COUNTER)
    hotline_order_ref = _text(max_length=40)
    place_org = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, default=None
    )
    place_text = _text(max_length=200)
    nature = serializers.ChoiceField(
        choices=Nature.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="A first view of the nature (the form's nature hint); anonymous matters are reports.",
    )
    group_size = StrictIntegerField(min_value=1, max_value=100000, default=1)
    representatives = _text(help_text="One per line: name, ID number, phone (at most 5 in all, XF-VIS-03).")
    participants = _text(help_text="One per line: name, ID number, phone.")

    def validate_link_choice(self, value: str) -> str:
        matter, _sep, _kind = value.partition(":")
        if matter.isdigit() and id_from_text(matter) is None:  # digits no id can have
            raise serializers.ValidationError(_("所选事项不存在或不在您的查看范围内。"), code="invalid")
        return value


class MatterTriageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Level and nature (two of the three distinctions), matter type, who is reported. Fields left
    out keep their recorded value (the HTML form sends them pre-filled)."""

    level_decision = serializers.ChoiceField(choices=LevelDecision.choices)
    nature = serializers.ChoiceField(choices=Nature.choices)
    matter_type = StrictPrimaryKeyRelatedField(
        queryset=MatterType.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    note = StrictCharField(required=False, allow_blank=True)
    reported_names = StrictCharField(required=False, allow_blank=True, max_length=200)
    reported_orgs = StrictPrimaryKeyRelatedField(
        many=True, queryset=Organisation.objects.none(), required=False, help_text="Units of the holder's area."
    )
    reported_users = StrictPrimaryKeyRelatedField(
        many=True, queryset=User.objects.none(), required=False, help_text="Staff of the holder's area."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        matter = self.context.get("matter")
        if matter is not None:
            # The triage form's own choices: units and staff of the area of the matter's holder.
            form = TriageForm(area=organisation_area(matter.current_org))
            for name in ("reported_orgs", "reported_users"):
                field = self.fields[name]
                assert isinstance(field, serializers.ManyRelatedField)
                field.child_relation.queryset = form.fields[name].queryset  # type: ignore[attr-defined]


class MatterForwardSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """转送 (DOC-03). Any organisation id is accepted here: one outside the rules gets the
    service's error with the rule cited."""

    to_org = StrictPrimaryKeyRelatedField(queryset=Organisation.objects.all())
    basis = StrictCharField()
    note = _text()
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="Default: now.")
    electronic = StrictBooleanField(
        default=True, help_text="Delivered through the system: received when sent (else the recipient records it)."
    )
    late_reason = _text()


class MatterAssignSerializer(MatterForwardSerializer):
    """交办, with the date by which the result must be reported (XF-TRI-01(c), D5)."""

    report_due = serializers.DateField()


class MatterAcceptSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = _text()
    late_reason = _text()


class MatterNotAcceptSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """不予受理 (XF-LEG-01, DOC-02)."""

    ground = serializers.ChoiceField(choices=NonAcceptanceGround.choices)
    proper_channel = StrictCharField()
    legal_basis = StrictCharField()
    late_reason = _text()


class MatterGuideSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """告知向有权机关提出 (XF-NOT-01, XF-TRI-02)."""

    proper_channel = StrictCharField()
    legal_basis = _text()
    late_reason = _text()


class MatterReceivedAtSerializer(serializers.Serializer):  # type: ignore[type-arg]
    received_at = serializers.DateTimeField()
    reason = StrictCharField()


class MatterUrgentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = StrictCharField()


class MatterNoticeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """书面告知. `kind` must be one the caller may give on this matter now."""

    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    method = serializers.ChoiceField(choices=NoticeMethod.choices)
    given_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="Default: now.")
    content = _text(help_text="Default: the generated text (DOC-01/02).")
    late_reason = _text()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = self.context.get("notice_kinds")
        if kinds is not None:
            field = self.fields["kind"]
            assert isinstance(field, serializers.ChoiceField)
            field.choices = [(kind, NoticeKind(kind).label) for kind in kinds]


class MatterAttachmentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(help_text="PDF, JPEG, PNG or plain text, checked by content and size.")


class RoutingReceivedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    received_at = serializers.DateTimeField()


class RoutingObjectSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = StrictCharField(help_text="Why the matter is not within the recipient's powers, in detail.")


class RoutingDecideSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The bureau's decision on an objection (DOC-12), with an optional immediate re-routing."""

    upheld = StrictBooleanField(help_text="true: returned and re-routed; false: the recipient handles it.")
    note = StrictCharField()
    reroute_to = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, default=None
    )
    reroute_kind = serializers.ChoiceField(choices=RoutingKind.choices, default=RoutingKind.FORWARD)
    reroute_basis = _text(help_text="Default: the basis of the routing objected to.")
    reroute_report_due = serializers.DateField(required=False, allow_null=True, default=None)


class PetitionerHistorySerializer(serializers.ModelSerializer[MatterParticipant]):
    """The petitioner's part in one matter the reader may view."""

    serializer_choice_field = PlainChoiceField
    number = serializers.CharField(source="matter.number", read_only=True)
    title = serializers.CharField(source="matter.title", read_only=True)
    received_at = serializers.DateTimeField(source="matter.received_at", read_only=True)
    status = serializers.CharField(source="matter.status", read_only=True)
    status_display = serializers.CharField(source="matter.get_status_display", read_only=True)
    current_org_name = serializers.CharField(source="matter.current_org.local_name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = MatterParticipant
        fields = [
            "matter",
            "number",
            "title",
            "received_at",
            "status",
            "status_display",
            "current_org_name",
            "role",
            "role_display",
        ]
        read_only_fields = fields


class PetitionerSerializer(PetitionerCardSerializer):
    """A petitioner (masked) and their matters the reader may view, as on the petitioner's page;
    `can_view_full`: whether the reader may ask for the full data (POST …/personal-data/)."""

    can_view_full = serializers.BooleanField(read_only=True)
    history = PetitionerHistorySerializer(many=True, read_only=True)

    def to_representation(self, instance: Any) -> Any:
        user = self.context["request"].user
        return {
            **PetitionerCardSerializer(instance).data,
            "can_view_full": personal_data_can_view(user=user, petitioner=instance),
            "history": PetitionerHistorySerializer(petitioner_history(user=user, petitioner=instance), many=True).data,
        }


class PetitionerSearchSerializer(serializers.Serializer):  # type: ignore[type-arg]
    q = StrictCharField(max_length=100, help_text="An ID number, a phone number, or the start of a name.")


class PetitionerSearchResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    results = PetitionerCardSerializer(many=True)


class PersonalDataSerializer(serializers.Serializer):  # type: ignore[type-arg]
    petitioner_id = serializers.IntegerField()
    id_number = serializers.CharField()
    phone = serializers.CharField()


# --- Matters ---------------------------------------------------------------------------------


class MatterApiFilterForm(MatterFilterForm):
    """The workbench's filter form; its own checks' errors get the code "invalid" (an API error
    always has one)."""

    def add_error(self, field: str | None, error: Any) -> None:
        if isinstance(error, str | Promise):  # a bare (lazily translated) message
            error = DjangoValidationError(str(error), code="invalid")
        super().add_error(field, error)


class MatterApiFilter(MatterFilter):
    """The workbench's filters (filters.MatterFilter: q on number, title, request and facts;
    status, channel, nature, matter type, place, responsible organisation, received_from/received_to
    dates, urgent, petitioner, full ID number for roles that may see personal data) plus the
    organisations."""

    # Ids, not choices: an id that names nothing finds nothing (as `current_org`), it is not an error.
    matter_type = _IntegerFilter(field_name="matter_type_id", help_text="A matter type of the power list.")
    place = _IntegerFilter(method="filter_place_id", help_text="A place (area or grid): matters there and below.")
    organisation = _IntegerFilter(
        method="filter_organisation_id",
        help_text="A responsible organisation (the handling one, else the one holding the matter): its matters "
        "and those of the organisations under it, as the dashboards count them.",
    )
    current_org = _IntegerFilter(field_name="current_org_id", help_text="The organisation holding the matter now.")
    registered_org = _IntegerFilter(field_name="registered_org_id", help_text="The registering organisation.")
    is_urgent = _BooleanFilter(field_name="is_urgent")

    class Meta(MatterFilter.Meta):
        form = MatterApiFilterForm

    def filter_place_id(self, queryset: QuerySet[Matter], name: str, value: int) -> QuerySet[Matter]:
        place = _place_choices(self.request).filter(pk=value).first() if id_from_text(value) is not None else None
        return self.filter_place(queryset, name, place) if place is not None else queryset.none()

    def filter_organisation_id(self, queryset: QuerySet[Matter], name: str, value: int) -> QuerySet[Matter]:
        choices = _organisation_choices(self.request)
        organisation = choices.filter(pk=value).first() if id_from_text(value) is not None else None
        return self.filter_responsible(queryset, name, organisation) if organisation is not None else queryset.none()


MatterApiFilter.base_filters.pop("sort")  # the API orders with `ordering`
MatterApiFilter.base_filters.pop("urgent")  # a checkbox's (any value is "on"): `is_urgent` instead


def _url_id(view: Any) -> int:
    """The record id of the URL (404 when it cannot name a row)."""
    pk = id_from_text(view.kwargs[view.lookup_field])
    if pk is None:
        raise Http404
    return pk


Check = Callable[[Matter], None]
Call = Callable[[Matter, dict[str, Any]], Any]


def _may_triage(user: Any) -> Check:
    """The triage pages' check (views/triage.py `_may_triage`): matter.triage where the matter is held."""
    return lambda matter: require(user, Action.MATTER_TRIAGE, matter.current_org)


LOCATION_HEADER = OpenApiParameter(
    "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=[201], description="The new matter."
)


class MatterApi(
    MatterHandlingActions,
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Petition matters the caller may view (restrict(user, "matter.view"): registered or held in
    the caller's scope, never a report on the caller, XF-CLS-03)."""

    queryset = Matter.objects.all()
    restrict_action = Action.MATTER_VIEW
    filterset_class = MatterApiFilter
    ordering_fields = ["received_at", "number"]
    ordering = ["-received_at", "-pk"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return MatterListSerializer if self.action == "list" else MatterSerializer

    def get_queryset(self) -> QuerySet[Matter]:
        queryset = super().get_queryset()
        if self.action == "list":
            participants = MatterParticipant.objects.select_related("petitioner").order_by("pk")
            queryset = queryset.select_related("current_org", "registered_org", "matter_type").prefetch_related(
                Prefetch("participants", queryset=participants)
            )
        return queryset

    def get_object(self) -> Matter:
        """The matter page's read (selectors.matter_detail: restricted, with what the page shows)."""
        try:
            matter = matter_detail(user=self.request.user, pk=_url_id(self))
        except Matter.DoesNotExist as exc:
            raise Http404(_("没有找到该信访事项，或您无权查看。")) from exc
        self.check_object_permissions(self.request, matter)
        return matter

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Matters the caller may view, newest received first, with the workbench's filters; each row
        carries its most urgent running clock (one query for the page)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        matters = list(page) if page is not None else list(queryset)
        badges = matter_clock_badges(matters=matters, window=clock_window())
        context = {**self.get_serializer_context(), "badges": badges}
        data = MatterListSerializer(matters, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    # --- Register -------------------------------------------------------------------------------

    @extend_schema(
        request=MatterRegisterSerializer,
        responses={201: MatterCreatedSerializer},
        parameters=[LOCATION_HEADER],
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """登记: register a matter at one of the caller's offices, exactly as the counter form does
        (XF-REG-01..04, XF-VIS-03, XF-CH-01): the same form checks, the same service (clocks
        started, audit event written), and the repeat proposals the form shows while typing
        (`repeat_candidates`, XF-REG-04, XF-REV-06). 403 for a user who registers nowhere."""
        organisations = _organisations_or_403(request._request)  # the counter page's own check (403)
        body = MatterRegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        form = MatterIntakeForm(
            self._intake_form_data(dict(body.validated_data), organisations),
            user=request.user,
            organisations=organisations,
        )
        if not form.is_valid():
            raise _form_errors(form, _FORM_TO_BODY)
        candidates = _repeats_context(form)["candidates"]
        data = form.matter_data()
        data.submission_key = None  # the form's double-submit guard; the API's is the Idempotency-Key
        try:
            matter = matter_register(actor=request.user, organisation=form.cleaned_data["organisation"], data=data)
        except DjangoValidationError as exc:
            form.add_service_errors(exc)
            raise _form_errors(form, _FORM_TO_BODY) from exc
        links_given = bool(data.links)
        response = CreatedResponse(
            lambda: self._created_body(request, matter, candidates, links_given=links_given),
            status=http.HTTP_201_CREATED,
            headers={"Location": reverse("api:matter-detail", args=[matter.pk])},
        )
        return with_etag(response, matter)

    def _created_body(
        self, request: Request, matter: Matter, candidates: Sequence[Any], *, links_given: bool
    ) -> dict[str, Any]:
        """The answer to a registration, built after the commit (outside the registration's locks)."""
        matter = matter_registered_by_actor(matter=matter)  # its author's answer, even if out of sight now
        matter.repeat_candidates = candidates  # type: ignore[attr-defined]
        context = self.get_serializer_context()
        if not links_given:
            context["links"] = []
        # A new matter reports on nobody yet (triage names who is reported, XF-CLS-03): holding
        # personal_data.view where it was registered opens its petitioners' full data. Otherwise
        # another of their matters may, which the per-petitioner check finds.
        if user_can(request.user, Action.PERSONAL_DATA_VIEW, matter.registered_org):
            context["can_view_full"] = True
        return dict(MatterCreatedSerializer(matter, context=context).data)

    def idempotent_replay_body(self, request: Request, location: str) -> dict[str, Any]:
        """The answer of a registration whose stored body is missing (the server stopped between
        the commit and storing it): built again from the matter the key registered."""
        matter = Matter.objects.get(pk=resolve(urlsplit(location).path).kwargs["pk"])
        return self._created_body(request, matter, [], links_given=True)

    def _intake_form_data(self, values: dict[str, Any], organisations: Sequence[Organisation]) -> dict[str, Any]:
        """The validated body as the counter form's POST data, with the form's defaults: the first
        office, the registering user as recorder of an oral petition, a fresh one-time key."""
        data = {_BODY_TO_FORM.get(name, name): value for name, value in values.items() if value is not None}
        data["organisation"] = values["organisation"].pk if values.get("organisation") else organisations[0].pk
        if data.get("place_org") is not None:
            data["place_org"] = data["place_org"].pk
        if data.get("petitioner_existing") is not None:
            data["petitioner_existing"] = str(data["petitioner_existing"])
        if not data.get("oral_recorded_by"):
            data["oral_recorded_by"] = str(self.request.user)[:60]
        data["submission_key"] = new_submission_key()
        return data

    # --- Actions: the pattern -------------------------------------------------------------------

    def _act(
        self,
        request: Request,
        body: type[serializers.Serializer] | None,  # type: ignore[type-arg]
        *,
        check: Check,
        call: Call,
        status: int = http.HTTP_200_OK,
        context: dict[str, Any] | None = None,
    ) -> Response:
        """Visible (404) → the page's check (403) → the body (400) → matter_write: lock, If-Match
        (412), the service."""
        matter = self.get_object()
        check(matter)
        data: dict[str, Any] = {}
        if body is not None:
            serializer = body(
                data=request.data, context={**self.get_serializer_context(), "matter": matter, **(context or {})}
            )
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
        return matter_write(self, request, lambda locked: call(locked, data), status=status)

    # --- Attachments ------------------------------------------------------------------------------

    @write_action(
        request=MatterAttachmentSerializer,
        responses={201: MatterSerializer},
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        """Add a file (multipart, field `file`): checked by its content and size, hashed, refused when
        already on the matter (services.intake.attachment_add). For whoever registers at the
        registering or current organisation or handles the matter there."""
        user = request.user

        def check(matter: Matter) -> None:
            if not attachment_can_add(actor=user, matter=matter):
                raise PermissionDenied(_("您没有权限为该事项添加附件。"))

        def call(matter: Matter, data: dict[str, Any]) -> Any:
            try:
                return attachment_add(actor=user, matter=matter, upload=data["file"])
            except DjangoValidationError as exc:
                raise _rename_errors(exc, {"attachments": "file"}) from exc

        return self._act(request, MatterAttachmentSerializer, check=check, call=call, status=http.HTTP_201_CREATED)

    # --- Triage (views/triage.py) -------------------------------------------------------------------

    @write_action(request=MatterTriageSerializer, responses={200: MatterSerializer})
    def triage(self, request: Request, pk: str | None = None) -> Response:
        """三个区分: level, nature, matter type and who is reported (XF-TRI-01/02; XF-CLS-03: the
        matter is then never visible to those reported). Only while the matter is registered."""
        user = request.user
        return self._act(
            request,
            MatterTriageSerializer,
            check=_may_triage(user),
            call=_renaming(
                lambda m, d: matter_triage(
                    actor=user,
                    matter=m,
                    level=d["level_decision"],
                    nature=d["nature"],
                    matter_type=d.get("matter_type"),
                    note=d.get("note", m.triage_note),
                    reported_users=d.get("reported_users"),
                    reported_orgs=d.get("reported_orgs"),
                    reported_names=d.get("reported_names"),
                ),
                {"level": "level_decision"},
            ),
        )

    @write_action(request=MatterAcceptSerializer, responses={200: MatterSerializer})
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """本机关受理: this organisation accepts the matter (XF-TRI-01; XF-TRI-02 for litigation and
        discipline matters); the 60-day handling clock starts (D6). Late only with a reason."""
        user = request.user
        return self._act(
            request,
            MatterAcceptSerializer,
            check=_may_triage(user),
            call=lambda m, d: matter_accept_here(actor=user, matter=m, note=d["note"], late_reason=d["late_reason"]),
        )

    @write_action(request=MatterNotAcceptSerializer, responses={200: MatterSerializer}, url_path="not-accept")
    def not_accept(self, request: Request, pk: str | None = None) -> Response:
        """不予受理, with the ground (XF-LEG-01), the proper channel and the legal basis (DOC-02)."""
        user = request.user
        return self._act(
            request,
            MatterNotAcceptSerializer,
            check=_may_triage(user),
            call=lambda m, d: matter_not_accept(
                actor=user,
                matter=m,
                ground=d["ground"],
                proper_channel=d["proper_channel"],
                legal_basis=d["legal_basis"],
                late_reason=d["late_reason"],
            ),
        )

    @write_action(request=MatterGuideSerializer, responses={200: MatterSerializer}, url_path="guide-elsewhere")
    def guide_elsewhere(self, request: Request, pk: str | None = None) -> Response:
        """告知向有权机关提出: a higher level's, an outside body's or a litigation matter (XF-NOT-01,
        XF-TRI-02); matters of this level or a lower one are accepted or routed instead."""
        user = request.user
        return self._act(
            request,
            MatterGuideSerializer,
            check=_may_triage(user),
            call=lambda m, d: matter_guide_elsewhere(
                actor=user,
                matter=m,
                proper_channel=d["proper_channel"],
                legal_basis=d["legal_basis"],
                late_reason=d["late_reason"],
            ),
        )

    @write_action(request=MatterReceivedAtSerializer, responses={200: MatterSerializer}, url_path="correct-received-at")
    def correct_received_at(self, request: Request, pk: str | None = None) -> Response:
        """更正收到时间: the clocks that start from receipt are recomputed (CNT-08), with the reason
        audited. The page's check, then the service's own (matter.register where it was registered)."""
        user = request.user
        return self._act(
            request,
            MatterReceivedAtSerializer,
            check=_may_triage(user),
            call=lambda m, d: matter_correct_received_at(
                actor=user, matter=m, received_at=d["received_at"], reason=d["reason"]
            ),
        )

    @write_action(request=MatterUrgentSerializer, responses={200: MatterSerializer}, url_path="flag-urgent")
    def flag_urgent(self, request: Request, pk: str | None = None) -> Response:
        """重大紧急: flag the matter and record its report upwards (XF-URG-01/02)."""
        user = request.user
        return self._act(
            request,
            MatterUrgentSerializer,
            check=_may_triage(user),
            call=lambda m, d: matter_flag_urgent(actor=user, matter=m, reason=d["reason"]),
        )

    @write_action(request=MatterForwardSerializer, responses={200: MatterSerializer})
    def forward(self, request: Request, pk: str | None = None) -> Response:
        """转送 to the empowered organisation of this level or a lower one (XF-TRI-01(a)(b), XF-TRI-02,
        XF-CLS-03; a jurisdiction decision of the power list binds, XF-JUR-01). Within 15 days of
        receipt, later only with a reason. The matter then belongs to the recipient; the answer
        still shows it to the caller."""
        user = request.user
        return self._act(
            request,
            MatterForwardSerializer,
            check=_may_triage(user),
            call=lambda m, d: matter_forward(
                actor=user,
                matter=m,
                to_org=d["to_org"],
                basis=d["basis"],
                note=d["note"],
                sent_at=d["sent_at"],
                electronic=d["electronic"],
                late_reason=d["late_reason"],
                proposal=_proposal_for(m),
            ),
        )

    @write_action(request=MatterAssignSerializer, responses={200: MatterSerializer})
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """交办 with the report deadline (XF-TRI-01(c), D5); otherwise as forward."""
        user = request.user
        return self._act(
            request,
            MatterAssignSerializer,
            check=_may_triage(user),
            call=lambda m, d: matter_assign(
                actor=user,
                matter=m,
                to_org=d["to_org"],
                report_due=d["report_due"],
                basis=d["basis"],
                note=d["note"],
                sent_at=d["sent_at"],
                electronic=d["electronic"],
                late_reason=d["late_reason"],
                proposal=_proposal_for(m),
            ),
        )

    @write_action(request=MatterNoticeSerializer, responses={201: MatterSerializer})
    def notices(self, request: Request, pk: str | None = None) -> Response:
        """书面告知: record a written notice to the petitioner (XF-NOT-01..03), with the generated text
        unless `content` is given; stops the notice clock it answers. 403 when the caller may give
        no notice on this matter now; `kind` must be one they may give."""
        user = request.user
        kinds: list[str] = []

        def check(matter: Matter) -> None:
            kinds.extend(notice_kinds_for(user=user, matter=matter))
            if not kinds:
                raise PermissionDenied

        def call(matter: Matter, data: dict[str, Any]) -> Any:
            return notice_give(
                actor=user,
                matter=matter,
                kind=data["kind"],
                method=data["method"],
                content=data["content"],
                given_at=data["given_at"],
                late_reason=data["late_reason"],
            )

        return self._act(
            request,
            MatterNoticeSerializer,
            check=check,
            call=call,
            status=http.HTTP_201_CREATED,
            context={"notice_kinds": kinds},
        )


def _proposal_for(matter: Matter) -> Any:
    """The power list's proposal, as the routing pages pass it (a jurisdiction decision binds)."""
    proposal = triage_proposal(matter=matter)
    return proposal.candidates if proposal.available else None


# Errors the services may answer with beyond the serializers' own (documented in the schema, so
# that every 400 matches it): field errors ("invalid") and refusals of the whole action (attr null,
# with the service's code: "stale" — the matter has moved on, "transition", …).
_STATE = ["stale", "transition"]
# A clock computed from a date outside the working calendar's range, or a period too long for it.
_CLOCK = ["out_of_range", "period"]
_INTAKE_FIELDS = [
    "organisation",
    "channel",
    "received_at",
    "oral_recorded_by",
    "is_anonymous",
    "petitioner_existing",
    "petitioner_name",
    "petitioner_address",
    "representatives",
    "participants",
    "request",
    "facts",
    "reasons",
    "link_choice",
    "link_reason",
    "title",
    "source",
    "hotline_order_ref",
    "place_org",
    "place_text",
    "nature",
    "group_size",
]
MATTER_SERVICE_ERRORS: dict[str, dict[str | None, list[str]]] = {
    "create": {
        **{name: ["invalid", "invalid_choice"] for name in _INTAKE_FIELDS},
        api_settings.NON_FIELD_ERRORS_KEY: ["invalid", *_CLOCK],
    },
    "attachments": {"file": ["invalid"]},
    "triage": {
        **{name: ["invalid"] for name in ("level_decision", "nature", "matter_type", "reported_names")},
        None: _STATE,
    },
    "accept": {
        "late_reason": ["invalid"],
        api_settings.NON_FIELD_ERRORS_KEY: ["invalid"],
        None: [*_STATE, *_CLOCK, "not_triaged", "not_competent"],
    },
    "not_accept": {
        **{name: ["invalid"] for name in ("ground", "proper_channel", "legal_basis", "late_reason")},
        None: [*_STATE, "not_triaged"],
    },
    "guide_elsewhere": {
        **{name: ["invalid"] for name in ("proper_channel", "late_reason")},
        None: [*_STATE, "not_triaged", "guide_not_allowed"],
    },
    "correct_received_at": {"received_at": ["invalid"], "reason": ["invalid"], None: _CLOCK},
    "flag_urgent": {"reason": ["invalid"], None: _STATE},
    "forward": {
        **{name: ["invalid"] for name in ("to_org", "basis", "sent_at", "late_reason")},
        None: [*_STATE, *_CLOCK, "not_triaged", "level"],
    },
    "assign": {
        **{name: ["invalid"] for name in ("to_org", "basis", "sent_at", "report_due", "late_reason")},
        None: [*_STATE, *_CLOCK, "not_triaged", "level"],
    },
    "notices": {
        **{name: ["invalid"] for name in ("kind", "method", "given_at", "late_reason")},
        None: [*_STATE, "anonymous"],
    },
}
for _action, _fields in MATTER_SERVICE_ERRORS.items():
    for _field, _codes in _fields.items():
        extend_validation_errors(_codes, field_name=_field, actions=[_action])(MatterApi)
# The full-ID-number filter exists only for readers who may see personal data, so the schema's
# filterset (built without a reader) leaves it out of the documented errors; declare them here.
extend_validation_errors(["null_characters_not_allowed"], field_name="id_number", actions=["list"])(MatterApi)


# --- Routings --------------------------------------------------------------------------------


def routing_version(routing: Routing) -> str:
    """What changes whenever a routing does (it has no `updated_at`): its ETag's version."""
    stamps = (routing.received_at, routing.objected_at, routing.decided_at)
    return "|".join([routing.outcome, *(stamp.isoformat() if stamp else "" for stamp in stamps)])


RoutingCall = Callable[[Routing, dict[str, Any]], Any]


class RoutingFilter(drf_filters.FilterSet):
    """By matter and organisations (ids: one that names nothing finds nothing), kind and outcome."""

    matter = _IntegerFilter(field_name="matter_id")
    from_org = _IntegerFilter(field_name="from_org_id")
    to_org = _IntegerFilter(field_name="to_org_id")

    class Meta:
        model = Routing
        fields = ["kind", "outcome"]


class RoutingApi(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Routings (转送/交办) the caller may view: sent by or to an organisation in their scope,
    never one of a report on the caller (XF-CLS-03)."""

    queryset = Routing.objects.select_related("matter", "from_org", "to_org")
    restrict_action = Action.MATTER_VIEW
    serializer_class = RoutingSerializer
    filterset_class = RoutingFilter
    ordering_fields = ["sent_at", "received_at"]
    ordering = ["-sent_at", "-pk"]

    def get_object(self) -> Routing:
        """The routing page's read (selectors_routing.routing_for_action)."""
        try:
            routing = routing_for_action(user=self.request.user, pk=_url_id(self))
        except Routing.DoesNotExist as exc:
            raise Http404 from exc
        self.check_object_permissions(self.request, routing)
        return routing

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        routing = self.get_object()
        return with_etag(Response(self.get_serializer(routing).data), routing, version=routing_version(routing))

    def _act(
        self,
        request: Request,
        body: type[serializers.Serializer] | None,  # type: ignore[type-arg]
        *,
        check: Callable[[Routing], None],
        call: RoutingCall,
    ) -> Response:
        """Visible (404) → the page's check (403) → the body (400) → lock the matter and the routing,
        If-Match on the routing (412), the service; the matter's `updated_at` moves too."""
        routing = self.get_object()
        check(routing)
        data: dict[str, Any] = {}
        if body is not None:
            serializer = body(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
        with transaction.atomic():
            lock(Matter, routing.matter_id)  # the services' order: the matter, then the routing
            locked = lock(Routing, routing.pk)
            if_match_check(request, locked, version=routing_version(locked))
            call(locked, data)
            Matter.objects.filter(pk=routing.matter_id).update(updated_at=timezone.now())
        try:
            fresh = self.get_object()
        except Http404:
            fresh = Routing.objects.select_related("matter", "from_org", "to_org").get(pk=routing.pk)
        return with_etag(Response(self.get_serializer(fresh).data), fresh, version=routing_version(fresh))

    def _recipient(self, routing: Routing) -> None:
        require(self.request.user, Action.MATTER_HANDLE, routing.to_org)

    def _sender(self, routing: Routing) -> None:
        require(self.request.user, Action.MATTER_TRIAGE, routing.from_org)

    def _recipient_or_sender(self, routing: Routing) -> None:
        if not user_can(self.request.user, Action.MATTER_TRIAGE, routing.from_org):
            require(self.request.user, Action.MATTER_HANDLE, routing.to_org)

    @write_action(request=RoutingReceivedSerializer, responses={200: RoutingSerializer}, url_path="mark-received")
    def mark_received(self, request: Request, pk: str | None = None) -> Response:
        """Record or correct when the recipient received a paper routing: its clocks (D3 notice, D4
        objection) restart from that date (CNT-08). The recipient or the sending bureau."""
        user = request.user
        return self._act(
            request,
            RoutingReceivedSerializer,
            check=self._recipient_or_sender,
            call=lambda r, d: routing_mark_received(actor=user, routing=r, received_at=d["received_at"]),
        )

    @write_action(request=None, responses={200: RoutingSerializer})
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """The recipient accepts (受理): the matter is accepted there, the objection window closes,
        the 60-day handling clock starts (D6); the D3 notice clock runs until the notice is given."""
        user = request.user
        return self._act(request, None, check=self._recipient, call=lambda r, d: routing_accept(actor=user, routing=r))

    @write_action(request=RoutingObjectSerializer, responses={200: RoutingSerializer}, url_path="object")
    def raise_objection(self, request: Request, pk: str | None = None) -> Response:
        """The recipient objects, with detailed reasons, within 5 working days of receipt (XF-NOT-03,
        D4, on the working calendar); afterwards it must handle the matter."""
        user = request.user
        return self._act(
            request,
            RoutingObjectSerializer,
            check=self._recipient,
            call=lambda r, d: routing_object(actor=user, routing=r, reason=d["reason"]),
        )

    @write_action(request=RoutingDecideSerializer, responses={200: RoutingSerializer}, url_path="decide-objection")
    def decide_objection(self, request: Request, pk: str | None = None) -> Response:
        """The sending bureau decides the objection (XF-NOT-03, DOC-12): upheld — the matter comes
        back and is re-routed (at once to `reroute_to`, or later); rejected — the recipient handles it."""
        user = request.user
        return self._act(
            request,
            RoutingDecideSerializer,
            check=self._sender,
            call=lambda r, d: routing_objection_decide(
                actor=user,
                routing=r,
                upheld=d["upheld"],
                note=d["note"],
                reroute_to=d["reroute_to"],
                reroute_kind=d["reroute_kind"],
                reroute_basis=d["reroute_basis"],
                reroute_report_due=d["reroute_report_due"],
            ),
        )


ROUTING_SERVICE_ERRORS: dict[str, dict[str | None, list[str]]] = {
    "mark_received": {"received_at": ["invalid"], None: [*_STATE, *_CLOCK]},
    "accept": {None: [*_STATE, *_CLOCK]},
    "raise_objection": {"reason": ["invalid"], None: [*_STATE, "objection_window"]},
    "decide_objection": {
        **{name: ["invalid"] for name in ("note", "reroute_to", "reroute_kind", "reroute_basis", "reroute_report_due")},
        None: [*_STATE, *_CLOCK, "level"],
    },
}
for _action, _fields in ROUTING_SERVICE_ERRORS.items():
    for _field, _codes in _fields.items():
        extend_validation_errors(_codes, field_name=_field, actions=[_action])(RoutingApi)


# --- Petitioners -----------------------------------------------------------------------------


class PetitionerApi(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Petitioners the caller may see — through a matter they may view, so never the author of a
    report on the caller (XF-CLS-03) — with ID numbers and phones masked."""

    queryset = Petitioner.objects.all()
    restrict_action = Action.MATTER_VIEW
    filterset_fields = ["kind"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "pk"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return PetitionerSerializer if self.action == "retrieve" else PetitionerCardSerializer

    def get_object(self) -> Petitioner:
        """The petitioner page's read (selectors_intake.petitioner_get)."""
        try:
            petitioner = petitioner_get(user=self.request.user, pk=_url_id(self))
        except Petitioner.DoesNotExist as exc:
            raise Http404 from exc
        self.check_object_permissions(self.request, petitioner)
        return petitioner

    @extend_schema(request=PetitionerSearchSerializer, responses={200: PetitionerSearchResultSerializer})
    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        """Find petitioners by ID number (exact), phone (exact) or the start of the name, masked, at
        most 20. A POST, as on the search page, so that ID numbers and phones never appear in URLs
        or access logs."""
        if not user_can(request.user, Action.MATTER_VIEW):
            raise PermissionDenied(_("您没有查看信访事项的权限。"))
        body = PetitionerSearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cards = petitioner_search(user=request.user, query=body.validated_data["q"])
        return Response({"results": PetitionerCardSerializer(cards, many=True).data})

    @extend_schema(request=None, responses={200: PersonalDataSerializer})
    @action(detail=True, methods=["post"], url_path="personal-data")
    def personal_data(self, request: Request, pk: str | None = None) -> Response:
        """The full ID number and phone, for a role holding personal_data.view for the organisation
        of one of the petitioner's matters (403 otherwise); every view is written to the audit log
        (PIPL: the least data for the task). Not idempotent on purpose: a stored answer would keep
        the personal data outside the petitioner's record."""
        petitioner = self.get_object()
        revealed = personal_data_view(actor=request.user, petitioner=petitioner)
        response = Response(
            {"petitioner_id": revealed.petitioner_id, "id_number": revealed.id_number, "phone": revealed.phone}
        )
        response["Cache-Control"] = "no-store"
        return response


ROUTES = [
    ("matters", MatterApi, "matter"),
    ("routings", RoutingApi, "routing"),
    ("petitioners", PetitionerApi, "petitioner"),
]
