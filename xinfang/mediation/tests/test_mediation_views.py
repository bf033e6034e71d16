"""Staff pages of mediation: permission (allowed and denied) for every view, query counts of the
lists, the walk-in form (phone-sized, bad input kept), and actions through the detail page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.mediation.models import MediationCase
from xinfang.mediation.states import CaseStatus

from .conftest import AGREEMENT

pytestmark = pytest.mark.django_db


def _login(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


class ListTests:
    def test_list_allowed_for_mediators_and_scoped_to_their_organisations(self, client, med):
        mine = med.open()
        _login(client, med.mediator_user)
        response = client.get(reverse("mediation:list"))
        assert response.status_code == 200 and mine.number in response.text
        _login(client, med.outsider)
        assert mine.number not in client.get(reverse("mediation:list")).text

    def test_list_denied_without_mediation_right(self, client, med):
        _login(client, med.clerk)
        assert client.get(reverse("mediation:list")).status_code == 403

    def test_list_query_count_does_not_grow_with_cases(self, client, med):
        med.accepted()
        _login(client, med.mediator_user)
        client.get(reverse("mediation:list"))  # warm the session
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("mediation:list"))
        for _ in range(5):
            med.agreed()
        with CaptureQueriesContext(connection) as many:
            response = client.get(reverse("mediation:list") + "?status=agreed")
        assert response.status_code == 200
        assert len(many) == len(few) <= 12, [q["sql"] for q in many.captured_queries]

    def test_list_filters_due_soon_and_overdue(self, client, med):
        med.agreed()
        _login(client, med.mediator_user)
        assert client.get(reverse("mediation:list") + "?due=overdue").context["page"].paginator.count == 0


class DetailTests:
    def test_detail_allowed_and_shows_masked_id_number(self, client, med):
        case = med.open()
        _login(client, med.mediator_user)
        response = client.get(reverse("mediation:detail", args=[case.pk]))
        assert response.status_code == 200
        assert "440115198001011234" not in response.text and "440" in response.text

    def test_detail_of_another_organisation_is_404_and_without_right_403(self, client, med):
        case = med.open()
        _login(client, med.outsider)
        assert client.get(reverse("mediation:detail", args=[case.pk])).status_code == 404
        _login(client, med.clerk)
        assert client.get(reverse("mediation:detail", args=[case.pk])).status_code == 403

    def test_actions_accept_then_agree_then_issue_pdf(self, client, med):
        case = med.open()
        _login(client, med.mediator_user)
        url = lambda a: reverse("mediation:action", args=[case.pk, a])  # noqa: E731
        assert client.post(url("accept"), {"accept-mediators": [med.mediator.pk]}).status_code == 302
        data = {f"agree-{k}": v for k, v in AGREEMENT.items()}
        assert client.post(url("agree"), data).status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.AGREED

    def test_agree_without_consent_shows_the_error_and_keeps_the_input(self, client, med):
        case = med.open(consent=False)
        _login(client, med.mediator_user)
        client.post(reverse("mediation:action", args=[case.pk, "accept"]), {})
        data = {f"agree-{k}": v for k, v in AGREEMENT.items()}
        response = client.post(reverse("mediation:action", args=[case.pk, "agree"]), data, follow=True)
        assert "未记录同意调解" in response.text
        case.refresh_from_db()
        assert case.status == CaseStatus.ACCEPTED

    def test_outsider_cannot_post_actions(self, client, med):
        case = med.open()
        _login(client, med.outsider)
        assert client.post(reverse("mediation:action", args=[case.pk, "accept"]), {}).status_code == 404
        case.refresh_from_db()
        assert case.status == CaseStatus.APPLIED


class NewCaseTests:
    FORM = {
        "category": "邻里纠纷",
        "summary": "楼上漏水致楼下天花板受损",
        "applicant_name": "王五",
        "applicant_phone": "13800002222",
        "respondent_name": "赵六",
        "consent_recorded": "on",
    }

    def test_walk_in_form_opens_a_case(self, client, med):
        _login(client, med.mediator_user)
        response = client.get(reverse("mediation:new"))
        assert response.status_code == 200 and 'name="viewport"' in response.text
        response = client.post(reverse("mediation:new"), {**self.FORM, "body": med.body.pk})
        case = MediationCase.objects.get()
        assert response.status_code == 302 and case.parties.count() == 2 and case.source_kind == "walk_in"

    def test_bad_input_keeps_what_was_typed(self, client, med):
        _login(client, med.mediator_user)
        response = client.post(reverse("mediation:new"), {**self.FORM, "body": med.body.pk, "respondent_name": ""})
        assert response.status_code == 400 and "楼上漏水致楼下天花板受损" in response.text
        assert not MediationCase.objects.exists()

    def test_body_of_another_organisation_is_not_offered(self, client, med):
        _login(client, med.outsider)
        response = client.post(reverse("mediation:new"), {**self.FORM, "body": med.body.pk})
        assert response.status_code == 400 and not MediationCase.objects.exists()

    def test_new_denied_without_right(self, client, med):
        _login(client, med.clerk)
        assert client.get(reverse("mediation:new")).status_code == 403


class DirectoryTests:
    def test_directory_lists_bodies_and_mediators(self, client, med):
        _login(client, med.clerk)
        response = client.get(reverse("mediation:directory") + "?q=邻里")
        assert response.status_code == 200 and "甲镇人民调解委员会" in response.text and "陈调解" in response.text

    def test_directory_needs_login(self, client, med):
        assert client.get(reverse("mediation:directory")).status_code == 302

    def test_directory_denied_without_any_role(self, client, med):
        _login(client, make_user())
        assert client.get(reverse("mediation:directory")).status_code == 403

    def test_directory_query_count_is_constant(self, client, med):
        _login(client, med.clerk)
        client.get(reverse("mediation:directory"))
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("mediation:directory"))
        from xinfang.core.actors import SYSTEM
        from xinfang.mediation.services import mediation_body_create, mediator_create

        for i in range(4):
            body = mediation_body_create(
                actor=SYSTEM, organisation=med.mini.village_a1, name=f"调委会{i}", kind="committee_village"
            )
            mediator_create(actor=SYSTEM, body=body, name=f"调解员{i}")
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("mediation:directory"))
        assert len(many) == len(few)


def test_mediator_role_sees_the_nav_entry(client, med):
    _login(client, med.mediator_user)
    link = f'href="{reverse("mediation:list")}"'
    assert link in client.get(reverse("mediation:directory")).text
    client.force_login(make_user((Role.GRID_WORKER, med.mini.grid_a1_1)))
    assert link not in client.get(reverse("mediation:directory")).text
