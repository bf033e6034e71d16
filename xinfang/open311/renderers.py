"""GeoReport v2 renderers: JSON (UTF-8, declared) and XML in the specification's shapes —
`<services><service>…`, `<service_definition>…<attributes><attribute>…<values><value>…`,
`<service_requests><request>…`, `<errors><error>…`, `<discovery>…<endpoints><endpoint>…
<formats><format>…` — schemaless, without a namespace, UTF-8 with the XML declaration.

The view names the root element (and the element of each item of a list) on the response
(`GeoReportResponse`); nested lists take the singular of their key. Characters that XML 1.0
cannot carry (control characters) are left out rather than producing a document a client cannot
parse."""

from __future__ import annotations

import io
import re
from typing import Any
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

# The element of each item of a nested list, by the list's key.
SINGULAR: dict[str, str] = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class GeoReportResponse(Response):
    """A response that knows its XML root element and, for a list, the element of each item."""

    def __init__(self, data: Any = None, *, root: str, item: str | None = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.xml_root = root
        self.xml_item = item or SINGULAR.get(root, "item")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


class GeoReportXMLRenderer(BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        response = (renderer_context or {}).get("response")
        root = getattr(response, "xml_root", None) or "response"
        item = getattr(response, "xml_item", None) or SINGULAR.get(root, "item")
        stream = io.StringIO()
        xml = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)
        xml.startDocument()
        self._element(xml, root, data, item)
        xml.endDocument()
        return stream.getvalue().encode("utf-8")

    def _element(self, xml: XMLGenerator, name: str, value: Any, item: str | None = None) -> None:
        xml.startElement(name, AttributesImpl({}))
        if isinstance(value, dict):
            for key, child in value.items():
                self._element(xml, str(key), child)
        elif isinstance(value, list | tuple):
            child_name = item or SINGULAR.get(name, "item")
            for child in value:
                self._element(xml, child_name, child)
        else:
            xml.characters(_text(value))
        xml.endElement(name)


class GeoReportJSONRenderer(JSONRenderer):
    """JSON with its charset declared (the specification asks for it on every answer)."""

    charset = "utf-8"
