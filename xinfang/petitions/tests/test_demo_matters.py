"""The demo matters: every main state present, intake and handling, through the real services,
idempotent; the handling part keeps the rules it shows (review chain, extension, delivery,
evaluation)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from xinfang.accounts.models import Membership
from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.notices.kinds import DocumentKind
from xinfang.notices.models import Document
from xinfang.orgs.models import Organisation
from xinfang.petitions.demo import DEMO_KEY_PREFIX, DemoResult, demo_matters_load
from xinfang.petitions.models import (
    Evaluation,
    Extension,
    HandlingRecord,
    Matter,
    MediationReferral,
    Opinion,
    Review,
    Routing,
)
from xinfang.petitions.services.handling import running_clock, track_limit_state
from xinfang.petitions.services.review import review_bodies
from xinfang.petitions.states import (
    CLOCK_REREVIEW,
    CLOCK_SIMPLE_HANDLING,
    ExtensionStatus,
    FollowUpKind,
    MediationStatus,
    Procedure,
    RecordKind,
    ReviewStage,
    Status,
    TrackProcedure,
)
from xinfang.workcalendar.models import AdjustmentKind, ClockAdjustment

pytestmark = pytest.mark.django_db

HANDLING_STATES = (
    Status.ROUTED,
    Status.REPLIED,
    Status.IN_REVIEW,
    Status.REVIEWED,
    Status.IN_REREVIEW,
    Status.FINAL,
    Status.CONCLUDED,
    Status.TERMINATED,
    Status.WITHDRAWN,
    Status.IN_MEDIATION,
)


def load(count: int = 120) -> DemoResult:
    call_command("demo_district", verbosity=0)
    call_command("demo_powerlist", verbosity=0)
    return demo_matters_load(count=count)


class DemoMattersTests:
    def test_every_state_and_idempotent(self):
        """Intake and handling states (XF-CLS-04 … XF-REV-06), then a second run writes nothing."""
        result = load()
        assert result.created == 120
        for status in (
            Status.REGISTERED,
            Status.FORWARDED,
            Status.ASSIGNED,
            Status.OBJECTED,
            Status.ACCEPTED,
            Status.NOT_ACCEPTED,
            Status.GUIDED,
            *HANDLING_STATES,
        ):
            assert result.by_status.get(status, 0) > 0, status
        assert result.refused == []
        assert result.handled > 0
        # A few dozen instruments at most: each is a rendered PDF (about 0.13 s).
        assert 0 < result.documents <= 40
        assert Routing.objects.exists()
        assert AuditEvent.objects.filter(action="matter.register").count() >= 120
        assert_handling_rules()
        events, documents = AuditEvent.objects.count(), Document.objects.count()
        again = demo_matters_load(count=120)
        assert again.created == 0 and again.handled == 0 and again.documents == 0
        assert again.by_status == result.by_status
        assert AuditEvent.objects.count() == events
        assert Document.objects.count() == documents
        merged = result.by_status[Status.MERGED]
        assert Matter.objects.filter(submission_key__startswith=DEMO_KEY_PREFIX).count() == 120 + merged

    def test_refuses_without_the_demo_district(self):
        with pytest.raises(LookupError):
            demo_matters_load(count=1)


def assert_handling_rules() -> None:
    """The demo's handling data, taken through the real services, shows the handling rules:
    XF-CLS-04, XF-DL-02, XF-OPN-04, XF-REV-01/03/05/06, XF-END-01, XF-SAT-02, XF-SIMP-05/07.
    (Checked inside the one demo test: loading the demo district and matters takes a while.)"""
    district = Organisation.objects.get(code="440115")

    # XF-CLS-04: a statutory track records the receiving body and the petitioner's own limit.
    routed = Matter.objects.filter(status=Status.ROUTED, track__procedure=TrackProcedure.STATUTORY)
    assert routed.exists()
    assert all(m.track_receiving_body for m in routed)
    reconsideration = Matter.objects.filter(track__code="admin_reconsideration")
    assert reconsideration.exists()
    assert all(m.track_petitioner_deadline is not None for m in reconsideration)
    assert any(track_limit_state(m) == "close" for m in reconsideration)

    # XF-DL-02: extensions approved by the unit head of the handling organ, with the notice.
    approved = Extension.objects.filter(status=ExtensionStatus.APPROVED).select_related("organisation")
    assert approved.exists()
    for extension in approved:
        assert Membership.objects.filter(
            user=extension.decided_by, organisation=extension.organisation, role=Role.UNIT_HEAD
        ).exists()
        assert extension.document is not None and extension.document.kind == DocumentKind.EXTENSION
        assert extension.new_due is not None
        assert extension.new_due >= extension.original_due + datetime.timedelta(days=extension.days)
    assert Extension.objects.filter(status=ExtensionStatus.REQUESTED).exists()
    assert Extension.objects.filter(status=ExtensionStatus.REFUSED).exists()

    # XF-REV-01/03: every delivery is dated, never before the opinion's issue.
    delivered = Opinion.objects.filter(delivered_at__isnull=False)
    assert delivered.exists()
    for opinion in delivered:
        assert opinion.delivered_at is not None and opinion.delivered_at >= opinion.issued_at
    assert Opinion.objects.filter(delivered_at__isnull=True, matter__status=Status.REPLIED).exists()

    # The review chain stays in the district: a town's opinion is reviewed by a district
    # department, the review opinion re-reviewed by the district government office.
    reviews = Review.objects.select_related("organisation", "contested__organisation")
    assert reviews.filter(stage=ReviewStage.REVIEW).exists()
    assert reviews.filter(stage=ReviewStage.REREVIEW).exists()
    for review in reviews:
        assert review.organisation.path.startswith(district.path)
        assert review.organisation.pk in {b.pk for b in review_bodies(review.contested.organisation)}
        if review.stage == ReviewStage.REVIEW:
            assert review.organisation.parent_id == district.pk
        else:
            assert review.organisation.code == "440115-ZFB"

    # XF-REV-05: a hearing during re-review pauses the re-review clock; its notice (DOC-08).
    hearing = HandlingRecord.objects.filter(kind=RecordKind.HEARING, matter__status=Status.IN_REREVIEW).first()
    assert hearing is not None
    clock = running_clock(hearing.matter, CLOCK_REREVIEW)
    assert clock is not None
    assert ClockAdjustment.objects.filter(clock=clock, kind=AdjustmentKind.PAUSE).exists()
    assert Document.objects.filter(kind=DocumentKind.HEARING_NOTICE, matter=hearing.matter).exists()

    # XF-REV-06 and XF-END-01: final matters carry the re-review opinion and follow-up tasks.
    for matter in Matter.objects.filter(status=Status.FINAL):
        assert matter.opinions.filter(document__kind=DocumentKind.REREVIEW_OPINION).exists()
        assert matter.follow_ups.filter(kind=FollowUpKind.CONFLICT_RESOLUTION).exists()
    for matter in Matter.objects.filter(status=Status.TERMINATED):
        assert Document.objects.filter(kind=DocumentKind.TERMINATION, matter=matter).exists()

    # XF-OPN-04: an agreement concludes the matter; no agreement returns it to handling.
    agreed = MediationReferral.objects.filter(status=MediationStatus.AGREED)
    assert agreed.exists() and all(r.agreement_kind and r.matter.status == Status.CONCLUDED for r in agreed)
    failed = MediationReferral.objects.filter(status=MediationStatus.FAILED).first()
    assert failed is not None and failed.matter.status == Status.ACCEPTED

    # XF-SAT-02: one dissatisfied evaluation, and it opened a follow-up visit.
    dissatisfied = Evaluation.objects.filter(is_dissatisfied=True)
    assert dissatisfied.count() == 1
    follow_up = dissatisfied.get().follow_up
    assert follow_up is not None and follow_up.kind == FollowUpKind.DISSATISFACTION

    # XF-SIMP-05/07: the simplified procedure, its own clock, no paper asked for.
    simplified = Matter.objects.filter(procedure=Procedure.SIMPLIFIED)
    assert simplified.exists() and not any(m.paper_requested for m in simplified)
    assert any(running_clock(m, CLOCK_SIMPLE_HANDLING) for m in simplified.filter(status=Status.ACCEPTED))
