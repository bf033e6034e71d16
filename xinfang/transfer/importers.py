"""One row of each kind, parsed like its form and written through the owning app's service:
matters through `petitions.services.intake.matter_register` (numbering, clocks, the 12345 link and
the audit event come from it; never a second registration), petitioners through
`petitions.services.petitioners.petitioner_upsert`, the power list through
`powerlist.services` (matter_type_create / matter_type_update, power_add; the overlap check and the
organisation checks are power_validate's). A bad cell or a refusal of the service is a `RowError`
naming the row's columns and the translated messages.

Each handler returns the outcomes of its row (keys of `OUTCOME_LABELS`)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.orgs.models import Function, Level, Organisation
from xinfang.petitions.forms_intake import SERVICE_FIELD_MAP, parse_people
from xinfang.petitions.models import Matter
from xinfang.petitions.selectors_intake import intake_places
from xinfang.petitions.services.intake import ORAL_CHANNELS, MatterData, PetitionerData, matter_register
from xinfang.petitions.services.petitioners import petitioner_upsert
from xinfang.petitions.states import Channel, Nature, ParticipantRole, PetitionerKind, Source
from xinfang.powerlist.models import MatterType, Power
from xinfang.powerlist.services import matter_type_create, matter_type_update, power_add, power_validate

from .columns import COLUMNS, POWER_FIELDS, Column
from .models import ImportKind
from .readers import Row, cell_text

OUTCOME_LABELS: dict[str, Promise] = {
    "matters_created": gettext_lazy("新登记的信访事项"),
    "matters_existing": gettext_lazy("已导入过的信访事项（跳过）"),
    "petitioners_created": gettext_lazy("新建的信访人"),
    "petitioners_updated": gettext_lazy("更新的信访人"),
    "petitioners_unchanged": gettext_lazy("无变化的信访人"),
    "matter_types_created": gettext_lazy("新建的事项类型"),
    "matter_types_updated": gettext_lazy("更新的事项类型"),
    "powers_created": gettext_lazy("新增的权责事项"),
    "powers_unchanged": gettext_lazy("已有的权责事项（跳过）"),
}

_YES = frozenset({"是", "yes", "y", "true", "1", "√", "✓", "是的", "t"})
_NO = frozenset({"否", "no", "n", "false", "0", "×", "f", ""})
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日 %H时%M分",
    "%Y年%m月%d日%H时%M分",
)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


class RowError(Exception):
    """What is wrong with one row: (column name or "", translated message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _column, message in errors))
        self.errors = errors


@dataclass
class ImportContext:
    """What every row of one run shares: who imports, for which organisation, from which file, and
    look-ups made once per run."""

    actor: Any
    kind: str
    organisation: Organisation | None
    sha256: str
    organisations: dict[str, Organisation | None] = field(default_factory=dict)
    places: dict[int, Organisation] | None = None
    matter_types: dict[str, dict[str, str]] = field(default_factory=dict)  # values given in this file


class Errors:
    """Collects a row's problems before anything is written."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, column: str, message: str) -> None:
        self.items.append((column, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise RowError(self.items)


# --- cells -------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _choice_map(choices: type[models.Choices]) -> dict[str, Any]:
    """Every accepted spelling of a choice: its value and its label in each language of the site."""
    found: dict[str, Any] = {}
    for member in choices:  # type: ignore[attr-defined]
        found[str(member.value).lower()] = member.value
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                found.setdefault(str(member.label).strip().lower(), member.value)
    return found


def _choice(row: Row, name: str, choices: type[models.Choices], errors: Errors, *, default: Any = "") -> Any:
    text = row.text(name)
    if not text:
        return default
    value = _choice_map(choices).get(text.lower())
    if value is None:
        labels = "、".join(str(label) for label in choices.labels)  # type: ignore[attr-defined]
        errors.add(name, _("“%(value)s”不是有效的选项，应为：%(choices)s。") % {"value": text, "choices": labels})
        return default
    return value


def _bool(row: Row, name: str, errors: Errors, *, default: bool = False) -> bool:
    value = row.value(name)
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if not text:
        return default
    if text in _YES:
        return True
    if text in _NO:
        return False
    errors.add(name, _("请填写“是”或“否”。"))
    return default


def _text(row: Row, name: str, column: Column, errors: Errors) -> str:
    text = row.text(name)
    if column.max_length is not None and len(text) > column.max_length:
        errors.add(name, _("不能超过%(limit)d个字符。") % {"limit": column.max_length})
    return text


def _id_number(row: Row, name: str, errors: Errors) -> str:
    """ID numbers typed into a number cell lose their last digits in Excel (1.23E+17): refused."""
    value = row.value(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        errors.add(name, _("证件号码应以文本格式填写：Excel 会把长数字改成科学计数法，末几位会丢失。"))
        return ""
    text = cell_text(value)
    if _SCIENTIFIC.match(text):
        errors.add(name, _("证件号码应以文本格式填写：Excel 会把长数字改成科学计数法，末几位会丢失。"))
        return ""
    return text


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _datetime(row: Row, name: str, errors: Errors) -> datetime.datetime | None:
    value = row.value(name)
    if isinstance(value, datetime.datetime):
        return _aware(value)
    if isinstance(value, datetime.date):
        return _aware(datetime.datetime.combine(value, datetime.time()))
    text = cell_text(value)
    if not text:
        errors.add(name, _("请填写收到时间。"))
        return None
    for pattern in _DATETIME_FORMATS:
        try:
            return _aware(datetime.datetime.strptime(text, pattern))  # noqa: DTZ007 (made aware: local time)
        except ValueError:
            continue
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is not None:
        return _aware(parsed)
    errors.add(name, _("“%(value)s”不是有效的日期和时间，应为如 2025-03-02 09:30。") % {"value": text})
    return None


def _date(row: Row, name: str, errors: Errors) -> datetime.date | None:
    value = row.value(name)
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    errors.add(name, _("“%(value)s”不是有效的日期，应为如 2025-01-01。") % {"value": text})
    return None


def _int(row: Row, name: str, errors: Errors, *, default: int) -> int:
    text = row.text(name)
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        errors.add(name, _("请填写整数。"))
        return default


def _organisation(ctx: ImportContext, text: str) -> Organisation | None:
    """An organisation by its code, or by its full name when that is unique (cached per run)."""
    key = text.strip()
    if key not in ctx.organisations:
        found = Organisation.objects.filter(code=key).first()
        if found is None:
            named = list(Organisation.objects.filter(Q(name=key) | Q(short_name=key))[:2])
            found = named[0] if len(named) == 1 else None
        ctx.organisations[key] = found
    return ctx.organisations[key]


def _service_errors(exc: ValidationError, key_map: Callable[[str], str]) -> list[tuple[str, str]]:
    if not hasattr(exc, "error_dict"):
        return [("", message) for message in exc.messages]
    found = []
    for key, errors in exc.error_dict.items():
        column = key_map(key)
        found += [(column, message) for message in ValidationError(errors).messages]
    return found


def _extra_cells(row: Row, errors: Errors) -> None:
    if row.extra:
        errors.add(
            "",
            _("%(columns)s列有内容但没有列名：请补上列名或删除这些内容。") % {"columns": "、".join(row.extra)},
        )


# --- matters -----------------------------------------------------------------------------------

# Service error keys -> columns: the counter form's own map (the same service refuses the same
# fields), less what an import has no column for, plus the columns the form names otherwise.
_MATTER_KEYS = {
    **{key: name for key, name in SERVICE_FIELD_MAP.items() if key not in ("attachments", "links")},
    "nature": "nature_hint",
    "name_or_address_unclear": "name_or_address_unclear",
}


def _matter_key(key: str) -> str:
    if key in _MATTER_KEYS:
        return _MATTER_KEYS[key]
    return "representatives" if key.startswith("petitioners.") else ""


def _place(ctx: ImportContext, text: str) -> Organisation | None:
    """A place of the registering organisation's district (the counter's choices), by code or name."""
    assert ctx.organisation is not None
    if ctx.places is None:
        ctx.places = {o.pk: o for o in intake_places(user=ctx.actor, organisation=ctx.organisation)}
    found = _organisation(ctx, text)
    return ctx.places.get(found.pk) if found is not None else None


def matter_submission_key(ctx: ImportContext, row: Row) -> str:
    """The same row of the same file for the same organisation registers once: a second import of
    the file finds its matters (matter_register's one-time key)."""
    assert ctx.organisation is not None
    return f"imp:{ctx.organisation.pk}:{ctx.sha256[:32]}:{row.number}"


def matter_data(ctx: ImportContext, row: Row) -> MatterData:
    """The row as `MatterData`, checked like the counter form (`forms_intake.MatterIntakeForm`)."""
    columns = {c.name: c for c in COLUMNS[ImportKind.MATTERS]}
    errors = Errors()
    _extra_cells(row, errors)
    text = {name: _text(row, name, column, errors) for name, column in columns.items()}
    channel = _choice(row, "channel", Channel, errors)
    if not row.text("channel"):
        errors.add("channel", _("请选择信访渠道。"))
    received_at = _datetime(row, "received_at", errors)
    source = _choice(row, "source", Source, errors, default=Source.COUNTER)
    for name in ("request", "facts", "reasons"):
        if not text[name]:
            errors.add(name, _("此项必填：信访应当载明请求、事实和理由（《信访工作条例》第十九条）。"))
    if channel in ORAL_CHANNELS and not text["oral_recorded_by"]:
        errors.add("oral_recorded_by", _("口头提出的信访事项，请注明记录人（《信访工作条例》第十九条，XF-REG-01）。"))
    anonymous = _bool(row, "is_anonymous", errors)
    unclear = _bool(row, "name_or_address_unclear", errors)
    nature = _choice(row, "nature_hint", Nature, errors)
    group_size = _int(row, "group_size", errors, default=1)
    if group_size < 1 or group_size > 100000:
        errors.add("group_size", _("人数至少为1。"))
    kind = _choice(row, "petitioner_kind", PetitionerKind, errors, default=PetitionerKind.PERSON)
    id_number = _id_number(row, "petitioner_id_number", errors)
    representatives = parse_people(text["representatives"], ParticipantRole.REPRESENTATIVE)
    participants = parse_people(text["participants"], ParticipantRole.PARTICIPANT)
    people: list[PetitionerData] = []
    if anonymous:
        nature = Nature.REPORT  # only reports may be anonymous (XF-REG-01)
        if text["petitioner_name"] or representatives or participants:
            errors.add("is_anonymous", _("匿名事项不应填写信访人。"))
    else:
        if not text["petitioner_name"]:
            errors.add("petitioner_name", _("请填写信访人姓名或名称（《信访工作条例》第十九条）。"))
        if not text["petitioner_address"] and not unclear:
            errors.add(
                "petitioner_address",
                _("请填写住址（《信访工作条例》第十九条）；住址不清的，请在“姓名或住址不清”一栏填“是”。"),
            )
        limit = settings.XINFANG_MAX_REPRESENTATIVES
        if 1 + len(representatives) > limit:
            errors.add(
                "representatives",
                _("多人走访应推选代表，代表人数不超过%(limit)d人（《信访工作条例》第二十条第三款，XF-VIS-03）。")
                % {"limit": limit},
            )
        group = group_size > 1 or bool(representatives)
        people.append(
            PetitionerData(
                name=text["petitioner_name"],
                kind=kind,
                id_number=id_number,
                phone=text["petitioner_phone"],
                address=text["petitioner_address"],
                role=ParticipantRole.REPRESENTATIVE if group else ParticipantRole.PETITIONER,
            )
        )
        people += representatives + participants
    place = None
    if text["place_org"]:
        place = _place(ctx, text["place_org"])
        if place is None:
            errors.add("place_org", _("发生地应为本区范围内的镇街、村（社区）或网格，不能选择范围外的机构或部门。"))
    errors.raise_if_any()
    assert received_at is not None
    return MatterData(
        channel=channel,
        received_at=received_at,
        title=text["title"],
        request=text["request"],
        facts=text["facts"],
        reasons=text["reasons"],
        source=source,
        petitioners=people,
        is_anonymous=anonymous,
        nature_hint=nature,
        place_org=place,
        place_text=text["place_text"],
        oral_recorded_by=text["oral_recorded_by"],
        group_size=group_size,
        hotline_order_ref=text["hotline_order_ref"],
        name_or_address_unclear=unclear,
        submission_key=matter_submission_key(ctx, row),
    )


def import_matter(ctx: ImportContext, row: Row) -> list[str]:
    """Register the row's matter (XF-REG-03: registered with its clocks and audit event), unless
    this row of this file was imported already."""
    assert ctx.organisation is not None
    data = matter_data(ctx, row)
    if Matter.objects.filter(submission_key=data.submission_key).exists():
        return ["matters_existing"]
    try:
        matter_register(actor=ctx.actor, organisation=ctx.organisation, data=data)
    except ValidationError as exc:
        raise RowError(_service_errors(exc, _matter_key)) from exc
    return ["matters_created"]


# --- petitioners -------------------------------------------------------------------------------


def import_petitioner(ctx: ImportContext, row: Row) -> list[str]:
    """Create the row's petitioner, or update the one with the same ID number."""
    assert ctx.organisation is not None
    columns = {c.name: c for c in COLUMNS[ImportKind.PETITIONERS]}
    errors = Errors()
    _extra_cells(row, errors)
    text = {name: _text(row, name, column, errors) for name, column in columns.items()}
    kind = _choice(row, "kind", PetitionerKind, errors, default=PetitionerKind.PERSON)
    id_number = _id_number(row, "id_number", errors)
    if not text["name"]:
        errors.add("name", _("请填写信访人姓名或名称。"))
    errors.raise_if_any()
    data = PetitionerData(
        name=text["name"], kind=kind, id_number=id_number, phone=text["phone"], address=text["address"]
    )
    try:
        result = petitioner_upsert(actor=ctx.actor, organisation=ctx.organisation, data=data)
    except ValidationError as exc:
        raise RowError(_service_errors(exc, lambda key: key if key in columns else "")) from exc
    return [f"petitioners_{result.outcome}"]


# --- power list --------------------------------------------------------------------------------

_TYPE_KEYS = {
    "code": "matter_type_code",
    "name": "matter_type_name",
    "name_en": "matter_type_name_en",
    "keywords": "keywords",
    "description": "description",
}
_TYPE_VALUES = {"name": "matter_type_name", "name_en": "matter_type_name_en", "keywords": "keywords"}
_POWER_KEYS = frozenset(POWER_FIELDS)


def _matter_type(ctx: ImportContext, row: Row, text: dict[str, str], errors: Errors) -> tuple[MatterType, list[str]]:
    """The row's matter type: created when new, its descriptive fields updated when the file gives
    other values (two rows of one file giving different values are an error)."""
    code = text["matter_type_code"]
    given = {field: text[column] for field, column in _TYPE_VALUES.items() if text[column]}
    if text["description"]:
        given["description"] = text["description"]
    earlier = ctx.matter_types.get(code)
    if earlier is not None:
        clash = [field for field, value in given.items() if field in earlier and earlier[field] != value]
        for field_name in clash:
            column = _TYPE_KEYS[field_name]
            errors.add(column, _("同一事项类型在本文件前面的行中填写的内容与此不同。"))
        errors.raise_if_any()
        ctx.matter_types[code] = {**earlier, **given}
    else:
        ctx.matter_types[code] = dict(given)
    existing = MatterType.objects.filter(code=code).first()
    try:
        if existing is None:
            if not given.get("name"):
                errors.add("matter_type_name", _("新的事项类型请填写名称。"))
                errors.raise_if_any()
            created = matter_type_create(
                actor=ctx.actor,
                code=code,
                name=given.get("name", ""),
                name_en=given.get("name_en", ""),
                description=given.get("description", ""),
                keywords=given.get("keywords", ""),
            )
            return created, ["matter_types_created"]
        if "keywords" in given:
            given["keywords"] = " ".join(given["keywords"].split())
        changes = {k: v for k, v in given.items() if getattr(existing, k) != v}
        if not changes:
            return existing, []
        return matter_type_update(actor=ctx.actor, matter_type=existing, **changes), ["matter_types_updated"]
    except ValidationError as exc:
        raise RowError(_service_errors(exc, lambda key: _TYPE_KEYS.get(key, ""))) from exc


def import_power(ctx: ImportContext, row: Row) -> list[str]:
    """The row's matter type and, when the row fills any power column, its power-list entry."""
    columns = {c.name: c for c in COLUMNS[ImportKind.POWERLIST]}
    errors = Errors()
    _extra_cells(row, errors)
    text = {name: _text(row, name, column, errors) for name, column in columns.items()}
    if not text["matter_type_code"]:
        errors.add("matter_type_code", _("请填写事项类型编码。"))
    # "牵头" alone (the template's default "是") does not make a power-list entry.
    has_power = any(row.text(name) for name in POWER_FIELDS if name != "is_lead")
    level = _choice(row, "level", Level, errors, default=None) if has_power else None
    function = _choice(row, "function", Function, errors) if has_power else ""
    is_lead = _bool(row, "is_lead", errors, default=True)
    valid_from = _date(row, "valid_from", errors)
    valid_to = _date(row, "valid_to", errors)
    organisation = None
    if text["organisation"]:
        organisation = _organisation(ctx, text["organisation"])
        if organisation is None:
            errors.add(
                "organisation",
                _("未找到机构“%(value)s”：请填写机构编码或全称。") % {"value": text["organisation"]},
            )
    errors.raise_if_any()
    matter_type, outcomes = _matter_type(ctx, row, text, errors)
    if not has_power:
        return outcomes
    try:
        if level is None or valid_from is None:  # raises with every message of the entry
            power_validate(
                matter_type=matter_type,
                level=level,
                organisation=organisation,
                function=function,
                department_keyword=text["department_keyword"],
                legal_basis=text["legal_basis"],
                valid_from=valid_from,
                valid_to=valid_to,
            )
        assert level is not None and valid_from is not None
        same = Power.objects.filter(
            matter_type=matter_type,
            level=level,
            organisation=organisation,
            function=function,
            department_keyword=text["department_keyword"],
            is_lead=is_lead,
            legal_basis=text["legal_basis"],
            valid_from=valid_from,
            valid_to=valid_to,
        )
        if same.exists():
            return [*outcomes, "powers_unchanged"]
        power_add(
            actor=ctx.actor,
            matter_type=matter_type,
            level=level,
            legal_basis=text["legal_basis"],
            valid_from=valid_from,
            organisation=organisation,
            function=function,
            department_keyword=text["department_keyword"],
            is_lead=is_lead,
            valid_to=valid_to,
        )
    except ValidationError as exc:
        raise RowError(_service_errors(exc, lambda key: key if key in _POWER_KEYS else "")) from exc
    return [*outcomes, "powers_created"]


HANDLERS: dict[str, Callable[[ImportContext, Row], list[str]]] = {
    ImportKind.MATTERS: import_matter,
    ImportKind.PETITIONERS: import_petitioner,
    ImportKind.POWERLIST: import_power,
}


def refusal(exc: PermissionDenied) -> RowError:
    """A service's refusal as a row error (its message is translated)."""
    return RowError([("", str(exc) or _("您没有权限执行此操作。"))])
