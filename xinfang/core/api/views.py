"""Base views: every API read goes through `Model.objects.restrict(user, action)`, the same path
as the HTML views; one record's read carries its ETag."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .etags import with_etag


class RestrictedViewSetMixin:
    """`queryset` is the base; `restrict_action` the permission action of reads (e.g. `matter.view`)."""

    restrict_action: str = ""
    request: Request

    def get_queryset(self) -> QuerySet[Any]:
        base = super().get_queryset()  # type: ignore[misc]
        if not self.restrict_action:
            raise TypeError(f"{type(self).__name__} must set restrict_action")
        return base.restrict(self.request.user, self.restrict_action)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]
        serializer = self.get_serializer(instance)  # type: ignore[attr-defined]
        return with_etag(Response(serializer.data), instance)


class RestrictedReadOnlyViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """List and retrieve, scoped to what the user may see."""


@extend_schema(exclude=True)
class NotFoundApi(APIView):
    """Any address under /api/ that no route matches (e.g. `/api/v1/documents/0.5/`, where an id is
    a whole number): the standard JSON 404, not the site's HTML page."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []

    def not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound()

    get = post = put = patch = delete = head = options = not_found
