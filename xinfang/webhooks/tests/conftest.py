"""A real HTTP receiver on 127.0.0.1 for the webhook tests (the SSRF guard lets it through here only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xinfang.webhooks.testing import WebhookReceiver


@pytest.fixture
def receiver(settings) -> Iterator[WebhookReceiver]:  # type: ignore[no-untyped-def]
    settings.XINFANG_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.XINFANG_WEBHOOK_TIMEOUT_SECONDS = 5
    server = WebhookReceiver().start()
    yield server
    server.stop()
