"""Query parameters validated by a serializer, outside django-filter (e.g. `?year=2026` of a list
that is not a queryset). `validate_query` answers 400 per parameter in the standard format;
`query_validation_errors` is what the handler declares as `validation_errors`, so the schema
documents that 400 with the exact parameter names and error codes."""

from __future__ import annotations

from typing import Any

from drf_standardized_errors.openapi_utils import get_flat_serializer_fields, get_serializer_fields_with_error_codes
from rest_framework import serializers
from rest_framework.request import Request


def query_validation_errors(serializer_class: type[serializers.Serializer[Any]]) -> dict[str, set[str]]:
    """{parameter: error codes} of a query serializer (flat fields only)."""
    fields = get_flat_serializer_fields(serializer_class())
    return {field.name: set(field.error_codes) for field in get_serializer_fields_with_error_codes(fields)}


def validate_query(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    """The request's query parameters, validated (400 per parameter otherwise)."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)
