"""The role × action × scope matrix of docs/permissions.md, tested cell by cell on real data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from xinfang.accounts.management.commands.permissions_table import matrix_markdown
from xinfang.accounts.policies import organisation_scope, user_can
from xinfang.accounts.roles import Action, Role, Scope
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.orgs.models import Organisation

DOC = Path(settings.BASE_DIR) / "docs" / "permissions.md"


def doc_matrix() -> dict[tuple[str, str], str]:
    """Parse the table between the matrix markers of docs/permissions.md."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- matrix:start -->\n(.*?)\n<!-- matrix:end -->", text, re.S)
    assert block, "docs/permissions.md has no matrix block"
    lines = [line.strip().strip("|").split("|") for line in block.group(1).splitlines()]
    roles = [c.strip() for c in lines[0][1:]]
    cells = {}
    for row in lines[2:]:
        action = row[0].strip()
        for role, cell in zip(roles, row[1:], strict=True):
            cells[(role, action)] = cell.strip()
    return cells


def home_org(mini: MiniDistrict, role: Role) -> Organisation:
    """Where a member of each role typically sits in the mini district."""
    return {
        Role.RECEPTION_CLERK: mini.town_a_office,
        Role.BUREAU_HEAD: mini.petition_bureau,
        Role.HANDLING_OFFICER: mini.housing_bureau,
        Role.UNIT_HEAD: mini.town_a,
        Role.SUPERVISOR: mini.petition_bureau,
        Role.GRID_WORKER: mini.village_a1,
        Role.MEDIATOR: mini.village_a1,
        Role.LEADER: mini.town_a,
        Role.CONGRESS_OVERSEER: mini.congress,
        Role.SYSTEM_ADMIN: mini.district,
    }[role]


def expected_names(mini: MiniDistrict, role: Role, scope: str) -> set[str]:
    org = home_org(mini, role)
    everything = set(Organisation.objects.values_list("name", flat=True))
    if scope == "-":
        return set()
    if scope == Scope.ALL:
        return everything
    if scope == Scope.OWN:
        return {org.name}
    if scope == Scope.SUBTREE:
        return set(Organisation.objects.filter(path__startswith=org.path).values_list("name", flat=True))
    area = org if org.is_area else org.parent
    assert scope == Scope.AREA and area is not None
    return set(Organisation.objects.filter(path__startswith=area.path).values_list("name", flat=True))


class PermissionsDocTests:
    def test_doc_table_equals_the_code(self):
        """docs/permissions.md shows exactly the matrix in roles.py."""
        text = DOC.read_text(encoding="utf-8")
        assert matrix_markdown() in text

    def test_every_role_and_action_has_a_cell(self):
        cells = doc_matrix()
        assert {r for r, _ in cells} == set(Role.values)
        assert {a for _, a in cells} == set(Action.values)
        assert set(cells.values()) <= {*Scope.values, "-"}


@pytest.mark.django_db
class PermissionsMatrixTests:
    @pytest.mark.parametrize("role", list(Role))
    def test_every_cell_of_a_role(self, mini, role):
        """For each action, restrict() shows exactly the organisations the scope in the doc names."""
        user = make_user((role, home_org(mini, role)))
        for (doc_role, action), scope in doc_matrix().items():
            if doc_role != role.value:
                continue
            visible = set(Organisation.objects.restrict(user, action).values_list("name", flat=True))
            assert visible == expected_names(mini, role, scope), (role, action, scope)
            assert user_can(user, action) == (scope != "-")

    def test_town_clerk_never_sees_another_town(self, mini):
        clerk = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
        visible = set(Organisation.objects.restrict(clerk, Action.MATTER_VIEW))
        assert mini.village_a1 in visible and mini.grid_a1_2 in visible
        assert not visible & {mini.town_b, mini.village_b1, mini.grid_b1_1, mini.district, mini.petition_bureau}
        assert not user_can(clerk, Action.MATTER_REGISTER, mini.town_b_office)
        assert user_can(clerk, Action.MATTER_REGISTER, mini.grid_a1_1)

    def test_memberships_add_up(self, mini):
        user = make_user((Role.RECEPTION_CLERK, mini.town_a_office), (Role.RECEPTION_CLERK, mini.town_b_office))
        visible = set(Organisation.objects.restrict(user, Action.MATTER_VIEW))
        assert {mini.village_a1, mini.village_b1} <= visible
        assert mini.district not in visible

    def test_inactive_membership_and_user_grant_nothing(self, mini):
        from xinfang.accounts.services import membership_revoke
        from xinfang.core.actors import SYSTEM

        user = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        membership_revoke(actor=SYSTEM, membership=user.memberships.get())
        assert organisation_scope(user, Action.MATTER_VIEW).is_empty
        other = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        other.is_active = False
        other.save()
        assert Organisation.objects.restrict(other, Action.ORG_VIEW).count() == 0

    def test_anonymous_sees_nothing(self, mini):
        from django.contrib.auth.models import AnonymousUser

        assert Organisation.objects.restrict(AnonymousUser(), Action.ORG_VIEW).count() == 0

    def test_scope_costs_two_queries_and_is_cached(self, mini, django_assert_num_queries):
        user = make_user((Role.RECEPTION_CLERK, mini.town_a_office), (Role.LEADER, mini.town_b))
        with django_assert_num_queries(2):
            organisation_scope(user, Action.MATTER_VIEW)
        with django_assert_num_queries(0):
            organisation_scope(user, Action.MATTER_VIEW)
