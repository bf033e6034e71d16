"""The risk pages: the yearly list (scoped, paginated, query count), a decision with its steps and
the outcomes its level permits, a form per action through its service, the flags list; each page
allowed for risk.manage in scope and refused otherwise (403 without the right, 404 outside scope)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xinfang.risk.models import MajorDecision, ReviewFlag
from xinfang.risk.services import risk_cluster_check
from xinfang.risk.states import DecisionStatus, Outcome, RiskLevel, StepKind

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_list_is_scoped_and_counts_queries(client, risk, django_assert_max_num_queries):
    for n in range(6):
        risk.add(title=f"决策{n}")
    risk.assessed(RiskLevel.HIGH, title="高风险项目")
    client.force_login(risk.bureau)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("risk:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "决策5" in html and "高风险项目" in html and "高风险" in html
    assert page.context["page"].paginator.count == 7
    assert page.context["nav"]["risk"] is True
    # The query count does not grow with the rows.
    for n in range(6, 12):
        risk.add(title=f"决策{n}")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("risk:list")).status_code == 200
    assert client.get(reverse("risk:list"), {"status": "assessed"}).context["page"].paginator.count == 1


def test_list_denied_without_the_right_and_empty_for_another_area(client, risk):
    risk.add()
    client.force_login(risk.officer)
    assert client.get(reverse("risk:list")).status_code == 403
    assert client.get(reverse("risk:flags")).status_code == 403
    client.force_login(risk.outsider)
    page = client.get(reverse("risk:list"))
    assert page.status_code == 200 and page.context["page"].paginator.count == 0


def test_owner_unit_sees_its_decisions(client, risk):
    risk.add()
    client.force_login(risk.owner)
    assert client.get(reverse("risk:list")).context["page"].paginator.count == 1


def test_detail_allowed_and_denied(client, risk):
    decision = risk.assessed(RiskLevel.MEDIUM)
    client.force_login(risk.bureau)
    page = client.get(reverse("risk:detail", args=[decision.pk]))
    assert page.status_code == 200
    assert page.context["actions"] == ["reassess", "decide"]
    html = page.content.decode()
    assert "落实防范措施后实施" in html and "风险识别" in html
    client.force_login(risk.outsider)
    assert client.get(reverse("risk:detail", args=[decision.pk])).status_code == 404
    client.force_login(risk.officer)
    assert client.get(reverse("risk:detail", args=[decision.pk])).status_code == 403


def test_create_list_and_add_decision_through_the_forms(client, risk):
    client.force_login(risk.bureau)
    assert client.get(reverse("risk:list_create")).status_code == 200
    answer = client.post(reverse("risk:list_create"), {"organisation": risk.mini.town_a.pk, "year": 2027, "title": ""})
    assert answer.status_code == 302
    duplicate = client.post(reverse("risk:list_create"), {"organisation": risk.mini.town_a.pk, "year": 2027})
    assert duplicate.status_code == 400 and "已经存在" in duplicate.content.decode()
    town_list = risk.mini.town_a.risk_decision_lists.get()
    answer = client.post(
        reverse("risk:add", args=[town_list.pk]),
        {
            "title": "甲镇农贸市场搬迁",
            "kind": "construction",
            "owner_org": risk.mini.town_a_office.pk,
            "keywords": "农贸市场、搬迁",
            "place": risk.mini.village_a2.pk,
        },
    )
    decision = MajorDecision.objects.get(title="甲镇农贸市场搬迁")
    assert answer.status_code == 302 and answer["Location"] == reverse("risk:detail", args=[decision.pk])
    bad = client.post(reverse("risk:add", args=[town_list.pk]), {"title": "", "kind": "construction"})
    assert bad.status_code == 400
    client.force_login(risk.outsider)
    assert client.get(reverse("risk:add", args=[town_list.pk])).status_code == 404


def test_step_with_document_conclude_and_decide_through_the_forms(client, risk):
    decision = risk.add()
    client.force_login(risk.owner)
    for kind in (StepKind.IDENTIFICATION, StepKind.CONSULTATION):
        answer = client.post(
            reverse("risk:action", args=[decision.pk, "step"]),
            {
                "kind": kind,
                "date": timezone.localdate().isoformat(),
                "text": "走访村民 120 户，召开座谈会 2 场。",
                "documents": [SimpleUploadedFile(f"{kind}.pdf", PDF + kind.encode(), content_type="application/pdf")],
            },
        )
        assert answer.status_code == 302, answer.content.decode()
    page = client.get(reverse("risk:detail", args=[decision.pk]))
    doc = page.context["rounds"][0].steps.all()[0].documents.all()[0]
    download = client.get(reverse("risk:document", args=[doc.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    missing = client.post(
        reverse("risk:action", args=[decision.pk, "conclude"]), {"level": "high", "measures": "", "conclusion": "高"}
    )
    assert missing.status_code == 400 and "RA-02" in missing.content.decode()
    answer = client.post(
        reverse("risk:action", args=[decision.pk, "conclude"]),
        {"level": "high", "measures": "暂缓签约，重新测算补偿。", "conclusion": "风险不可控。"},
    )
    assert answer.status_code == 302
    # The owner unit may not decide; the decision body may, within what the level permits.
    assert client.get(reverse("risk:action", args=[decision.pk, "decide"])).status_code == 403
    client.force_login(risk.bureau)
    form = client.get(reverse("risk:action", args=[decision.pk, "decide"]))
    html = form.content.decode()
    assert 'value="postponed"' in html and 'value="approved"' not in html
    refused = client.post(reverse("risk:action", args=[decision.pk, "decide"]), {"outcome": Outcome.APPROVED})
    assert refused.status_code == 400 and "高风险" in refused.content.decode() and "RA-03" in refused.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ASSESSED
    answer = client.post(
        reverse("risk:action", args=[decision.pk, "decide"]), {"outcome": Outcome.POSTPONED, "note": "调整方案"}
    )
    assert answer.status_code == 302
    decision.refresh_from_db()
    assert decision.outcome == Outcome.POSTPONED
    client.force_login(risk.outsider)
    assert client.get(reverse("risk:document", args=[doc.pk])).status_code == 404


def test_flags_list_and_resolve(client, risk, settings, django_assert_max_num_queries):
    from xinfang.accounts.roles import Role
    from xinfang.core.testing import make_user

    from .test_risk_cluster import petition

    settings.XINFANG_RISK_CLUSTER_MIN = 2
    decision = risk.assessed(RiskLevel.LOW)
    clerk = make_user((Role.RECEPTION_CLERK, risk.mini.petition_bureau))
    petition(risk, clerk, title="旧村改造补偿一")
    petition(risk, clerk, title="旧村改造补偿二")
    (flag,) = risk_cluster_check()
    client.force_login(risk.bureau)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("risk:flags"))
    assert page.status_code == 200 and page.context["page"].paginator.count == 1
    client.force_login(risk.outsider)
    assert client.get(reverse("risk:flags")).context["page"].paginator.count == 0
    assert client.post(reverse("risk:flag_resolve", args=[flag.pk]), {"resolution": "x"}).status_code == 404
    client.force_login(risk.bureau)
    answer = client.post(reverse("risk:flag_resolve", args=[flag.pk]), {"resolution": "已复核，补偿标准已调整。"})
    assert answer.status_code == 302
    flag.refresh_from_db()
    assert not flag.is_open
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ASSESSED
    assert ReviewFlag.objects.filter(resolved_at__isnull=True).count() == 0


def test_phone_width_pages_use_responsive_tables(client, risk):
    decision = risk.assessed(RiskLevel.LOW)
    client.force_login(risk.bureau)
    for url in (reverse("risk:list"), reverse("risk:detail", args=[decision.pk]), reverse("risk:flags")):
        html = client.get(url).content.decode()
        assert html.count("<table") == html.count('class="table-responsive"')
