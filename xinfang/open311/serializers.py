"""Input checks of the Open311 calls (the services check again) and the answers' shapes for the
OpenAPI schema. Field names are the specification's (GeoReport v2), attributes included as
`attribute[code]` the way a form sends them."""

from __future__ import annotations

import math
import re
from typing import Any

from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from rest_framework import serializers

from xinfang.orgs.models import Organisation
from xinfang.petitions.services.intake import PLACE_KINDS
from xinfang.petitions.services.personal_data import normalise_phone

from .selectors import ATTRIBUTES

_PHONE = re.compile(r"^\+?\d{7,20}$")
_CJK = re.compile(r"[\u3400-\u9fff]")
DESCRIPTION_MAX = 4000  # GeoReport v2: free text limited to 4,000 characters
STATUS_VALUES = ("open", "closed")


def _finite(value: float) -> None:
    if not math.isfinite(value):
        raise serializers.ValidationError(_("请填写有效的数字。"))


def attribute_field(code: str) -> str:
    return f"attribute[{code}]"


class _RequestCreateBase(serializers.Serializer):  # type: ignore[type-arg]
    """POST requests: the petitioner, what happened, where; the attributes are added below."""

    jurisdiction_id = serializers.CharField(required=False, max_length=200)
    api_key = serializers.CharField(required=False, max_length=200, write_only=True)
    service_code = serializers.CharField(max_length=32)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90, validators=[_finite])
    long = serializers.FloatField(required=False, min_value=-180, max_value=180, validators=[_finite])
    address_string = serializers.CharField(required=False, max_length=200)
    address_id = serializers.CharField(required=False, max_length=32)
    email = serializers.EmailField(required=False, max_length=254)
    device_id = serializers.CharField(required=False, max_length=200)
    account_id = serializers.CharField(required=False, max_length=200)
    first_name = serializers.CharField(required=False, max_length=50)
    last_name = serializers.CharField(required=False, max_length=50)
    phone = serializers.CharField(max_length=32)
    description = serializers.CharField(max_length=DESCRIPTION_MAX)
    media_url = serializers.CharField(
        required=False, max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )

    def validate_phone(self, value: str) -> str:
        phone = normalise_phone(value)
        if not _PHONE.match(phone):
            raise serializers.ValidationError(_("请填写正确的电话号码（7至20位数字）。"))
        return phone

    def validate_address_id(self, value: str) -> Organisation:
        place = Organisation.objects.filter(
            code=value.strip(), is_active=True, is_external=False, kind__in=PLACE_KINDS
        ).first()
        if place is None:
            raise serializers.ValidationError(_("没有这个地点编码：请使用本区镇街、村（社区）或网格的机构编码。"))
        return place

    def to_internal_value(self, data: Any) -> Any:
        """Every error at once: the fields' own, and which of name and location are missing
        (DRF would check those only once every field is valid)."""
        errors: dict[str, Any] = {}
        attrs: Any = {}
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        for field, message in self._missing(data).items():
            errors.setdefault(field, [message])
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    @staticmethod
    def _missing(data: Any) -> dict[str, str]:
        def given(name: str) -> bool:
            return str(data.get(name, "") or "").strip() != ""

        missing: dict[str, str] = {}
        if given("lat") != given("long"):
            missing["long" if given("lat") else "lat"] = _("lat 和 long 须同时提供。")
        elif not (given("lat") or given("address_string") or given("address_id")):
            missing["address_string"] = _("请提供地点：lat 和 long、address_string 或 address_id 之一。")
        if not (given("first_name") or given("last_name")):
            missing["last_name"] = _("请填写信访人姓名（first_name 或 last_name）。")
        return missing


def _attribute_fields() -> dict[str, serializers.Field]:  # type: ignore[type-arg]
    return {
        attribute_field(spec.code): serializers.CharField(required=spec.required, max_length=spec.max_length)
        for spec in ATTRIBUTES
    }


# A class with the bracketed names as fields ("attribute[request]" …), as the form sends them.
RequestCreateSerializer: type[serializers.Serializer] = type(  # type: ignore[type-arg]
    "Open311RequestCreateSerializer", (_RequestCreateBase,), _attribute_fields()
)


def petitioner_name(first_name: str, last_name: str) -> str:
    """Chinese names family name first without a space; others as given, first name first."""
    first, last = first_name.strip(), last_name.strip()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def form_values(data: Any) -> dict[str, Any]:
    """The POST body as a plain dict: one value per key (a form's last), empty values left out
    (GeoReport: an empty parameter is one not sent), a JSON `attribute` object as attribute[code]."""
    values: dict[str, Any] = {}
    if not hasattr(data, "keys"):
        raise serializers.ValidationError(_("请求内容应为表单或 JSON 对象。"))
    for key in data:
        value = data.get(key)
        if key == "attribute" and isinstance(value, dict):
            for code, item in value.items():
                if item not in (None, ""):
                    values[attribute_field(str(code))] = item
            continue
        if value is None or value == "":
            continue
        values[str(key)] = value
    return values


# --- Answers (for the schema) -----------------------------------------------------------------------


class ServiceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.ChoiceField(choices=["realtime", "batch", "blackbox"])
    keywords = serializers.CharField()
    group = serializers.CharField()


class AttributeValueSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    name = serializers.CharField()


class AttributeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.ChoiceField(
        choices=["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    )
    required = serializers.BooleanField()
    datatype_description = serializers.CharField(allow_null=True)
    order = serializers.IntegerField()
    description = serializers.CharField()
    values = AttributeValueSerializer(many=True)


class ServiceDefinitionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    service_code = serializers.CharField()
    attributes = AttributeSerializer(many=True)


class RequestCreatedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    service_request_id = serializers.CharField()
    service_notice = serializers.CharField()
    account_id = serializers.CharField(allow_null=True)


class ServiceRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUS_VALUES)
    status_notes = serializers.CharField()
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField()
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField()
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField()
    address_id = serializers.CharField(allow_null=True)
    zipcode = serializers.CharField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    long = serializers.FloatField(allow_null=True)
    media_url = serializers.CharField(allow_null=True)


class EndpointSerializer(serializers.Serializer):  # type: ignore[type-arg]
    specification = serializers.CharField()
    url = serializers.CharField()
    changeset = serializers.CharField()
    type = serializers.ChoiceField(choices=["production", "test"])
    formats = serializers.ListField(child=serializers.CharField())


class DiscoverySerializer(serializers.Serializer):  # type: ignore[type-arg]
    changeset = serializers.CharField()
    contact = serializers.CharField()
    key_service = serializers.CharField()
    endpoints = EndpointSerializer(many=True)


class RequestsQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """GET requests parameters (documented; parsed in the view)."""

    service_request_id = serializers.CharField(required=False, help_text="Comma-separated; overrides the others.")
    service_code = serializers.CharField(required=False, help_text="Comma-separated.")
    start_date = serializers.DateTimeField(required=False)
    end_date = serializers.DateTimeField(required=False)
    status = serializers.CharField(required=False, help_text="open, closed or both, comma-separated.")
    jurisdiction_id = serializers.CharField(required=False)
