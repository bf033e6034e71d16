"""The cluster trigger (docs/risk.md): petitions and grid events that gather around a listed
decision — its project code or a keyword in their text, or a place in its place subtree — at
XINFANG_RISK_CLUSTER_MIN or more within XINFANG_RISK_CLUSTER_WINDOW_DAYS flag its assessment for
review once (idempotent); an open flag must be dealt with before the decision is taken."""

from __future__ import annotations

import datetime
import io
from itertools import count

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.errors import ServiceError
from xinfang.core.testing import make_user
from xinfang.petitions.models import Matter
from xinfang.petitions.services.intake import PetitionerData, matter_register
from xinfang.petitions.testing import walk_in_data
from xinfang.risk.models import ReviewFlag
from xinfang.risk.services import decision_decide, review_flag_resolve, risk_cluster_check
from xinfang.risk.states import DecisionStatus, Outcome, RiskLevel

pytestmark = pytest.mark.django_db
_n = count(1)


def petition(risk, clerk, *, days_ago: float = 2, place=None, **text: str) -> Matter:
    n = next(_n)
    values = {
        "title": text.pop("title", "反映问题"),
        "request": text.pop("request", "请求依法处理。"),
        "facts": text.pop("facts", "情况如上。"),
        "received_at": timezone.now() - datetime.timedelta(days=days_ago),
        "place_org": place,
        "petitioners": [PetitionerData(name=f"村民{n}", phone=f"1390000{n:04d}")],
    }
    return matter_register(actor=clerk, organisation=risk.mini.petition_bureau, data=walk_in_data(**values))


@pytest.fixture
def clerk(mini):
    return make_user((Role.RECEPTION_CLERK, mini.petition_bureau))


@pytest.fixture
def small_threshold(settings):
    settings.XINFANG_RISK_CLUSTER_MIN = 3
    settings.XINFANG_RISK_CLUSTER_WINDOW_DAYS = 30


def test_project_code_place_and_keywords_each_count(risk, clerk, small_threshold):
    decision = risk.add(place=risk.mini.village_a2)
    by_code = petition(risk, clerk, facts="关于 GZ-2026-017 号项目的补偿公示有异议。")
    by_place = petition(risk, clerk, place=risk.mini.village_a2)
    by_word = petition(risk, clerk, title="拆迁补偿标准太低")
    unrelated = petition(risk, clerk, title="工资拖欠", place=risk.mini.village_b1)
    flags = risk_cluster_check()
    assert len(flags) == 1
    flag = flags[0]
    assert flag.decision == decision and flag.matched_count == 3 and flag.is_open
    rules = {item["id"]: item["rules"] for item in flag.matched}
    assert rules == {by_code.pk: ["project_code"], by_place.pk: ["place"], by_word.pk: ["keyword"]}
    assert unrelated.pk not in rules
    assert flag.assessment is None and flag.key == f"{decision.pk}:0"
    assert "3 件" in flag.reason
    assert AuditEvent.objects.filter(action="risk.flag_raise", object_id=str(decision.pk)).count() == 1


def test_threshold_and_window(risk, clerk, small_threshold):
    risk.add()
    petition(risk, clerk, title="旧村改造意见一")
    petition(risk, clerk, title="旧村改造意见二")
    petition(risk, clerk, title="旧村改造意见三", days_ago=45)  # outside the 30-day window
    assert risk_cluster_check() == []
    # A wider window counts the older one too.
    flags = risk_cluster_check(since=timezone.now() - datetime.timedelta(days=60))
    assert len(flags) == 1 and flags[0].matched_count == 3


def test_idempotent(risk, clerk, small_threshold):
    risk.add()
    for _ in range(3):
        petition(risk, clerk, title="旧村改造补偿")
    assert len(risk_cluster_check()) == 1
    petition(risk, clerk, title="旧村改造补偿")
    assert risk_cluster_check() == []
    assert ReviewFlag.objects.count() == 1
    assert AuditEvent.objects.filter(action="risk.flag_raise").count() == 1


def test_open_flag_blocks_the_decision_until_resolved_and_reassessment_is_a_new_round(risk, clerk, small_threshold):
    decision = risk.assessed(RiskLevel.LOW)
    for _ in range(3):
        petition(risk, clerk, title="旧村改造补偿")
    (flag,) = risk_cluster_check()
    assert flag.assessment == decision.assessments.get() and flag.key.endswith(":1")
    with pytest.raises(ServiceError) as exc:
        decision_decide(actor=risk.bureau, decision=decision, outcome=Outcome.APPROVED)
    assert "复核提示" in str(exc.value)
    with pytest.raises(ValidationError):
        review_flag_resolve(actor=risk.bureau, flag=flag, resolution="   ")
    review_flag_resolve(actor=risk.bureau, flag=flag, resolution="群众反映集中于补偿标准，重新评估。", reassess=True)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ASSESSING and decision.assessments.count() == 2
    # The new round may be flagged again, once.
    assert len(risk_cluster_check()) == 1
    assert risk_cluster_check() == []


def test_decided_decisions_are_watched_for_some_months(risk, clerk, small_threshold, settings):
    decision = risk.assessed(RiskLevel.LOW)
    decision_decide(actor=risk.bureau, decision=decision, outcome=Outcome.APPROVED)
    for _ in range(3):
        petition(risk, clerk, title="旧村改造补偿")
    settings.XINFANG_RISK_CLUSTER_DECIDED_MONTHS = 0
    assert risk_cluster_check() == []
    settings.XINFANG_RISK_CLUSTER_DECIDED_MONTHS = 6
    assert len(risk_cluster_check()) == 1


def test_management_command(risk, clerk, small_threshold):
    risk.add()
    for _ in range(3):
        petition(risk, clerk, title="旧村改造补偿")
    out = io.StringIO()
    call_command("risk_cluster_check", stdout=out)
    assert "1" in out.getvalue()
    assert ReviewFlag.objects.count() == 1
    call_command("risk_cluster_check", "--since", "2020-01-01", stdout=out)
    assert ReviewFlag.objects.count() == 1


def test_worker_task(risk, clerk, small_threshold):
    from xinfang.risk.tasks import risk_cluster_sweep

    risk.add()
    for _ in range(3):
        petition(risk, clerk, title="旧村改造补偿")
    result = risk_cluster_sweep.call()
    assert result == {"flags": 1}
