"""The demo loader: points at three levels of the demo district, requests in every status, through
the services; idempotent and deterministic (DEMO ONLY)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from xinfang.audit.models import AuditEvent
from xinfang.legalservices.demo import REQUEST_SPECS, demo_legalservices_load
from xinfang.legalservices.models import ServicePoint, ServiceRequest
from xinfang.legalservices.selectors import request_lookup

pytestmark = pytest.mark.django_db


class DemoTests:
    def test_refuses_without_the_demo_district(self, mini):
        with pytest.raises(LookupError):
            demo_legalservices_load()

    def test_loads_once_and_the_codes_work(self):
        call_command("demo_district", verbosity=0)
        first = demo_legalservices_load()
        levels = set(ServicePoint.objects.values_list("organisation__level", flat=True))
        assert levels == {3, 4, 5}
        assert first.created["point"] == ServicePoint.objects.count() == 42
        statuses = set(ServiceRequest.objects.values_list("status", flat=True))
        assert statuses == {spec.status for spec in REQUEST_SPECS} and len(statuses) == 6
        for reference, code, status in first.codes:
            found = request_lookup(reference=reference, code=code)
            assert found is not None and found.status == status
        events = AuditEvent.objects.count()
        second = demo_legalservices_load()
        assert not any(second.created.values()) and AuditEvent.objects.count() == events
        assert second.codes == first.codes  # deterministic
