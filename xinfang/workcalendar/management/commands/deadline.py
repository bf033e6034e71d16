"""`manage.py deadline START PERIOD [--unit calendar|working|month|year]`: print the due date as
YYYY-MM-DD, followed by " provisional" when an official holiday notice may still move it."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from xinfang.workcalendar.choices import Unit
from xinfang.workcalendar.selectors import deadline_compute


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("计算期限的到期日（起算日不计入，到期日为休息日的顺延）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("start", help=_("起算日，YYYY-MM-DD"))
        parser.add_argument("period", help=_("期间（正整数）"))
        parser.add_argument(
            "--unit", default=Unit.CALENDAR.value, help=_("单位：calendar（自然日）、working（工作日）、month、year")
        )
        parser.add_argument("--explain", action="store_true", help=_("同时输出计算说明。"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            start = datetime.date.fromisoformat(options["start"])
        except ValueError as exc:
            raise CommandError(_("“%(value)s”不是有效日期，应写作 YYYY-MM-DD。") % {"value": options["start"]}) from exc
        try:
            period = int(options["period"])
        except ValueError as exc:
            raise CommandError(_("期间必须是整数。")) from exc
        try:
            result = deadline_compute(start=start, period=period, unit=options["unit"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(result.due_date.isoformat() + (" provisional" if result.is_provisional else ""))
        if options["explain"]:
            for line in result.explanation():
                self.stdout.write(line)
