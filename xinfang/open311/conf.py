"""The Open311 settings, each with a default, so a deployment sets only what it changes
(docs/open311.md lists them). Read at call time, so tests may override them."""

from __future__ import annotations

from django.conf import settings

# (requests allowed, window in seconds): "address" per client address (every call, with or
# without a key), "read" per client (GET calls with its key). Filings per client are the client's
# own `requests_per_hour`.
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "address": (300, 10 * 60),
    "read": (600, 10 * 60),
}


def rate_limit(scope: str) -> tuple[int, int]:
    """XINFANG_OPEN311_RATE_LIMITS (a dict of scope -> (count, seconds)) over the defaults."""
    limits = {**DEFAULT_RATE_LIMITS, **getattr(settings, "XINFANG_OPEN311_RATE_LIMITS", {})}
    count, window = limits[scope]
    return int(count), int(window)


def client_ip_header() -> str:
    """The META key a trusted reverse proxy sets to the client's address (e.g. "HTTP_X_REAL_IP");
    empty: REMOTE_ADDR is the client."""
    return str(getattr(settings, "XINFANG_OPEN311_CLIENT_IP_HEADER", "") or "")


def jurisdiction_id() -> str:
    """The jurisdiction_id this endpoint answers to; empty: the parameter is ignored (one
    jurisdiction per endpoint, as the specification allows)."""
    return str(getattr(settings, "XINFANG_OPEN311_JURISDICTION_ID", "") or "")


def max_body_bytes() -> int:
    """A POST body larger than this is refused before it is read."""
    return int(getattr(settings, "XINFANG_OPEN311_MAX_BODY_BYTES", 64 * 1024))


def report_service_codes() -> frozenset[str]:
    """Service codes whose requests are reports on officials from the start (XF-CLS-03): never
    returned by GET, whatever the triage later records."""
    return frozenset(getattr(settings, "XINFANG_OPEN311_REPORT_SERVICE_CODES", ("OFFICIAL-MISCONDUCT",)))


def endpoint_type() -> str:
    """ "production" or "test" in the discovery document."""
    return str(getattr(settings, "XINFANG_OPEN311_ENDPOINT_TYPE", "production"))


def contact() -> str:
    """The discovery document's contact line; empty: the registering organisation's name, phone,
    e-mail and address."""
    return str(getattr(settings, "XINFANG_OPEN311_CONTACT", "") or "")


def default_requests_per_hour() -> int:
    """Filings per hour allowed to a new client unless the administrator says otherwise."""
    return int(getattr(settings, "XINFANG_OPEN311_DEFAULT_REQUESTS_PER_HOUR", 60))
