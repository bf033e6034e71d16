"""The matters API (/api/v1/matters/): registration, the triage and routing actions and the walk of
a matter through them with the tokens of the people at each organisation; idempotency keys, ETags
and If-Match; the one permission path (XF-CLS-03: a report is never shown to the person reported);
errors per field in the reader's language; masked personal data; a list whose query count does not
grow with its length."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.petitions.models import Matter, Routing
from xinfang.petitions.services.intake import matter_register
from xinfang.petitions.services.triage import matter_triage
from xinfang.petitions.states import (
    CLOCK_HANDLING,
    CLOCK_NOTICE,
    CLOCK_OBJECTION,
    CLOCK_TRIAGE,
    Channel,
    LevelDecision,
    Nature,
    Status,
)
from xinfang.petitions.testing import walk_in_data

from .api_support import (
    BASIS,
    MATTERS,
    PETITIONERS,
    ROUTINGS,
    errors_by_attr,
    matter_url,
    routing_url,
    token_client,
    walk_in_body,
)
from .handling_support import HandlingWorld, build_handling_world

pytestmark = pytest.mark.django_db

# Every action of this module on one matter (the handling actions are tested with their own API).
ACTIONS = [
    "triage",
    "accept",
    "not-accept",
    "guide-elsewhere",
    "correct-received-at",
    "flag-urgent",
    "forward",
    "assign",
    "notices",
    "attachments",
]


@pytest.fixture
def hw(mini) -> HandlingWorld:
    return build_handling_world(mini)


def register(api, **overrides):  # type: ignore[no-untyped-def]
    response = api.post(MATTERS, walk_in_body(**overrides))
    assert response.status_code == 201, response.json()
    return response


def running(body: dict) -> set[str]:
    return {clock["kind"] for clock in body["clocks"] if clock["is_running"]}


class WalkTests:
    def test_register_triage_forward_routing_accept_notice_over_the_api(self, hw):
        """XF-REG-01/03, XF-TRI-01, XF-NOT-03, XF-NOT-01..03: the counter registers, the bureau
        triages and forwards to town A, town A accepts and gives its notice, the bureau gives the
        "forwarded to" notice — each with its own token, each step a state change with its clocks."""
        bureau = token_client(hw.clerk)
        created = bureau.post(MATTERS, walk_in_body(), HTTP_IDEMPOTENCY_KEY="walk-1")
        assert created.status_code == 201
        body = created.json()
        pk = body["id"]
        assert created["Location"] == matter_url(pk)
        assert created["ETag"] == bureau.get(matter_url(pk))["ETag"]
        assert body["status"] == Status.REGISTERED
        assert body["registered_org"] == body["current_org"] == hw.mini.petition_bureau.pk
        assert body["oral_recorded_by"] == str(hw.clerk)  # XF-REG-01: the form's default recorder
        assert running(body) == {CLOCK_TRIAGE, CLOCK_NOTICE}
        assert body["repeat_candidates"] == []
        assert body["participants"][0]["petitioner"]["id_number_masked"] == "4401**********1234"

        triaged = bureau.post(
            matter_url(pk, "triage"),
            {"level_decision": LevelDecision.LOWER, "nature": Nature.GRIEVANCE},
            HTTP_IF_MATCH=created["ETag"],
        )
        assert triaged.status_code == 200, triaged.json()
        assert (triaged.json()["level_decision"], triaged.json()["nature"]) == ("lower", "grievance")
        assert triaged["ETag"] != created["ETag"]

        forwarded = bureau.post(
            matter_url(pk, "forward"), {"to_org": hw.town.pk, "basis": BASIS}, HTTP_IF_MATCH=triaged["ETag"]
        )
        assert forwarded.status_code == 200, forwarded.json()
        body = forwarded.json()
        assert body["status"] == Status.FORWARDED
        assert body["current_org"] == hw.town.pk
        assert [r["to_org"] for r in body["routings"]] == [hw.town.pk]
        assert CLOCK_TRIAGE not in running(body) and CLOCK_OBJECTION in running(body)

        town = token_client(hw.town_head)
        rows = town.get(ROUTINGS, {"matter": pk}).json()["results"]
        assert [(r["to_org"], r["outcome"]) for r in rows] == [(hw.town.pk, "pending")]
        read = town.get(routing_url(rows[0]["id"]))
        accepted = town.post(routing_url(rows[0]["id"], "accept"), HTTP_IF_MATCH=read["ETag"])
        assert accepted.status_code == 200, accepted.json()
        assert (accepted.json()["outcome"], accepted.json()["matter_status"]) == ("accepted", Status.ACCEPTED)
        assert accepted["ETag"] != read["ETag"]

        matter = town.get(matter_url(pk)).json()
        assert matter["status"] == Status.ACCEPTED and matter["accepted_at"]
        assert CLOCK_HANDLING in running(matter) and CLOCK_OBJECTION not in running(matter)

        given = town.post(matter_url(pk, "notices"), {"kind": "receipt", "method": "post"})
        assert given.status_code == 201, given.json()
        assert [(n["kind"], n["issuing_org"]) for n in given.json()["notices"]] == [("receipt", hw.town.pk)]
        told = bureau.post(matter_url(pk, "notices"), {"kind": "forwarded_to", "method": "post"})
        assert told.status_code == 201, told.json()
        assert len(told.json()["notices"]) == 2

        actions = set(
            AuditEvent.objects.filter(object_type="petitions.matter", object_id=str(pk)).values_list(
                "action", flat=True
            )
        )
        assert {"matter.register", "matter.triage", "matter.forward", "routing.accept"} <= actions

    def test_accept_here_and_the_repeat_proposal_of_the_same_petitioner(self, hw):
        """XF-REG-04: a second matter of the same petitioner comes back with the earlier one proposed,
        as the counter form shows it; XF-TRI-01: the bureau accepts a this-level matter itself (D6)."""
        bureau = token_client(hw.clerk)
        first = register(bureau).json()
        second = register(
            bureau, title="物业费纠纷", request="请求物业公司退还多收的物业费。", facts="多收了半年物业费。"
        )
        candidates = second.json()["repeat_candidates"]
        assert [c["matter"] for c in candidates] == [first["id"]]
        assert candidates[0]["same_petitioner"] is True
        assert {d["link_choice"] for d in candidates[0]["decisions"]} >= {f"{first['id']}:same_petitioner"}
        pk = second.json()["id"]
        bureau.post(matter_url(pk, "triage"), {"level_decision": "this", "nature": "grievance"})
        accepted = bureau.post(matter_url(pk, "accept"), {"note": "本机关受理"})
        assert accepted.status_code == 200, accepted.json()
        assert accepted.json()["status"] == Status.ACCEPTED
        assert CLOCK_HANDLING in running(accepted.json())

    def test_register_with_a_repeat_decision(self, hw):
        """XF-REG-04: the decision on a proposal travels with the registration (link_choice and its
        reason), and the service records the link."""
        bureau = token_client(hw.clerk)
        first = register(bureau).json()
        second = bureau.post(
            MATTERS,
            walk_in_body(link_choice=f"{first['id']}:same_petitioner", link_reason="同一人反映的另一问题"),
        )
        assert second.status_code == 201, second.json()
        links = second.json()["links"]
        assert [(row["other"], row["direction"]) for row in links] == [(first["id"], "out")]
        missing_reason = bureau.post(MATTERS, walk_in_body(link_choice=f"{first['id']}:same_petitioner"))
        assert missing_reason.status_code == 400
        assert "link_reason" in errors_by_attr(missing_reason)

    def test_a_user_who_registers_nowhere_gets_403(self, hw):
        response = token_client(hw.housing_officer).post(MATTERS, walk_in_body())
        assert response.status_code == 403
        assert response.json()["errors"][0]["detail"] == "您没有登记信访事项的权限。"
        assert not Matter.objects.exists()

    def test_registering_at_another_office_than_ones_own_is_refused(self, hw):
        response = token_client(hw.clerk).post(MATTERS, walk_in_body(organisation=hw.mini.town_b_office.pk))
        assert response.status_code == 400
        assert errors_by_attr(response)["organisation"][0]["code"] == "invalid_choice"


class IdempotencyTests:
    def test_same_key_twice_registers_once_and_replays_the_answer(self, hw):
        api = token_client(hw.clerk)
        body = walk_in_body()
        first = api.post(MATTERS, body, HTTP_IDEMPOTENCY_KEY="reg-1")
        second = api.post(MATTERS, body, HTTP_IDEMPOTENCY_KEY="reg-1")
        assert first.status_code == second.status_code == 201
        assert second["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first
        assert second["Location"] == first["Location"]
        assert second.json() == first.json()
        assert Matter.objects.count() == 1

    def test_same_key_with_another_body_is_refused(self, hw):
        api = token_client(hw.clerk)
        api.post(MATTERS, walk_in_body(), HTTP_IDEMPOTENCY_KEY="reg-2")
        other = api.post(MATTERS, walk_in_body(title="另一标题"), HTTP_IDEMPOTENCY_KEY="reg-2")
        assert other.status_code in (400, 422)
        assert other.json()["errors"][0]["code"] == "idempotency_key_reused"
        assert Matter.objects.count() == 1

    def test_the_key_is_stored_with_the_matter_and_the_answer_added_after_the_commit(self, hw):
        from xinfang.core.models import IdempotencyKey

        api = token_client(hw.clerk)
        first = api.post(MATTERS, walk_in_body(), HTTP_IDEMPOTENCY_KEY="reg-stored")
        row = IdempotencyKey.objects.get(key="reg-stored")
        assert row.state == IdempotencyKey.State.DONE
        assert row.response_location == first["Location"]
        assert row.response_body == first.json()

    def test_a_replay_whose_stored_answer_is_missing_builds_it_again(self, hw):
        """The server stopped between the commit and storing the answer: the replay answers from the
        matter the key registered, and registers nothing."""
        from xinfang.core.models import IdempotencyKey

        api = token_client(hw.clerk)
        body = walk_in_body()
        first = api.post(MATTERS, body, HTTP_IDEMPOTENCY_KEY="reg-lost")
        IdempotencyKey.objects.filter(key="reg-lost").update(response_body=None)
        again = api.post(MATTERS, body, HTTP_IDEMPOTENCY_KEY="reg-lost")
        assert again.status_code == 201
        assert again["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["number"] == first.json()["number"]
        assert Matter.objects.count() == 1

    def test_a_refused_request_keeps_no_key(self, hw):
        from xinfang.core.models import IdempotencyKey

        api = token_client(hw.clerk)
        refused = api.post(MATTERS, walk_in_body(request=""), HTTP_IDEMPOTENCY_KEY="reg-fix")
        assert refused.status_code == 400
        assert not IdempotencyKey.objects.filter(key="reg-fix").exists()
        fixed = api.post(MATTERS, walk_in_body(), HTTP_IDEMPOTENCY_KEY="reg-fix")
        assert fixed.status_code == 201

    def test_without_a_key_each_post_registers(self, hw):
        api = token_client(hw.clerk)
        register(api)
        register(api)
        assert Matter.objects.count() == 2

    def test_an_action_sent_twice_with_its_key_acts_once(self, hw):
        """XF-URG-01: the second "flag urgent" is the stored answer, not the service's refusal."""
        api = token_client(hw.clerk)
        pk = register(api).json()["id"]
        first = api.post(matter_url(pk, "flag-urgent"), {"reason": "群体聚集"}, HTTP_IDEMPOTENCY_KEY="urgent-1")
        again = api.post(matter_url(pk, "flag-urgent"), {"reason": "群体聚集"}, HTTP_IDEMPOTENCY_KEY="urgent-1")
        assert first.status_code == again.status_code == 200
        assert again["Idempotent-Replayed"] == "true"
        assert AuditEvent.objects.filter(action="matter.flag_urgent").count() == 1
        refused = api.post(matter_url(pk, "flag-urgent"), {"reason": "群体聚集"})
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["code"] == "stale"


class IfMatchTests:
    def test_a_stale_etag_is_refused_with_412_and_nothing_is_written(self, hw):
        api = token_client(hw.clerk)
        pk = register(api).json()["id"]
        old = api.get(matter_url(pk))["ETag"]
        fresh = api.post(matter_url(pk, "triage"), {"level_decision": "this", "nature": "grievance"}, HTTP_IF_MATCH=old)
        assert fresh.status_code == 200
        events = AuditEvent.objects.count()
        stale = api.post(matter_url(pk, "flag-urgent"), {"reason": "群体聚集"}, HTTP_IF_MATCH=old)
        assert stale.status_code == 412
        assert stale.json()["errors"][0]["code"] == "precondition_failed"
        assert AuditEvent.objects.count() == events
        assert Matter.objects.get(pk=pk).is_urgent is False
        current = api.post(matter_url(pk, "flag-urgent"), {"reason": "群体聚集"}, HTTP_IF_MATCH=fresh["ETag"])
        assert current.status_code == 200 and current.json()["is_urgent"] is True

    def test_any_change_of_the_matter_moves_its_etag(self, hw):
        """A change through the HTML pages (a service called directly) also makes an old ETag stale."""
        api = token_client(hw.clerk)
        pk = register(api).json()["id"]
        old = api.get(matter_url(pk))["ETag"]
        matter_triage(actor=hw.clerk, matter=Matter.objects.get(pk=pk), level="this", nature="grievance")
        assert api.get(matter_url(pk))["ETag"] != old
        stale = api.post(matter_url(pk, "accept"), {}, HTTP_IF_MATCH=old)
        assert stale.status_code == 412
        assert Matter.objects.get(pk=pk).status == Status.REGISTERED


class PermissionTests:
    def test_another_organisations_user_gets_404_on_read_and_on_every_action(self, hw):
        """XF-CLS-03 and the one permission path: street B's clerk does not learn the matter exists."""
        pk = register(token_client(hw.clerk)).json()["id"]
        outsider = token_client(hw.world.town_b_clerk)
        assert outsider.get(matter_url(pk)).status_code == 404
        assert pk not in [row["id"] for row in outsider.get(MATTERS).json()["results"]]
        for name in ACTIONS:
            response = outsider.post(matter_url(pk, name), {"reason": "x"})
            assert response.status_code == 404, name
            assert response.json()["errors"][0]["code"] == "not_found"
        assert Matter.objects.get(pk=pk).status == Status.REGISTERED

    def test_a_viewer_without_the_triage_right_gets_403(self, hw):
        """The triage pages' own check (matter.triage where the matter is held) before the body."""
        pk = register(token_client(hw.clerk)).json()["id"]
        overseer = token_client(hw.world.overseer)
        assert overseer.get(matter_url(pk)).status_code == 200
        for name in ("triage", "accept", "not-accept", "guide-elsewhere", "flag-urgent", "forward", "assign"):
            assert overseer.post(matter_url(pk, name), {}).status_code == 403, name
        assert overseer.post(matter_url(pk, "notices"), {"kind": "receipt", "method": "post"}).status_code == 403

    def test_a_report_on_an_official_is_invisible_to_the_person_reported(self, hw):
        """XF-CLS-03: once the bureau head is named as reported, the matter, its actions and its
        petitioner answer 404 to the head — whatever the head's role — and stay visible to others."""
        clerk = token_client(hw.clerk)
        pk = register(clerk, title="检举某干部", request="请求查处信访局负责人违规行为。").json()["id"]
        petitioner = Matter.objects.get(pk=pk).participants.get().petitioner_id
        head = token_client(hw.world.head)
        assert head.get(matter_url(pk)).status_code == 200
        triaged = clerk.post(
            matter_url(pk, "triage"),
            {"level_decision": "this", "nature": Nature.REPORT, "reported_users": [hw.world.head.pk]},
        )
        assert triaged.status_code == 200, triaged.json()
        assert head.get(matter_url(pk)).status_code == 404
        assert pk not in [row["id"] for row in head.get(MATTERS).json()["results"]]
        assert head.post(matter_url(pk, "flag-urgent"), {"reason": "群体聚集"}).status_code == 404
        assert head.get(f"{PETITIONERS}{petitioner}/").status_code == 404
        assert clerk.get(matter_url(pk)).status_code == 200

    def test_reported_users_outside_the_holders_area_are_not_accepted(self, hw):
        """The triage form's choices: staff of the area of the organisation holding the matter."""
        clerk = token_client(hw.clerk)
        pk = register(clerk).json()["id"]
        stranger = make_user((Role.RECEPTION_CLERK, hw.mini.city_petition_bureau))
        response = clerk.post(
            matter_url(pk, "triage"), {"level_decision": "this", "nature": "report", "reported_users": [stranger.pk]}
        )
        assert response.status_code == 400
        assert errors_by_attr(response)["reported_users"][0]["code"] == "does_not_exist"


class ValidationTests:
    def test_field_errors_come_back_per_field_in_the_readers_language(self, hw):
        for language, blank, required in (
            ("en", "This field may not be blank.", "This field is required."),
            ("zh-hans", "该字段不能为空。", "该字段是必填项。"),
        ):
            body = walk_in_body(request="")
            del body["facts"]
            response = token_client(hw.clerk, language).post(MATTERS, body)
            assert response.status_code == 400
            assert response.json()["type"] == "validation_error"
            errors = errors_by_attr(response)
            assert (errors["request"][0]["code"], errors["request"][0]["detail"]) == ("blank", blank)
            assert (errors["facts"][0]["code"], errors["facts"][0]["detail"]) == ("required", required)
        assert not Matter.objects.exists()

    def test_the_counter_forms_own_checks_and_the_services_errors_name_their_fields(self, hw):
        """XF-REG-01: the address is asked for unless unclear; a receipt in the future is refused by
        the service; XF-VIS-03: at most five representatives."""
        api = token_client(hw.clerk)
        no_address = api.post(MATTERS, walk_in_body(petitioner_address=""))
        assert "住址" in errors_by_attr(no_address)["petitioner_address"][0]["detail"]
        unclear = api.post(MATTERS, walk_in_body(petitioner_address="", name_or_address_unclear=True))
        assert unclear.status_code == 201
        future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
        late = api.post(MATTERS, walk_in_body(received_at=future))
        assert errors_by_attr(late)["received_at"][0]["detail"] == "收到时间不能晚于现在。"
        crowd = "\n".join(f"代表{i} 44011519900101{i:04d}" for i in range(5))
        too_many = api.post(MATTERS, walk_in_body(group_size=30, representatives=crowd))
        assert "XF-VIS-03" in errors_by_attr(too_many)["representatives"][0]["detail"]
        assert Matter.objects.count() == 1

    def test_values_are_taken_in_the_json_types_the_schema_states(self, hw):
        """ "3" is not 3 and "true" is not true; an id no row can have names nothing (never a 500)."""
        api = token_client(hw.clerk)
        wrong = api.post(MATTERS, walk_in_body(group_size="3", is_anonymous="false", request=12))
        assert wrong.status_code == 400
        assert {attr: errors[0]["code"] for attr, errors in errors_by_attr(wrong).items()} == {
            "group_size": "invalid",
            "is_anonymous": "invalid",
            "request": "invalid",
        }
        huge = 10**30
        far = api.post(MATTERS, walk_in_body(place_org=huge, link_choice=f"{huge}:same_petitioner", link_reason="x"))
        assert set(errors_by_attr(far)) == {"place_org", "link_choice"}
        assert api.get(matter_url(huge)).status_code == 404
        assert api.get(MATTERS, {"current_org": huge, "place": huge}).json()["results"] == []
        assert api.get(ROUTINGS, {"from_org": huge}).json()["results"] == []
        assert api.post(f"{PETITIONERS}search/", {"q": 440115199001011234}).status_code == 400
        assert not Matter.objects.exists()

    def test_a_choice_outside_the_list_is_an_error_of_that_field(self, hw):
        api = token_client(hw.clerk, "en")
        pk = register(api).json()["id"]
        response = api.post(matter_url(pk, "triage"), {"level_decision": "sideways", "nature": "grievance"})
        assert response.status_code == 400
        error = errors_by_attr(response)["level_decision"][0]
        assert (error["code"], error["detail"]) == ("invalid_choice", '"sideways" is not a valid choice.')

    def test_a_refusal_of_the_service_cites_its_rule(self, hw):
        """XF-TRI-01: accepting before level and nature are decided is refused, with the reason."""
        api = token_client(hw.clerk)
        pk = register(api).json()["id"]
        response = api.post(matter_url(pk, "accept"), {})
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert (error["attr"], error["code"]) == (None, "not_triaged")
        assert "三个区分" in error["detail"]

    def test_forward_outside_the_area_is_refused_on_to_org(self, hw):
        """XF-TRI-01: only bodies of this level or below in the bureau's own area."""
        api = token_client(hw.clerk)
        pk = register(api).json()["id"]
        api.post(matter_url(pk, "triage"), {"level_decision": "this", "nature": "grievance"})
        response = api.post(matter_url(pk, "forward"), {"to_org": hw.mini.city_petition_bureau.pk, "basis": BASIS})
        assert response.status_code == 400
        assert "XF-TRI-01" in errors_by_attr(response)["to_org"][0]["detail"]
        assert not Routing.objects.exists()


class ReadTests:
    def test_retrieve_shows_clocks_routings_and_masked_participants(self, hw):
        api = token_client(hw.clerk)
        pk = register(api).json()["id"]
        body = api.get(matter_url(pk)).json()
        triage_clock = next(c for c in body["clocks"] if c["kind"] == CLOCK_TRIAGE)
        assert (
            triage_clock["is_running"]
            and triage_clock["due_date"]
            and triage_clock["state"]
            in (
                "running",
                "due_soon",
            )
        )
        petitioner = body["participants"][0]["petitioner"]
        assert petitioner["phone_masked"] == "138****1111"
        assert "440115199001011234" not in str(body) and "13800001111" not in str(body)
        assert body["attachments"] == [] and body["documents"] == [] and body["notices"] == []

    def test_personal_data_masked_for_a_role_without_the_right(self, hw):
        """Issue 3 "Bad input and abuse": the congress overseer may view the matter, never the full
        ID number or phone; the clerk may ask for them, and the view is audited."""
        pk = register(token_client(hw.clerk)).json()["id"]
        overseer = token_client(hw.world.overseer)
        participant = overseer.get(matter_url(pk)).json()["participants"][0]
        assert participant["can_view_full"] is False
        assert participant["petitioner"]["id_number_masked"] == "4401**********1234"
        refused = overseer.post(f"{PETITIONERS}{participant['petitioner']['id']}/personal-data/")
        assert refused.status_code == 403
        assert not AuditEvent.objects.filter(action="personal_data.view").exists()
        clerk = token_client(hw.clerk)
        assert clerk.get(matter_url(pk)).json()["participants"][0]["can_view_full"] is True
        revealed = clerk.post(f"{PETITIONERS}{participant['petitioner']['id']}/personal-data/")
        assert revealed.status_code == 200
        assert revealed.json()["id_number"] == "440115199001011234"
        assert revealed["Cache-Control"] == "no-store"
        assert AuditEvent.objects.filter(action="personal_data.view").count() == 1

    def test_list_query_count_does_not_grow_with_the_matters(self, hw, django_assert_num_queries):
        """No N+1: the same number of queries for 3 matters as for 30 (rows with petitioners and
        their most urgent clock)."""
        api = token_client(hw.clerk)
        org = hw.mini.petition_bureau

        def add(count: int) -> None:
            for i in range(count):
                matter_register(actor=hw.clerk, organisation=org, data=walk_in_data(title=f"事项{i}"))

        add(3)
        api.get(MATTERS)  # warm caches that live for the process (calendar, content types)
        with CaptureQueriesContext(connection) as three:
            assert len(api.get(MATTERS).json()["results"]) == 3
        add(27)
        with django_assert_num_queries(len(three.captured_queries)):
            rows = api.get(MATTERS).json()["results"]
        assert len(rows) == 30
        assert all(row["petitioners"] == ["张*"] and row["next_due"]["kind"] for row in rows)

    def test_filters_and_ordering(self, hw):
        api = token_client(hw.clerk)
        first = register(api, channel=Channel.LETTER, title="来信一", place_org=hw.mini.village_a1.pk).json()
        second = register(api, title="走访二").json()
        api.post(matter_url(second["id"], "flag-urgent"), {"reason": "群体聚集"})
        town = register(token_client(make_user((Role.RECEPTION_CLERK, hw.mini.town_a_office)))).json()
        head = token_client(hw.world.head)

        def ids(**params: object) -> list[int]:
            response = head.get(MATTERS, params)
            assert response.status_code == 200, response.json()
            return [row["id"] for row in response.json()["results"]]

        assert set(ids()) == {first["id"], second["id"], town["id"]}
        assert ids(channel="letter") == [first["id"]]
        assert ids(place=hw.mini.town_a.pk) == [first["id"]]  # the place and those below it
        assert ids(place=hw.mini.town_b.pk) == ids(matter_type=999999) == ids(current_org=999999) == []
        assert ids(is_urgent="true") == [second["id"]]
        assert head.get(MATTERS, {"is_urgent": "maybe"}).status_code == 400
        assert ids(q=first["number"]) == [first["id"]]
        assert ids(registered_org=hw.mini.town_a_office.pk) == [town["id"]]
        assert ids(organisation=hw.mini.town_a.pk) == [town["id"]]  # responsible: held there or below
        assert set(ids(organisation=hw.mini.district.pk)) == {first["id"], second["id"], town["id"]}
        assert ids(organisation=hw.mini.town_b.pk) == ids(organisation=999999) == []
        assert set(ids(current_org=hw.mini.petition_bureau.pk)) == {first["id"], second["id"]}
        assert set(ids(status="registered")) == {first["id"], second["id"], town["id"]}
        today = timezone.localdate().isoformat()
        assert len(ids(received_from=today, received_to=today)) in (0, 3)  # received an hour ago
        numbers = [row["number"] for row in head.get(MATTERS, {"ordering": "number"}).json()["results"]]
        assert numbers == sorted(numbers)
        bad = head.get(MATTERS, {"received_from": "2026-02-01", "received_to": "2026-01-01"})
        assert bad.status_code == 400
        assert errors_by_attr(bad)["received_to"][0]["code"] == "invalid"

    def test_the_schema_documents_every_operation(self, client, mini):
        document = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
        for path in (
            "/api/v1/matters/",
            "/api/v1/matters/{id}/triage/",
            "/api/v1/matters/{id}/attachments/",
            "/api/v1/routings/{id}/decide-objection/",
            "/api/v1/petitioners/{id}/personal-data/",
        ):
            assert path in document["paths"], path
        triage = document["paths"]["/api/v1/matters/{id}/triage/"]["post"]
        assert {p["name"] for p in triage["parameters"]} >= {"Idempotency-Key", "If-Match"}
