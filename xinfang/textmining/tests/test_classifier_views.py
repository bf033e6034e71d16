"""The suggestion at triage and the clerk's choice (issue 9 item 1): shown on the petitions triage
page, stored for retraining, refused outside the clerk's organisations; retraining from the decided
matters; the label-mapping page (A3, A4). Permission tests for every view; query count of the list."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.petitions.tests.triage_support import build_world, registered
from xinfang.textmining import classifier
from xinfang.textmining.models import ClassifierChoice, LabelMapping

from .test_classifier import fixture_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(mini, tmp_path, settings):
    settings.XINFANG_TEXTMINING_MODEL_DIR = str(tmp_path / "models")
    classifier._cache.clear()
    rows = fixture_rows()
    classifier.save(classifier.train([f"{t} {d}" for t, d, _l in rows], [lab for *_x, lab in rows]), "category")
    return build_world(mini)


def triage_page(client, matter) -> str:
    response = client.get(reverse("petitions:triage_matter", args=[matter.pk]))
    assert response.status_code == 200
    return response.content.decode()


def token_of(body: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', body)
    assert match
    return match.group(1)


class TriageSuggestionTests:
    def test_a3_suggestion_shown_and_choice_stored(self, client, world):
        """A3: at triage the clerk sees the suggested category with its confidence and words, and
        the label they choose is stored (once per matter, replaced on change, audited)."""
        matter = registered(world, title="工地拖欠工资", request="农民工工资三个月未发放", facts="劳动合同 社保缴纳")
        client.force_login(world.clerk)
        body = triage_page(client, matter)
        assert "分类建议" in body and 'data-testid="suggested-label">劳动和社会保障<' in body
        assert "置信度" in body and "依据词语" in body
        choose = reverse("textmining:classify_choose")
        response = client.post(choose, {"token": token_of(body), "chosen_label": "劳动和社会保障"})
        assert response.status_code == 302 and response["Location"] == reverse(
            "petitions:triage_matter", args=[matter.pk]
        )
        choice = ClassifierChoice.objects.get(object_type="petitions.matter", object_id=matter.pk)
        assert (choice.chosen_label, choice.suggested_label, choice.chosen_by) == (
            "劳动和社会保障",
            "劳动和社会保障",
            world.clerk,
        )
        assert choice.model_sha256 == classifier.load().sha256 and 0 < (choice.confidence or 0) <= 1
        client.post(choose, {"token": token_of(body), "chosen_label": "城乡建设"})
        assert ClassifierChoice.objects.get(object_id=matter.pk).chosen_label == "城乡建设"
        assert AuditEvent.objects.filter(action="textmining.category_choose", object_id=str(matter.pk)).count() == 2
        assert 'data-testid="chosen-label">已记录：城乡建设' in triage_page(client, matter)

    def test_choice_permissions(self, client, world):
        matter = registered(world)
        client.force_login(world.clerk)
        token = token_of(triage_page(client, matter))
        choose = reverse("textmining:classify_choose")
        client.logout()
        response = client.post(choose, {"token": token, "chosen_label": "交通运输"})
        assert response.status_code == 302 and "login" in response["Location"]
        client.force_login(world.town_b_clerk)  # triages elsewhere: refused
        assert client.post(choose, {"token": token, "chosen_label": "交通运输"}).status_code == 403
        client.force_login(world.overseer)  # may view, may not triage
        assert client.post(choose, {"token": token, "chosen_label": "交通运输"}).status_code == 403
        client.force_login(world.clerk)
        assert client.post(choose, {"token": token + "x", "chosen_label": "交通运输"}).status_code == 400
        client.post(choose, {"token": token, "chosen_label": "不在列表中"})
        assert not ClassifierChoice.objects.exists()
        assert client.get(choose).status_code == 405
        client.post(choose, {"token": token, "chosen_label": "交通运输"})
        assert ClassifierChoice.objects.get().chosen_label == "交通运输"

    def test_retrain_from_decided_matters(self, client, world, settings):
        """`textmining_train --from-decided` learns the clerks' labels from the matters' own texts."""
        client.force_login(world.clerk)
        choose = reverse("textmining:classify_choose")
        for i, (title, detail, label) in enumerate(fixture_rows(per_label=8)):
            matter = registered(world, title=title, request=detail, facts=f"第{i}次反映")
            client.post(choose, {"token": token_of(triage_page(client, matter)), "chosen_label": label})
        assert ClassifierChoice.objects.count() == 24
        call_command("textmining_train", "--from-decided", "--output", "district", "--min-samples", "20")
        model = classifier.load("district")
        assert model.meta["samples"] == 24 and model.meta["source"] == "decided:petitions.matter"
        assert model.predict("拖欠工资 养老保险").label == "劳动和社会保障"


class MappingPageTests:
    def test_permissions_and_edit(self, client, world, django_assert_max_num_queries):
        url = reverse("textmining:classify_mappings")
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
        client.force_login(world.clerk)  # keeps no power list
        assert client.get(url).status_code == 403
        admin = make_user((Role.SYSTEM_ADMIN, world.mini.district))
        client.force_login(admin)
        for label in ("城乡建设", "交通运输", "劳动和社会保障"):
            response = client.post(
                url, {"organisation": world.mini.district.pk, "label": label, "category": label, "matter_type_code": ""}
            )
            assert response.status_code == 302
        with django_assert_max_num_queries(12):
            body = client.get(url).content.decode()
        assert body.count("/delete/") == 3
        mapping = LabelMapping.objects.get(label="交通运输")
        client.force_login(world.clerk)
        assert client.post(reverse("textmining:classify_mapping_delete", args=[mapping.pk])).status_code == 404
        client.force_login(admin)
        client.post(reverse("textmining:classify_mapping_delete", args=[mapping.pk]))
        assert not LabelMapping.objects.filter(pk=mapping.pk).exists()
