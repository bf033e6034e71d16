"""`manage.py calendar_seed`: fill the working calendar (idempotent, safe to run at every start)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from xinfang.core.actors import SYSTEM
from xinfang.workcalendar.holidays import FIRST_SUPPORTED_YEAR, LAST_SUPPORTED_YEAR
from xinfang.workcalendar.services import calendar_seed


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("载入 chinesecalendar 收录的各年正式日历，并生成到明年后一年为止的暂定年度。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--through-year", type=int, default=None, help=_("生成暂定年度到该年为止（默认：明年后一年）。")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        through = options["through_year"]
        if through is not None and not FIRST_SUPPORTED_YEAR <= through <= LAST_SUPPORTED_YEAR:
            raise CommandError(_("年份无效：%(year)s") % {"year": through})
        result = calendar_seed(actor=SYSTEM, through_year=through)
        if not result.changed_anything:
            self.stdout.write(_("日历已是最新，无需更改。"))
            return
        self.stdout.write(
            _(
                "正式年度新增 %(created)s 个、由暂定转为正式 %(upgraded)s 个；"
                "暂定年度新增 %(provisional)s 个；写入 %(days)s 天。"
            )
            % {
                "created": len(result.official_created),
                "upgraded": len(result.official_upgraded),
                "provisional": len(result.provisional_created),
                "days": result.days_written,
            }
        )
        if result.clocks_recomputed:
            self.stdout.write(
                _("重新计算时限 %(recomputed)s 个，其中到期日变化 %(changed)s 个。")
                % {"recomputed": result.clocks_recomputed, "changed": result.clocks_changed}
            )
