"""GeoReport v2 errors: an array of `{code, description}` with the HTTP status — 403 for a missing
or wrong api_key, 404 for what does not exist, 400 for anything else that cannot be done (and 413
for a body too large, 429 over a rate limit, 503 when no organisation registers petitions). The
descriptions are translated (Accept-Language or `?locale=`). Field errors say which field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status

from xinfang.portal.credentials import PortalUnavailableError

from .renderers import GeoReportResponse


class Open311Error(exceptions.APIException):
    """An error with the GeoReport status and one or more descriptions."""

    def __init__(self, status_code: int, *descriptions: str) -> None:
        self.status_code = status_code
        self.descriptions = [str(d) for d in descriptions]
        super().__init__(detail="; ".join(self.descriptions))


class KeyRequired(exceptions.NotAuthenticated):
    default_detail = gettext_lazy("缺少 api_key：请使用已登记客户端的密钥。")


class KeyInvalid(exceptions.AuthenticationFailed):
    default_detail = gettext_lazy("api_key 无效或已停用。")


def _flatten(detail: Any, field: str = "") -> list[str]:
    """DRF's error detail (dict of lists, list, string) as "field: message" lines."""
    if isinstance(detail, dict):
        lines: list[str] = []
        for key, value in detail.items():
            name = key if key not in ("non_field_errors", "__all__") else ""
            lines += _flatten(value, name or field)
        return lines
    if isinstance(detail, list | tuple):
        return [line for part in detail for line in _flatten(part, field)]
    return [f"{field}: {detail}" if field else str(detail)]


# Intake's field names as the client knows them.
FIELD_NAMES: dict[str, str] = {
    "facts": "description",
    "request": "attribute[request]",
    "reasons": "attribute[reasons]",
    "title": "attribute[title]",
    "place_org": "address_id",
    "place_text": "address_string",
    "petitioners": "last_name",
    "petitioners.0.name": "last_name",
}


def _django_messages(exc: DjangoValidationError) -> list[str]:
    """A service's ValidationError (or ServiceError) as "field: message" lines."""
    if hasattr(exc, "error_dict"):
        lines = []
        for field, messages in exc.message_dict.items():
            name = "" if field == "__all__" else FIELD_NAMES.get(field, field)
            lines += [f"{name}: {m}" if name else str(m) for m in messages]
        return lines
    return [str(m) for m in exc.messages]


def errors_response(
    status_code: int, descriptions: list[str], headers: dict[str, str] | None = None
) -> GeoReportResponse:
    """The array of errors, all with the HTTP status as their code."""
    data = [{"code": status_code, "description": d} for d in descriptions or [_("请求无法处理。")]]
    return GeoReportResponse(data, root="errors", status=status_code, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> GeoReportResponse | None:
    """DRF's exception handler for the Open311 views; None lets anything unexpected through (500)."""
    if isinstance(exc, Open311Error):
        return errors_response(exc.status_code, exc.descriptions)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return errors_response(status.HTTP_403_FORBIDDEN, [str(exc.detail)])
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 60)
        return errors_response(
            status.HTTP_429_TOO_MANY_REQUESTS,
            [_("请求过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": wait}],
            headers={"Retry-After": str(wait)},
        )
    if isinstance(exc, exceptions.APIException):
        code = exc.status_code
        if isinstance(exc, exceptions.ValidationError):
            code = status.HTTP_400_BAD_REQUEST
        return errors_response(code, _flatten(exc.detail))
    if isinstance(exc, Http404):
        return errors_response(status.HTTP_404_NOT_FOUND, [_("未找到。")])
    if isinstance(exc, DjangoValidationError):
        return errors_response(status.HTTP_400_BAD_REQUEST, _django_messages(exc))
    if isinstance(exc, DjangoPermissionDenied):
        return errors_response(status.HTTP_403_FORBIDDEN, [str(exc) or _("没有权限。")])
    if isinstance(exc, RequestDataTooBig):
        return errors_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, [_("请求内容过大。")])
    if isinstance(exc, PortalUnavailableError):
        return errors_response(
            status.HTTP_503_SERVICE_UNAVAILABLE, [_("暂时无法受理网上信访：尚未设置登记机关。请通过其他渠道提出。")]
        )
    return None
