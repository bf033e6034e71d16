"""Open311 tests: a clean cache (rate-limit counters, service groups), uploaded files in a temporary
folder, and a district with matter types, a power-list entry and a registered client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from .support import Setup, build_setup


@pytest.fixture(autouse=True)
def _open311_defaults(settings: Any, tmp_path: Any) -> Iterator[None]:
    cache.clear()
    settings.MEDIA_ROOT = tmp_path
    yield
    cache.clear()


@pytest.fixture
def setup(mini: Any) -> Setup:
    return build_setup(mini)
