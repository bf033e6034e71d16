"""Project-wide pytest set-up: hypothesis profiles and shared fixtures."""

import os

import pytest
from hypothesis import HealthCheck, settings

# CI caps examples so the whole run stays well under 20 minutes; developers get more.
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the working calendar (reference data all clocks need)."""
    from django.db import connection

    from xinfang.workcalendar.testing import seed_test_calendar

    name = str(connection.settings_dict["NAME"])
    if "memorydb" not in name and not name.rsplit("/", 1)[-1].startswith("test"):
        return  # never seed a real database
    with django_db_blocker.unblock():
        seed_test_calendar()


@pytest.fixture
def mini(db):
    """A small district tree built through the real services (see xinfang.core.testing)."""
    from xinfang.core.testing import build_mini_district

    return build_mini_district()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: the locale middleware leaves the last request's
    language active in the thread, which would leak from one test into the next."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()
