"""`/api/v1/` — the router over every app's `apis.py`; `/api/schema/` (OpenAPI 3) and
`/api/docs/` (Swagger UI, served from vendored files). Apps never import this module: each app's
`apis.py` lists its resources in `ROUTES` (prefix, viewset, basename) and is found here."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from xinfang.core.api.views import NotFoundApi

router = DefaultRouter()
for config in apps.get_app_configs():
    if not config.name.startswith("xinfang.") or find_spec(f"{config.name}.apis") is None:
        continue
    for prefix, viewset, basename in getattr(import_module(f"{config.name}.apis"), "ROUTES", ()):
        router.register(prefix, viewset, basename=basename)

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Last: whatever no route matches answers the API's JSON 404, not the site's HTML page.
    re_path(r"", NotFoundApi.as_view()),
]
