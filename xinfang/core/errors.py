"""Errors that services raise. Views turn them into translated messages; nothing is half-written
because services raise before (or roll back) their single transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

__all__ = ["PermissionDenied", "ServiceError", "ValidationError", "put_errors"]


class ServiceError(ValidationError):
    """A business rule refused the action. The message is translated and may cite a rule id."""


def put_errors(form: Any, exc: ValidationError) -> None:
    """A service's errors on a form: next to the form's fields, the rest above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def clean_text(value: str | None, field: str, required_message: str = "", *, max_chars: int = 5000) -> str:
    """A service's free-text input, stripped: refused on `field` when required (a non-empty
    `required_message`) and empty, or longer than `max_chars` — the same rule and words everywhere."""
    text = (value or "").strip()
    if required_message and not text:
        raise ValidationError({field: required_message}, code="required")
    if len(text) > max_chars:
        raise ValidationError({field: _("不超过 %(max)s 个字。") % {"max": max_chars}}, code="max_length")
    return text
