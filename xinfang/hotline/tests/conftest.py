"""Shared set-up of the hotline tests: the mini district, people in each part of an order's path, a
real webhook receiver on 127.0.0.1, and Django's clock fixed where a test needs a date on the
working calendar (a test seam; nothing of ours is mocked)."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.hotline.models import HotlineOrder
from xinfang.hotline.services import OrderData, order_receive
from xinfang.hotline.states import OrderKind
from xinfang.webhooks.events import HOTLINE_ORDER_STATUS_CHANGED, HOTLINE_ORDER_TO_PETITION
from xinfang.webhooks.models import WebhookEndpoint
from xinfang.webhooks.services import webhook_endpoint_create
from xinfang.webhooks.testing import WebhookReceiver

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@contextlib.contextmanager
def frozen(moment: datetime.datetime) -> Iterator[None]:
    """Django's clock stands at `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass
class Hotline:
    mini: MiniDistrict
    clerk: User  # the district petition bureau: receives and dispatches orders, records return visits
    handler: User  # the housing bureau: handles what it is sent
    unit_head: User  # the housing bureau's head: approves extensions
    outsider: User  # another organisation (street B)

    def receive(self, external_id: str = "GZ12345-0001", **overrides: Any) -> HotlineOrder:
        values: dict[str, Any] = {
            "source_system": "gz12345",
            "external_id": external_id,
            "kind": OrderKind.COMPLAINT,
            "content": "小区门口道路破损，雨天积水严重，请求尽快修复。",
            "received_at": overrides.pop("received_at", None) or at(2026, 9, 30, 9),
            "caller_name": "李四",
            "caller_phone": "139 0000 2222",
            "category": "城乡建设",
        }
        values.update(overrides)
        return order_receive(actor=self.clerk, organisation=self.mini.petition_bureau, data=OrderData(**values)).order


@pytest.fixture
def hotline(mini) -> Hotline:  # type: ignore[no-untyped-def]
    return Hotline(
        mini=mini,
        clerk=make_user((Role.RECEPTION_CLERK, mini.petition_bureau)),
        handler=make_user((Role.HANDLING_OFFICER, mini.housing_bureau)),
        unit_head=make_user((Role.UNIT_HEAD, mini.housing_bureau)),
        outsider=make_user((Role.HANDLING_OFFICER, mini.town_b_office)),
    )


@pytest.fixture
def receiver(settings) -> Iterator[WebhookReceiver]:  # type: ignore[no-untyped-def]
    settings.XINFANG_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.XINFANG_WEBHOOK_TIMEOUT_SECONDS = 5
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def hotline_endpoint(mini, receiver) -> WebhookEndpoint:  # type: ignore[no-untyped-def]
    """The 12345 platform's endpoint: every order event of the district."""
    admin = make_user((Role.SYSTEM_ADMIN, mini.district))
    return webhook_endpoint_create(
        actor=admin,
        organisation=mini.district,
        url=receiver.url,
        event_types=[HOTLINE_ORDER_STATUS_CHANGED, HOTLINE_ORDER_TO_PETITION],
        include_subtree=True,
        description="12345",
    )
