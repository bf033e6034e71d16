"""Open311 GeoReport v2 (`/open311/v2/`) and its discovery document (`/open311/discovery.*`):
thin DRF views over the selectors and `open311_request_submit`, in JSON or XML as the URL's
suffix says, errors as GeoReport's array of `{code, description}`.

Privacy first: petitions are not public reports. The service list needs no key; filing and reading
need a registered client's key, and a client reads only what it filed itself (another client's
request is "not found"); reports on officials are never returned (XF-CLS-03).

No `ROUTES` here: these views have their own URLs (xinfang/open311/urls.py), not the /api/v1/
router."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from xinfang.core.api.idempotency import idempotent
from xinfang.core.ratelimit import client_address, hit
from xinfang.portal.credentials import REF_LENGTH, is_well_formed, normalise

from . import selectors
from .authentication import ApiKeyAuthentication
from .conf import client_ip_header, endpoint_type, jurisdiction_id, max_body_bytes, rate_limit
from .errors import KeyRequired, Open311Error, exception_handler
from .models import Open311Client
from .renderers import GeoReportJSONRenderer, GeoReportResponse, GeoReportXMLRenderer
from .schema import GeoReportSchema
from .serializers import (
    STATUS_VALUES,
    DiscoverySerializer,
    RequestCreatedSerializer,
    RequestCreateSerializer,
    RequestsQuerySerializer,
    ServiceDefinitionSerializer,
    ServiceRequestSerializer,
    ServiceSerializer,
    attribute_field,
    form_values,
    petitioner_name,
)
from .services import RequestData, open311_request_submit

TAGS = ["open311"]
LOCALES = {
    "zh-hans": "zh-hans",
    "zh-cn": "zh-hans",
    "zh-sg": "zh-hans",
    "zh": "zh-hans",
    "zh-hant": "zh-hant",
    "zh-tw": "zh-hant",
    "zh-hk": "zh-hant",
    "zh-mo": "zh-hant",
    "en": "en",
}
MAX_IDS = 1000

# Any value is accepted: zh-hans, zh-hant, en (and regional forms such as zh_CN, zh-TW, en-GB) choose
# the language; anything else falls back to Accept-Language, as GeoReport clients expect.
LOCALE = OpenApiParameter(
    "locale",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="zh-hans, zh-hant or en (regional forms accepted); otherwise Accept-Language decides.",
)
JURISDICTION = OpenApiParameter("jurisdiction_id", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique text (≤255 characters): the same filing sent again returns the first answer.",
)


def documented(**kwargs: Any) -> Any:
    """@extend_schema on a view method, built on GeoReportSchema (not the project's default
    schema class, whose error bodies are the /api/v1/ format)."""

    def decorator(handler: Any) -> Any:
        handler.schema = GeoReportSchema
        return extend_schema(tags=TAGS, **kwargs)(handler)

    return decorator


# GeoReport's error body: an array of {code, description} (inline: spectacular wraps lists in
# arrays only for 2xx answers).
ERRORS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ERRORS_SCHEMA, description="GeoReport errors") for code in codes}


def _locale(request: HttpRequest) -> str | None:
    """`?locale=` (zh-hans, zh-hant, en and their regional forms), else None (Accept-Language)."""
    raw = str(request.GET.get("locale", "")).strip().lower().replace("_", "-")
    if raw.startswith("en-"):
        raw = "en"
    return LOCALES.get(raw)


class SuffixNegotiation(DefaultContentNegotiation):
    """The URL's suffix decides the format, whatever the Accept header says (no 406)."""

    def select_renderer(self, request: Request, renderers: list[Any], format_suffix: str | None = None) -> Any:
        for renderer in renderers:
            if renderer.format == (format_suffix or "json"):
                return renderer, renderer.media_type
        return renderers[0], renderers[0].media_type


def service_requests_root(handler: Any) -> Any:
    """An answer replayed for an Idempotency-Key is a plain Response: give it the XML root."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Any:
        response = handler(view, request, *args, **kwargs)
        if not isinstance(response, GeoReportResponse):
            response.xml_root, response.xml_item = "service_requests", "request"
        return response

    return wrapper


class IsClient(BasePermission):
    """Filing and reading need a registered client's api_key (403 in GeoReport terms)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, Open311Client):
            raise KeyRequired()
        return True


class GeoReportApi(APIView):
    """What every Open311 view shares: the api_key, the two formats, GeoReport errors, the locale,
    the body size limit, the jurisdiction and the rate limits per address and per client."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes: list[type[BasePermission]] = []
    renderer_classes = [GeoReportJSONRenderer, GeoReportXMLRenderer]
    parser_classes = [FormParser, JSONParser]
    content_negotiation_class = SuffixNegotiation
    throttle_classes: list[Any] = []
    schema = GeoReportSchema()
    operation_names: dict[str, str] = {}

    def get_exception_handler(self) -> Any:
        return exception_handler

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        language = _locale(request)
        if language is None:
            return super().dispatch(request, *args, **kwargs)
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before anything reads the body (the api_key may be in it).
        self.format_kwarg = self.get_format_suffix(**kwargs)
        length = str(request.META.get("CONTENT_LENGTH") or "0")
        if length.isdigit() and int(length) > max_body_bytes():
            raise Open311Error(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                _("请求内容过大：不超过 %(limit)d 字节。") % {"limit": max_body_bytes()},
            )
        self._limit("address", client_address(request, header=client_ip_header()))
        super().initial(request, *args, **kwargs)
        wanted = jurisdiction_id()
        given = str(request.query_params.get("jurisdiction_id", "") or "")
        if not given and request.method == "POST" and hasattr(request.data, "get"):
            given = str(request.data.get("jurisdiction_id", "") or "")
        if wanted and given and given != wanted:
            raise Open311Error(status.HTTP_404_NOT_FOUND, _("jurisdiction_id 不存在。"))
        if isinstance(request.auth, Open311Client):
            if request.method == "POST":
                self._limit("filing", str(request.auth.pk), (request.auth.requests_per_hour, 60 * 60))
            else:
                self._limit("read", str(request.auth.pk))

    def _limit(self, scope: str, subject: str, limit: tuple[int, int] | None = None) -> None:
        count, window = limit or rate_limit(scope)
        if hit(f"open311:{scope}", subject, limit=count, window=window):
            raise exceptions.Throttled(wait=window)


# --- Discovery and services --------------------------------------------------------------------------


def _endpoint_url(request: Request) -> str:
    path = reverse("open311:services", kwargs={"format": "json"}).rsplit("/services.json", 1)[0]
    base = str(getattr(settings, "XINFANG_PUBLIC_URL", "") or "").rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


class DiscoveryApi(GeoReportApi):
    """Service discovery: where the GeoReport v2 endpoint is, its formats, whom to ask for a key."""

    operation_names = {"GET": "open311_discovery"}

    @documented(
        summary="Service discovery (Open311)",
        parameters=[LOCALE],
        responses={200: DiscoverySerializer, **_errors(403, 429)},
    )
    def get(self, request: Request, format: str | None = None) -> GeoReportResponse:
        changed = selectors.changeset()
        data = {
            "changeset": changed,
            "contact": selectors.contact_line(),
            "key_service": _(
                "API 密钥由系统管理员在管理后台或用 open311_client_create 命令为登记的应用创建；请联系上述机关。"
            ),
            "endpoints": [
                {
                    "specification": selectors.SPECIFICATION,
                    "url": _endpoint_url(request),
                    "changeset": changed,
                    "type": endpoint_type(),
                    "formats": list(selectors.FORMATS),
                }
            ],
        }
        return GeoReportResponse(data, root="discovery")


class ServiceListApi(GeoReportApi):
    """The services offered: the active matter types of the power list (no key needed)."""

    operation_names = {"GET": "open311_services_list"}

    @documented(
        summary="GET Service List: the matter types offered",
        parameters=[LOCALE, JURISDICTION],
        responses={200: ServiceSerializer(many=True), **_errors(400, 403, 404, 429)},
    )
    def get(self, request: Request, format: str | None = None) -> GeoReportResponse:
        return GeoReportResponse(selectors.service_list(), root="services")


class ServiceDefinitionApi(GeoReportApi):
    """What a petition of this service asks for: request, reasons, residence and title as attributes."""

    operation_names = {"GET": "open311_service_definition"}

    @documented(
        summary="GET Service Definition: the attributes a petition asks for",
        parameters=[
            OpenApiParameter("service_code", OpenApiTypes.STR, OpenApiParameter.PATH),
            LOCALE,
            JURISDICTION,
        ],
        responses={200: ServiceDefinitionSerializer, **_errors(400, 403, 404, 429)},
    )
    def get(self, request: Request, service_code: str, format: str | None = None) -> GeoReportResponse:
        matter_type = selectors.service_type(service_code)
        if matter_type is None:
            raise Open311Error(status.HTTP_404_NOT_FOUND, _("service_code 不存在。"))
        return GeoReportResponse(selectors.service_definition(matter_type), root="service_definition")


# --- Requests ------------------------------------------------------------------------------------------


def _when(raw: str, field: str, *, end: bool = False) -> datetime.datetime:
    """A W3C date-time (with or without offset: without, the installation's time zone) or a date
    (its start, or for end_date its end)."""
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        if day is None:
            raise Open311Error(
                status.HTTP_400_BAD_REQUEST,
                _("%(field)s 格式不正确：应为 W3C 日期时间，如 2026-01-01T00:00:00+08:00。") % {"field": field},
            )
        moment = datetime.datetime.combine(
            day, datetime.time.max if end else datetime.time.min, tzinfo=timezone.get_current_timezone()
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=timezone.get_current_timezone())
    return moment


def _commas(raw: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))


def _filters(request: Request) -> selectors.RequestFilters:
    params = request.query_params
    ids = tuple(normalise(i) for i in _commas(str(params.get("service_request_id", ""))))
    if len(ids) > MAX_IDS:
        raise Open311Error(
            status.HTTP_400_BAD_REQUEST,
            _("service_request_id 最多 %(count)d 个。") % {"count": MAX_IDS},
        )
    if ids:
        return selectors.RequestFilters(ids=tuple(i for i in ids if is_well_formed(i, REF_LENGTH)), ids_given=True)
    start_raw, end_raw = str(params.get("start_date", "")).strip(), str(params.get("end_date", "")).strip()
    start = _when(start_raw, "start_date") if start_raw else None
    end = _when(end_raw, "end_date", end=True) if end_raw else None
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(status.HTTP_400_BAD_REQUEST, _("end_date 不能早于 start_date。"))
        if end - start > datetime.timedelta(days=selectors.DEFAULT_DAYS):
            raise Open311Error(
                status.HTTP_400_BAD_REQUEST,
                _("start_date 与 end_date 相隔不能超过 %(days)d 天。") % {"days": selectors.DEFAULT_DAYS},
            )
    statuses = _commas(str(params.get("status", "")).lower())
    if any(s not in STATUS_VALUES for s in statuses):
        raise Open311Error(status.HTTP_400_BAD_REQUEST, _("status 只能是 open 或 closed。"))
    return selectors.RequestFilters(
        service_codes=_commas(str(params.get("service_code", ""))), start=start, end=end, statuses=statuses
    )


def _request_data(values: dict[str, Any]) -> RequestData:
    code = str(values.get("service_code", "")).strip()
    if not code:
        raise Open311Error(status.HTTP_400_BAD_REQUEST, _("缺少 service_code。"))
    matter_type = selectors.service_type(code)
    if matter_type is None:
        raise Open311Error(status.HTTP_404_NOT_FOUND, _("service_code 不存在。"))
    serializer = RequestCreateSerializer(data=values)
    serializer.is_valid(raise_exception=True)
    checked = serializer.validated_data
    return RequestData(
        matter_type=matter_type,
        name=petitioner_name(checked.get("first_name", ""), checked.get("last_name", "")),
        phone=checked["phone"],
        residence=checked[attribute_field("residence")],
        facts=checked["description"],
        request=checked[attribute_field("request")],
        reasons=checked.get(attribute_field("reasons"), ""),
        title=checked.get(attribute_field("title"), ""),
        place=checked.get("address_id"),
        address_string=checked.get("address_string", ""),
        latitude=checked.get("lat"),
        longitude=checked.get("long"),
        media_url=checked.get("media_url", ""),
    )


class RequestListApi(GeoReportApi):
    """File a petition (POST), or list the requests this client filed (GET); the client's key is required."""

    permission_classes = [IsClient]
    operation_names = {"GET": "open311_requests_list", "POST": "open311_requests_create"}

    @documented(
        summary="GET Service Requests: the requests this client filed",
        parameters=[LOCALE, RequestsQuerySerializer],
        responses={200: ServiceRequestSerializer(many=True), **_errors(400, 403, 404, 429)},
    )
    def get(self, request: Request, format: str | None = None) -> GeoReportResponse:
        client = request.auth
        assert isinstance(client, Open311Client)
        found = selectors.client_request_list(client=client, filters=_filters(request))
        return GeoReportResponse(selectors.request_rows(found), root="service_requests")

    @documented(
        summary="POST Service Request: file a petition",
        parameters=[LOCALE, IDEMPOTENCY_KEY],
        request={
            "application/x-www-form-urlencoded": RequestCreateSerializer,
            "application/json": RequestCreateSerializer,
        },
        responses={201: RequestCreatedSerializer(many=True), **_errors(400, 403, 404, 409, 413, 415, 429, 503)},
    )
    @service_requests_root
    @idempotent
    def post(self, request: Request, format: str | None = None) -> GeoReportResponse:
        client = request.auth
        assert isinstance(client, Open311Client)
        created = open311_request_submit(client=client, data=_request_data(form_values(request.data)))
        ref = created.matter.public_ref or ""
        body = [
            {
                "service_request_id": ref,
                "service_notice": selectors.submit_notice(created),
                "account_id": None,
            }
        ]
        location = reverse("open311:request", kwargs={"service_request_id": ref, "format": format or "json"})
        return GeoReportResponse(
            body, root="service_requests", status=status.HTTP_201_CREATED, headers={"Location": location}
        )


class RequestDetailApi(GeoReportApi):
    """One request this client filed; another client's is "not found"."""

    permission_classes = [IsClient]
    operation_names = {"GET": "open311_request_detail"}

    @documented(
        summary="GET Service Request: one request this client filed",
        parameters=[
            OpenApiParameter("service_request_id", OpenApiTypes.STR, OpenApiParameter.PATH),
            LOCALE,
            JURISDICTION,
        ],
        responses={200: ServiceRequestSerializer(many=True), **_errors(400, 403, 404, 429)},
    )
    def get(self, request: Request, service_request_id: str, format: str | None = None) -> GeoReportResponse:
        client = request.auth
        assert isinstance(client, Open311Client)
        found = selectors.client_request(client=client, public_ref=normalise(service_request_id))
        if found is None:
            raise Open311Error(status.HTTP_404_NOT_FOUND, _("service_request_id 不存在。"))
        return GeoReportResponse(selectors.request_rows([found]), root="service_requests")
