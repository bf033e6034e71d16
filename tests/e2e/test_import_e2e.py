"""Issue 6, import in a real browser on a phone-sized screen: a clerk uploads a CSV of matters
saved by Excel in GBK, reads the row error, uploads the corrected file, sees the dry run's counts
and imports for real; the matters are registered through the counter's own service."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from xinfang.accounts.roles import Role
from xinfang.core.testing import build_mini_district, make_user
from xinfang.petitions.models import Matter
from xinfang.transfer.tests.conftest import MATTER_HEADER, csv_bytes, matter_row

from .test_walk_in_e2e import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_clerk_imports_matters_from_a_gbk_csv_on_a_phone(
    live_server, phone_page, screenshots_dir, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    mini = build_mini_district()
    make_user((Role.RECEPTION_CLERK, mini.petition_bureau), username="clerk.import")
    page = phone_page
    sign_in(page, live_server.url, "clerk.import")
    page.goto(f"{live_server.url}/transfer/import/")

    bad = tmp_path / "matters-bad.csv"
    bad.write_bytes(csv_bytes(MATTER_HEADER, [matter_row(1), matter_row(2, 住址="")], encoding="gbk"))
    page.locator("#id_organisation").select_option(str(mini.petition_bureau.pk))
    page.locator("#id_file").set_input_files(str(bad))
    page.get_by_role("button", name="上传并检查").click()
    errors = page.locator("#job-errors")
    expect(errors).to_contain_text("住址")  # row 3 of the file (header is row 1), the address column
    expect(errors).to_contain_text("3")
    expect(page.locator("#import-for-real")).to_have_count(0)
    assert Matter.objects.count() == 0

    good = tmp_path / "matters.csv"
    good.write_bytes(csv_bytes(MATTER_HEADER, [matter_row(1), matter_row(2)], encoding="gbk"))
    page.goto(f"{live_server.url}/transfer/import/")
    page.locator("#id_organisation").select_option(str(mini.petition_bureau.pk))
    page.locator("#id_file").set_input_files(str(good))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("#job-counts")).to_contain_text("2")
    page.screenshot(path=os.path.join(screenshots_dir, "import-dry-run-phone.png"), full_page=True)
    assert Matter.objects.count() == 0  # a dry run writes nothing
    page.locator("#import-for-real").click()
    expect(page.locator("#job-counts")).to_contain_text("2")
    page.screenshot(path=os.path.join(screenshots_dir, "import-done-phone.png"), full_page=True)
    assert Matter.objects.count() == 2
    assert set(Matter.objects.values_list("registered_org", flat=True)) == {mini.petition_bureau.pk}
    # The page fits the phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
