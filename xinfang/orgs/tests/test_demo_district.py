"""The demo district: what `manage.py demo_district` loads, that it loads it once, and that the
permission scopes come out right on it. The demo is loaded once for the whole module inside a
transaction that is rolled back at the end, so other modules never see it."""

from __future__ import annotations

import dataclasses
import re
import time
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from xinfang.accounts.models import Membership, User
from xinfang.accounts.policies import organisation_scope
from xinfang.accounts.roles import Action, Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.orgs.demo import DEMO_PASSWORD, DISTRICT_CODE, DemoPlan, DemoRefusedError, demo_district_load, demo_plan
from xinfang.orgs.models import AREA_KINDS, KIND_LEVEL, Function, Kind, Level, Organisation, ReceptionPoint
from xinfang.orgs.services import organisation_update

pytestmark = pytest.mark.django_db


@dataclasses.dataclass(frozen=True)
class DemoRun:
    output: str
    errors: str
    seconds: float
    plan: DemoPlan


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoRun]:
    """Run the command once for the module; every test runs in a savepoint inside this transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        out, err = StringIO(), StringIO()
        started = time.monotonic()
        call_command("demo_district", stdout=out, stderr=err)
        yield DemoRun(
            output=out.getvalue(), errors=err.getvalue(), seconds=time.monotonic() - started, plan=demo_plan()
        )
        transaction.set_rollback(True)


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def district() -> Organisation:
    return org(DISTRICT_CODE)


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "reception_points": ReceptionPoint.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


@pytest.mark.usefixtures("demo")
class DemoDistrictContentTests:
    def test_towns_and_streets(self) -> None:
        below = Organisation.objects.filter(parent=district())
        assert below.filter(kind=Kind.TOWN).count() == 6
        assert below.filter(kind=Kind.STREET).count() == 3
        names = set(below.filter(kind__in=[Kind.TOWN, Kind.STREET]).values_list("name", flat=True))
        assert {"横沥镇", "万顷沙镇", "南沙街道", "龙穴街道"} <= names

    def test_villages_and_communities(self) -> None:
        villages = Organisation.objects.filter(kind__in=[Kind.VILLAGE, Kind.COMMUNITY])
        assert 140 <= villages.count() <= 160
        assert villages.filter(kind=Kind.COMMUNITY).exists()
        names = list(villages.values_list("name", flat=True))
        assert len(names) == len(set(names)), "village and community names are unique in the district"
        for village in villages.select_related("parent"):
            assert re.fullmatch(r"\d{12}", village.division_code)
            assert village.parent is not None
            assert village.division_code.startswith(village.parent.division_code)
        # Streets are mainly communities, towns mainly villages.
        for town in Organisation.objects.filter(kind__in=[Kind.TOWN, Kind.STREET]):
            kinds = Counter(
                Organisation.objects.filter(parent=town, kind__in=AREA_KINDS).values_list("kind", flat=True)
            )
            main = Kind.VILLAGE if town.kind == Kind.TOWN else Kind.COMMUNITY
            assert kinds[main] > sum(kinds.values()) / 2, town.name

    def test_grids(self) -> None:
        grids = Organisation.objects.filter(kind=Kind.GRID).select_related("parent")
        assert 400 <= grids.count() <= 700
        for grid in grids:
            assert grid.parent is not None
            assert re.fullmatch(rf"{re.escape(grid.parent.name)}第\d网格", grid.name)
        per_village = Counter(grids.values_list("parent_id", flat=True))
        villages = Organisation.objects.filter(kind__in=[Kind.VILLAGE, Kind.COMMUNITY])
        assert set(per_village) == set(villages.values_list("pk", flat=True))
        assert min(per_village.values()) >= 2
        assert max(per_village.values()) <= 5

    def test_district_departments_and_their_functions(self) -> None:
        departments = Organisation.objects.filter(parent=district(), kind=Kind.DEPARTMENT)
        assert 35 <= departments.count() <= 45
        functions = Counter(departments.values_list("function", flat=True))
        for function in Function:
            if function in (Function.FUNCTIONAL, Function.OTHER):
                continue
            assert functions[function] == 1, function
        assert functions[Function.FUNCTIONAL] >= 20
        assert departments.get(function=Function.PETITION_BUREAU).short_name == "区信访局"

    def test_town_departments(self) -> None:
        for town in Organisation.objects.filter(kind__in=[Kind.TOWN, Kind.STREET]):
            functions = set(
                Organisation.objects.filter(parent=town, kind=Kind.DEPARTMENT).values_list("function", flat=True)
            )
            assert {
                Function.PETITION_BUREAU,
                Function.GOVERNANCE_CENTRE,
                Function.JUSTICE,
                Function.POLICE,
                Function.MEDIATION,
            } <= functions, town.name

    def test_village_level_departments_are_rare(self) -> None:
        at_village = Organisation.objects.filter(kind=Kind.DEPARTMENT, level=Level.VILLAGE)
        assert 0 < at_village.count() <= 20
        assert set(at_village.values_list("function", flat=True)) == {Function.MEDIATION}

    def test_external_bodies_above_the_district(self) -> None:
        city, province = district().parent, org("440000")
        assert city is not None
        assert (city.kind, city.name, city.parent_id) == (Kind.CITY, "广州市", province.pk)
        assert province.kind == Kind.PROVINCE
        external = Organisation.objects.filter(path__startswith=province.path).exclude(path__startswith=district().path)
        assert external.count() > 15
        assert not external.filter(is_external=False).exists()
        assert not Organisation.objects.filter(path__startswith=district().path, is_external=True).exists()
        city_functions = set(
            Organisation.objects.filter(parent=city, kind=Kind.DEPARTMENT).values_list("function", flat=True)
        )
        assert {
            Function.PETITION_BUREAU,
            Function.GOVERNMENT,
            Function.COURT,
            Function.PROCURATORATE,
            Function.DISCIPLINE,
        } <= city_functions
        assert Organisation.objects.filter(parent=province, function=Function.PETITION_BUREAU).exists()
        assert Organisation.objects.filter(parent=province, name="广东省住房和城乡建设厅").exists()

    def test_reception_points(self) -> None:
        bureau = Organisation.objects.get(parent=district(), function=Function.PETITION_BUREAU)
        assert bureau.reception_points.filter(name="南沙区信访局接待大厅").exists()
        for town in Organisation.objects.filter(kind__in=[Kind.TOWN, Kind.STREET]):
            office = Organisation.objects.get(parent=town, function=Function.PETITION_BUREAU)
            assert office.reception_points.exists(), town.name
        harmony = ReceptionPoint.objects.filter(name__startswith="和谐南沙调解点")
        assert harmony.count() == 15
        assert not harmony.exclude(organisation__function=Function.MEDIATION).exists()
        for point in ReceptionPoint.objects.all():
            assert point.address and point.hours

    def test_phone_numbers_are_fake(self) -> None:
        for phone in Organisation.objects.exclude(phone="").values_list("phone", flat=True):
            assert re.fullmatch(r"020-0000-\d{4}", phone)
        for phone in ReceptionPoint.objects.values_list("phone", flat=True):
            assert re.fullmatch(r"020-0000-\d{4}", phone)
        for phone in User.objects.values_list("phone", flat=True):
            assert re.fullmatch(r"1380000\d{4}", phone)


@pytest.mark.usefixtures("demo")
class DemoDistrictTreeTests:
    def test_paths_depths_and_levels(self) -> None:
        by_id = {o.pk: o for o in Organisation.objects.all()}
        for node in by_id.values():
            parent = by_id.get(node.parent_id) if node.parent_id else None
            assert node.path == f"{parent.path if parent else '/'}{node.pk}/", node.code
            assert node.depth == node.path.count("/") - 2, node.code
            if node.kind == Kind.DEPARTMENT:
                assert parent is not None
                assert parent.kind in AREA_KINDS
                assert node.level == parent.level, node.code
            else:
                assert node.level == KIND_LEVEL[Kind(node.kind)], node.code

    def test_codes_follow_the_parent(self) -> None:
        # Division-code prefixes: 44 province, 4401 city, 440115 district, 9 digits town, 12 village.
        prefix = {Kind.CITY: 2, Kind.DISTRICT: 4, Kind.TOWN: 6, Kind.STREET: 6, Kind.VILLAGE: 9, Kind.COMMUNITY: 9}
        for node in Organisation.objects.exclude(parent=None).select_related("parent"):
            assert node.parent is not None
            if node.kind in (Kind.DEPARTMENT, Kind.GRID):
                assert node.code.startswith(f"{node.parent.code}-"), node.code
            else:
                assert node.code == node.division_code, node.code
                assert node.code[: prefix[Kind(node.kind)]] == node.parent.code[: prefix[Kind(node.kind)]], node.code


@pytest.mark.usefixtures("demo")
class DemoDistrictStaffTests:
    def test_every_role_has_an_active_member(self) -> None:
        active = set(Membership.objects.filter(is_active=True).values_list("role", flat=True))
        assert active == set(Role.values)

    def test_roles_sit_at_the_right_organisations(self) -> None:
        active = Membership.objects.filter(is_active=True).select_related("organisation")
        for membership in active:
            org_ = membership.organisation
            if membership.role in (Role.RECEPTION_CLERK, Role.BUREAU_HEAD):
                assert org_.function == Function.PETITION_BUREAU, membership
            elif membership.role == Role.GRID_WORKER:
                assert org_.kind == Kind.GRID, membership
            elif membership.role == Role.MEDIATOR:
                assert org_.function == Function.MEDIATION, membership
            elif membership.role == Role.LEADER:
                assert org_.kind in (Kind.DISTRICT, Kind.TOWN, Kind.STREET), membership
            elif membership.role == Role.CONGRESS_OVERSEER:
                assert org_.function == Function.CONGRESS, membership
            assert not org_.is_external, membership
        # A reception clerk and a bureau head at every petition office of the district.
        for office in Organisation.objects.filter(function=Function.PETITION_BUREAU, is_external=False):
            roles = set(office.memberships.values_list("role", flat=True))
            assert {Role.RECEPTION_CLERK, Role.BUREAU_HEAD} <= roles, office.name
        # Every grid has its grid worker.
        staffed = set(active.filter(role=Role.GRID_WORKER).values_list("organisation_id", flat=True))
        assert staffed == set(Organisation.objects.filter(kind=Kind.GRID).values_list("pk", flat=True))

    def test_admin_is_staff_not_superuser(self) -> None:
        admin = User.objects.get(username="admin")
        assert admin.is_staff
        assert not admin.is_superuser
        assert admin.memberships.get().role == Role.SYSTEM_ADMIN
        assert not User.objects.filter(is_superuser=True).exists()

    def test_demo_logins_sign_in_with_the_documented_password(self, demo: DemoRun) -> None:
        usernames = {s.username for s in demo.plan.logins}
        assert {
            "admin",
            "clerk",
            "bureau",
            "officer",
            "unithead",
            "supervisor",
            "grid",
            "mediator",
            "leader",
        } <= usernames
        assert {"overseer", "clerk.hengli", "bureau.hengli"} <= usernames
        for username in sorted(usernames):
            client = Client()
            response = client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 302, username
            assert client.session["_auth_user_id"] == str(User.objects.get(username=username).pk)

    def test_other_staff_have_no_usable_password(self, demo: DemoRun) -> None:
        logins = {s.username for s in demo.plan.logins}
        others = User.objects.exclude(username__in=logins)
        assert others.count() > 500
        assert not any(user.has_usable_password() for user in others)

    def test_the_command_prints_the_logins_and_the_time(self, demo: DemoRun) -> None:
        assert demo.errors == ""
        assert "Demo district loaded." in demo.output
        assert DEMO_PASSWORD in demo.output
        for login in demo.plan.logins:
            assert re.search(rf"^{re.escape(login.username)} +{login.role} ", demo.output, re.MULTILINE)
        assert re.search(r"^Elapsed: \d+\.\d s$", demo.output, re.MULTILINE)
        assert demo.seconds < 60


@pytest.mark.usefixtures("demo")
class DemoDistrictAuditTests:
    def test_every_row_was_written_by_a_service_and_audited(self) -> None:
        actions = Counter(AuditEvent.objects.values_list("action", flat=True))
        assert actions["org.create"] == Organisation.objects.count()
        assert actions["org.reception_point.create"] == ReceptionPoint.objects.count()
        assert actions["user.create"] == User.objects.count()
        assert actions["membership.grant"] == Membership.objects.count()
        assert actions["demo.load"] == 1
        marker = AuditEvent.objects.get(action="demo.load")
        assert marker.org_id == district().pk
        assert marker.summary["after"]["created"]["user"] == User.objects.count()


@pytest.mark.usefixtures("demo")
class DemoDistrictIdempotencyTests:
    def test_a_second_load_adds_nothing(self) -> None:
        before = counts()
        result = demo_district_load()
        assert result.topped_up
        assert not result.created_anything
        assert counts() == before  # no rows and no audit events

    def test_the_command_says_so(self) -> None:
        before = counts()
        out = StringIO()
        call_command("demo_district", stdout=out)
        assert "Demo district already loaded; nothing to add." in out.getvalue()
        assert counts() == before

    def test_a_load_tops_up_what_is_missing(self) -> None:
        # A later version of the demo with one more grid: only that grid (and the marker) is added.
        plan = demo_plan()
        village = next(o for o in plan.organisations if o.kind == Kind.VILLAGE)
        extra = dataclasses.replace(
            next(o for o in plan.organisations if o.parent == village.code and o.kind == Kind.GRID),
            code=f"{village.code}-G09",
            name=f"{village.name}第9网格",
        )
        before = counts()
        result = demo_district_load(plan=dataclasses.replace(plan, organisations=(*plan.organisations, extra)))
        assert result.topped_up
        assert dict(result.created) == {"organisation.grid": 1}
        after = counts()
        assert after["organisations"] == before["organisations"] + 1
        assert after["audit_events"] == before["audit_events"] + 2  # org.create and demo.load

    def test_a_top_up_leaves_closed_organisations_closed(self) -> None:
        plan = demo_plan()
        village_spec = next(o for o in plan.organisations if o.kind == Kind.VILLAGE)
        organisation_update(actor=SYSTEM, organisation=org(village_spec.code), is_active=False)
        extra = dataclasses.replace(
            next(o for o in plan.organisations if o.parent == village_spec.code and o.kind == Kind.GRID),
            code=f"{village_spec.code}-G09",
            name=f"{village_spec.name}第9网格",
        )
        before = counts()
        result = demo_district_load(plan=dataclasses.replace(plan, organisations=(*plan.organisations, extra)))
        assert not result.created_anything
        assert result.skipped == 1
        assert counts() == before

    def test_the_plan_is_reproducible(self) -> None:
        assert demo_plan.__wrapped__() == demo_plan()

    def test_refuses_a_database_with_other_organisations(self) -> None:
        before = counts()
        with pytest.raises(DemoRefusedError):
            demo_district_load(plan=dataclasses.replace(demo_plan(), district_code="440116"))
        # A district with the demo's code that the demo did not load (here: the city's code).
        with pytest.raises(DemoRefusedError):
            demo_district_load(plan=dataclasses.replace(demo_plan(), district_code="440100"))
        assert counts() == before


@pytest.mark.usefixtures("demo")
class DemoDistrictScopeTests:
    def test_town_clerk_sees_own_town_only(self) -> None:
        clerk = User.objects.get(username="clerk.hengli")
        scope = organisation_scope(clerk, Action.MATTER_VIEW)
        hengli = Organisation.objects.get(name="横沥镇")
        own = Organisation.objects.filter(path__startswith=hengli.path)
        assert own.filter(kind=Kind.VILLAGE).exists()
        assert own.filter(kind=Kind.GRID).exists()
        assert all(scope.contains(o) for o in own)
        assert set(Organisation.objects.filter(pk__in=scope.organisation_ids())) == set(own)
        others = Organisation.objects.filter(kind__in=[Kind.TOWN, Kind.STREET]).exclude(pk=hengli.pk)
        for town in others:
            assert not any(scope.contains(o) for o in Organisation.objects.filter(path__startswith=town.path)), town
        assert not scope.contains(district())

    def test_district_bureau_head_covers_every_town(self) -> None:
        head = User.objects.get(username="bureau")
        scope = organisation_scope(head, Action.MATTER_VIEW)
        under_district = Organisation.objects.filter(path__startswith=district().path)
        assert all(scope.contains(o) for o in under_district)
        assert not scope.contains(org("440100"))

    def test_handling_officer_sees_own_department(self) -> None:
        officer = User.objects.get(username="officer")
        scope = organisation_scope(officer, Action.MATTER_VIEW)
        assert list(Organisation.objects.filter(pk__in=scope.organisation_ids())) == [org(f"{DISTRICT_CODE}-ZJJ")]

    def test_grid_worker_reports_in_own_grid(self) -> None:
        worker = User.objects.get(username="grid")
        scope = organisation_scope(worker, Action.GRID_EVENT_REPORT)
        grid = worker.memberships.get().organisation
        assert grid.kind == Kind.GRID
        assert grid.parent is not None and grid.parent.parent is not None
        assert grid.parent.parent.name == "横沥镇"
        assert list(Organisation.objects.filter(pk__in=scope.organisation_ids())) == [grid]
