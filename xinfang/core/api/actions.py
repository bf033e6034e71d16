"""The one decorator for a write action on a resource: POST …/{id}/<url_path>/ with the
Idempotency-Key honoured (replays answer from the stored response), If-Match checked against the
resource's ETag, and the request body and responses documented in the schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.fields import empty

from .etags import checks_if_match
from .idempotency import idempotent


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
