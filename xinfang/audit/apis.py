"""The audit log over the API, read-only: events through `AuditEvent.objects.restrict(user,
"audit.view")` by `org_id`, as on the HTML audit page (bureau heads, supervisors, leaders and
congress overseers read their area; system administrators everything, including events of no
organisation), with the page's filters. `GET /api/v1/audit-events/verify/` walks the whole hash
chain (`chain.verify_rows`, what `manage.py audit_verify` does) for those whose audit.view reaches
everything: the answer says whether the chain holds and where it first breaks, nothing else."""

from __future__ import annotations

import re
from contextlib import nullcontext
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.accounts.policies import organisation_scope
from xinfang.accounts.roles import Action
from xinfang.core.api.filters import FilterSet, IntegerFilter, UtcDateTimeFilter
from xinfang.core.api.views import RestrictedReadOnlyViewSet
from xinfang.core.ids import id_from_text

from .chain import HASHED_FIELDS, verify_rows
from .models import AuditEvent

VERIFY_CHUNK = 2000  # rows per round trip while walking the chain
MAX_ANCHORS = 50


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor_id",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "org_id",
            "summary",
            "request_id",
            "prev_hash",
            "hash",
        ]


class AuditEventFilter(FilterSet):
    action = filters.CharFilter(
        field_name="action", lookup_expr="startswith", help_text='A prefix: "org." finds every organisation event.'
    )
    org = IntegerFilter(field_name="org_id", help_text="Events of this organisation (by id).")
    actor = filters.CharFilter(method="filter_actor", help_text="Part of the actor's name, or the actor's id.")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id"]

    def filter_actor(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        # As the HTML page's filter (selectors.audit_event_list).
        condition = Q(actor_label__icontains=value)
        if (actor_id := id_from_text(value)) is not None:
            condition |= Q(actor_id=actor_id)
        return queryset.filter(condition)


class ChainBreakSerializer(serializers.Serializer[Any]):
    event_id = serializers.IntegerField()
    problem = serializers.ChoiceField(
        choices=[("prev_hash", "prev_hash"), ("hash", "hash"), ("anchor", "anchor")],
        help_text="prev_hash: a row deleted, inserted or re-linked; hash: a row altered; anchor: re-computed chain.",
    )
    expected = serializers.CharField()
    found = serializers.CharField()


class ChainResultSerializer(serializers.Serializer[Any]):
    intact = serializers.BooleanField()
    count = serializers.IntegerField(help_text="Events verified before the first break (all when intact).")
    head_id = serializers.IntegerField(allow_null=True)
    head_hash = serializers.CharField()
    broken = ChainBreakSerializer(allow_null=True)


ANCHOR = re.compile(r"^(\d{1,18}):([0-9a-fA-F]{64})$")


def _anchors(values: list[str]) -> dict[int, str]:
    """`ID:HASH` pairs (400 on the first malformed one)."""
    if len(values) > MAX_ANCHORS:
        raise exceptions.ValidationError(
            {"anchor": [_("最多可提供 %(max)s 个锚点。") % {"max": MAX_ANCHORS}]}, code="invalid"
        )
    anchors = {}
    for value in filter(None, values):  # an empty parameter counts as not given
        match = ANCHOR.match(value)
        if match is None:
            raise exceptions.ValidationError(
                {"anchor": [_("锚点应写作“编号:哈希”，哈希为 64 位十六进制数。")]}, code="invalid"
            )
        anchors[int(match.group(1))] = match.group(2).lower()
    return anchors


class ReadsEverything(BasePermission):
    """Audit.view over every organisation (system administrators): only they may walk the chain."""

    message = gettext_lazy("只有可查看全部审计日志的人员才能校验审计链。")

    def has_permission(self, request: Request, view: Any) -> bool:
        return organisation_scope(request.user, Action.AUDIT_VIEW).everything


class AuditEventApi(RestrictedReadOnlyViewSet):
    """Audit events the caller may read, newest first."""

    queryset = AuditEvent.objects.order_by("-id")
    restrict_action = Action.AUDIT_VIEW
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    ordering_fields = ["id", "created_at"]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "anchor",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                many=True,
                pattern=r"^\d{1,18}:[0-9a-fA-F]{64}$",
                description="ID:HASH of an event recorded earlier outside the database (repeatable): "
                "detects a chain re-computed after tampering.",
            )
        ],
        responses={200: ChainResultSerializer},
        summary="Verify the audit log's hash chain",
    )
    @action(
        detail=False,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        permission_classes=[IsAuthenticated, ReadsEverything],
    )
    def verify(self, request: Request) -> Response:
        """Recompute every event's hash and link in id order; stop at the first break. Only for
        readers whose audit.view reaches every organisation (system administrators)."""
        anchors = _anchors(request.query_params.getlist("anchor"))
        rows = (
            AuditEvent.objects.order_by("id")
            .values_list("id", "prev_hash", "hash", *HASHED_FIELDS)
            .iterator(chunk_size=VERIFY_CHUNK)
        )
        # As audit_verify: PostgreSQL streams through a server-side cursor only inside a
        # transaction, and a walk stopped at a break must close that cursor inside it.
        in_transaction = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
        with in_transaction:
            try:
                result = verify_rows(rows, anchors=anchors)
            finally:
                rows.close()  # type: ignore[attr-defined]
        broken = result.broken
        return Response(
            ChainResultSerializer(
                {
                    "intact": broken is None,
                    "count": result.count,
                    "head_id": result.head_id,
                    "head_hash": result.head_hash,
                    "broken": None
                    if broken is None
                    else {
                        "event_id": broken.event_id,
                        "problem": broken.problem,
                        "expected": broken.expected,
                        "found": broken.found,
                    },
                }
            ).data
        )

    verify.validation_errors = {"anchor": {"invalid"}}  # type: ignore[attr-defined]


ROUTES = [("audit-events", AuditEventApi, "audit-event")]
