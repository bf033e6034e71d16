"""Signatures of deliveries (pure functions; receivers written in Python can use `signature_verify`).

    X-Xinfang-Timestamp: 1767225600
    X-Xinfang-Signature: sha256=<hex HMAC-SHA256 of b"1767225600." + body, keyed with the secret>

The timestamp is inside the signed text, so a captured request cannot be replayed later with a new
timestamp; a receiver refuses timestamps too far from its own clock (5 minutes by default)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE_SECONDS = 300


def secret_new() -> str:
    """A new endpoint secret: 32 random bytes, URL-safe text (43 characters)."""
    return secrets.token_urlsafe(32)


def signature_compute(*, secret: str, timestamp: str, body: bytes) -> str:
    """The X-Xinfang-Signature value for a body sent at `timestamp` (Unix seconds, as text)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_verify(
    *,
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does: the timestamp is recent and the signature matches (constant-time)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, signature or "")
