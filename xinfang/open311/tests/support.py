"""Shared steps of the Open311 tests: matter types and a power-list entry, registered clients,
and a civic app's calls (form-encoded POSTs as the specification sends them)."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.test import Client

from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict
from xinfang.open311.models import Open311Client
from xinfang.open311.services import open311_client_create
from xinfang.orgs.models import Level
from xinfang.powerlist.models import MatterType
from xinfang.powerlist.services import matter_type_create, power_add

BASE = "/open311/v2"
PERSON = {"last_name": "王", "first_name": "小明", "phone": "13800001111", "email": "xiaoming@example.com"}
RESIDENCE = "测试区甲镇幸福路8号"
FORM: dict[str, str] = {
    "service_code": "WAGE-ARREARS",
    "description": "本人在甲一村工地务工，8月至10月工资共两万元未发放。",
    "attribute[request]": "请求责令施工单位支付拖欠的工资。",
    "attribute[reasons]": "劳动报酬应当按时足额支付。",
    "attribute[residence]": RESIDENCE,
    "address_string": "甲一村村口工地",
    "lat": "22.801234567",
    "long": "113.5",
    "media_url": "http://192.0.2.1/photo.jpg",
    **PERSON,
}


@dataclass
class Setup:
    mini: MiniDistrict
    wages: MatterType
    housing: MatterType
    misconduct: MatterType
    client: Open311Client
    key: str
    other: Open311Client
    other_key: str


def build_setup(mini: MiniDistrict) -> Setup:
    wages = matter_type_create(
        actor=SYSTEM,
        code="WAGE-ARREARS",
        name="拖欠工资",
        name_en="Wage arrears",
        description="用人单位拖欠、克扣劳动者工资。",
        keywords="欠薪 讨薪 工资",
        sort_order=1,
    )
    housing = matter_type_create(actor=SYSTEM, code="HOUSING-QUALITY", name="房屋质量与交付", sort_order=2)
    misconduct = matter_type_create(
        actor=SYSTEM, code="OFFICIAL-MISCONDUCT", name="干部违纪违法", name_en="Misconduct of officials", sort_order=3
    )
    matter_type_create(actor=SYSTEM, code="RETIRED", name="已停用类型", is_active=False)
    power_add(
        actor=SYSTEM,
        matter_type=wages,
        level=Level.DISTRICT,
        organisation=mini.housing_bureau,
        legal_basis="《保障农民工工资支付条例》",
        valid_from=datetime.date(2020, 1, 1),
    )
    first = open311_client_create(actor=SYSTEM, name="街坊App", organisation=mini.district)
    second = open311_client_create(actor=SYSTEM, name="另一个应用", organisation=mini.town_a)
    return Setup(mini, wages, housing, misconduct, first.client, first.api_key, second.client, second.api_key)


def form(key: str | None, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The default filing with `fields` changed (a None value leaves the field out)."""
    data: dict[str, Any] = dict(FORM)
    if key is not None:
        data["api_key"] = key
    for name, value in (fields or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def post(
    client: Client,
    key: str | None,
    fields: dict[str, Any] | None = None,
    *,
    fmt: str = "json",
    headers: dict[str, str] | None = None,
) -> Any:
    """POST requests.{fmt}, form-encoded (GeoReport v2)."""
    return client.post(
        f"{BASE}/requests.{fmt}",
        urlencode(form(key, fields)),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        headers=headers or {},
    )


def file_request(client: Client, key: str, fields: dict[str, Any] | None = None) -> str:
    """File a request and return its service_request_id."""
    response = post(client, key, fields)
    assert response.status_code == 201, response.content.decode()
    return str(response.json()[0]["service_request_id"])


def get(client: Client, path: str, key: str | None = None, **params: Any) -> Any:
    if key is not None:
        params["api_key"] = key
    return client.get(f"{BASE}/{path}", params)


def xml(response: Any) -> ET.Element:
    """The answer parsed as XML (well-formed or the test fails), after checking its declaration."""
    body = response.content
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:80]
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(body)  # noqa: S314 - our own answer
