"""`manage.py transfer_import`: the same job as the web page, a progress bar on stderr, the row
errors as a table, and exit status 0 (imported), 1 (row errors or unreadable file: nothing
written) or 2 (bad command line)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from xinfang.audit.models import AuditEvent
from xinfang.petitions.models import Matter
from xinfang.powerlist.models import MatterType
from xinfang.transfer.models import ImportJob

from .conftest import MATTER_HEADER, csv_bytes, matter_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("transfer_import", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_imports_for_real_with_a_progress_bar(tmp_path, imp, settings):
    settings.XINFANG_IMPORT_BATCH = 1
    path = tmp_path / "matters.xlsx"
    path.write_bytes(xlsx_bytes(MATTER_HEADER, [matter_row(1), matter_row(2)]))
    code, out, err = run(
        "--kind", "matters", "--file", str(path), "--org", imp.mini.petition_bureau.code, "--actor", imp.clerk.username
    )
    assert code == 0, err
    assert "done" in out and "新登记的信访事项 2" in out
    assert "2/2" in err  # tqdm's bar
    assert Matter.objects.count() == 2
    job = ImportJob.objects.get()
    assert job.created_by == imp.clerk and not job.dry_run
    assert AuditEvent.objects.filter(action="transfer.import", object_id=str(job.pk)).exists()


def test_row_errors_are_printed_as_a_table_and_exit_1(tmp_path, imp):
    path = tmp_path / "matters.csv"
    path.write_bytes(csv_bytes(MATTER_HEADER, [matter_row(1), matter_row(2, 渠道="飞鸽")], encoding="gbk"))
    code, _out, err = run(
        "--kind", "matters", "--file", str(path), "--org", imp.mini.petition_bureau.code, "--actor", imp.clerk.username
    )
    assert code == 1
    lines = err.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("行"))
    assert "列" in lines[header] and "错误" in lines[header]
    assert lines[header + 2].startswith("3 ") and "渠道 (B)" in lines[header + 2] and "飞鸽" in lines[header + 2]
    assert "nothing was written" in err
    assert Matter.objects.count() == 0


def test_dry_run_exits_0_and_writes_nothing(tmp_path, imp):
    path = tmp_path / "powerlist.csv"
    path.write_bytes(csv_bytes(["事项类型编码", "事项类型名称"], [["WAGE", "拖欠工资"]]))
    code, out, _err = run("--kind", "powerlist", "--file", str(path), "--actor", imp.admin.username, "--dry-run")
    assert code == 0 and out.startswith("dry run:") and "新建的事项类型 1" in out
    assert MatterType.objects.count() == 0


def test_bad_command_lines_exit_2(tmp_path, imp):
    path = tmp_path / "matters.csv"
    path.write_bytes(csv_bytes(MATTER_HEADER, [matter_row(1)]))
    org = imp.mini.petition_bureau.code
    assert (
        run("--kind", "matters", "--file", str(tmp_path / "missing.csv"), "--org", org, "--actor", imp.clerk.username)[
            0
        ]
        == 2
    )
    assert run("--kind", "matters", "--file", str(path), "--org", org, "--actor", "nobody")[0] == 2
    assert run("--kind", "matters", "--file", str(path), "--org", "NOPE", "--actor", imp.clerk.username)[0] == 2
    assert run("--kind", "matters", "--file", str(path), "--actor", imp.clerk.username)[0] == 2
    code, _out, err = run("--kind", "matters", "--file", str(path), "--org", org, "--actor", imp.handler.username)
    assert code == 2 and "权限" in err
    bad = tmp_path / "matters.pdf"
    bad.write_bytes(b"%PDF-1.4")
    assert run("--kind", "matters", "--file", str(bad), "--org", org, "--actor", imp.clerk.username)[0] == 1
    assert ImportJob.objects.count() == 0 and Matter.objects.count() == 0
