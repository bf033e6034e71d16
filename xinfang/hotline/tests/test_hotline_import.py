"""The file drop: `manage.py hotline_import` feeds each row to order_receive — idempotent (the same
file twice creates nothing twice), row errors reported with their number, a dry run writes nothing."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from xinfang.audit.models import AuditEvent
from xinfang.hotline.models import HotlineOrder

pytestmark = pytest.mark.django_db


def rows(mini):  # type: ignore[no-untyped-def]
    return [
        {
            "organisation": mini.petition_bureau.code,
            "external_id": "F-1",
            "kind": "complaint",
            "content": "路灯不亮。",
            "received_at": "2026-09-30 09:00",
            "caller_name": "赵六",
            "caller_phone": "13600004444",
        },
        {
            "external_id": "F-2",
            "kind": "consultation",
            "content": "咨询公租房申请条件。",
            "received_at": "2026-09-30T10:00:00+08:00",
        },
        {"external_id": "F-3", "kind": "rumour", "content": "", "received_at": "yesterday"},
    ]


def run(path, *args):  # type: ignore[no-untyped-def]
    out, err = StringIO(), StringIO()
    try:
        call_command("hotline_import", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), str(exc)
    return out.getvalue(), err.getvalue(), ""


def test_json_import_is_idempotent_and_reports_row_errors(tmp_path, mini):
    path = tmp_path / "orders.json"
    path.write_text(json.dumps({"orders": rows(mini)}, ensure_ascii=False), encoding="utf-8")
    out, err, failed = run(path, "--organisation", mini.petition_bureau.code, "--source", "gz12345")
    assert "created 2" in out and "errors 1" in out
    assert err.startswith("row 3:") and "kind" in err and "received_at" in err
    assert failed
    assert set(HotlineOrder.objects.values_list("external_id", flat=True)) == {"F-1", "F-2"}
    first = HotlineOrder.objects.get(external_id="F-1")
    assert first.received_at.isoformat() == "2026-09-30T01:00:00+00:00"  # naive = Asia/Shanghai
    out, _err, _failed = run(path, "--organisation", mini.petition_bureau.code, "--source", "gz12345")
    assert "created 0" in out and "unchanged 2" in out
    assert HotlineOrder.objects.count() == 2
    event = AuditEvent.objects.filter(action="hotline_order.import").latest("id")
    assert event.summary["unchanged"] == 2 and len(event.summary["sha256"]) == 64


def test_csv_import_and_dry_run(tmp_path, mini):
    path = tmp_path / "orders.csv"
    path.write_text(
        "source_system,external_id,kind,content,received_at,caller_name\n"
        "gz12345,C-1,suggestion,建议增设公交站,2026-09-30 08:00,钱七\n",
        encoding="utf-8-sig",
    )
    out, _err, failed = run(path, "--organisation", mini.petition_bureau.code, "--dry-run")
    assert "dry run" in out and "created 1" in out and not failed
    assert not HotlineOrder.objects.exists()
    out, _err, failed = run(path, "--organisation", mini.petition_bureau.code)
    assert "created 1" in out and not failed
    assert HotlineOrder.objects.get().caller_name == "钱七"


def test_unreadable_files_are_refused(tmp_path, mini):
    path = tmp_path / "orders.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("hotline_import", str(path))
    bad = tmp_path / "orders.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("hotline_import", str(bad))
