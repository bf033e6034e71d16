"""One error format for the whole API (drf-standardized-errors):

    {"type": "validation_error", "errors": [{"code": "invalid", "detail": "…", "attr": "title"}]}

Services raise Django's ValidationError (or ServiceError, a business rule refusing the action) and
PermissionDenied with translated messages; here they become the same responses as DRF's own
errors, in the language of the request's Accept-Language."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_standardized_errors import handler
from rest_framework import exceptions, status
from rest_framework.settings import api_settings


class PreconditionFailed(exceptions.APIException):
    """The resource changed since the client read it (If-Match does not match the ETag)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("记录已被他人修改，请重新读取后再提交。")
    default_code = "precondition_failed"


class IdempotencyConflict(exceptions.APIException):
    """The same Idempotency-Key is still being processed, or was used for another request."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("相同的幂等键正在处理中，请稍后重试。")
    default_code = "idempotency_conflict"


def _detail_from_django(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        detail: dict[str, list[str]] = {}
        for field, errors in exc.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            detail.setdefault(key, []).extend(str(message) for message in errors)
        return detail
    return [str(message) for message in exc.messages]


class ExceptionHandler(handler.ExceptionHandler):
    """drf-standardized-errors' handler that also understands the services' Django exceptions."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(detail=_detail_from_django(exc), code=getattr(exc, "code", None))
        if isinstance(exc, exceptions.PermissionDenied):
            return exc
        from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

        if isinstance(exc, DjangoPermissionDenied) and exc.args and str(exc.args[0]):
            # Keep the service's own (translated) reason instead of the generic sentence.
            return exceptions.PermissionDenied(detail=str(exc.args[0]))
        return super().convert_known_exceptions(exc)
