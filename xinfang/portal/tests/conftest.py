"""Portal tests: a clean cache (the rate-limit counters), uploaded files in a temporary folder, and
no minimum form time unless a test sets one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _portal_defaults(settings: Any, tmp_path: Any) -> Iterator[None]:
    cache.clear()
    settings.MEDIA_ROOT = tmp_path
    settings.XINFANG_PORTAL_FORM_MIN_SECONDS = 0
    yield
    cache.clear()
