"""`/open311/`: the discovery document and the GeoReport v2 endpoints (`v2/`), each in JSON and
in XML by its suffix. One URL per format (not a `{format}` parameter), so each appears in the
OpenAPI schema with its own media type."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, re_path

from . import apis

app_name = "open311"


def _both(pattern: str, view: Any, name: str) -> list[URLPattern]:
    return [re_path(rf"^{pattern}\.{fmt}$", view, {"format": fmt}, name=name) for fmt in ("json", "xml")]


urlpatterns = [
    *_both(r"discovery", apis.DiscoveryApi.as_view(), "discovery"),
    *_both(r"v2/services", apis.ServiceListApi.as_view(), "services"),
    *_both(r"v2/services/(?P<service_code>[^/]+?)", apis.ServiceDefinitionApi.as_view(), "service"),
    *_both(r"v2/requests", apis.RequestListApi.as_view(), "requests"),
    *_both(r"v2/requests/(?P<service_request_id>[^/]+?)", apis.RequestDetailApi.as_view(), "request"),
]
