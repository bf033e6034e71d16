"""The early-warning settings: `settings.XINFANG_ORDER_WARNING` over these defaults (docs/order.md).

XINFANG_ORDER_WARNING = {
    "WINDOW_DAYS": 30,          # count matters received in the last N days
    "THRESHOLD": 5,             # a cluster of at least N items raises a warning
    "THEMES": {code: {"label": ..., "keywords": [...], "matter_types": [MatterType codes]}},
    "NAMES": [...],             # company/organisation names always watched (besides those found)
    "GRID_EVENTS": True,        # count grid events too (those not turned into a matter)
}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULT_THEMES: dict[str, dict[str, Any]] = {
    "land": {
        "label": _("征地拆迁"),
        "keywords": ["征地", "拆迁", "征收", "补偿款", "安置房", "回迁", "旧村改造", "青苗补偿"],
        "matter_types": ["LAND-EXPROPRIATION"],
    },
    "property": {
        "label": _("物业管理"),
        "keywords": ["物业", "业委会", "业主委员会", "物业费", "维修资金"],
        "matter_types": ["PROPERTY-MGMT"],
    },
    "wages": {
        "label": _("拖欠工资"),
        "keywords": ["欠薪", "拖欠工资", "讨薪", "克扣工资", "农民工工资", "工资款"],
        "matter_types": ["WAGE-ARREARS"],
    },
}


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    keywords: tuple[str, ...]
    matter_types: tuple[str, ...]


@dataclass(frozen=True)
class WarningConfig:
    window_days: int
    threshold: int
    themes: tuple[Theme, ...]
    names: tuple[str, ...]
    grid_events: bool


def warning_config() -> WarningConfig:
    raw: dict[str, Any] = dict(getattr(settings, "XINFANG_ORDER_WARNING", {}) or {})
    themes_raw = raw.get("THEMES") or DEFAULT_THEMES
    themes = tuple(
        Theme(
            code=str(code)[:30],
            label=str(spec.get("label") or code),
            keywords=tuple(str(w) for w in spec.get("keywords", ()) if str(w).strip()),
            matter_types=tuple(str(c) for c in spec.get("matter_types", ())),
        )
        for code, spec in themes_raw.items()
    )
    return WarningConfig(
        window_days=max(1, int(raw.get("WINDOW_DAYS", 30))),
        threshold=max(2, int(raw.get("THRESHOLD", 5))),
        themes=themes,
        names=tuple(str(n).strip() for n in raw.get("NAMES", ()) if str(n).strip()),
        grid_events=bool(raw.get("GRID_EVENTS", True)),
    )
