"""Browser tests: pytest-playwright driving Debian's Chromium (/usr/bin/chromium).

Playwright cannot download its own browser here, so the launch points at the system one. Where
Chromium is missing the tests skip with a message, except under CI=true, where that is a failure."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("XINFANG_CHROMIUM", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it (creating users) are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium (Debian) to run browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def phone_page(browser):
    """A phone-sized page (a grid worker's view)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, locale="zh-CN"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshots_dir() -> str:
    path = os.path.join("var", "screenshots")
    os.makedirs(path, exist_ok=True)
    return path


# --- The public pages (issue 5): phone contexts in one language each, screenshots to look at ------

PUBLIC_SCREENSHOTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "screenshots")
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",  # a phone set to Chinese: the page starts in zh-hans until the person switches
}


@pytest.fixture
def public_screenshots_dir() -> str:
    """tests/e2e/screenshots/ (git-ignored): one phone screenshot per public page and language,
    named <page>-<language>.png, for a person to look at."""
    os.makedirs(PUBLIC_SCREENSHOTS, exist_ok=True)
    return PUBLIC_SCREENSHOTS


@pytest.fixture
def public_shot(public_screenshots_dir):
    """shot(page, name, language): a full-page phone screenshot as <name>-<language>.png."""

    def shot(page, name: str, language: str) -> None:
        page.screenshot(path=os.path.join(public_screenshots_dir, f"{name}-{language}.png"), full_page=True)

    return shot


@pytest.fixture
def public_phone(browser, live_server):
    """open(language, path): a new phone-sized browser context (closed after the test) on `path`,
    with `language` chosen through the language switcher of the public layout."""
    from playwright.sync_api import expect

    contexts = []

    def open_page(language: str, path: str):
        context = browser.new_context(**PHONE)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}{path}")
        if page.locator("html").get_attribute("lang") != language:
            page.locator("#public-language").select_option(language)
            page.locator("#public-language").locator("xpath=ancestor::form").locator("button[type=submit]").click()
            page.wait_for_load_state()
        expect(page.locator("html")).to_have_attribute("lang", language)
        return page

    yield open_page
    for context in contexts:
        context.close()
