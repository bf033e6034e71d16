"""Matters API: handling, reply, review and re-review, closure, follow-up and evaluation actions.
A mixin of `apis.MatterApi` (one resource, /api/v1/matters/{id}/…).

Each action is the API twin of one handling page (views/handling.py) and does what that page does,
in the same order: the matter must be visible (404, XF-CLS-03), a row of the matter named in the
URL must exist (404), the user must pass the page's own pre-check (403, the same `require` /
`user_can` / selector calls), the body is validated (400, errors per field), then
`apis_common.matter_write` locks the matter, checks If-Match (412) and calls the ONE service the
page calls — which stays the real check. Every action answers 200 with the matter as it is now and
its new ETag; the ids of the rows an action creates (extension, opinion, review, mediation
referral, follow-up task, evaluation) are read with GET /api/v1/matters/{id}/handling/."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from xinfang.accounts.models import User
from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.core.api.actions import write_action
from xinfang.core.api.etags import with_etag
from xinfang.notices.kinds import Outcome
from xinfang.notices.models import DeliveryMethod
from xinfang.orgs.models import Organisation

from . import forms_handling as f
from .apis_common import matter_write
from .models import (
    Evaluation,
    Extension,
    FollowUpTask,
    HandlingRecord,
    HandlingTrack,
    Matter,
    MediationReferral,
    Opinion,
    Review,
)
from .selectors_handling import (
    HandlingData,
    active_tracks,
    contested_opinion,
    extension_of,
    follow_up_of,
    handling_data,
    mediation_of,
    mediation_organisations,
    opinion_of,
    review_bodies_for,
    review_of,
    review_stage_next,
)
from .services import handling as handling_services
from .services import review as review_services
from .states import (
    AgreementKind,
    EvaluationMethod,
    EvaluationStage,
    FollowUpKind,
    Principle,
    Procedure,
    RecordKind,
    ReviewStage,
)
from .views.handling import may_close_follow_up, may_direct_follow_up, may_evaluate, may_record_mediation

# --- Request bodies ----------------------------------------------------------------------------------


def _text(form: type[forms.Form], name: str, **kwargs: Any) -> serializers.CharField:
    """A required text: missing or blank, it gets the handling form's own message (which names the
    rule, e.g. XF-OPN-01), as on the page."""
    message = form.base_fields[name].error_messages["required"]
    return serializers.CharField(error_messages={"required": message, "blank": message}, **kwargs)


def _optional_text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", **kwargs)


class _DateTimeField(serializers.DateTimeField):
    """DRF's, refusing a naive time at the edge of the calendar ("0001-01-01T00:00:00") with 400
    `overflow`: DRF catches the overflow of converting aware times only, and a 500 otherwise."""

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")
            raise  # unreachable: fail() raises


class _MatterOrganisationField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """An organisation among those the handling form offers for this matter (context["matter"])."""

    def __init__(self, offered: Callable[[Matter], list[Organisation]], **kwargs: Any) -> None:
        self.offered = offered
        super().__init__(queryset=Organisation.objects.all(), **kwargs)

    def get_queryset(self) -> QuerySet[Organisation]:
        ids = [org.pk for org in self.offered(self.context["matter"])]
        return Organisation.objects.filter(pk__in=ids)


class MatterClassifySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """依法分类处理 (XF-CLS-01..04)."""

    track = serializers.PrimaryKeyRelatedField(queryset=active_tracks(), help_text="An active handling track.")
    receiving_body = _optional_text(max_length=200, help_text="Required for a statutory track.")
    petitioner_deadline = serializers.DateField(required=False, allow_null=True, default=None)
    note = _optional_text()


class MatterProcedureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Simplified or ordinary procedure (XF-SIMP-03..09)."""

    procedure = serializers.ChoiceField(choices=Procedure.choices)
    reason = _text(f.ProcedureForm, "reason")
    paper_requested = serializers.BooleanField(required=False, default=True)


class MatterRecordSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A handling record or hearing (XF-CLS-04(6), XF-HDL-04, XF-REV-05; DOC-08)."""

    kind = serializers.ChoiceField(choices=RecordKind.choices)
    occurred_on = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    place = _optional_text(max_length=200)
    participants = _optional_text(max_length=300)
    summary = _text(f.RecordForm, "summary")
    issue_notice = serializers.BooleanField(required=False, default=False, help_text="Hearings only (DOC-08).")


class MatterExtensionRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Ask the head for an extension (XF-DL-02); the service refuses more than the maximum."""

    days = serializers.IntegerField(min_value=1)
    reason = _text(f.ExtensionRequestForm, "reason")


class MatterExtensionDecideSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The head approves or refuses (XF-DL-02)."""

    approve = serializers.BooleanField()
    note = _optional_text()


class MatterOpinionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """信访处理意见书 (XF-OPN-01/02, XF-HDL-01)."""

    outcome = serializers.ChoiceField(choices=Outcome.choices)
    principle = serializers.ChoiceField(choices=Principle.choices)
    request = _text(f.OpinionForm, "request")
    facts_reasons = _text(f.OpinionForm, "facts_reasons")
    opinion = _text(f.OpinionForm, "opinion")
    legal_basis = _text(f.OpinionForm, "legal_basis")


class MatterDeliverSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """送达 of an opinion: its date starts the 30-day window (XF-REV-01/03)."""

    method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    delivered_at = _DateTimeField()
    recipient = _text(f.DeliverForm, "recipient", max_length=100)
    note = _optional_text(max_length=500)


class MatterMediationReferSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """访调对接 (XF-OPN-04), with the consent of both sides."""

    mediation_org = _MatterOrganisationField(
        lambda matter: mediation_organisations(matter=matter),
        help_text="A mediation organisation serving the matter's area.",
    )
    consent_recorded = serializers.BooleanField(required=False, default=False)
    note = _optional_text()


class MatterMediationResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The mediation's result (XF-OPN-04): an agreement concludes the matter."""

    agreed = serializers.BooleanField()
    agreement_kind = serializers.ChoiceField(
        choices=AgreementKind.choices, required=False, allow_blank=True, default=""
    )
    result = _text(f.MediationResultForm, "result")


class MatterReviewRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A request for review or re-review received by a body one level up (XF-REV-01/03, XF-REV-07)."""

    stage = serializers.ChoiceField(choices=ReviewStage.choices)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="The body one level above the contested opinion's organ."
    )
    received_at = _DateTimeField()
    request = _text(f.ReviewRequestForm, "request")
    late_reason = _optional_text()


class MatterReviewDecideSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """复查意见书 / 复核意见书 (XF-REV-02/04)."""

    outcome = serializers.ChoiceField(choices=Outcome.choices)
    principle = serializers.ChoiceField(choices=Principle.choices)
    findings = _text(f.ReviewDecideForm, "findings")
    opinion = _text(f.ReviewDecideForm, "opinion")
    legal_basis = _text(f.ReviewDecideForm, "legal_basis")


class MatterConcludeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = _text(f.ConcludeForm, "note")


class MatterTerminateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """终结 with the termination record (XF-END-01, XF-REV-07; DOC-11)."""

    ground = _text(f.TerminateForm, "ground")
    final_instruments = _optional_text(max_length=300, help_text="Blank: the last opinion and its number.")


class MatterWithdrawSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = _text(f.WithdrawForm, "reason")


class MatterFollowUpCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A follow-up task after closure (XF-END-01/02)."""

    kind = serializers.ChoiceField(choices=FollowUpKind.choices)
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None
    )
    description = _text(f.FollowUpCreateForm, "description")
    due_date = serializers.DateField()


class MatterFollowUpCloseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    result = _text(f.FollowUpCloseForm, "result")


class MatterEvaluationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The petitioner's evaluation, recorded by staff (XF-SAT-01/02), on the configured scale."""

    stage = serializers.ChoiceField(choices=EvaluationStage.choices)
    value = serializers.ChoiceField(choices=())
    method = serializers.ChoiceField(choices=EvaluationMethod.choices)
    comment = _optional_text()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label, _bad in handling_services.satisfaction_scale()
        ]


# --- The handling rows of a matter (GET …/handling/) ----------------------------------------------------


class _TrackSerializer(serializers.ModelSerializer[HandlingTrack]):
    class Meta:
        model = HandlingTrack
        fields = ["id", "code", "procedure"]


class _RecordSerializer(serializers.ModelSerializer[HandlingRecord]):
    class Meta:
        model = HandlingRecord
        fields = ["id", "kind", "occurred_on", "end_date", "organisation", "review"]


class _ExtensionSerializer(serializers.ModelSerializer[Extension]):
    class Meta:
        model = Extension
        fields = [
            "id",
            "status",
            "days",
            "organisation",
            "requested_at",
            "original_due",
            "decided_at",
            "new_due",
            "document",
        ]


class _OpinionSerializer(serializers.ModelSerializer[Opinion]):
    document_number = serializers.SerializerMethodField()

    class Meta:
        model = Opinion
        fields = [
            "id",
            "stage",
            "outcome",
            "principle",
            "organisation",
            "review",
            "issued_at",
            "document",
            "document_number",
            "delivered_at",
        ]

    def get_document_number(self, opinion: Opinion) -> str:
        return opinion.document.number if opinion.document is not None else ""


class _ReviewSerializer(serializers.ModelSerializer[Review]):
    class Meta:
        model = Review
        fields = ["id", "stage", "status", "organisation", "contested", "received_at", "window_due", "is_late"]


class _MediationSerializer(serializers.ModelSerializer[MediationReferral]):
    class Meta:
        model = MediationReferral
        fields = ["id", "status", "mediation_org", "referred_at", "returned_at", "agreement_kind"]


class _FollowUpSerializer(serializers.ModelSerializer[FollowUpTask]):
    class Meta:
        model = FollowUpTask
        fields = ["id", "kind", "status", "organisation", "assignee", "due_date", "closed_at"]


class _EvaluationSerializer(serializers.ModelSerializer[Evaluation]):
    class Meta:
        model = Evaluation
        fields = ["id", "stage", "value", "is_dissatisfied", "method", "recorded_at", "follow_up"]


class HandlingStateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The handling rows of a matter with their ids and states: the ids the row actions take
    (…/extensions/{extension_id}/decide/, …/opinions/{opinion_id}/deliver/, …)."""

    track = _TrackSerializer(allow_null=True)
    records = serializers.SerializerMethodField()
    extensions = _ExtensionSerializer(many=True)
    opinions = serializers.SerializerMethodField()
    reviews = _ReviewSerializer(many=True)
    mediations = _MediationSerializer(many=True)
    follow_ups = _FollowUpSerializer(many=True)
    evaluations = _EvaluationSerializer(many=True)

    @extend_schema_field(_RecordSerializer(many=True))
    def get_records(self, data: HandlingData) -> Any:
        return _RecordSerializer([row.record for row in data.records], many=True).data

    @extend_schema_field(_OpinionSerializer(many=True))
    def get_opinions(self, data: HandlingData) -> Any:
        return _OpinionSerializer([row.opinion for row in data.opinions], many=True).data


# --- How an action runs ------------------------------------------------------------------------------

Body = type[serializers.Serializer]  # type: ignore[type-arg]
Check = Callable[[Any, Matter], Any]
Call = Callable[[Any, Matter, Any, dict[str, Any]], Any]
NON_FIELD_ERRORS_KEY = api_settings.NON_FIELD_ERRORS_KEY

# A service's field name that the body spells otherwise (review_decide checks `findings` as the
# opinion's `facts_reasons`).
_ALIASES = {"facts_reasons": "findings"}


def _deny_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有权限办理该事项的此项操作。"))


def _row(getter: Callable[..., Any], matter: Matter, pk: Any) -> Any:
    """A handling row of this (visible) matter, or 404 (a row of another matter is not found)."""
    try:
        return getter(matter=matter, pk=int(pk))
    except (ObjectDoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc


def _handler(user: Any, matter: Matter) -> None:
    """The organ holding the matter handles it (the pages' `require(MATTER_HANDLE, current_org)`)."""
    require(user, Action.MATTER_HANDLE, matter.current_org)


def _fitted(exc: ValidationError, fields: Iterable[str]) -> ValidationError:
    """A service's errors on the body's fields; the others (e.g. "__all__", a document's
    "context") as non-field errors — as the pages put them above the form."""
    if not hasattr(exc, "error_dict"):
        return exc  # a ServiceError: one refusal with its own code
    names = set(fields)
    fitted: dict[str, list[ValidationError]] = {}
    for name, errors in exc.error_dict.items():
        key = name if name in names else _ALIASES.get(name, NON_FIELD_ERRORS)
        fitted.setdefault(key if key in names else NON_FIELD_ERRORS, []).extend(errors)
    return ValidationError(fitted)


def _act(view: Any, request: Request, body: Body | None, check: Check, call: Call) -> Response:
    """404 unless the matter is visible (XF-CLS-03) → the page's pre-check (404 for a row of
    another matter, 403) → the body (400 per field) → lock, If-Match (412), the service."""
    matter = view.get_object()
    row = check(request.user, matter)
    data: dict[str, Any] = {}
    fields: list[str] = []
    if body is not None:
        serializer = body(data=request.data, context={"request": request, "view": view, "matter": matter})
        serializer.is_valid(raise_exception=True)
        data, fields = dict(serializer.validated_data), list(serializer.fields)

    def perform(locked: Matter) -> None:
        try:
            call(request.user, locked, row, data)
        except ValidationError as exc:
            raise _fitted(exc, fields) from exc

    return matter_write(view, request, perform)


# The codes of the refusals the services raise as one message (ServiceError and the like: no
# field), for the schema's 400 answers. Every action can meet these: a status move refused, and
# the working calendar's and the clocks' own refusals.
_COMMON_CODES = frozenset(
    {
        "invalid",
        "transition",
        "out_of_range",
        "clock",
        "clock_running",
        "clock_stopped",
        "clock_unit",
        "days",
        "pause_dates",
        "pause_overlap",
        "period",
        "start",
        "unit",
    }
)


def _validation_errors(body: Body | None, codes: Iterable[str]) -> dict[str | None, set[str]]:
    """What a 400 of the action may carry besides the body's own field errors: "invalid" on any
    field and on non_field_errors (a service's errors, `_fitted`), and the service's codes."""
    fields = list(body._declared_fields) if body is not None else []
    declared: dict[str | None, set[str]] = {name: {"invalid"} for name in (*fields, NON_FIELD_ERRORS_KEY)}
    declared[None] = set(_COMMON_CODES) | set(codes)
    return declared


def _row_id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description="The row's id (…/handling/).")


def _post(url_path: str, body: Body | None, *row_ids: str, codes: Iterable[str] = ("status",)) -> Callable[[Any], Any]:
    """An action of the matter: POST …/matters/{id}/<url_path>/, If-Match and Idempotency-Key
    honoured, answered with the matter (the view's own serializer). `codes`: the service's own
    refusal codes (ServiceError), documented in the schema."""

    return write_action(
        request=body,
        url_path=url_path,
        parameters=[_row_id(name) for name in row_ids] or None,
        validation_errors=_validation_errors(body, codes),
    )


# --- The actions ---------------------------------------------------------------------------------------


class MatterHandlingActions:
    """Handling, reply, review and closure actions of a matter (views/handling.py over the API)."""

    # Classification and procedure

    @_post("classify", MatterClassifySerializer)
    def classify(self, request: Request, pk: Any = None) -> Response:
        """依法分类处理: put the accepted matter on its track; a statutory track routes it into that
        procedure (XF-CLS-01..04, XF-DL-01)."""
        return _act(
            self,
            request,
            MatterClassifySerializer,
            _handler,
            lambda user, matter, _row, d: handling_services.matter_classify(
                actor=user,
                matter=matter,
                track=d["track"],
                receiving_body=d["receiving_body"],
                petitioner_deadline=d["petitioner_deadline"],
                note=d["note"],
            ),
        )

    @_post("procedure", MatterProcedureSerializer)
    def procedure(self, request: Request, pk: Any = None) -> Response:
        """Choose the simplified procedure or convert back to the ordinary one; the handling period
        is recomputed (XF-SIMP-03..09)."""
        return _act(
            self,
            request,
            MatterProcedureSerializer,
            _handler,
            lambda user, matter, _row, d: handling_services.matter_procedure_set(
                actor=user,
                matter=matter,
                procedure=d["procedure"],
                reason=d["reason"],
                paper_requested=d["paper_requested"],
            ),
        )

    # Records

    @_post("records", MatterRecordSerializer)
    def record_add(self, request: Request, pk: Any = None) -> Response:
        """A handling record or hearing; a hearing during re-review pauses its clock (XF-CLS-04(6),
        XF-HDL-04, XF-REV-05; DOC-08 with issue_notice)."""
        return _act(
            self,
            request,
            MatterRecordSerializer,
            _handler,
            lambda user, matter, _row, d: handling_services.handling_record_add(actor=user, matter=matter, **d),
        )

    # Extension

    @_post("extensions", MatterExtensionRequestSerializer, codes=("status", "simplified", "no_clock", "overdue"))
    def extension_request(self, request: Request, pk: Any = None) -> Response:
        """Ask the organ's head to extend the 60-day period: once, at most 30 days (XF-DL-02)."""
        return _act(
            self,
            request,
            MatterExtensionRequestSerializer,
            _handler,
            lambda user, matter, _row, d: handling_services.extension_request(
                actor=user, matter=matter, days=d["days"], reason=d["reason"]
            ),
        )

    @_post(
        r"extensions/(?P<extension_id>[0-9]+)/decide",
        MatterExtensionDecideSerializer,
        "extension_id",
        codes=("decided", "status", "simplified", "no_clock", "overdue", "second"),
    )
    def extension_decide(self, request: Request, pk: Any = None, extension_id: Any = None) -> Response:
        """The head of the organ approves (the clock moves, DOC-04 is issued) or refuses (XF-DL-02)."""

        def check(user: Any, matter: Matter) -> Extension:
            extension: Extension = _row(extension_of, matter, extension_id)
            require(user, Action.MATTER_APPROVE, extension.organisation)
            return extension

        return _act(
            self,
            request,
            MatterExtensionDecideSerializer,
            check,
            lambda user, _matter, extension, d: handling_services.extension_decide(
                actor=user, extension=extension, approve=d["approve"], note=d["note"]
            ),
        )

    # Opinion and delivery

    @_post("opinions", MatterOpinionSerializer)
    def opinion_issue(self, request: Request, pk: Any = None) -> Response:
        """信访处理意见书 (DOC-05): request, facts and reasons, opinion, legal basis, one of the three
        outcomes and the Art. 27 principle (XF-OPN-01..03, XF-HDL-01). The handling clock stops."""
        return _act(
            self,
            request,
            MatterOpinionSerializer,
            _handler,
            lambda user, matter, _row, d: handling_services.opinion_issue(actor=user, matter=matter, **d),
        )

    @_post(
        r"opinions/(?P<opinion_id>[0-9]+)/deliver",
        MatterDeliverSerializer,
        "opinion_id",
        codes=("delivered", "no_document"),
    )
    def opinion_deliver(self, request: Request, pk: Any = None, opinion_id: Any = None) -> Response:
        """送达 of an opinion: its date starts the petitioner's 30-day window for review or
        re-review (XF-REV-01/03); by hand or post the delivery receipt is issued."""

        def check(user: Any, matter: Matter) -> Opinion:
            opinion: Opinion = _row(opinion_of, matter, opinion_id)
            require(user, Action.MATTER_HANDLE, opinion.organisation)
            return opinion

        return _act(
            self,
            request,
            MatterDeliverSerializer,
            check,
            lambda user, _matter, opinion, d: handling_services.opinion_deliver(actor=user, opinion=opinion, **d),
        )

    # Mediation

    @_post("mediations", MatterMediationReferSerializer)
    def mediation_refer(self, request: Request, pk: Any = None) -> Response:
        """访调对接: a grievance goes to a mediation organisation with both sides' consent (XF-OPN-04)."""
        return _act(
            self,
            request,
            MatterMediationReferSerializer,
            _handler,
            lambda user, matter, _row, d: handling_services.mediation_refer(actor=user, matter=matter, **d),
        )

    @_post(
        r"mediations/(?P<referral_id>[0-9]+)/result",
        MatterMediationResultSerializer,
        "referral_id",
        codes=("decided", "status"),
    )
    def mediation_result(self, request: Request, pk: Any = None, referral_id: Any = None) -> Response:
        """The mediation's result: an agreement concludes the matter, none returns it to handling
        (XF-OPN-04). The holding organ or the mediation organisation records it."""

        def check(user: Any, matter: Matter) -> MediationReferral:
            referral: MediationReferral = _row(mediation_of, matter, referral_id)
            _deny_unless(may_record_mediation(user, matter, referral))
            return referral

        return _act(
            self,
            request,
            MatterMediationResultSerializer,
            check,
            lambda user, _matter, referral, d: handling_services.mediation_result_record(
                actor=user, referral=referral, **d
            ),
        )

    # Review and re-review

    @_post("reviews", MatterReviewRequestSerializer, codes=("status", "no_opinion", "repeated", "not_delivered"))
    def review_request(self, request: Request, pk: Any = None) -> Response:
        """Register a request for review or re-review received by a body one level above the
        contested opinion's organ, within 30 days of its delivery (XF-REV-01/03; late: XF-REV-07).
        In time, that body holds the matter from now on."""

        def check(user: Any, matter: Matter) -> None:
            contested = contested_opinion(matter=matter, stage=review_stage_next(matter=matter))
            if contested is None:
                # Nothing to contest yet: the service says so; only who may never register one is refused.
                _deny_unless(user_can(user, Action.MATTER_REGISTER) or user_can(user, Action.MATTER_HANDLE))
            else:
                _deny_unless(bool(review_bodies_for(user=user, opinion=contested)))

        return _act(
            self,
            request,
            MatterReviewRequestSerializer,
            check,
            lambda user, matter, _row, d: review_services.review_request(actor=user, matter=matter, **d),
        )

    @_post(
        r"reviews/(?P<review_id>[0-9]+)/decide", MatterReviewDecideSerializer, "review_id", codes=("decided", "status")
    )
    def review_decide(self, request: Request, pk: Any = None, review_id: Any = None) -> Response:
        """复查意见书 / 复核意见书 (DOC-06/07) by the body that received the request (XF-REV-02/04); the
        re-review opinion is final (XF-REV-06)."""

        def check(user: Any, matter: Matter) -> Review:
            review: Review = _row(review_of, matter, review_id)
            require(user, Action.MATTER_HANDLE, review.organisation)
            return review

        return _act(
            self,
            request,
            MatterReviewDecideSerializer,
            check,
            lambda user, _matter, review, d: review_services.review_decide(actor=user, review=review, **d),
        )

    @_post(r"reviews/(?P<review_id>[0-9]+)/accept", None, "review_id", codes=("decided", "no_acceptance_step"))
    def review_accept(self, request: Request, pk: Any = None, review_id: Any = None) -> Response:
        """The body records its acceptance of the request within the configured working days
        (XF-REV-08, a provincial overlay: refused unless the acceptance clock runs). No body."""

        def check(user: Any, matter: Matter) -> Review:
            review: Review = _row(review_of, matter, review_id)
            require(user, Action.MATTER_HANDLE, review.organisation)
            return review

        return _act(
            self,
            request,
            None,
            check,
            lambda user, _matter, review, _d: review_services.review_accept(actor=user, review=review),
        )

    # Closure

    @_post("conclude", MatterConcludeSerializer)
    def conclude(self, request: Request, pk: Any = None) -> Response:
        """办结: a matter on its own track, routed into a statutory procedure, or whose opinion has
        been delivered (XF-OPN-01, XF-REV-01)."""
        return _act(
            self,
            request,
            MatterConcludeSerializer,
            _handler,
            lambda user, matter, _row, d: handling_services.matter_conclude(actor=user, matter=matter, note=d["note"]),
        )

    @_post("terminate", MatterTerminateSerializer)
    def terminate(self, request: Request, pk: Any = None) -> Response:
        """终结 with the termination record (DOC-11): by law, or once the review window has passed
        without a request (XF-END-01, XF-REV-07)."""
        return _act(
            self,
            request,
            MatterTerminateSerializer,
            _handler,
            lambda user, matter, _row, d: handling_services.matter_terminate(actor=user, matter=matter, **d),
        )

    @_post("withdraw", MatterWithdrawSerializer)
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        """The petitioner withdraws the matter (or the review request): every clock stops."""
        return _act(
            self,
            request,
            MatterWithdrawSerializer,
            _handler,
            lambda user, matter, _row, d: handling_services.matter_withdraw(
                actor=user, matter=matter, reason=d["reason"]
            ),
        )

    # Follow-up and evaluation

    @_post("follow-ups", MatterFollowUpCreateSerializer, codes=())
    def follow_up_create(self, request: Request, pk: Any = None) -> Response:
        """A follow-up task on a concluded, terminated or final matter: counselling, conflict
        resolution, assistance (XF-END-01/02)."""
        return _act(
            self,
            request,
            MatterFollowUpCreateSerializer,
            lambda user, matter: _deny_unless(may_direct_follow_up(user, matter)),
            lambda user, matter, _row, d: handling_services.follow_up_create(actor=user, matter=matter, **d),
        )

    @_post(r"follow-ups/(?P<task_id>[0-9]+)/close", MatterFollowUpCloseSerializer, "task_id", codes=("closed",))
    def follow_up_close(self, request: Request, pk: Any = None, task_id: Any = None) -> Response:
        """Close a follow-up task with what was done (its assignee or its organisation's handlers)."""

        def check(user: Any, matter: Matter) -> FollowUpTask:
            task: FollowUpTask = _row(follow_up_of, matter, task_id)
            _deny_unless(may_close_follow_up(user, task))
            return task

        return _act(
            self,
            request,
            MatterFollowUpCloseSerializer,
            check,
            lambda user, _matter, task, d: handling_services.follow_up_close(actor=user, task=task, result=d["result"]),
        )

    @_post("evaluations", MatterEvaluationSerializer, codes=())
    def evaluate(self, request: Request, pk: Any = None) -> Response:
        """The petitioner's evaluation of acceptance or handling, recorded by staff; dissatisfaction
        opens a follow-up visit (XF-SAT-01/02)."""
        return _act(
            self,
            request,
            MatterEvaluationSerializer,
            lambda user, matter: _deny_unless(may_evaluate(user, matter)),
            lambda user, matter, _row, d: handling_services.evaluation_record(actor=user, matter=matter, **d),
        )

    # Reading the rows

    @extend_schema(responses=HandlingStateSerializer)
    @action(detail=True, methods=["get"], url_path="handling")
    def handling(self, request: Request, pk: Any = None) -> Response:
        """The matter's handling rows (track, records, extensions, opinions, reviews, mediation
        referrals, follow-up tasks, evaluations) with their ids and states, and the matter's ETag."""
        matter = self.get_object()  # type: ignore[attr-defined]
        return with_etag(Response(HandlingStateSerializer(handling_data(matter=matter)).data), matter)
