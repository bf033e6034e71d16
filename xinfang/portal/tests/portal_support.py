"""Shared steps of the portal tests: the petition form filled in and sent through the real views
(token, check step, submission), the receipt read back, and a matter opened on the tracking page."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from xinfang.petitions.models import Matter

PETITION: dict[str, str] = {
    "petitioner_kind": "person",
    "name": "李四",
    "id_number": "",
    "phone": "13900002222",
    "address": "测试区甲镇幸福路8号",
    "title": "小区门口道路破损多年未修",
    "facts": "甲一村村口道路自去年起坑洼不平，雨天积水，多次有老人摔倒。",
    "request": "请求尽快修复村口道路。",
    "reasons": "道路破损影响出行安全。",
    "problem_kind": "general",
    "place": "",
    "place_text": "村口",
    "website": "",
}
_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
_REF = re.compile(r'id="receipt-ref">([^<]+)<')
_CODE = re.compile(r'id="receipt-code">([^<]+)<')


def form_token(client: Client) -> str:
    response = client.get(reverse("portal:submit"))
    assert response.status_code == 200
    match = _TOKEN.search(response.content.decode())
    assert match, "the form carries a token"
    return match.group(1)


def petition(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = dict(PETITION)
    data.update(overrides)
    return data


def check_step(client: Client, *, token: str | None = None, **overrides: Any) -> Any:
    data = petition(**overrides)
    data["form_token"] = token if token is not None else form_token(client)
    data["step"] = "check"
    return client.post(reverse("portal:submit"), data)


def submit_step(
    client: Client, *, token: str | None = None, files: list[Any] | None = None, consent: bool = True, **overrides: Any
) -> Any:
    data = petition(**overrides)
    data["form_token"] = token if token is not None else form_token(client)
    data["step"] = "submit"
    if consent:
        data["consent"] = "on"
    if files:
        data["attachments"] = files
    return client.post(reverse("portal:submit"), data)


def submit(client: Client, **overrides: Any) -> tuple[Matter, str, str]:
    """Send the form (check, then submit) and read the receipt: (matter, reference, code)."""
    token = form_token(client)
    assert check_step(client, token=token, **overrides).status_code == 200
    response = submit_step(client, token=token, **overrides)
    assert response.status_code == 302, response.content.decode()[:2000]
    receipt = client.get(response["Location"]).content.decode()
    ref = _REF.search(receipt)
    code = _CODE.search(receipt)
    assert ref and code, receipt[:3000]
    matter = Matter.objects.get(public_ref=ref.group(1).replace("-", ""))
    return matter, ref.group(1), code.group(1)


def open_matter(client: Client, ref: str, code: str, phone_last4: str = "") -> Any:
    return client.post(reverse("portal:track"), {"public_ref": ref, "query_code": code, "phone_last4": phone_last4})


def without_csrf(html: bytes) -> str:
    """A page with its per-response CSRF token blanked (the only part that differs by design)."""
    return _CSRF.sub('name="csrfmiddlewaretoken" value=""', html.decode())
