"""The import pages: upload -> dry run -> job page (progress bar, counts, row errors) -> import for
real, with the upload form's token and rate limit; jobs are seen by their owner (and
administrators); the nav entry and the templates; each view allowed and denied."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.petitions.models import Matter
from xinfang.transfer.forms import issue_token
from xinfang.transfer.models import ImportJob, ImportKind, ImportStatus
from xinfang.transfer.progress import progress_clear, progress_write

from .conftest import MATTER_HEADER, csv_bytes, matter_row

pytestmark = pytest.mark.django_db


def upload(client, imp, content, *, name="m.csv", dry_run=True, token=None, **extra):  # type: ignore[no-untyped-def]
    data = {
        "kind": ImportKind.MATTERS,
        "organisation": imp.mini.petition_bureau.pk,
        "file": SimpleUploadedFile(name, content),
        "token": token or issue_token(),
        **extra,
    }
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("transfer:import"), data)


def test_upload_dry_run_job_page_then_import_for_real(client, imp):
    client.force_login(imp.clerk)
    page = client.get(reverse("transfer:import"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="dry_run"' in html and re.search(r'name="dry_run"[^>]*checked', html)  # checked by default
    assert reverse("transfer:template", args=["matters", "xlsx"]) in html
    assert page.context["nav"]["transfer"] is True
    token = page.context["form"]["token"].value()

    answer = upload(client, imp, csv_bytes(MATTER_HEADER, [matter_row(1), matter_row(2)]), token=token)
    job = ImportJob.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("transfer:job", args=[job.pk])
    assert job.dry_run and job.status == ImportStatus.DONE and Matter.objects.count() == 0
    # The same form sent again starts no second job.
    again = upload(client, imp, csv_bytes(MATTER_HEADER, [matter_row(1), matter_row(2)]), token=token)
    assert again["Location"] == answer["Location"] and ImportJob.objects.count() == 1

    page = client.get(answer["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'role="progressbar"' in html and 'aria-valuenow="100"' in html
    assert 'hx-trigger="every 1s"' not in html  # finished: no more polling
    assert "新登记的信访事项" in html and 'id="import-for-real"' in html

    real = client.post(reverse("transfer:job_confirm", args=[job.pk]))
    real_job = ImportJob.objects.exclude(pk=job.pk).get()
    assert real["Location"] == reverse("transfer:job", args=[real_job.pk])
    assert real_job.status == ImportStatus.DONE and not real_job.dry_run and Matter.objects.count() == 2
    html = client.get(real["Location"]).content.decode()
    assert 'id="import-for-real"' not in html and "导入完成" in html
    # The dry run's page now points at the real import instead of offering it again.
    assert 'id="import-for-real"' not in client.get(answer["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="transfer.import").count() == 2


def test_a_running_job_polls_every_second_and_shows_progress(client, imp):
    job = ImportJob.objects.create(
        kind=ImportKind.MATTERS,
        file="imports/x.csv",
        original_name="m.csv",
        sha256="0" * 64,
        organisation=imp.mini.petition_bureau,
        created_by=imp.clerk,
        status=ImportStatus.RUNNING,
        total=10,
    )
    progress_write(job.pk, processed=4, total=10, errors=0)
    try:
        client.force_login(imp.clerk)
        html = client.get(reverse("transfer:job", args=[job.pk])).content.decode()
        assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="40"' in html and "4 / 10" in html
        fragment = client.get(reverse("transfer:job_status", args=[job.pk]), headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
        assert 'hx-get="' in fragment.content.decode()
        plain = client.get(reverse("transfer:job_status", args=[job.pk]))
        assert plain.status_code == 302
    finally:
        progress_clear(job.pk)


def test_a_job_whose_worker_stopped_says_so(client, imp):
    job = ImportJob.objects.create(
        kind=ImportKind.MATTERS,
        file="imports/x.csv",
        original_name="m.csv",
        sha256="0" * 64,
        organisation=imp.mini.petition_bureau,
        created_by=imp.clerk,
        status=ImportStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=2),
        total=10,
    )
    client.force_login(imp.clerk)
    assert "后台任务可能已中断" in client.get(reverse("transfer:job", args=[job.pk])).content.decode()


def test_row_errors_are_listed_with_row_and_column(client, imp):
    client.force_login(imp.clerk)
    answer = upload(client, imp, csv_bytes(MATTER_HEADER, [matter_row(1), matter_row(2, 理由="")]), dry_run=False)
    html = client.get(answer["Location"]).content.decode()
    assert 'id="job-errors"' in html and "<td>3</td>" in html and "理由" in html and "第十九条" in html
    assert 'id="import-for-real"' not in html
    assert Matter.objects.count() == 0


def test_a_bad_file_is_refused_on_the_form_with_the_choices_kept(client, imp):
    client.force_login(imp.clerk)
    page = upload(client, imp, b"%PDF-1.4 not a table", name="m.pdf")
    assert page.status_code == 200 and ImportJob.objects.count() == 0
    assert "只能导入 CSV（.csv）或 Excel（.xlsx）文件。" in page.context["form"].errors["file"]
    assert page.context["form"]["kind"].value() == ImportKind.MATTERS


def test_an_expired_or_forged_token_is_refused(client, imp):
    client.force_login(imp.clerk)
    page = upload(client, imp, csv_bytes(MATTER_HEADER, [matter_row(1)]), token="forged")
    assert page.status_code == 200 and ImportJob.objects.count() == 0
    assert "表单已过期" in page.content.decode()


def test_uploads_are_rate_limited_per_user(client, imp, settings):
    settings.XINFANG_IMPORT_RATE_LIMIT = (1, 600)
    client.force_login(imp.clerk)
    assert upload(client, imp, csv_bytes(MATTER_HEADER, [matter_row(1)]), dry_run=True).status_code == 302
    limited = upload(client, imp, csv_bytes(MATTER_HEADER, [matter_row(2)]))
    assert limited.status_code == 429 and limited["Retry-After"] == "600"
    assert "提交过于频繁" in limited.content.decode() and ImportJob.objects.count() == 1


def test_permissions_of_every_view(client, imp):
    client.force_login(imp.handler)  # may import nothing
    assert client.get(reverse("transfer:import")).status_code == 403
    assert client.get(reverse("transfer:template", args=["matters", "csv"])).status_code == 403
    assert client.get(reverse("core:home")).context["nav"]["transfer"] is False
    # Another organisation: the choice is not offered, and a forged one is refused.
    client.force_login(imp.town_clerk)
    page = client.get(reverse("transfer:import"))
    assert [o.pk for o in page.context["form"].fields["organisation"].queryset] == [imp.mini.town_b_office.pk]
    refused = upload(client, imp, csv_bytes(MATTER_HEADER, [matter_row(1)]))
    assert refused.status_code == 200 and "organisation" in refused.context["form"].errors
    assert ImportJob.objects.count() == 0
    # The power list needs powerlist.manage: the clerk is not offered it.
    client.force_login(imp.clerk)
    kinds = [value for value, _label in client.get(reverse("transfer:import")).context["form"].fields["kind"].choices]
    assert kinds == [ImportKind.MATTERS, ImportKind.PETITIONERS]
    client.force_login(imp.admin)
    kinds = [value for value, _label in client.get(reverse("transfer:import")).context["form"].fields["kind"].choices]
    assert kinds == [ImportKind.POWERLIST]


def test_jobs_are_seen_by_their_owner_and_administrators(client, imp):
    client.force_login(imp.clerk)
    answer = upload(client, imp, csv_bytes(MATTER_HEADER, [matter_row(1)]))
    job = ImportJob.objects.get()
    client.force_login(imp.town_clerk)
    assert client.get(answer["Location"]).status_code == 404
    assert client.post(reverse("transfer:job_confirm", args=[job.pk])).status_code == 404
    assert client.get(reverse("transfer:jobs")).context["jobs"] == []
    client.force_login(imp.admin)
    assert client.get(answer["Location"]).status_code == 200
    assert [j.pk for j in client.get(reverse("transfer:jobs")).context["jobs"]] == [job.pk]
    # The administrator sees the job but may not register matters: no "import for real" for them.
    assert 'id="import-for-real"' not in client.get(answer["Location"]).content.decode()
    assert client.post(reverse("transfer:job_confirm", args=[job.pk])).status_code == 403
    client.logout()
    assert client.get(answer["Location"]).status_code == 302  # to the login page


def test_job_list_queries_do_not_grow_with_jobs(client, imp, django_assert_max_num_queries):
    client.force_login(imp.clerk)
    for n in range(3):
        upload(client, imp, csv_bytes(MATTER_HEADER, [matter_row(n)]))
    with django_assert_max_num_queries(12) as few:
        assert len(client.get(reverse("transfer:jobs")).context["jobs"]) == 3
    baseline = len(few)
    for n in range(3, 12):
        upload(client, imp, csv_bytes(MATTER_HEADER, [matter_row(n)]))
    with django_assert_max_num_queries(baseline):
        page = client.get(reverse("transfer:jobs"))
    assert len(page.context["jobs"]) == 12
    assert "m.csv" in page.content.decode()


def test_templates_are_generated_and_read_back(client, imp):
    from openpyxl import load_workbook

    client.force_login(imp.clerk)
    answer = client.get(reverse("transfer:template", args=["matters", "csv"]))
    assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.content.decode("utf-8-sig").splitlines()[0].startswith("收到时间,渠道,来源")
    answer = client.get(reverse("transfer:template", args=["petitioners", "xlsx"]))
    workbook = load_workbook(io.BytesIO(answer.content))
    assert [c.value for c in workbook.worksheets[0][1]] == ["姓名或名称", "信访人类型", "证件号码", "联系电话", "住址"]
    assert workbook.worksheets[1]["A2"].value == "姓名或名称" and workbook.worksheets[1]["B2"].value == "name"
    assert client.get(reverse("transfer:template", args=["matters", "pdf"])).status_code == 404
    assert client.get(reverse("transfer:template", args=["powerlist", "csv"])).status_code == 403
