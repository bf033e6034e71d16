"""`manage.py deadline START PERIOD [--unit …]`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from xinfang.workcalendar.management.commands.deadline import Command

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("zh-hans"):
        call_command("deadline", *args, stdout=out)
    return out.getvalue()


class DeadlineCommandTests:
    def test_cnt03_example_prints_2026_10_08(self) -> None:
        assert run("2026-09-16", "15") == "2026-10-08\n"

    def test_units(self) -> None:
        assert run("2026-02-13", "5", "--unit", "working") == "2026-02-27\n"
        assert run("2026-01-31", "1", "--unit", "month") == "2026-02-28\n"
        assert run("2024-02-29", "1", "--unit", "year") == "2025-02-28\n"

    def test_provisional_suffix(self) -> None:
        assert run("2026-12-20", "15") == "2027-01-04 provisional\n"

    def test_explain(self) -> None:
        lines = run("2026-09-16", "15", "--explain").splitlines()
        assert lines[0] == "2026-10-08"
        assert any("国庆节" in line for line in lines[1:])

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("2026-02-30", "5"), "不是有效日期"),
            (("yesterday", "5"), "不是有效日期"),
            (("2026-03-02", "five"), "期间必须是整数"),
            (("2026-03-02", "0"), "期间必须大于零"),
            (("2026-03-02", "4000"), "期间过长"),
            (("2026-03-02", "5", "--unit", "week"), "未知的期间单位"),
            (("2003-03-02", "5"), "超出日历支持的范围"),
        ],
    )
    def test_bad_input(self, args: tuple[str, ...], message: str) -> None:
        with pytest.raises(CommandError, match=message):
            run(*args)

    def test_bad_input_exits_non_zero(self, capsys: pytest.CaptureFixture[str]) -> None:
        with translation.override("zh-hans"), pytest.raises(SystemExit) as info:
            Command().run_from_argv(["manage.py", "deadline", "2026-03-02", "0"])
        assert info.value.code == 1
        assert "期间必须大于零" in capsys.readouterr().err
