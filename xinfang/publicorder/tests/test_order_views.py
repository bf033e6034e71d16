"""The order pages: each view refuses anonymous users (redirect to login), users without
`order.manage` (403) and rows outside their scope (404), and serves the right role; lists keep a
constant number of queries (no N+1). The matter page shows the panel."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xinfang.publicorder.models import ClusterWarning, ConductRecord
from xinfang.publicorder.services import LevelData, litigation_track_open, order_warning_check
from xinfang.publicorder.states import LitigationLevel, WarningStatus

from .conftest import PDF

pytestmark = pytest.mark.django_db

WAGES = {"title": "讨薪", "request": "请求支付工资。", "facts": "包工头拖欠工资三个月。"}


def _login_redirect(client, url):
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_conduct_pages_permissions(client, order, media_root):
    matter = order.matter()
    record = order.record(matter)
    from xinfang.publicorder.services import conduct_evidence_add

    conduct_evidence_add(actor=order.clerk, record=record, files=[SimpleUploadedFile("a.pdf", PDF)])
    evidence = record.evidence.get()
    person = matter.participants.get().petitioner
    urls = [
        reverse("publicorder:conduct_list"),
        reverse("publicorder:conduct_create"),
        reverse("publicorder:conduct_detail", args=[record.pk]),
        reverse("publicorder:evidence", args=[evidence.pk]),
        reverse("publicorder:petitioner", args=[person.pk]),
        reverse("publicorder:warning_list"),
    ]
    for url in urls:
        _login_redirect(client, url)
        client.force_login(order.officer)
        assert client.get(url).status_code == 403, url
        client.force_login(order.clerk)
        assert client.get(url).status_code == 200, url
    client.force_login(order.street_clerk)
    assert client.get(reverse("publicorder:conduct_detail", args=[record.pk])).status_code == 404
    assert client.get(reverse("publicorder:evidence", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("publicorder:petitioner", args=[person.pk])).status_code == 404
    assert client.get(reverse("publicorder:conduct_list")).context["page"].paginator.count == 0
    # The evidence POST too.
    url = reverse("publicorder:conduct_evidence", args=[record.pk])
    assert client.post(url, {"attachments": SimpleUploadedFile("b.pdf", PDF + b"x")}).status_code == 404
    client.force_login(order.officer)
    assert client.post(url).status_code == 403


def test_create_through_the_form_masks_personal_data(client, order, media_root):
    matter = order.matter()
    person = matter.participants.get().petitioner
    client.force_login(order.clerk)
    url = reverse("publicorder:conduct_create") + f"?matter={matter.pk}"
    page = client.get(url)
    assert page.status_code == 200 and "张*" in page.content.decode() and "张三" not in page.content.decode()
    answer = client.post(
        url,
        {
            "organisation": order.mini.petition_bureau.pk,
            "kind": "lingering",
            "occurred_at": "2026-01-05T10:00",
            "place_text": "接待大厅",
            "description": "滞留至下班后。",
            "matter_numbers": matter.number,
            "petitioners": [person.pk],
            "responses": ["educate"],
            "attachments": SimpleUploadedFile("note.pdf", PDF),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    record = ConductRecord.objects.get()
    assert record.evidence.count() == 1 and list(record.petitioners.all()) == [person]
    detail = client.get(answer["Location"]).content.decode()
    assert "440115199001011234" not in detail and "4401**********1234" in detail
    bad = client.post(
        url,
        {
            "organisation": order.mini.petition_bureau.pk,
            "kind": "lingering",
            "occurred_at": "2026-01-05T10:00",
            "place_text": "大厅",
            "description": "x",
            "matter_numbers": "NOPE-1",
            "responses": ["police"],
        },
    )
    assert bad.status_code == 400


def test_conduct_list_query_count(client, order, django_assert_max_num_queries):
    matter = order.matter()
    for _ in range(3):
        order.record(matter)
    client.force_login(order.clerk)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("publicorder:conduct_list")).status_code == 200
    other = order.matter()
    for _ in range(6):
        order.record(other, matters=[matter, other])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("publicorder:conduct_list"))
    assert page.context["page"].paginator.count == 9
    person = matter.participants.get().petitioner
    with django_assert_max_num_queries(14):
        assert client.get(reverse("publicorder:petitioner", args=[person.pk])).status_code == 200


def test_warning_pages(client, order, django_assert_max_num_queries):
    for _ in range(3):
        order.matter(**WAGES)
    order_warning_check()
    warning = ClusterWarning.objects.get(kind="theme")
    detail = reverse("publicorder:warning_detail", args=[warning.pk])
    _login_redirect(client, detail)
    client.force_login(order.officer)
    assert client.get(detail).status_code == 403
    client.force_login(order.street_clerk)
    assert client.get(detail).status_code == 404
    close = reverse("publicorder:warning_action", args=[warning.pk, "close"])
    assert client.post(close, {"note": "x"}).status_code == 404
    client.force_login(order.clerk)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("publicorder:warning_list"))
    assert page.status_code == 200 and "拖欠工资" in page.content.decode()
    with django_assert_max_num_queries(14):
        page = client.get(detail)
    assert page.status_code == 200 and len(page.context["matters"]) == 3
    for _ in range(3):
        order.matter(**WAGES)
    order_warning_check()
    with django_assert_max_num_queries(14):
        page = client.get(detail)
    assert len(page.context["matters"]) == 6
    answer = client.post(reverse("publicorder:warning_action", args=[warning.pk, "acknowledge"]), {"note": "已知悉。"})
    assert answer.status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ACKNOWLEDGED
    client.post(reverse("publicorder:warning_action", args=[warning.pk, "close"]), {"note": "已化解。"})
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED
    assert client.get(reverse("publicorder:warning_list"), {"status": "closed"}).context["page"].paginator.count == 1


def test_litigation_pages(client, order, court, django_assert_max_num_queries):
    matter = order.litigation_matter()
    ordinary = order.matter()
    edit = reverse("publicorder:track_edit", args=[matter.pk])
    listing = reverse("publicorder:track_list")
    _login_redirect(client, edit)
    _login_redirect(client, listing)
    client.force_login(order.officer)  # sees no matter of the petition bureau
    assert client.get(edit).status_code == 404
    client.force_login(order.supervisor)  # sees the matter, may not change the level
    assert client.get(edit).status_code == 403
    client.force_login(order.street_clerk)
    assert client.get(edit).status_code == 404
    client.force_login(order.clerk)
    assert client.get(reverse("publicorder:track_edit", args=[ordinary.pk])).status_code == 403
    assert client.get(edit).status_code == 200
    answer = client.post(
        edit,
        {"level": "first", "responsible_org": court.pk, "responsible_person": "诉讼服务中心", "reason": "诉访分离。"},
    )
    assert answer.status_code == 302
    assert (
        client.post(
            edit, {"level": "joint", "responsible_org": court.pk, "responsible_person": "庭长", "reason": "联合。"}
        ).status_code
        == 400
    )
    page = client.get(reverse("petitions:matter_detail", args=[matter.pk])).content.decode()
    assert 'data-litigation-level="first"' in page and "诉访分离。" in page
    for _ in range(3):
        other = order.litigation_matter()
        litigation_track_open(
            actor=order.clerk,
            matter=other,
            data=LevelData(
                level=LitigationLevel.MAIN, responsible_org=court, responsible_person="立案庭", reason="主办。"
            ),
        )
    client.force_login(order.supervisor)
    with django_assert_max_num_queries(12):
        page = client.get(listing)
    assert page.status_code == 200 and page.context["page"].paginator.count == 4
    assert client.get(listing, {"level": "main"}).context["page"].paginator.count == 3
    client.force_login(order.street_clerk)
    assert client.get(listing).context["page"].paginator.count == 0


def test_matter_page_panel(client, order):
    matter = order.matter(**WAGES)
    record = order.record(matter)
    client.force_login(order.clerk)
    page = client.get(reverse("petitions:matter_detail", args=[matter.pk])).content.decode()
    assert 'id="order-panel"' in page and f'data-conduct="{record.pk}"' in page
    client.force_login(order.supervisor)  # no order.manage: no conduct records, no panel
    page = client.get(reverse("petitions:matter_detail", args=[matter.pk])).content.decode()
    assert 'id="order-panel"' not in page
