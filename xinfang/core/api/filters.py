"""The API's filter sets: django-filter's, strict about what the schema promises.

django-filter is lenient where an API must not be: a boolean filter reads `?is_active=yes` as "no
filter", a number filter takes `?org=0.5`, and a foreign-key filter answers 400 for an id that
does not exist (a valid integer). Here booleans accept only true/false (1/0), ids and numbers only
whole numbers within 64 bits (400 otherwise, per parameter), and an unknown id matches nothing.
Views with `filterset_fields` get this through `FilterBackend` (the default backend); an explicit
filter set derives from `FilterSet`. Apps
derive their filter sets from `FilterSet` and declare integers with `IntegerFilter`."""

from __future__ import annotations

import datetime
import re
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


class StrictBooleanField(forms.Field):
    """true/false (or 1/0), any case; empty means "no filter"; anything else is invalid."""

    default_error_messages = {"invalid": _("必须是布尔值（true 或 false）。")}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    """django-filter's REST BooleanFilter reads any unknown word as "no filter" (its widget): this
    one reads the text as it is."""

    field_class = StrictBooleanField


# Ids and numbers are stored in 64 bits; a larger number is refused before it reaches the
# database (SQLite raises OverflowError, PostgreSQL "bigint out of range").
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INTEGER = re.compile(r"-?[0-9]+")


class Int64Field(forms.IntegerField):
    """Digits only (Django's own field also takes "1.0" and " 1 ")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and value not in self.empty_values and not INTEGER.fullmatch(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)  # type: ignore[no-any-return]


@extend_schema_field({"type": "integer", "format": "int64", "minimum": INT64_MIN, "maximum": INT64_MAX})
class IntegerFilter(filters.NumberFilter):
    """A whole number (an id, a level …)."""

    field_class = Int64Field


FILTER_DEFAULTS = {
    **filters.FilterSet.FILTER_DEFAULTS,
    models.BooleanField: {"filter_class": StrictBooleanFilter},
    models.ForeignKey: {"filter_class": IntegerFilter},
    models.OneToOneField: {"filter_class": IntegerFilter},
    models.AutoField: {"filter_class": IntegerFilter},
    models.BigAutoField: {"filter_class": IntegerFilter},
    models.IntegerField: {"filter_class": IntegerFilter},
    models.BigIntegerField: {"filter_class": IntegerFilter},
    models.SmallIntegerField: {"filter_class": IntegerFilter},
    models.PositiveIntegerField: {"filter_class": IntegerFilter},
    models.PositiveSmallIntegerField: {"filter_class": IntegerFilter},
    models.PositiveBigIntegerField: {"filter_class": IntegerFilter},
}


class FilterSet(filters.FilterSet):
    """Base of every API filter set (Meta.fields get the strict filters above)."""

    FILTER_DEFAULTS = FILTER_DEFAULTS


class FilterBackend(filters.DjangoFilterBackend):
    """The default filter backend: views that only list `filterset_fields` get `FilterSet` above."""

    filterset_base = FilterSet


class UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, compared in UTC. Python takes any offset under 24 hours, PostgreSQL only
    up to ±15:59 ("time zone displacement out of range"): converted here, and a time that cannot
    be converted (year 1 with a positive offset, year 9999 with a negative one) is refused."""

    default_error_messages = {"invalid": _("请输入有效的时间（ISO 8601）。")}

    def to_python(self, value: Any) -> datetime.datetime | None:
        moment = super().to_python(value)
        if moment is None or moment.tzinfo is None:
            return moment
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


@extend_schema_field(OpenApiTypes.DATETIME)
class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """A time filter that any offset may be given in (see `UtcDateTimeField`)."""

    field_class = UtcDateTimeField
