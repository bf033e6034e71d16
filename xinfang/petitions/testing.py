"""Test support for petition matters: people at the counter and a registered matter, built
through the real services."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.orgs.models import Organisation

from .models import Matter
from .services.intake import MatterData, PetitionerData, matter_register
from .states import Channel


def received_earlier_today() -> datetime.datetime:
    """An hour ago, but never before today's local midnight: tests that compare the received day with
    "today" (date filters, a power valid from today) must not depend on the hour they run at."""
    now = timezone.now()
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(now), datetime.time.min))
    return max(now - datetime.timedelta(hours=1), midnight)


def walk_in_data(**overrides: Any) -> MatterData:
    """A typical walk-in: one petitioner, wages owed by a builder."""
    values: dict[str, Any] = {
        "channel": Channel.VISIT,
        "received_at": received_earlier_today(),
        "title": "工地拖欠工资",
        "request": "请求责令施工单位支付拖欠的三个月工资。",
        "facts": "本人在某工地务工，2026年8月至10月工资共计两万元未发放。",
        "reasons": "劳动报酬应当按时足额支付。",
        "petitioners": [
            PetitionerData(name="张三", id_number="440115199001011234", phone="13800001111", address="测试路1号")
        ],
    }
    values.update(overrides)
    return MatterData(**values)


def register_walk_in(mini: MiniDistrict, organisation: Organisation | None = None, **overrides: Any) -> Matter:
    """A walk-in registered by a clerk at the district petition bureau (or `organisation`)."""
    org = organisation or mini.petition_bureau
    clerk = make_user((Role.RECEPTION_CLERK, org))
    return matter_register(actor=clerk, organisation=org, data=walk_in_data(**overrides))
