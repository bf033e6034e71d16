"""A stricter reading of schemathesis' `positive_data_acceptance` for this API.

The built-in check wants every schema-valid request answered 2xx/401/403/404/409/429. Here a
business rule may still refuse a well-formed request with 400 (a service's ValidationError or
ServiceError: "the review window has passed", a date outside the calendar, an id that does not
exist — docs/api.md "Errors"). What must never happen is a *field validation* error on a request
the schema calls valid: that means the schema promises more than the code accepts (a missing
minimum, maxLength, enum …), which is exactly what the built-in check is there to catch."""

from __future__ import annotations

from typing import Any

# Codes DRF fields, django-filter and the paginator give when a value does not fit the field's
# type, format or bounds — i.e. what the schema should have said. Business refusals carry other
# codes or no field at all.
FIELD_VALIDATION_CODES = frozenset(
    {
        "blank",
        "date",
        "datetime",
        "empty",
        "incorrect_type",
        "invalid_choice",
        "make_aware",
        "max_decimal_places",
        "max_digits",
        "max_length",
        "max_string_length",
        "max_value",
        "min_length",
        "min_value",
        "not_a_dict",
        "not_a_list",
        "null",
        "overflow",
        "required",
    }
)
ACCEPTED = {401, 403, 404, 409, 412, 429}


class RejectedValidRequest(AssertionError):
    """A schema-valid request was refused by field validation (or with an unexpected status)."""


def schema_valid_requests_pass_field_validation(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status >= 500 or status in ACCEPTED:
        return None
    if status != 400:
        raise RejectedValidRequest(f"A schema-valid request was answered {status}.")
    try:
        body = response.json()
    except ValueError:
        raise RejectedValidRequest("A schema-valid request was answered 400 without a JSON error body.") from None
    if body.get("type") != "validation_error":
        raise RejectedValidRequest(f"A schema-valid request could not be parsed: {body}")
    offending = [
        error
        for error in body.get("errors", [])
        if error.get("attr") not in (None, "non_field_errors") and error.get("code") in FIELD_VALIDATION_CODES
    ]
    if offending:
        raise RejectedValidRequest(
            f"A schema-valid request was refused by field validation (the schema promises more): {offending}"
        )
    return None
