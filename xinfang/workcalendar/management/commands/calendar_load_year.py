"""`manage.py calendar_load_year FILE`: make a year official from its State Council notice,
transcribed in the text format of docs/calendar.md. All or nothing, in one transaction."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from xinfang.core.actors import SYSTEM
from xinfang.workcalendar.notice import parse_notice
from xinfang.workcalendar.services import calendar_load_year


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("从放假通知文本文件载入一个年度，使其成为正式日历，并重新计算受影响的时限。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("放假通知文本文件（格式见 docs/calendar.md）"))
        parser.add_argument("--replace", action="store_true", help=_("重新载入已是正式的年度（更正通知）。"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查文件，不写入。"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取文件 %(path)s：%(error)s") % {"path": path, "error": exc.strerror}) from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(_("文件 %(path)s 不是 UTF-8 编码。") % {"path": path}) from exc
        try:
            notice = parse_notice(text)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                _("文件 %(path)s 有 %(count)s 处错误，未写入任何内容。") % {"path": path, "count": len(exc.messages)}
            ) from exc
        holidays, makeups = notice.holiday_dates(), notice.makeup_dates()
        if options["dry_run"]:
            self.stdout.write(
                _("文件有效：%(year)s 年，放假 %(holidays)s 天，调休上班 %(makeups)s 天（未写入）。")
                % {"year": notice.year, "holidays": len(holidays), "makeups": len(makeups)}
            )
            return
        try:
            result = calendar_load_year(
                actor=SYSTEM, notice=notice, replace=options["replace"], file_sha256=hashlib.sha256(raw).hexdigest()
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            _(
                "%(year)s 年已载入为正式日历：放假 %(holidays)s 天，调休上班 %(makeups)s 天，"
                "与原日历相比变化 %(changed_days)s 天；重新计算时限 %(recomputed)s 个，其中到期日变化 %(changed)s 个。"
            )
            % {
                "year": result.year,
                "holidays": result.holiday_days,
                "makeups": result.makeup_days,
                "changed_days": result.days_changed,
                "recomputed": result.clocks_recomputed,
                "changed": result.clocks_changed,
            }
        )
