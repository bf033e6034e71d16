"""Supervision and accountability over the API (docs/api.md "Supervision"). Reads go through the
same `restrict()` paths as the supervision pages (`selectors.py`): orders through `matter.supervise`
or `matter.handle` (`selectors.order_visible`), referrals through `accountability.manage`,
accountability records through `accountability.view` (never shown to the official or the unit
concerned, XF-CLS-03, in the models' `restrict_further`), meetings through `conference.manage`.
A caller whom the page's policy refuses (`policies.may_*`) gets 403, a row outside the caller's
sight 404. Each write calls ONE service of `supervision.services` — the one the page calls, which
keeps every permission and state check; actions lock the row and honour If-Match."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.accounts.models import User
from xinfang.accounts.roles import Action
from xinfang.core.api.actions import ServiceViewSet, creating, guarded, resource_action
from xinfang.core.api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from xinfang.core.api.filters import FilterSet, IntegerFilter
from xinfang.core.api.views import RestrictedViewSetMixin
from xinfang.orgs.models import Organisation
from xinfang.petitions.models import Matter
from xinfang.powerlist.models import MatterType

from . import policies, selectors, services, states
from .models import AccountabilityRecord, Meeting, MeetingDecision, Referral, ReferralObjection, SupervisionOrder

TEXT = 5000  # services' clean_text default

# --- Reads ---------------------------------------------------------------------------------------


class SupervisionOrderSerializer(serializers.ModelSerializer[SupervisionOrder]):
    outcome = serializers.ChoiceField(
        choices=states.CloseOutcome.choices, allow_blank=True, read_only=True, help_text="Blank until closed."
    )
    escalations = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="The listed orders (挂牌督办) this order was escalated to."
    )

    class Meta:
        model = SupervisionOrder
        fields = [
            "id",
            "number",
            "kind",
            "issuing_org",
            "target_org",
            "matter",
            "trigger",
            "demands",
            "period",
            "unit",
            "due_date",
            "status",
            "answer",
            "adopted",
            "answered_at",
            "answered_by",
            "outcome",
            "close_note",
            "closed_at",
            "parent",
            "escalation_reason",
            "escalations",
            "document",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ReferralObjectionSerializer(serializers.ModelSerializer[ReferralObjection]):
    class Meta:
        model = ReferralObjection
        fields = ["id", "objection", "explanation", "has_new_evidence", "verification", "recorded_by", "recorded_at"]
        read_only_fields = fields


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    handling_mode = serializers.ChoiceField(
        choices=states.HandlingMode.choices, allow_blank=True, read_only=True, help_text="Blank until the feedback."
    )
    objections = ReferralObjectionSerializer(many=True, read_only=True, help_text="The reporter's objections (DIS-04).")

    class Meta:
        model = Referral
        fields = [
            "id",
            "number",
            "matter",
            "sending_org",
            "discipline_org",
            "reason",
            "is_real_name",
            "is_repeat_report",
            "clock_applies",
            "content_sha256",
            "status",
            "received_at",
            "handling_mode",
            "feedback",
            "feedback_at",
            "acceptance_notice",
            "acceptance_notified_at",
            "result_notice",
            "result_notified_at",
            "last_verified_at",
            "last_verified_ok",
            "objections",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ReferralDetailSerializer(ReferralSerializer):
    content = serializers.JSONField(read_only=True, help_text="The sealed case file (its SHA-256: content_sha256).")

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "content"]
        read_only_fields = fields


class AccountabilityRecordSerializer(serializers.ModelSerializer[AccountabilityRecord]):
    class Meta:
        model = AccountabilityRecord
        fields = [
            "id",
            "organisation",
            "subject_org",
            "subject_user",
            "subject_name",
            "finding",
            "facts",
            "measure",
            "measure_note",
            "decided_on",
            "matter",
            "order",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class MeetingDecisionSerializer(serializers.ModelSerializer[MeetingDecision]):
    reference = serializers.CharField(read_only=True, help_text="Date, meeting and number (20261015-3-1).")

    class Meta:
        model = MeetingDecision
        fields = [
            "id",
            "number",
            "reference",
            "kind",
            "text",
            "competent_org",
            "matter_type",
            "matter",
            "area",
            "is_active",
            "follow_up_due",
            "follow_up_status",
            "follow_up_note",
            "followed_up_at",
        ]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    decisions = MeetingDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organisation",
            "title",
            "held_on",
            "place",
            "attendee_orgs",
            "attendees",
            "matters",
            "minutes",
            "decisions",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


# --- Bodies --------------------------------------------------------------------------------------


def _org(**kwargs: Any) -> StrictPrimaryKeyRelatedField:
    return StrictPrimaryKeyRelatedField(queryset=Organisation.objects.all(), **kwargs)


def _optional(field: type[serializers.Field], **kwargs: Any) -> Any:  # type: ignore[type-arg]
    """An optional body field: null or absent means none."""
    return field(required=False, allow_null=True, default=None, **kwargs)


def _text(max_length: int = TEXT, **kwargs: Any) -> StrictCharField:
    return StrictCharField(max_length=max_length, **kwargs)


def _note(max_length: int = TEXT) -> StrictCharField:
    return StrictCharField(max_length=max_length, required=False, allow_blank=True, default="")


class OrderCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    issuing_org = _org(help_text="The supervising organisation (the caller holds matter.supervise there).")
    target_org = _org(help_text="The supervised organisation; on a matter, one that holds or held it.")
    trigger = serializers.ChoiceField(choices=states.Trigger.choices, help_text="XF-SUP-03.")
    demands = _text()
    kind = serializers.ChoiceField(choices=states.OrderKind.choices, required=False, default=states.OrderKind.ORDINARY)
    period = _optional(
        StrictIntegerField,
        min_value=1,
        max_value=services.MAX_PERIOD_DAYS,
        help_text="Days for the written feedback (default: the configured period, XF-SUP-05).",
    )
    matter = _optional(
        StrictPrimaryKeyRelatedField, queryset=Matter.objects.all(), help_text="A matter the caller sees."
    )


class OrderAnswerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    answer = _text()
    adopted = StrictBooleanField(help_text="Whether the demands were adopted (XF-SUP-05).")


class OrderCloseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    outcome = serializers.ChoiceField(choices=states.CloseOutcome.choices)
    note = _note()


class OrderReopenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = _text(help_text="Why the feedback is not accepted.")


class OrderEscalateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = _text(help_text="Why the order is escalated to listed supervision (XF-SUP-02).")


class ReferralCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    matter = StrictPrimaryKeyRelatedField(queryset=Matter.objects.all(), help_text="A report the caller sees (DIS-01).")
    sending_org = _org()
    discipline_org = _org(help_text="An active discipline inspection organisation.")
    reason = _text()
    is_real_name = StrictBooleanField(required=False, default=False)


class ReferralFeedbackSerializer(serializers.Serializer):  # type: ignore[type-arg]
    handling_mode = serializers.ChoiceField(choices=states.HandlingMode.choices, help_text="DIS-03.")
    feedback = _text()


class ReferralNoticeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    stage = serializers.ChoiceField(choices=states.NoticeStage.choices)
    notice = _text(help_text="What the real-name reporter was told, and how (DIS-04).")


class ReferralObjectionCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    objection = _text()
    explanation = _text()
    has_new_evidence = StrictBooleanField(required=False, default=False)
    verification = StrictCharField(
        max_length=TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the reporter brought new evidence (DIS-04).",
    )


class RecordCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = _org(help_text="The recording organisation.")
    subject_org = _org()
    subject_user = _optional(StrictPrimaryKeyRelatedField, queryset=User.objects.all())
    subject_name = _note(60)
    finding = serializers.ChoiceField(choices=states.FindingKind.choices)
    facts = _text()
    measure = serializers.ChoiceField(choices=states.Measure.choices)
    measure_note = _note()
    decided_on = serializers.DateField(help_text="Not in the future.")
    matter = _optional(StrictPrimaryKeyRelatedField, queryset=Matter.objects.all())
    order = _optional(StrictPrimaryKeyRelatedField, queryset=SupervisionOrder.objects.all())


class MeetingCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    organisation = _org(help_text="The convening organisation.")
    title = _text(120)
    held_on = serializers.DateField()
    place = _note(120)
    attendee_orgs = StrictPrimaryKeyRelatedField(
        many=True, queryset=Organisation.objects.all(), required=False, default=list
    )
    attendees = _note()
    matters = StrictPrimaryKeyRelatedField(
        many=True, queryset=Matter.objects.all(), required=False, default=list, help_text="Matters the caller sees."
    )
    minutes = _note(20000)


class MeetingDecisionCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=states.DecisionKind.choices)
    text = _text()
    competent_org = _optional(StrictPrimaryKeyRelatedField, queryset=Organisation.objects.all())
    matter_type = _optional(StrictPrimaryKeyRelatedField, queryset=MatterType.objects.all())
    matter = _optional(StrictPrimaryKeyRelatedField, queryset=Matter.objects.all())
    area = _optional(StrictPrimaryKeyRelatedField, queryset=Organisation.objects.all())
    follow_up_due = _optional(serializers.DateField)


class MeetingFollowUpSerializer(serializers.Serializer):  # type: ignore[type-arg]
    number = StrictIntegerField(min_value=1, max_value=32767, help_text="The decision's number in the meeting.")
    status = serializers.ChoiceField(choices=states.FollowUpStatus.choices)
    note = _text()
    revoke = StrictBooleanField(
        required=False, default=False, help_text="End the decision (a jurisdiction decision no longer binds routing)."
    )


# --- Shared steps --------------------------------------------------------------------------------


def _visible(user: Any, found: Any, field: str) -> Any:
    """A matter or order named in a body, only if the caller sees it (the pages' `_matter_from`)."""
    if found is None:
        return None
    seen: QuerySet[Any]
    if isinstance(found, SupervisionOrder):
        seen, message = selectors.order_visible(user), _("未找到该督办。")
    else:
        seen, message = Matter.objects.restrict(user, Action.MATTER_VIEW), _("未找到该信访事项。")
    if not seen.filter(pk=found.pk).exists():
        raise ValidationError({field: message})
    return found


class SupervisionApi(ServiceViewSet):
    """Base of the resources: `restrict_action` reads, the page's policy, one service per write."""


def _post(url_path: str, body: Any, answer: Any, codes: Iterable[str] = ()) -> Callable[[Any], Any]:
    return resource_action(url_path, body, answer=answer, codes=codes)


# --- Orders --------------------------------------------------------------------------------------


class SupervisionOrderFilter(FilterSet):
    class Meta:
        model = SupervisionOrder
        fields = ["status", "kind", "trigger", "issuing_org", "target_org", "matter"]


ORDER = OpenApiResponse(SupervisionOrderSerializer, description="The order as it is now.")


def _order_open(user: Any, values: dict[str, Any]) -> SupervisionOrder:
    _visible(user, values["matter"], "matter")
    return services.order_open(actor=user, **values)


class SupervisionOrderApi(SupervisionApi):
    """Supervision orders (督办) the caller supervises or answers (`selectors.order_visible`)."""

    queryset = (
        SupervisionOrder.objects.select_related("issuing_org", "target_org", "matter")
        .prefetch_related("escalations")
        .order_by("-created_at", "-id")
    )
    restrict_action = Action.MATTER_SUPERVISE  # with matter.handle: get_queryset
    permission_classes = guarded(policies.may_view_orders, gettext_lazy("您没有权限查看督办。"))
    serializer_class = SupervisionOrderSerializer
    filterset_class = SupervisionOrderFilter
    ordering_fields = ["created_at", "due_date", "id"]

    def get_queryset(self) -> QuerySet[SupervisionOrder]:
        """The selectors' read: visible through matter.supervise or matter.handle."""
        base = super(RestrictedViewSetMixin, self).get_queryset()  # type: ignore[misc]
        return base.filter(pk__in=selectors.order_visible(self.request.user).values("pk"))  # type: ignore[no-any-return]

    create = creating(
        OrderCreateSerializer,
        ORDER,
        _order_open,
        "发起督办 (order_open, XF-SUP-03): the deadline clock and the 督办单 in one transaction.",
    )

    @_post("answer", OrderAnswerSerializer, ORDER)
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """书面反馈 (order_answer, XF-SUP-05): by the supervised organisation (matter.handle there)."""
        return self.locked_write(
            request, OrderAnswerSerializer, lambda o, v: services.order_answer(actor=request.user, order=o, **v)
        )

    @_post("close", OrderCloseSerializer, ORDER)
    def close(self, request: Request, pk: str | None = None) -> Response:
        """办结 (order_close): the supervisor accepts an answered order."""
        return self.locked_write(
            request, OrderCloseSerializer, lambda o, v: services.order_close(actor=request.user, order=o, **v)
        )

    @_post("reopen", OrderReopenSerializer, ORDER)
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """不予认可，重新督办 (order_reopen): open again with a new period."""
        return self.locked_write(
            request, OrderReopenSerializer, lambda o, v: services.order_reopen(actor=request.user, order=o, **v)
        )

    @_post("escalate", OrderEscalateSerializer, ORDER)
    def escalate(self, request: Request, pk: str | None = None) -> Response:
        """提级挂牌督办 (order_escalate, XF-SUP-02): the answer is this order (escalated); the listed
        order is in `escalations`."""
        return self.locked_write(
            request, OrderEscalateSerializer, lambda o, v: services.order_escalate(actor=request.user, order=o, **v)
        )


# --- Referrals -----------------------------------------------------------------------------------


class ReferralFilter(FilterSet):
    class Meta:
        model = Referral
        fields = ["status", "matter", "sending_org", "discipline_org"]


REFERRAL = OpenApiResponse(ReferralSerializer, description="The referral as it is now (without the case file).")


class ReferralApi(SupervisionApi):
    """Referrals to discipline inspection (selectors.referral_list): hidden from those a report is
    about (XF-CLS-03). The sealed case file (`content`) is in the retrieve only."""

    queryset = (
        Referral.objects.select_related("matter", "sending_org", "discipline_org")
        .prefetch_related(Prefetch("objections", queryset=ReferralObjection.objects.order_by("recorded_at", "id")))
        .defer("content")
        .order_by("-created_at", "-id")
    )
    restrict_action = Action.ACCOUNTABILITY_MANAGE
    permission_classes = guarded(policies.may_manage_accountability, gettext_lazy("您没有权限查看移送纪检监察。"))
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    ordering_fields = ["created_at", "id"]

    def get_serializer_class(self) -> Any:
        return ReferralDetailSerializer if self.action == "retrieve" else ReferralSerializer

    def get_queryset(self) -> QuerySet[Referral]:
        queryset = super().get_queryset()
        return queryset.defer(None) if self.action == "retrieve" else queryset

    @extend_schema(responses={200: ReferralDetailSerializer})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The referral with its sealed case file."""
        return super().retrieve(request, *args, **kwargs)

    create = creating(
        ReferralCreateSerializer,
        REFERRAL,
        lambda user, v: services.referral_create(actor=user, **v),
        "移送纪检监察机关 (referral_create, DIS-01, DIS-02): the case file sealed by SHA-256.",
        codes=("matter_scope",),
    )

    @_post("receive", None, REFERRAL)
    def receive(self, request: Request, pk: str | None = None) -> Response:
        """登记接收 (referral_receive, DIS-03): stops the 5-working-day clock."""
        return self.locked_write(request, None, lambda r, v: services.referral_receive(actor=request.user, referral=r))

    @_post("feedback", ReferralFeedbackSerializer, REFERRAL)
    def feedback(self, request: Request, pk: str | None = None) -> Response:
        """反馈结果 (referral_feedback, DIS-03): the handling mode and the result."""
        return self.locked_write(
            request,
            ReferralFeedbackSerializer,
            lambda r, v: services.referral_feedback(actor=request.user, referral=r, **v),
        )

    @_post("verify", None, REFERRAL)
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """校验封存哈希 (referral_verify, DIS-01): `last_verified_ok` tells whether the stored case
        file still hashes to its seal."""
        return self.locked_write(request, None, lambda r, v: services.referral_verify(actor=request.user, referral=r))

    @_post("notify-reporter", ReferralNoticeSerializer, REFERRAL, codes=("not_real_name",))
    def notify_reporter(self, request: Request, pk: str | None = None) -> Response:
        """告知实名检举控告人 (referral_notify_reporter, DIS-04): of the acceptance or of the result."""
        return self.locked_write(
            request,
            ReferralNoticeSerializer,
            lambda r, v: services.referral_notify_reporter(actor=request.user, referral=r, **v),
        )

    @_post("objections", ReferralObjectionCreateSerializer, REFERRAL)
    def objections(self, request: Request, pk: str | None = None) -> Response:
        """登记异议 (referral_objection_record, DIS-04): the explanation, new evidence verified."""
        return self.locked_write(
            request,
            ReferralObjectionCreateSerializer,
            lambda r, v: services.referral_objection_record(actor=request.user, referral=r, **v),
        )


# --- Accountability records ----------------------------------------------------------------------


class AccountabilityRecordFilter(FilterSet):
    class Meta:
        model = AccountabilityRecord
        fields = ["finding", "measure", "subject_org", "organisation"]


def _record(user: Any, values: dict[str, Any]) -> AccountabilityRecord:
    _visible(user, values["matter"], "matter")
    _visible(user, values["order"], "order")
    return services.accountability_record(actor=user, **values)


class AccountabilityRecordApi(SupervisionApi):
    """Accountability records (selectors.record_list): never shown to the official or the unit
    concerned (XF-CLS-03), whatever the caller's role."""

    queryset = AccountabilityRecord.objects.select_related("organisation", "subject_org", "matter", "order").order_by(
        "-decided_on", "-id"
    )
    restrict_action = Action.ACCOUNTABILITY_VIEW
    permission_classes = guarded(policies.may_view_accountability, gettext_lazy("您没有权限查看追责问责记录。"))
    serializer_class = AccountabilityRecordSerializer
    filterset_class = AccountabilityRecordFilter
    ordering_fields = ["decided_on", "id"]

    create = creating(
        RecordCreateSerializer,
        AccountabilityRecordSerializer,
        _record,
        "登记追责问责记录 (accountability_record, XF-ACC-01..03): accountability.manage.",
    )


# --- Joint conference ----------------------------------------------------------------------------


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 9999})
class YearFilter(IntegerFilter):
    """A calendar year of a date field (a date's year is 1 to 9999)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=9999, **kwargs)


class MeetingFilter(FilterSet):
    year = YearFilter(field_name="held_on__year")

    class Meta:
        model = Meeting
        fields = ["organisation"]


MEETING = OpenApiResponse(MeetingSerializer, description="The meeting as it is now, with its decisions.")


class MeetingApi(SupervisionApi):
    """Joint conference meetings (联席会议) and their decisions (XF-JUR-01): conference.manage."""

    queryset = (
        Meeting.objects.select_related("organisation")
        .prefetch_related(
            "attendee_orgs", "matters", Prefetch("decisions", queryset=MeetingDecision.objects.order_by("number"))
        )
        .order_by("-held_on", "-id")
    )
    restrict_action = Action.CONFERENCE_MANAGE
    permission_classes = guarded(policies.may_manage_conference, gettext_lazy("您没有权限查看联席会议。"))
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    ordering_fields = ["held_on", "id"]

    create = creating(
        MeetingCreateSerializer,
        MEETING,
        lambda user, v: services.meeting_create(actor=user, **v),
        "登记联席会议 (meeting_create): attendees, the matters discussed (visible ones), minutes.",
    )

    @_post("decisions", MeetingDecisionCreateSerializer, MEETING)
    def decisions(self, request: Request, pk: str | None = None) -> Response:
        """记录会议决定 (meeting_decision_add): a jurisdiction decision binds routing (XF-JUR-01)."""

        def add(meeting: Meeting, values: dict[str, Any]) -> Any:
            _visible(request.user, values["matter"], "matter")
            return services.meeting_decision_add(actor=request.user, meeting=meeting, **values)

        return self.locked_write(request, MeetingDecisionCreateSerializer, add)

    @_post("follow-up", MeetingFollowUpSerializer, MEETING)
    def follow_up(self, request: Request, pk: str | None = None) -> Response:
        """登记落实情况 (meeting_decision_follow_up) of the decision `number`; `revoke` ends it."""

        def follow(meeting: Meeting, values: dict[str, Any]) -> Any:
            decision = meeting.decisions.filter(number=values.pop("number")).first()
            if decision is None:
                raise ValidationError({"number": _("未找到该决定。")})
            return services.meeting_decision_follow_up(actor=request.user, decision=decision, **values)

        return self.locked_write(request, MeetingFollowUpSerializer, follow)


ROUTES = [
    ("supervision-orders", SupervisionOrderApi, "supervision-order"),
    ("supervision-referrals", ReferralApi, "supervision-referral"),
    ("accountability-records", AccountabilityRecordApi, "accountability-record"),
    ("supervision-meetings", MeetingApi, "supervision-meeting"),
]
