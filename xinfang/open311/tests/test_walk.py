"""A civic app's walk through Open311 GeoReport v2 (issue 6 item 3): the service list in English
and traditional Chinese, a filing in JSON and in XML, the request read back with its status and
expected date, and the matter in the staff workbench (channel online, source open311, clocks
started; XF-CH-01, XF-CH-05, XF-REG-03)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.open311.models import Open311Request
from xinfang.petitions.models import Matter, Petitioner
from xinfang.petitions.services.triage import matter_accept_here, matter_not_accept, matter_triage
from xinfang.petitions.states import (
    CLOCK_HANDLING,
    CLOCK_NOTICE,
    CLOCK_TRIAGE,
    Channel,
    LevelDecision,
    Nature,
    NonAcceptanceGround,
    Source,
    Status,
)
from xinfang.portal.credentials import ALPHABET, REF_LENGTH
from xinfang.portal.wording import status_sentence
from xinfang.workcalendar.models import Clock

from .support import BASE, FORM, RESIDENCE, file_request, get, post, xml

pytestmark = pytest.mark.django_db


def _clock(matter: Matter, kind: str) -> Clock:
    return Clock.objects.get(object_type="petitions.matter", object_id=str(matter.pk), kind=kind, stopped_at=None)


def _end_of(day: datetime.date) -> str:
    return f"{day.isoformat()}T23:59:59+08:00"


class ServiceListTests:
    def test_services_in_english_and_traditional_chinese(self, client, setup):
        """The active matter types, by `?locale=` or Accept-Language; the group is the competent
        department at district level from the power list; inactive types are not offered."""
        english = get(client, "services.json", locale="en")
        assert english.status_code == 200
        assert english["Content-Type"] == "application/json; charset=utf-8"
        rows = {row["service_code"]: row for row in english.json()}
        assert set(rows) == {"WAGE-ARREARS", "HOUSING-QUALITY", "OFFICIAL-MISCONDUCT"}
        wages = rows["WAGE-ARREARS"]
        assert wages["service_name"] == "Wage arrears"
        assert (wages["metadata"], wages["type"]) == (True, "realtime")
        assert wages["keywords"] == "欠薪, 讨薪, 工资"
        assert wages["group"] == setup.mini.housing_bureau.name
        assert rows["HOUSING-QUALITY"]["group"] == ""
        traditional = client.get(f"{BASE}/services.json", headers={"accept-language": "zh-hant"}).json()
        names = {row["service_code"]: row["service_name"] for row in traditional}
        assert names["WAGE-ARREARS"] == "拖欠工資"
        assert names["HOUSING-QUALITY"] == "房屋質量與交付"
        simplified = {row["service_code"]: row["service_name"] for row in get(client, "services.json").json()}
        assert simplified["WAGE-ARREARS"] == "拖欠工资"

    def test_services_in_xml(self, client, setup):
        root = xml(get(client, "services.xml", locale="zh-hant"))
        assert root.tag == "services"
        services = root.findall("service")
        assert [s.findtext("service_code") for s in services] == [
            "WAGE-ARREARS",
            "HOUSING-QUALITY",
            "OFFICIAL-MISCONDUCT",
        ]
        assert services[0].findtext("service_name") == "拖欠工資"
        assert services[0].findtext("metadata") == "true"

    def test_service_definition_asks_for_request_and_residence(self, client, setup):
        """条例 Art. 19: a petition states request, facts and reasons, name and address — the
        description is the facts; request and residence are required attributes."""
        body = get(client, "services/WAGE-ARREARS.json").json()
        assert body["service_code"] == "WAGE-ARREARS"
        attributes = {a["code"]: a for a in body["attributes"]}
        assert [a["code"] for a in body["attributes"]] == ["request", "reasons", "residence", "title"]
        assert attributes["request"]["required"] and attributes["residence"]["required"]
        assert not attributes["reasons"]["required"] and not attributes["title"]["required"]
        assert attributes["request"]["datatype"] == "text"
        assert [a["order"] for a in body["attributes"]] == [1, 2, 3, 4]
        root = xml(get(client, "services/WAGE-ARREARS.xml"))
        assert root.tag == "service_definition"
        assert [a.findtext("code") for a in root.findall("attributes/attribute")] == [
            "request",
            "reasons",
            "residence",
            "title",
        ]
        assert root.findtext("attributes/attribute/variable") == "true"

    def test_unknown_or_inactive_service_is_not_found(self, client, setup):
        for code in ("NOPE", "RETIRED"):
            response = get(client, f"services/{code}.json")
            assert response.status_code == 404
            assert response.json()[0]["code"] == 404


class FilingTests:
    def test_file_in_json_registers_an_online_open311_matter(self, client, setup):
        """XF-CH-01/05: channel online, source open311, at the district petition bureau, by the
        client's service account; the petitioner recorded; triage and notice clocks run (D1, D2);
        the answer is GeoReport's array with the random public reference."""
        response = post(client, setup.key)
        assert response.status_code == 201, response.content.decode()
        assert response["Content-Type"] == "application/json; charset=utf-8"
        [answer] = response.json()
        assert set(answer) == {"service_request_id", "service_notice", "account_id"}
        ref = answer["service_request_id"]
        assert len(ref) == REF_LENGTH and set(ref) <= set(ALPHABET)
        matter = Matter.objects.get(public_ref=ref)
        assert response["Location"] == f"{BASE}/requests/{ref}.json"
        assert (matter.channel, matter.source, matter.status) == (Channel.ONLINE, Source.OPEN311, Status.REGISTERED)
        assert matter.registered_org == setup.mini.petition_bureau
        assert matter.registered_by == setup.client.account
        assert matter.request == FORM["attribute[request]"] and matter.reasons == FORM["attribute[reasons]"]
        assert matter.facts.startswith(FORM["description"])
        assert matter.title.startswith("拖欠工资：")
        assert "甲一村村口工地" in matter.place_text and "22.801235, 113.500000" in matter.place_text
        person = Petitioner.objects.get(matter_roles__matter=matter)
        assert (person.name, person.phone, person.address) == ("王小明", "13800001111", RESIDENCE)
        notice_due = _clock(matter, CLOCK_NOTICE).due_date
        assert _clock(matter, CLOCK_TRIAGE).due_date
        assert status_sentence(Status.REGISTERED) in answer["service_notice"]
        assert notice_due.strftime("%Y") in answer["service_notice"]
        assert answer["account_id"] is None
        request = Open311Request.objects.get(matter=matter)
        assert (request.client, request.service_code, request.matter_type) == (
            setup.client,
            "WAGE-ARREARS",
            setup.wages,
        )
        assert str(request.latitude) == "22.801235"
        event = AuditEvent.objects.get(action="open311.request_submit", object_id=str(matter.pk))
        assert event.actor_label == setup.client.account.username
        assert event.summary["after"]["public_ref"] == ref

    def test_the_matter_is_in_the_staff_workbench(self, client, setup):
        """Staff see the filed matter like any other, with its channel and source."""
        ref = file_request(client, setup.key)
        matter = Matter.objects.get(public_ref=ref)
        clerk = make_user((Role.RECEPTION_CLERK, setup.mini.petition_bureau))
        client.force_login(clerk)
        inbox = client.get(reverse("petitions:inbox")).content.decode()
        assert matter.number in inbox
        detail = client.get(reverse("petitions:matter_detail", args=[matter.pk])).content.decode()
        assert "网上信访" in detail and "第三方应用（Open311）" in detail

    def test_file_in_xml(self, client, setup):
        response = post(client, setup.key, fmt="xml")
        assert response.status_code == 201
        root = xml(response)
        assert root.tag == "service_requests"
        [request] = root.findall("request")
        ref = request.findtext("service_request_id")
        assert Matter.objects.filter(public_ref=ref, source=Source.OPEN311).exists()
        assert request.find("account_id") is not None and request.findtext("account_id") == ""
        assert response["Location"] == f"{BASE}/requests/{ref}.xml"

    def test_json_body_with_an_attribute_object(self, client, setup):
        """A JSON body is accepted too, with the attributes as an object."""
        body: dict[str, Any] = {k: v for k, v in FORM.items() if not k.startswith("attribute[")}
        body |= {"api_key": setup.key, "attribute": {"request": "请求支付工资。", "residence": RESIDENCE}}
        response = client.post(f"{BASE}/requests.json", body, content_type="application/json")
        assert response.status_code == 201, response.content.decode()
        matter = Matter.objects.get(public_ref=response.json()[0]["service_request_id"])
        assert matter.request == "请求支付工资。"

    def test_a_village_by_address_id(self, client, setup):
        """address_id is an organisation code of a place in the district (village, community, grid)."""
        ref = file_request(
            client,
            setup.key,
            {"address_id": setup.mini.village_a1.code, "address_string": None, "lat": None, "long": None},
        )
        matter = Matter.objects.get(public_ref=ref)
        assert matter.place_org == setup.mini.village_a1
        row = get(client, f"requests/{ref}.json", setup.key).json()[0]
        assert row["address_id"] == setup.mini.village_a1.code
        assert row["address"] == setup.mini.village_a1.name
        assert row["lat"] is None

    def test_the_same_filing_twice_is_one_matter(self, client, setup):
        """A retry without Idempotency-Key (the same petition from the same client, the same day)
        gives the first answer; with an Idempotency-Key the stored answer is replayed."""
        first = file_request(client, setup.key)
        assert file_request(client, setup.key) == first
        assert Open311Request.objects.count() == 1 and Matter.objects.count() == 1
        headers = {"Idempotency-Key": "app-42"}
        one = post(client, setup.key, {"description": "另一件事：村道路灯不亮。"}, headers=headers)
        two = post(client, setup.key, {"description": "另一件事：村道路灯不亮。"}, headers=headers)
        assert one.status_code == two.status_code == 201
        assert two["Idempotent-Replayed"] == "true"
        assert one.json() == two.json()
        assert Matter.objects.count() == 2

    def test_an_xml_filing_replayed_is_xml_and_the_suffix_decides_the_format(self, client, setup):
        headers = {"Idempotency-Key": "app-xml-1", "Accept": "application/json"}
        one = post(client, setup.key, fmt="xml", headers=headers)
        two = post(client, setup.key, fmt="xml", headers=headers)
        assert (one.status_code, two.status_code, two["Idempotent-Replayed"]) == (201, 201, "true")
        assert xml(two).findtext("request/service_request_id") == xml(one).findtext("request/service_request_id")
        answer = client.get(f"{BASE}/services.json", headers={"Accept": "text/xml"})
        assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")


class ReadBackTests:
    def test_read_back_status_and_expected_date(self, client, setup):
        """Registered: open, the portal's status sentence, expected = the next step owed (the
        15-day decision and notice, D1/D2); accepted: expected = the 60-day handling clock (D6)."""
        ref = file_request(client, setup.key)
        matter = Matter.objects.get(public_ref=ref)
        [row] = get(client, f"requests/{ref}.json", setup.key).json()
        assert row["service_request_id"] == ref
        assert (row["status"], row["status_notes"]) == ("open", status_sentence(Status.REGISTERED))
        assert (row["service_code"], row["service_name"]) == ("WAGE-ARREARS", "拖欠工资")
        assert row["description"] == matter.facts
        assert row["agency_responsible"] == setup.mini.petition_bureau.name
        assert row["requested_datetime"] == timezone.localtime(matter.received_at).isoformat(timespec="seconds")
        assert row["requested_datetime"].endswith("+08:00")
        first_due = min(_clock(matter, CLOCK_TRIAGE).due_date, _clock(matter, CLOCK_NOTICE).due_date)
        assert row["expected_datetime"] == _end_of(first_due)
        assert (row["lat"], row["long"]) == (22.801235, 113.5)
        assert row["media_url"] == FORM["media_url"]
        assert row["address"].startswith("甲一村村口工地")

        clerk = make_user((Role.RECEPTION_CLERK, setup.mini.petition_bureau))
        matter_triage(actor=clerk, matter=matter, level=LevelDecision.THIS_LEVEL, nature=Nature.GRIEVANCE)
        matter_accept_here(actor=clerk, matter=matter)
        [row] = get(client, f"requests/{ref}.json", setup.key, locale="en").json()
        assert row["status"] == "open"
        assert row["expected_datetime"] == _end_of(_clock(matter, CLOCK_HANDLING).due_date)
        assert row["service_name"] == "Wage arrears"

    def test_a_matter_not_accepted_is_closed(self, client, setup):
        ref = file_request(client, setup.key)
        matter = Matter.objects.get(public_ref=ref)
        clerk = make_user((Role.RECEPTION_CLERK, setup.mini.petition_bureau))
        matter_triage(actor=clerk, matter=matter, level=LevelDecision.OUTSIDE, nature=Nature.GRIEVANCE)
        matter_not_accept(
            actor=clerk,
            matter=matter,
            ground=NonAcceptanceGround.NOT_OUR_POWER,
            proper_channel="向有权机关提出。",
            legal_basis="《信访工作条例》第二十三条",
        )
        [row] = get(client, f"requests/{ref}.json", setup.key).json()
        assert row["status"] == "closed"
        assert row["status_notes"] == status_sentence(Status.NOT_ACCEPTED)
        assert row["expected_datetime"] is None
        assert get(client, "requests.json", setup.key, status="closed").json()[0]["service_request_id"] == ref
        assert get(client, "requests.json", setup.key, status="open").json() == []

    def test_list_in_xml_and_filters(self, client, setup):
        first = file_request(client, setup.key)
        second = file_request(client, setup.key, {"service_code": "HOUSING-QUALITY", "description": "新房漏水。"})
        root = xml(get(client, "requests.xml", setup.key))
        assert root.tag == "service_requests"
        assert [r.findtext("service_request_id") for r in root.findall("request")] == [second, first]
        assert root.findtext("request/status") == "open"
        assert root.find("request/zipcode") is not None
        codes = get(client, "requests.json", setup.key, service_code="HOUSING-QUALITY").json()
        assert [r["service_request_id"] for r in codes] == [second]
        ids = get(client, "requests.json", setup.key, service_request_id=f"{first}, {second.lower()}").json()
        assert {r["service_request_id"] for r in ids} == {first, second}
        now = timezone.now()
        window = {
            "start_date": (now - datetime.timedelta(days=100)).isoformat(),
            "end_date": (now - datetime.timedelta(days=20)).isoformat(),
        }
        assert get(client, "requests.json", setup.key, **window).json() == []
        today = get(client, "requests.json", setup.key, start_date=timezone.localdate().isoformat()).json()
        assert len(today) == 2

    def test_reading_a_list_takes_a_fixed_number_of_queries(self, client, setup, django_assert_max_num_queries):
        for n in range(6):
            file_request(client, setup.key, {"description": f"第{n}件事：工地欠薪。"})
        with django_assert_max_num_queries(6):
            rows = get(client, "requests.json", setup.key).json()
        assert len(rows) == 6


class DiscoveryTests:
    def test_discovery_in_json_and_xml(self, client, setup):
        body = client.get("/open311/discovery.json").json()
        assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
        assert setup.mini.petition_bureau.name in body["contact"]
        [endpoint] = body["endpoints"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "http://testserver/open311/v2"
        assert endpoint["type"] == "production"
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert body["changeset"] and body["changeset"] == endpoint["changeset"]
        root = xml(client.get("/open311/discovery.xml"))
        assert root.tag == "discovery"
        assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
        assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
