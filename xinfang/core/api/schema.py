"""The OpenAPI schema class: drf-standardized-errors' (error responses documented) plus the
Idempotency-Key header on creates and If-Match on writes to one record, and the error answers
these bring (409 and the key's 400 errors; 412), 403 on every write (a service may refuse the
caller), and the validation codes a handler declares in `validation_errors` (a service's refusals
that are not a field's: `{None: {"status", …}}`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_standardized_errors.openapi import AutoSchema as ErrorsAutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from .errors import IdempotencyConflict, PreconditionFailed


def _client_error_serializer(status: int, code: str) -> type[serializers.Serializer]:  # type: ignore[type-arg]
    """`{"type": "client_error", "errors": [{"code": <code>, "detail": "…", "attr": null}]}`."""
    error = type(
        f"Error{status}Serializer",
        (serializers.Serializer,),
        {
            "code": serializers.ChoiceField(choices=[(code, code)]),
            "detail": serializers.CharField(),
            "attr": serializers.CharField(allow_null=True),
            "Meta": type("Meta", (), {"ref_name": f"Error{status}"}),
        },
    )
    return type(
        f"ErrorResponse{status}Serializer",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=ClientErrorEnum.choices),
            "errors": error(many=True),
            "Meta": type("Meta", (), {"ref_name": f"ErrorResponse{status}"}),
        },
    )


ERROR_409 = _client_error_serializer(409, str(IdempotencyConflict.default_code))
ERROR_412 = _client_error_serializer(412, str(PreconditionFailed.default_code))
# What idempotency._valid_key accepts (printable, 1-255 characters once stripped), as header text.
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]*[!-~][ -~]*$"}
IDEMPOTENCY_KEY_ERRORS = {"Idempotency-Key": {"invalid_idempotency_key", "idempotency_key_reused"}}


class AutoSchema(ErrorsAutoSchema):
    def _handler(self) -> Any:
        name = getattr(self.view, "action", None)
        handler = getattr(self.view, name, None) if name else None
        return handler if handler is not None else getattr(self.view, self.method.lower(), None)

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        handler = self._handler()
        if getattr(handler, "idempotent", False):
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    IDEMPOTENCY_KEY_SCHEMA,
                    OpenApiParameter.HEADER,
                    description=(
                        "Any unique text (≤255 characters): the same create sent again returns the first answer."
                    ),
                )
            )
        if getattr(handler, "if_match", False):
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="The ETag read earlier: refused with 412 when the record has changed since.",
                )
            )
        return parameters

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not field.allow_blank
            and field.trim_whitespace
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and not schema.get("format")
            and "pattern" not in schema
        ):
            # DRF trims before checking for blank: "  " is refused, so the text needs a visible character.
            schema["pattern"] = r"\S"
        if (
            direction == "request"
            and isinstance(field, serializers.ListField | serializers.MultipleChoiceField)
            and not field.allow_empty
            and isinstance(schema, dict)
            and schema.get("type") == "array"
        ):
            schema["minItems"] = max(schema.get("minItems", 0), 1)  # refused empty ("empty"), not documented by DRF
        return schema

    def _get_parameters(self) -> list[Any]:
        parameters = list(super()._get_parameters())
        for parameter in parameters:
            # An optional query parameter left empty counts as not given (django-filter, DRF
            # serializers, the paginator): documented, so that `?kind=` is known to be accepted.
            if parameter.get("in") == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_allowed_error_status_codes(self) -> list[str]:
        codes = list(super()._get_allowed_error_status_codes())
        handler = self._handler()
        if getattr(handler, "idempotent", False):
            codes.append("409")
        if getattr(handler, "if_match", False):
            codes.append("412")
        return codes

    def _get_error_response_serializer(self, status_code: str) -> Any:
        if status_code == "409":
            return ERROR_409
        if status_code == "412":
            return ERROR_412
        return super()._get_error_response_serializer(status_code)

    def _should_add_http403_error_response(self) -> bool:
        # Writes go through services, which refuse a caller without the right (PermissionDenied).
        return super()._should_add_http403_error_response() or self.method.upper() not in SAFE_METHODS

    def _get_extra_validation_errors(self) -> dict[str, set[str]]:
        extra: dict[Any, set[str]] = {key: set(codes) for key, codes in super()._get_extra_validation_errors().items()}
        handler = self._handler()
        declared = dict(getattr(handler, "validation_errors", {}))
        if getattr(handler, "idempotent", False):
            declared.update(IDEMPOTENCY_KEY_ERRORS)
        if self._is_list_view() and self._get_paginator() is not None:
            declared.setdefault("page_size", {"invalid"})  # pagination.Pagination refuses a bad page size
        for attr, codes in declared.items():
            extra.setdefault(attr, set()).update(codes)
        return extra
