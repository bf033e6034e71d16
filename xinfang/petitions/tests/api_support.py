"""Test support for the matters API: token clients (knox, as systems use the API), the counter
form's body for POST /api/v1/matters/, and URLs."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

MATTERS = "/api/v1/matters/"
ROUTINGS = "/api/v1/routings/"
PETITIONERS = "/api/v1/petitioners/"
BASIS = "属地管理、分级负责，谁主管、谁负责"


def token_client(user: Any, language: str = "zh-hans") -> APIClient:
    """A client authenticated with a fresh token of `user`, reading in `language`."""
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE=language)
    return client


def matter_url(pk: int, action: str = "") -> str:
    return f"{MATTERS}{pk}/{action + '/' if action else ''}"


def routing_url(pk: int, action: str = "") -> str:
    return f"{ROUTINGS}{pk}/{action + '/' if action else ''}"


def walk_in_body(**overrides: Any) -> dict[str, Any]:
    """The counter form of a typical walk-in (as testing.walk_in_data): one petitioner, wages owed."""
    body: dict[str, Any] = {
        "channel": "visit",
        "received_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "petitioner_name": "张三",
        "petitioner_address": "测试路1号",
        "petitioner_id_number": "440115199001011234",
        "petitioner_phone": "13800001111",
        "title": "工地拖欠工资",
        "request": "请求责令施工单位支付拖欠的三个月工资。",
        "facts": "本人在某工地务工，2026年8月至10月工资共计两万元未发放。",
        "reasons": "劳动报酬应当按时足额支付。",
    }
    body.update(overrides)
    return body


def errors_by_attr(response: Any) -> dict[str | None, list[dict[str, Any]]]:
    """The standard error body's errors, grouped by `attr`."""
    grouped: dict[str | None, list[dict[str, Any]]] = {}
    for error in response.json()["errors"]:
        grouped.setdefault(error["attr"], []).append(error)
    return grouped
