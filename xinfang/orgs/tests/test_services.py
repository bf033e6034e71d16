"""Organisation services: validation, permissions, tree paths, audit in the same transaction."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.orgs.models import Kind, Level, Organisation
from xinfang.orgs.services import (
    organisation_create,
    organisation_move,
    organisation_update,
    reception_point_create,
)

pytestmark = pytest.mark.django_db


class OrganisationCreateTests:
    def test_paths_levels_and_audit(self, mini):
        assert mini.grid_a1_1.path == f"{mini.village_a1.path}{mini.grid_a1_1.pk}/"
        assert mini.grid_a1_1.level == Level.GRID
        assert mini.town_a_office.level == Level.TOWNSHIP  # departments take their area's level
        assert mini.city_petition_bureau.level == Level.CITY
        event = AuditEvent.objects.filter(action="org.create", object_id=str(mini.grid_a1_1.pk)).get()
        assert event.summary["after"]["kind"] == "grid"
        assert event.org_id == mini.grid_a1_1.pk

    def test_duplicate_code_is_refused_and_nothing_written(self, mini):
        before = (Organisation.objects.count(), AuditEvent.objects.count())
        with pytest.raises(ValidationError) as exc:
            organisation_create(actor=SYSTEM, name="重复", code=mini.town_a.code, kind=Kind.TOWN, parent=mini.district)
        assert "code" in exc.value.message_dict
        assert (Organisation.objects.count(), AuditEvent.objects.count()) == before

    @pytest.mark.parametrize(
        ("kind", "parent_attr"),
        [(Kind.GRID, "town_a"), (Kind.TOWN, "village_a1"), (Kind.VILLAGE, None), (Kind.DISTRICT, "district")],
    )
    def test_kind_must_fit_parent(self, mini, kind, parent_attr):
        parent = getattr(mini, parent_attr) if parent_attr else None
        before = Organisation.objects.count()
        with pytest.raises(ValidationError) as exc:
            organisation_create(actor=SYSTEM, name="错位", code="BADPLACE", kind=kind, parent=parent)
        assert "parent" in exc.value.message_dict
        assert Organisation.objects.count() == before

    def test_errors_are_translated(self, mini):
        with translation.override("en"), pytest.raises(ValidationError) as exc:
            organisation_create(actor=SYSTEM, name="x", code="BADPLACE2", kind=Kind.GRID, parent=mini.town_a)
        assert "cannot" in str(exc.value.message_dict["parent"]).lower()
        with translation.override("zh-hant"), pytest.raises(ValidationError) as exc:
            organisation_create(actor=SYSTEM, name="x", code="BADPLACE3", kind=Kind.GRID, parent=mini.town_a)
        assert "不能設在" in str(exc.value.message_dict["parent"])

    def test_bad_code_format(self, mini):
        with pytest.raises(ValidationError) as exc:
            organisation_create(actor=SYSTEM, name="x", code="bad code", kind=Kind.TOWN, parent=mini.district)
        assert "code" in exc.value.message_dict

    def test_only_org_managers_may_create(self, mini):
        clerk = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        with pytest.raises(PermissionDenied):
            organisation_create(actor=clerk, name="新镇", code="NEWTOWN", kind=Kind.TOWN, parent=mini.district)
        admin = make_user((Role.SYSTEM_ADMIN, mini.district))
        town = organisation_create(actor=admin, name="新镇", code="NEWTOWN", kind=Kind.TOWN, parent=mini.district)
        assert AuditEvent.objects.filter(action="org.create", object_id=str(town.pk), actor_id=admin.pk).exists()


class OrganisationUpdateMoveTests:
    def test_update_records_before_and_after(self, mini):
        organisation_update(actor=SYSTEM, organisation=mini.town_a, phone="020-0000-0001")
        event = AuditEvent.objects.filter(action="org.update").latest("id")
        assert event.summary == {"before": {"phone": ""}, "after": {"phone": "020-0000-0001"}}

    def test_update_refuses_tree_fields(self, mini):
        with pytest.raises(ValidationError):
            organisation_update(actor=SYSTEM, organisation=mini.town_a, path="/x/")

    def test_move_rewrites_the_subtree(self, mini):
        organisation_move(actor=SYSTEM, organisation=mini.village_a1, new_parent=mini.town_b)
        grid = Organisation.objects.get(pk=mini.grid_a1_1.pk)
        village = Organisation.objects.get(pk=mini.village_a1.pk)
        assert village.path == f"{mini.town_b.path}{village.pk}/"
        assert grid.path == f"{village.path}{grid.pk}/"
        assert grid.depth == village.depth + 1

    def test_move_under_own_descendant_is_refused(self, mini):
        with pytest.raises(ValidationError):
            organisation_move(actor=SYSTEM, organisation=mini.town_a, new_parent=mini.village_a1)
        assert Organisation.objects.get(pk=mini.town_a.pk).parent_id == mini.district.pk

    def test_reception_point(self, mini):
        point = reception_point_create(
            actor=SYSTEM,
            organisation=mini.petition_bureau,
            name="接待大厅",
            address="测试路1号",
            hours="工作日 9:00-17:00",
        )
        assert AuditEvent.objects.filter(action="org.reception_point.create", object_id=str(point.pk)).exists()
        with pytest.raises(ValidationError):
            reception_point_create(actor=SYSTEM, organisation=mini.petition_bureau, name="", address="", hours="")
