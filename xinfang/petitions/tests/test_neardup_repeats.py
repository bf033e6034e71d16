"""Repeat detection through the near-duplicate index (issue 9 item 2; A2, XF-REG-04): registration
indexes the matter's text in its own transaction, `repeat_candidates` re-scores only the index's
candidates, and it proposes the same matters as the brute-force comparison over the whole window."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.petitions.models import Matter
from xinfang.petitions.services.common import OBJECT_TYPE
from xinfang.petitions.services.intake import LinkDecision, PetitionerData
from xinfang.petitions.services.repeats import (
    matter_index_text,
    normalise_text,
    repeat_candidates,
    similar_texts,
    text_min_score,
)
from xinfang.petitions.states import LinkKind
from xinfang.petitions.testing import register_walk_in, walk_in_data
from xinfang.textmining.models import NearDupBand
from xinfang.textmining.services import neardup_forget

pytestmark = pytest.mark.django_db

MESSAGES = Path(os.environ.get("XINFANG_SHARED_DATA", Path(settings.BASE_DIR).parent / "shared" / "data")) / (
    "messages_with_votes.csv"
)


def bands() -> int:
    return int(settings.XINFANG_NEARDUP["BANDS"])


def person(n: int) -> list[PetitionerData]:
    return [PetitionerData(name=f"信访人{n}")]  # a name alone never makes "the same petitioner"


class NearDupRegistrationTests:
    def test_registration_indexes_the_matter_with_a_bounded_number_of_rows(self, mini):
        first = register_walk_in(mini)
        second = register_walk_in(mini, petitioners=person(2))
        rows = NearDupBand.objects.filter(object_type=OBJECT_TYPE)
        assert rows.filter(object_id=first.pk).count() == bands()
        assert rows.count() == 2 * bands()
        assert set(rows.filter(object_id=second.pk).values_list("at", flat=True)) == {second.received_at}

    def test_a_registration_that_fails_leaves_no_index_row(self, mini):
        earlier = register_walk_in(mini)
        wrong = LinkDecision(other=earlier, kind=LinkKind.AFTER_RE_REVIEW, reason="同一事项")  # not final
        with pytest.raises(ValidationError):
            register_walk_in(mini, petitioners=person(1), links=[wrong])
        assert Matter.objects.count() == 1
        assert set(NearDupBand.objects.values_list("object_id", flat=True)) == {earlier.pk}

    def test_the_text_proposal_comes_from_the_index(self, mini):
        earlier = register_walk_in(mini)
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        data = walk_in_data(petitioners=person(1))
        assert [c.matter for c in repeat_candidates(user=clerk, data=data, organisation=mini.petition_bureau)] == [
            earlier
        ]
        neardup_forget(object_type=OBJECT_TYPE)  # an index that lost the matter: no text proposal
        assert repeat_candidates(user=clerk, data=data, organisation=mini.petition_bureau) == []
        out = io.StringIO()
        call_command("neardup_rebuild", stdout=out, stderr=io.StringIO())
        assert f"{OBJECT_TYPE}: 1 indexed, {bands()} band rows" in out.getvalue()
        found = repeat_candidates(user=clerk, data=data, organisation=mini.petition_bureau)
        assert [(c.matter, c.basis) for c in found] == [(earlier, ("text",))]

    def test_rebuild_replaces_every_row_and_records_one_audit_event(self, mini):
        matters = [register_walk_in(mini, petitioners=person(n), title=f"工地拖欠工资{n}") for n in range(3)]
        call_command("neardup_rebuild", "--batch-size", "2", stdout=io.StringIO(), stderr=io.StringIO())
        call_command("neardup_rebuild", stdout=io.StringIO(), stderr=io.StringIO())
        assert NearDupBand.objects.count() == len(matters) * bands()
        events = AuditEvent.objects.filter(action="textmining.neardup_rebuild")
        assert events.count() == 2
        assert events.last().summary["after"]["objects"] == 3  # type: ignore[union-attr]

    def test_rebuild_refuses_an_unknown_type(self):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="unknown object type"):
            call_command("neardup_rebuild", "--type", "nope.nothing", stdout=io.StringIO(), stderr=io.StringIO())


def real_messages() -> list[dict[str, str]]:
    if not MESSAGES.exists():
        message = f"real messages not found at {MESSAGES} (set XINFANG_SHARED_DATA)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with MESSAGES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def variant(detail: str) -> str:
    """A near-duplicate as petitioners write them again: a greeting and a plea added, and in a longer
    letter the first sentence dropped."""
    sentences = detail.split("。")
    body = "。".join(sentences[1:]) if len(sentences) > 4 else detail
    return "尊敬的领导：" + body + "我们已多次反映，至今没有答复，恳请尽快处理。"


class NearDupRealMessagesTests:
    def test_the_same_proposals_as_the_brute_force_comparison(self, mini):
        rows = real_messages()
        groups: dict[str, list[int]] = {}
        for index, row in enumerate(rows):
            groups.setdefault(normalise_text(row["detail"]), []).append(index)
        repeated = [g for g in groups.values() if len(g) > 1][:12]
        singles = [g[0] for g in groups.values() if len(g) == 1 and len(rows[g[0]]["detail"]) > 60]
        stored = [g[0] for g in repeated] + singles[:40]
        probes = [(rows[g[1]]["title"], rows[g[1]]["detail"]) for g in repeated]
        probes += [(rows[i]["title"], variant(rows[i]["detail"])) for i in singles[:20]]
        probes += [(rows[i]["title"], rows[i]["detail"]) for i in singles[60:70]]  # stored nowhere

        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        for n, index in enumerate(stored):
            row = rows[index]
            title = row["title"][:120]
            register_walk_in(mini, petitioners=person(n), title=title, request=row["title"], facts=row["detail"])
        corpus = [(m.pk, normalise_text(m.title), normalise_text(matter_index_text(m))) for m in Matter.objects.all()]
        proposals = 0
        for n, (title, detail) in enumerate(probes):
            data = walk_in_data(petitioners=person(1000 + n), title=title[:120], request=title, facts=detail)
            text = normalise_text(" ".join([data.title, data.request, data.facts]))
            before = {
                pk
                for pk, _score in similar_texts(
                    title=normalise_text(data.title), text=text, corpus=corpus, min_score=text_min_score(), limit=50
                )
            }
            now = repeat_candidates(user=clerk, data=data, organisation=mini.petition_bureau, limit=50)
            assert {c.matter.pk for c in now if "text" in c.basis} == before, title
            proposals += len(before)
        assert proposals >= len(repeated) + 15  # the exact repeats and most variants are proposed
