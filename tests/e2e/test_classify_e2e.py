"""Category suggestion in a real browser, phone-sized (issue 9 item 1, A3): the clerk opens the
triage page, sees the suggested category with its confidence and words, changes it and records
the choice; the page shows the stored choice."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from xinfang.core.testing import TEST_PASSWORD, build_mini_district
from xinfang.petitions.tests.triage_support import build_world, registered
from xinfang.textmining import classifier
from xinfang.textmining.models import ClassifierChoice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

WORDS = {
    "城乡建设": ["小区物业", "乱收停车费", "房屋拆迁", "违章建筑", "二次供水"],
    "劳动和社会保障": ["拖欠工资", "社保缴纳", "养老保险", "工伤认定", "劳动合同"],
}


def test_a3_clerk_sees_suggestion_and_records_choice(live_server, phone_page: Page, tmp_path, settings):
    settings.XINFANG_TEXTMINING_MODEL_DIR = str(tmp_path)
    classifier._cache.clear()
    rng = random.Random(1)
    texts, labels = [], []
    for label, words in WORDS.items():
        for _ in range(20):
            texts.append("".join(rng.sample(words, 3)))
            labels.append(label)
    classifier.save(classifier.train(texts, labels), "category")
    world = build_world(build_mini_district())
    matter = registered(world, title="拖欠工资", request="请求支付拖欠工资", facts="社保缴纳 养老保险")

    page = phone_page
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(world.clerk.username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state()
    page.goto(base + reverse("petitions:triage_matter", args=[matter.pk]))
    card = page.locator("#category-suggestion")
    expect(card.get_by_test_id("suggested-label")).to_have_text("劳动和社会保障")
    expect(card).to_contain_text("置信度")
    card.locator("select[name=chosen_label]").select_option("城乡建设")
    card.get_by_role("button", name="记录分类").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success").first).to_be_visible()
    expect(page.locator("#category-suggestion").get_by_test_id("chosen-label")).to_contain_text("城乡建设")
    assert ClassifierChoice.objects.get(object_id=matter.pk).chosen_label == "城乡建设"
