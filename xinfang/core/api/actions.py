"""The one decorator for a write action on a resource: POST …/{id}/<url_path>/ with the
Idempotency-Key honoured (replays answer from the stored response), If-Match checked against the
resource's ETag, and the request body and responses documented in the schema. Also the pieces of a
resource over an app's services (supervision, order): `guarded` (the page's policy as the
permission), `ServiceViewSet` (restricted reads, `locked_write`, `create_with`) and `creating`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import empty
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .etags import checks_if_match, if_match_check, lock, with_etag
from .idempotency import idempotent
from .views import RestrictedViewSetMixin


def write_action(
    *,
    request: Any,
    responses: Any = empty,
    url_path: str | None = None,
    parameters: list[Any] | None = None,
    validation_errors: dict[str | None, set[str]] | None = None,
    **action_kwargs: Any,
) -> Callable[[Any], Any]:
    """Decorate a view-set method as a detail POST action. `validation_errors` lists the refusal
    codes per field that the schema documents (see core/api/schema.py). Without `responses` the
    view's own serializer documents the answer."""

    def decorate(method: Any) -> Any:
        method = checks_if_match(idempotent(method))
        if validation_errors is not None:
            method.validation_errors = validation_errors
        method = action(detail=True, methods=["post"], url_path=url_path, **action_kwargs)(method)
        return extend_schema(request=request, responses=responses, parameters=parameters)(method)

    return decorate


# Refusals the services raise as one message (ServiceError, no field): a status move refused, and
# the working calendar's and clocks' own codes. Documented in the schema's 400 answers.
SERVICE_CODES = frozenset(
    {"invalid", "transition", "clock", "clock_running", "clock_stopped", "clock_unit", "days", "out_of_range", "start"}
)


def declared_errors(body: Any, codes: Iterable[str] = ()) -> dict[str | None, set[str]]:
    """What a 400 may carry besides the body's own field errors: "invalid" on any field and on
    non_field_errors (a service's field errors, `fitted`), and the services' own codes."""
    fields = list(body._declared_fields) if body is not None else []
    declared: dict[str | None, set[str]] = {name: {"invalid"} for name in (*fields, api_settings.NON_FIELD_ERRORS_KEY)}
    declared[None] = set(SERVICE_CODES) | set(codes)
    return declared


def fitted(exc: ValidationError, fields: Iterable[str]) -> ValidationError:
    """A service's errors on the body's fields (a party's `parties.0.name` on `parties`); the
    others as non-field errors. A ServiceError (one refusal with its own code) is left as it is."""
    if not hasattr(exc, "error_dict"):
        return exc
    names = set(fields)
    by_field: dict[str, list[ValidationError]] = {}
    for name, errors in exc.error_dict.items():
        top = name.split(".", 1)[0]
        by_field.setdefault(top if top in names else NON_FIELD_ERRORS, []).extend(errors)
    return ValidationError(by_field)


def resource_action(
    url_path: str, body: Any, *, answer: Any, codes: Iterable[str] = (), responses: Any = None
) -> Callable[[Any], Any]:
    """`write_action` for an action answered with the resource (`answer`, an OpenApiResponse),
    its refusal codes documented from the body and the service codes."""
    return write_action(
        request=body,
        responses=responses or {200: answer},
        url_path=url_path,
        validation_errors=declared_errors(body, codes),
    )


class LockedWriteMixin:
    """`locked_write`: the pattern of every action on a resource — visible (404) → the body (400) →
    lock the row, If-Match (412), ONE service call (its field errors fitted to the body) → the
    resource as it is now, with its ETag. A view set using it has `get_object`, `queryset` and
    `get_serializer`."""

    def locked_write(self, request: Request, body: Any, perform: Callable[[Any, dict[str, Any]], Any]) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]
        data: dict[str, Any] = {}
        fields: list[str] = []
        if body is not None:
            serializer = body(data=request.data)
            serializer.is_valid(raise_exception=True)
            data, fields = dict(serializer.validated_data), list(serializer.fields)
        with transaction.atomic():
            locked = lock(type(instance), instance.pk)
            if_match_check(request, locked)
            try:
                perform(locked, data)
            except ValidationError as exc:
                raise fitted(exc, fields) from exc
        fresh = self.written(instance.pk)
        return with_etag(Response(self.get_serializer(fresh).data), fresh)  # type: ignore[attr-defined]

    def written(self, pk: Any) -> Any:
        """The resource after an action: through the caller's sight, or, when the action moved it
        out of it (dispatched, escalated), as its author's answer."""
        try:
            return self.get_object()  # type: ignore[attr-defined]
        except Http404:
            return self.queryset.get(pk=pk)  # type: ignore[attr-defined]


def guarded(policy: Callable[[Any], bool], message: Any) -> list[type[BasePermission]]:
    """Signed in, and the page's policy (an app's `policies.may_*`): refused with the page's
    message (403)."""

    class Allowed(BasePermission):
        def has_permission(self, request: Request, view: Any) -> bool:
            self.message = str(message)
            return bool(policy(request.user))

    return [IsAuthenticated, Allowed]


class ServiceViewSet(
    RestrictedViewSetMixin,
    LockedWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Base of a resource over an app's services: `restrict_action` reads (or the app's selectors in
    `get_queryset`), the page's policy (`guarded`), one service per write (`creating`,
    `locked_write`)."""

    def create_with(self, request: Request, body: Any, make: Callable[[Any, dict[str, Any]], Any]) -> Response:
        """The body checked, ONE service call (its field errors fitted to the body), 201 with the row."""
        serializer = body(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            created = make(request.user, dict(serializer.validated_data))
        except ValidationError as exc:
            raise fitted(exc, serializer.fields) from exc
        fresh = self.queryset.get(pk=created.pk)  # type: ignore[union-attr]
        answer = Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)
        answer["Location"] = f"{request.path.rstrip('/')}/{fresh.pk}/"
        return with_etag(answer, fresh)


def creating(
    body: Any, answer: Any, make: Callable[[Any, dict[str, Any]], Any], doc: str, codes: Iterable[str] = ()
) -> Any:
    """A resource's create (POST, Idempotency-Key honoured): `make(user, values)` is its one service call."""

    @extend_schema(request=body, responses={201: answer})
    @idempotent
    def create(self: ServiceViewSet, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.create_with(request, body, make)

    create.__doc__ = doc
    create.validation_errors = declared_errors(body, codes)  # type: ignore[attr-defined]
    return create
