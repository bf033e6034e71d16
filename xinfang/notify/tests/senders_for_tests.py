"""Senders standing in for an outside gateway in tests (configured through XINFANG_NOTIFY_SENDERS,
the same way as a real one): one that always fails, one that records what it was given."""

from __future__ import annotations

from typing import Any

SENT: list[tuple[str, str]] = []


class DownGateway:
    def send(self, message: Any, *, idempotency_key: str) -> None:
        raise ConnectionError("gateway unreachable")


class RecordingGateway:
    def send(self, message: Any, *, idempotency_key: str) -> None:
        SENT.append((idempotency_key, message.address))
