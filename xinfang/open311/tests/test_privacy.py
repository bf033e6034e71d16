"""Privacy first: petitions are not public reports. A client reads back only what it filed, never
the petitioner's name, phone, address or e-mail; reports on officials are never returned
(XF-CLS-03); the media link is recorded, not fetched; the e-mail is not stored."""

from __future__ import annotations

import json

import pytest

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.open311.models import Open311Request
from xinfang.petitions.models import Matter, Petitioner
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import LevelDecision, Nature

from .support import PERSON, RESIDENCE, file_request, get

pytestmark = pytest.mark.django_db

PERSONAL = ("王小明", "小明", PERSON["phone"], RESIDENCE, "幸福路", PERSON["email"], "example.com")


def _answers(client, setup, ref: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        get(client, path, setup.key, **params).content.decode()
        for path, params in (
            ("requests.json", {}),
            ("requests.xml", {}),
            (f"requests/{ref}.json", {}),
            (f"requests/{ref}.xml", {}),
            ("requests.json", {"service_request_id": ref}),
        )
    ]


class PersonalDataTests:
    def test_no_personal_data_in_the_answers(self, client, setup):
        """Only what describes the matter (description, place, coordinates, media link as sent)
        and its progress: never the petitioner's name, phone, residence or e-mail."""
        ref = file_request(client, setup.key)
        for body in _answers(client, setup, ref):
            assert ref in body
            for value in PERSONAL:
                assert value not in body, (value, body[:300])

    def test_the_email_is_not_stored(self, client, setup):
        """Data minimisation: the petitioner table has no e-mail and notices go to the residence;
        the e-mail sent is checked, then dropped (not in the matter, the petitioner or the log)."""
        ref = file_request(client, setup.key)
        matter = Matter.objects.get(public_ref=ref)
        rows = [
            str(Matter.objects.filter(pk=matter.pk).values().get()),
            str(list(Petitioner.objects.values())),
            str(list(Open311Request.objects.values())),
            json.dumps([e.summary for e in AuditEvent.objects.all()], ensure_ascii=False),
        ]
        assert all(PERSON["email"] not in row for row in rows)

    def test_the_audit_log_holds_no_personal_data(self, client, setup):
        ref = file_request(client, setup.key)
        matter = Matter.objects.get(public_ref=ref)
        summaries = json.dumps(
            [e.summary for e in AuditEvent.objects.filter(object_id=str(matter.pk))], ensure_ascii=False
        )
        assert ref in summaries
        for value in ("王小明", PERSON["phone"], RESIDENCE):
            assert value not in summaries

    def test_the_media_link_is_recorded_not_fetched(self, client, setup):
        """The link (an address on a test network that answers nothing) is kept on the request and
        noted after the facts for staff; the filing returns at once, nothing is downloaded."""
        ref = file_request(client, setup.key)
        matter = Matter.objects.get(public_ref=ref)
        assert Open311Request.objects.get(matter=matter).media_url == "http://192.0.2.1/photo.jpg"
        assert "http://192.0.2.1/photo.jpg" in matter.facts and "未下载" in matter.facts
        assert not matter.attachments.exists()


class ReportsOnOfficialsTests:
    def test_a_report_on_an_official_is_never_listed(self, client, setup):
        """XF-CLS-03: once triage records a report naming who is reported, the request disappears
        from the client's list and its detail is "not found" — the client may be run by the very
        unit reported."""
        ref = file_request(client, setup.key)
        kept = file_request(client, setup.key, {"description": "另一件事：工地欠薪。"})
        matter = Matter.objects.get(public_ref=ref)
        clerk = make_user((Role.RECEPTION_CLERK, setup.mini.petition_bureau))
        matter_triage(
            actor=clerk,
            matter=matter,
            level=LevelDecision.THIS_LEVEL,
            nature=Nature.REPORT,
            reported_names="某村干部",
            reported_orgs=[setup.mini.village_a1],
        )
        listed = {r["service_request_id"] for r in get(client, "requests.json", setup.key).json()}
        assert listed == {kept}
        assert get(client, f"requests/{ref}.json", setup.key).status_code == 404
        assert get(client, "requests.json", setup.key, service_request_id=ref).json() == []
        assert ref not in get(client, "requests.xml", setup.key).content.decode()

    def test_a_report_by_nature_alone_is_never_listed(self, client, setup):
        ref = file_request(client, setup.key)
        clerk = make_user((Role.RECEPTION_CLERK, setup.mini.petition_bureau))
        matter_triage(
            actor=clerk,
            matter=Matter.objects.get(public_ref=ref),
            level=LevelDecision.THIS_LEVEL,
            nature=Nature.DISCIPLINE,
        )
        assert get(client, f"requests/{ref}.json", setup.key).status_code == 404

    def test_a_filing_under_the_misconduct_service_is_a_report_from_the_start(self, client, setup):
        """XINFANG_OPEN311_REPORT_SERVICE_CODES: filed, answered with its reference, never read back."""
        ref = file_request(
            client, setup.key, {"service_code": "OFFICIAL-MISCONDUCT", "description": "村干部收受好处。"}
        )
        assert Matter.objects.filter(public_ref=ref).exists()
        assert get(client, f"requests/{ref}.json", setup.key).status_code == 404
        assert get(client, "requests.json", setup.key).json() == []
