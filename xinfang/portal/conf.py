"""The portal's settings, each with a default, so a deployment sets only what it changes
(docs/portal.md lists them). Read at call time, so tests may override them."""

from __future__ import annotations

from django.conf import settings

# (requests allowed, window in seconds) per client address, or per reference for "track_ref".
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "submit": (10, 60 * 60),  # final submissions
    "check": (30, 60 * 60),  # check steps (each runs the search for similar matters)
    "track": (30, 10 * 60),  # tracking look-ups
    "track_ref": (5, 60 * 60),  # failed look-ups of one reference (then even the right code waits)
    "action": (20, 60 * 60),  # evaluations and review requests
    "download": (60, 10 * 60),  # PDF downloads
}


def rate_limit(scope: str) -> tuple[int, int]:
    """XINFANG_PORTAL_RATE_LIMITS (a dict of scope -> (count, seconds)) over the defaults."""
    limits = {**DEFAULT_RATE_LIMITS, **getattr(settings, "XINFANG_PORTAL_RATE_LIMITS", {})}
    count, window = limits[scope]
    return int(count), int(window)


def form_min_seconds() -> float:
    """A form posted sooner than this after it was shown is refused (scripts post at once)."""
    return float(getattr(settings, "XINFANG_PORTAL_FORM_MIN_SECONDS", 3))


def form_max_age_seconds() -> int:
    """A form older than this is refused (the person is asked to send it again; nothing is lost)."""
    return int(float(getattr(settings, "XINFANG_PORTAL_FORM_MAX_AGE_HOURS", 12)) * 60 * 60)


def access_seconds() -> int:
    """How long a successful check of reference and query code opens the tracking page."""
    return int(getattr(settings, "XINFANG_PORTAL_ACCESS_MINUTES", 30)) * 60


def max_attachments() -> int:
    return int(getattr(settings, "XINFANG_PORTAL_MAX_ATTACHMENTS", 5))


def registering_org_code() -> str:
    """The code of the organisation that registers online petitions; empty: the district's
    petition bureau (see `credentials.registering_organisation`)."""
    return str(getattr(settings, "XINFANG_PORTAL_REGISTERING_ORG_CODE", "") or "")


def track_requires_phone() -> bool:
    """Ask for the last four digits of the petitioner's phone as a second check (when the matter
    has a phone). When not required, the digits are still checked if given."""
    return bool(getattr(settings, "XINFANG_PORTAL_TRACK_REQUIRE_PHONE", False))


def show_similar() -> bool:
    """Show similar open matters (public reference, title and status only) before submitting."""
    return bool(getattr(settings, "XINFANG_PORTAL_SHOW_SIMILAR", True))


def client_ip_header() -> str:
    """The META key (e.g. "HTTP_X_REAL_IP") that a trusted reverse proxy sets to the client's
    address; empty: REMOTE_ADDR is the client (`xinfang.core.ratelimit.client_address`)."""
    return str(getattr(settings, "XINFANG_PORTAL_CLIENT_IP_HEADER", "") or "")
