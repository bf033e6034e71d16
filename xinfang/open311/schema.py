"""The Open311 views in the OpenAPI schema (drf-spectacular): the api_key scheme, and one operation
per format — `services.json` answers application/json, `services.xml` text/xml — named
`<view's operation name>_<format>`. Error bodies are GeoReport's array (declared on each view)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "xinfang.open311.authentication.ApiKeyAuthentication"
    name = "open311ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "query", "name": "api_key"}


class GeoReportSchema(AutoSchema):
    def _format(self) -> str:
        return "xml" if self.path.endswith(".xml") else "json"

    def get_operation_id(self) -> str:
        names: dict[str, str] = getattr(self.view, "operation_names", {})
        base = names.get(self.method.upper()) or super().get_operation_id()
        return f"{base}_{self._format()}"

    def map_renderers(self, attribute: str) -> Any:
        """Only the suffix's renderer (so no `?format=` parameter either)."""
        if attribute == "format":
            wanted = self._format()
        else:
            wanted = "text/xml" if self._format() == "xml" else "application/json"
        mapped = super().map_renderers(attribute)
        return [m for m in mapped if m == wanted] or mapped

    def get_auth(self) -> list[dict[str, list[Any]]]:
        """Discovery and the service list need no key: say so ({} = anonymous allowed)."""
        auth = list(super().get_auth())
        if not self.view.get_permissions() and {} not in auth:
            auth.append({})
        return auth
