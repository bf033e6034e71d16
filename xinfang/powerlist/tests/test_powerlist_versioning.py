"""The power list is versioned by date: an entry in force is closed and replaced, never
overwritten, so the list as it stood on any past day can be reproduced; every write is validated
with a translated message per field and audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.orgs.models import Function, Level
from xinfang.orgs.services import organisation_update
from xinfang.powerlist.models import MatterType, Power
from xinfang.powerlist.selectors import power_history, power_list_on
from xinfang.powerlist.services import (
    matter_type_create,
    matter_type_update,
    power_add,
    power_end,
    power_revise,
)

from .conftest import WAGE_BASIS

pytestmark = pytest.mark.django_db

D, T = Level.DISTRICT, Level.TOWNSHIP


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def add_hr(world, **extra):
    values = {
        "actor": world.admin,
        "matter_type": world.wages,
        "level": D,
        "function": Function.FUNCTIONAL,
        "department_keyword": "人力资源",
        "legal_basis": WAGE_BASIS,
        "valid_from": today() - days(100),
    } | extra
    return power_add(**values)


class VersioningTests:
    def test_revision_closes_the_version_in_force_and_opens_a_new_one(self, world):
        first = add_hr(world)
        second = power_revise(actor=world.admin, power=first, on_date=today(), legal_basis="《保障农民工工资支付条例》")
        first.refresh_from_db()
        assert first.valid_to == today() and second.valid_from == today() and second.valid_to is None
        assert second.previous == first and second.pk != first.pk
        assert first.legal_basis == WAGE_BASIS  # never overwritten
        assert AuditEvent.objects.filter(action="powerlist.power.revise", object_id=str(second.pk)).exists()

    def test_list_on_a_past_date_is_reproduced(self, world):
        first = add_hr(world)
        power_revise(actor=world.admin, power=first, on_date=today(), is_lead=False)
        before = list(power_list_on(on_date=today() - days(1)))
        now = list(power_list_on(on_date=today()))
        assert [(p.pk, p.is_lead) for p in before] == [(first.pk, True)]
        assert len(now) == 1 and now[0].pk != first.pk and now[0].is_lead is False
        assert list(power_list_on(on_date=today() - days(101))) == []
        assert power_history(user=world.admin, matter_type=world.wages).count() == 2

    def test_future_revision_keeps_today_unchanged(self, world):
        first = add_hr(world)
        new = power_revise(actor=world.admin, power=first, on_date=today() + days(30), is_lead=False)
        assert [p.pk for p in power_list_on(on_date=today())] == [first.pk]
        assert [p.pk for p in power_list_on(on_date=today() + days(30))] == [new.pk]

    def test_planned_entry_is_corrected_in_place(self, world):
        planned = add_hr(world, valid_from=today() + days(10))
        corrected = power_revise(actor=world.admin, power=planned, legal_basis="《劳动合同法》第七十三条")
        assert corrected.pk == planned.pk and corrected.legal_basis == "《劳动合同法》第七十三条"
        assert AuditEvent.objects.filter(action="powerlist.power.correct", object_id=str(planned.pk)).exists()

    def test_end_stops_the_entry_from_that_day(self, world):
        power = add_hr(world)
        power_end(actor=world.admin, power=power, on_date=today() + days(5))
        assert list(power_list_on(on_date=today() + days(4))) == [power]
        assert list(power_list_on(on_date=today() + days(5))) == []
        assert AuditEvent.objects.filter(action="powerlist.power.end", object_id=str(power.pk)).exists()

    def test_history_cannot_be_rewritten(self, world):
        power = add_hr(world)
        with pytest.raises(ValidationError) as exc:
            power_end(actor=world.admin, power=power, on_date=today() - days(1))
        assert "不能追溯修改" in exc.value.message_dict["valid_to"][0]
        with pytest.raises(ValidationError) as exc:
            power_revise(actor=world.admin, power=power, on_date=today() - days(1), is_lead=False)
        assert "valid_from" in exc.value.message_dict
        power.refresh_from_db()
        assert power.valid_to is None and Power.objects.count() == 1

    def test_ended_entry_cannot_be_revised_or_ended_again(self, world):
        power = add_hr(world)
        power_end(actor=world.admin, power=power, on_date=today())
        with pytest.raises(ValidationError):
            power_revise(actor=world.admin, power=power, on_date=today(), is_lead=False)
        with pytest.raises(ValidationError):
            power_end(actor=world.admin, power=power, on_date=today() + days(1))

    def test_revision_without_change_writes_nothing(self, world):
        power = add_hr(world)
        events = AuditEvent.objects.count()
        assert power_revise(actor=world.admin, power=power, is_lead=True) == power
        assert Power.objects.count() == 1 and AuditEvent.objects.count() == events

    def test_matter_type_update_is_in_place_and_audited(self, world):
        updated = matter_type_update(actor=world.admin, matter_type=world.wages, keywords="  欠薪   讨薪 ")
        assert updated.pk == world.wages.pk and updated.keywords == "欠薪 讨薪"
        event = AuditEvent.objects.get(action="powerlist.matter_type.update", object_id=str(world.wages.pk))
        assert event.summary["after"] == {"keywords": "欠薪 讨薪"}


class ValidationTests:
    def errors(self, exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
        return exc.value.message_dict

    def test_legal_basis_is_required(self, world):
        with pytest.raises(ValidationError) as exc:
            add_hr(world, legal_basis="  ")
        assert "法定依据" in self.errors(exc)["legal_basis"][0]
        assert Power.objects.count() == 0

    def test_organisation_or_function_not_both_nor_neither(self, world):
        with pytest.raises(ValidationError) as exc:
            add_hr(world, function="", department_keyword="")
        assert "二者选其一" in self.errors(exc)["organisation"][0]
        with pytest.raises(ValidationError) as exc:
            add_hr(world, organisation=world.district_hr, department_keyword="")
        assert "不能同时指定" in self.errors(exc)["function"][0]
        with pytest.raises(ValidationError) as exc:
            add_hr(world, function="", organisation=world.district_hr)
        assert "department_keyword" in self.errors(exc)

    def test_level_must_be_a_body_level(self, world):
        with pytest.raises(ValidationError) as exc:
            add_hr(world, level=Level.GRID)
        assert "层级无效" in self.errors(exc)["level"][0]
        with pytest.raises(ValidationError) as exc:
            add_hr(world, level=99)
        assert "level" in self.errors(exc)

    def test_named_organisation_must_match_level_and_be_active(self, world):
        with pytest.raises(ValidationError) as exc:
            add_hr(world, function="", department_keyword="", organisation=world.town_a_social)
        assert "与所选层级" in self.errors(exc)["organisation"][0]
        organisation_update(actor=world.admin, organisation=world.district_hr, is_active=False)
        world.district_hr.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            add_hr(world, function="", department_keyword="", organisation=world.district_hr)
        assert "已撤销" in self.errors(exc)["organisation"][0]

    def test_function_entry_must_find_a_department(self, world):
        with pytest.raises(ValidationError) as exc:
            add_hr(world, department_keyword="教育")
        assert "教育" in self.errors(exc)["department_keyword"][0]
        with pytest.raises(ValidationError) as exc:
            add_hr(world, function=Function.COURT, department_keyword="")
        assert "function" in self.errors(exc)

    def test_no_overlapping_versions_of_the_same_entry(self, world):
        add_hr(world, valid_to=today() + days(10))
        with pytest.raises(ValidationError) as exc:
            add_hr(world, valid_from=today() + days(9))
        assert "重叠" in self.errors(exc)["valid_from"][0]
        add_hr(world, valid_from=today() + days(10))  # adjacent, not overlapping
        add_hr(world, department_keyword="人力资源和社会保障")  # another entry (keyword differs)
        add_hr(world, level=T, department_keyword="社会事务")  # another level
        assert Power.objects.count() == 4

    def test_dates_in_order(self, world):
        with pytest.raises(ValidationError) as exc:
            add_hr(world, valid_to=today() - days(100))
        assert "valid_to" in self.errors(exc)

    def test_only_administrators_write(self, world):
        clerk = make_user((Role.BUREAU_HEAD, world.mini.petition_bureau))
        with pytest.raises(PermissionDenied):
            add_hr(world, actor=clerk)
        with pytest.raises(PermissionDenied):
            matter_type_create(actor=clerk, code="X1", name="某事项")
        with pytest.raises(PermissionDenied):
            matter_type_update(actor=clerk, matter_type=world.wages, name="欠薪")
        assert not MatterType.objects.filter(code="X1").exists()

    def test_matter_type_unknown_field_and_duplicate_code(self, world):
        with pytest.raises(ValidationError):
            matter_type_update(actor=world.admin, matter_type=world.wages, code="OTHER")
        with pytest.raises(ValidationError) as exc:
            matter_type_create(actor=world.admin, code="WAGE-ARREARS", name="重复")
        assert "code" in exc.value.message_dict

    def test_every_write_is_audited(self, world):
        power = add_hr(world)
        event = AuditEvent.objects.get(action="powerlist.power.add", object_id=str(power.pk))
        assert event.summary["after"]["legal_basis"] == WAGE_BASIS
        assert AuditEvent.objects.filter(action="powerlist.matter_type.create").count() == 2
