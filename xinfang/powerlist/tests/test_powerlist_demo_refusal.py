"""`manage.py demo_powerlist` on a database without the demo district refuses cleanly (a separate
module: the demo module keeps the district loaded for all its tests)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from xinfang.powerlist.demo import DemoPowerlistRefusedError, demo_powerlist_load
from xinfang.powerlist.models import MatterType

pytestmark = pytest.mark.django_db


class DemoPowerlistRefusalTests:
    def test_refuses_without_the_demo_district(self, mini):
        with pytest.raises(DemoPowerlistRefusedError):
            demo_powerlist_load()
        out, err = StringIO(), StringIO()
        call_command("demo_powerlist", stdout=out, stderr=err)
        assert "demo_district" in err.getvalue() and out.getvalue() == ""
        assert MatterType.objects.count() == 0
