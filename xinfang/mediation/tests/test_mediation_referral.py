"""访调对接 (H1): a petition referred to mediation becomes a case; the agreement concludes the matter
through petitions' `mediation_result_record` (called by the "petition" source callback); a failure
sends it back to handling. Also the agreement PDF (人民调解协议书, MED-04) with its text."""

from __future__ import annotations

import subprocess

import pytest
from django.core.exceptions import PermissionDenied

from xinfang.core.actors import SYSTEM
from xinfang.core.errors import ServiceError
from xinfang.mediation.models import MediationCase
from xinfang.mediation.services import (
    PartyData,
    mediation_agree,
    mediation_agreement_issue,
    mediation_body_create,
    mediation_case_accept,
    mediation_case_from_referral,
    mediation_fail,
    mediation_party_add,
)
from xinfang.mediation.states import BodyKind, CaseStatus, PartyRole, SourceKind
from xinfang.petitions.services.handling import mediation_refer
from xinfang.petitions.states import MediationStatus, Status
from xinfang.petitions.tests.handling_support import HandlingWorld, accepted, build_handling_world

from .conftest import AGREEMENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def hw(mini) -> HandlingWorld:  # type: ignore[no-untyped-def]
    return build_handling_world(mini)


def _referred(hw):  # type: ignore[no-untyped-def]
    mediation_body_create(
        actor=SYSTEM, organisation=hw.mediation, name="测试区人民调解委员会", kind=BodyKind.COMMITTEE_DISTRICT
    )
    matter = accepted(hw)
    referral = mediation_refer(actor=hw.town_officer, matter=matter, mediation_org=hw.mediation, consent_recorded=True)
    case = mediation_case_from_referral(actor=hw.mediator, referral=referral)
    mediation_party_add(
        actor=hw.mediator,
        case=case,
        data=PartyData(name="某建筑公司", role=PartyRole.RESPONDENT),
        consent_recorded=True,
    )
    return matter, referral, case


class ReferralTests:
    def test_h1_case_from_referral_links_matter_and_referral(self, hw):
        matter, referral, case = _referred(hw)
        assert case.source_kind == SourceKind.PETITION and case.source_label == matter.number
        assert case.matter == matter and case.referral == referral and case.organisation == hw.mediation
        assert list(matter.mediation_cases.all()) == [case]
        assert case.parties.filter(role=PartyRole.APPLICANT, consent_recorded=True).count() == 1
        with pytest.raises(ServiceError):
            mediation_case_from_referral(actor=hw.mediator, referral=referral)

    def test_h1_only_the_referrals_mediation_organisation_may_open_it(self, hw):
        mediation_body_create(actor=SYSTEM, organisation=hw.mediation, name="调委会", kind=BodyKind.COMMITTEE_DISTRICT)
        matter = accepted(hw)
        referral = mediation_refer(
            actor=hw.town_officer, matter=matter, mediation_org=hw.mediation, consent_recorded=True
        )
        with pytest.raises(PermissionDenied):
            mediation_case_from_referral(actor=hw.town_officer, referral=referral)
        assert not MediationCase.objects.exists()

    def test_h1_agreement_concludes_the_matter(self, hw):
        matter, referral, case = _referred(hw)
        case = mediation_case_accept(actor=hw.mediator, case=case)
        mediation_agree(actor=hw.mediator, case=case, **AGREEMENT)
        referral.refresh_from_db()
        matter.refresh_from_db()
        assert referral.status == MediationStatus.AGREED and referral.agreement_kind == "mediation"
        assert case.number in referral.result
        assert matter.status == Status.CONCLUDED

    def test_h1_failure_returns_the_matter_to_handling(self, hw):
        matter, referral, case = _referred(hw)
        case = mediation_case_accept(actor=hw.mediator, case=case)
        mediation_fail(actor=hw.mediator, case=case, reason="双方分歧过大")
        referral.refresh_from_db()
        matter.refresh_from_db()
        assert referral.status == MediationStatus.FAILED and matter.status == Status.ACCEPTED


def _pdf_tools_missing() -> str:
    from xinfang.notices.tests.conftest import pdf_tools_missing

    return pdf_tools_missing()


class AgreementPdfTests:
    def test_med_04_agreement_pdf_has_the_parties_facts_terms_and_performance(self, med, tmp_path):
        reason = _pdf_tools_missing()
        if reason:
            import os

            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        case = med.agreed()
        document = mediation_agreement_issue(actor=med.mediator_user, case=case)
        case.refresh_from_db()
        assert case.agreement_document == document and document.object_id == str(case.pk)
        path = tmp_path / "agreement.pdf"
        path.write_bytes(bytes(document.pdf))
        text = "".join(
            subprocess.run(  # noqa: S603
                ["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S607
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
        )
        for expected in (
            "人民调解协议书",
            case.number,
            "王五",
            "赵六",
            "甲镇人民调解委员会",
            "宅基地边界围墙",
            "拆除越界围墙一米",
            "以转账方式一次性支付",
            "三十日内共同向人民法院申请司法确认",
            "盖章处",
        ):
            assert expected in text, expected
        with pytest.raises(ServiceError):
            mediation_agreement_issue(actor=med.mediator_user, case=case)

    def test_agreement_pdf_only_for_an_agreed_case(self, med):
        case = med.accepted()
        with pytest.raises(ServiceError):
            mediation_agreement_issue(actor=med.mediator_user, case=case)
        assert case.status == CaseStatus.ACCEPTED
