"""`manage.py guides_seed`: create the default complaint and appeal guides that are missing
(idempotent; guides an administrator has edited are left as they are)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xinfang.core.actors import SYSTEM
from xinfang.guidance.services import seed_guides


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("创建缺少的默认投诉申诉指南；已有的指南（包括管理员修改过的）保持不变。")

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed_guides(actor=SYSTEM)
        if not created:
            self.stdout.write(_("投诉申诉指南齐全，无需创建。"))
            return
        self.stdout.write(
            ngettext("已创建 %(count)s 份投诉申诉指南。", "已创建 %(count)s 份投诉申诉指南。", created)
            % {"count": created}
        )
