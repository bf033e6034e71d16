"""P6 (行政复议与人民调解衔接): a case sent by an administrative reconsideration body (or a court) is
mediated and its result goes back — recorded once, after the mediation ends, by the mediation body."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.mediation.services import mediation_fail, mediation_result_return
from xinfang.mediation.states import SourceKind

pytestmark = pytest.mark.django_db


def test_p6_a_reconsideration_case_is_mediated_and_its_result_returned(med):
    case = med.agreed(
        source_kind=SourceKind.RECONSIDERATION, source_id="区复议〔2026〕12号", source_label="区行政复议机构"
    )
    today = timezone.localdate()
    returned = mediation_result_return(actor=med.mediator_user, case=case, returned_on=today, note="函复，附调解协议书")
    assert returned.result_returned_at == today and "附调解协议书" in returned.result_returned_note
    assert AuditEvent.objects.filter(action="mediation_case.result_return", object_id=str(case.pk)).exists()
    with pytest.raises(ValidationError):  # once
        mediation_result_return(actor=med.mediator_user, case=returned, returned_on=today, note="again")


def test_p6_only_outside_sources_only_after_the_end_and_only_by_the_body(med):
    today = timezone.localdate()
    walk_in = med.agreed()
    with pytest.raises(ValidationError):  # a walk-in has no body to report back to
        mediation_result_return(actor=med.mediator_user, case=walk_in, returned_on=today, note="x")
    running = med.accepted(source_kind=SourceKind.COURT, source_id="(2026)粤0115民诉前调100号")
    with pytest.raises(ValidationError):  # not ended yet
        mediation_result_return(actor=med.mediator_user, case=running, returned_on=today, note="x")
    failed = mediation_fail(actor=med.mediator_user, case=running, reason="双方分歧较大")
    with pytest.raises(PermissionDenied):
        mediation_result_return(actor=med.outsider, case=failed, returned_on=today, note="x")
    with pytest.raises(ValidationError) as exc:
        mediation_result_return(
            actor=med.mediator_user, case=failed, returned_on=today + datetime.timedelta(days=1), note=""
        )
    assert {"returned_on", "note"} <= set(exc.value.message_dict)
    failed.refresh_from_db()
    assert failed.result_returned_at is None


def test_p6_the_case_page_offers_the_return_and_records_it(client, med):
    case = med.agreed(source_kind=SourceKind.RECONSIDERATION, source_label="区行政复议机构")
    client.force_login(med.mediator_user)
    page = client.get(reverse("mediation:detail", args=[case.pk])).content.decode()
    assert 'name="result_return-note"' in page
    response = client.post(
        reverse("mediation:action", args=[case.pk, "result_return"]),
        {"result_return-returned_on": timezone.localdate().isoformat(), "result_return-note": "函复"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.result_returned_note == "函复"
    assert 'name="result_return-note"' not in client.get(reverse("mediation:detail", args=[case.pk])).content.decode()
