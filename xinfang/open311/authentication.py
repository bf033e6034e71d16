"""The api_key of a registered client: as the specification sends it (the `api_key` parameter of
the query or the form body) or in an `X-Api-Key` header (kept out of server logs). The request's
user becomes the client's service account (for idempotency keys), `request.auth` the client."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from .errors import KeyInvalid
from .models import Open311Client
from .selectors import client_for_key

HEADER = "X-Api-Key"
PARAMETER = "api_key"


def api_key_of(request: Request) -> str:
    key = request.headers.get(HEADER) or request.query_params.get(PARAMETER)
    if not key and request.method == "POST":
        data = request.data
        key = data.get(PARAMETER) if hasattr(data, "get") else None
    return str(key or "").strip()


class ApiKeyAuthentication(BaseAuthentication):
    """No key: anonymous (the service list needs none). A wrong or inactive key: refused (403)."""

    def authenticate(self, request: Request) -> tuple[Any, Open311Client] | None:
        key = api_key_of(request)
        if not key:
            return None
        client = client_for_key(key)
        if client is None:
            raise KeyInvalid()
        return client.account, client
