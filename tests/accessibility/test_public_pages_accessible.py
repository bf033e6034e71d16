"""WCAG 2.1 AA basics on every public page (issue 5 item 7), checked on the served HTML with the
standard library's parser, in each language:

- the page declares its language (3.1.1) and has a title (2.4.2) and exactly one h1 (1.3.1);
- a skip link to the main content comes first (2.4.1);
- every visible form control has a label: <label for>, a wrapping <label>, aria-label or
  aria-labelledby (1.3.1, 4.1.2); every image has alt text (1.1.1);
- headings do not skip levels (1.3.1);
- the public palette's text colours meet the 4.5:1 contrast ratio on their backgrounds (1.4.3).

Focus visibility (2.4.7) is the site stylesheet's :focus-visible outline, asserted below."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from xinfang.petitions.tracks import tracks_seed

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "zh-hant", "en")
CONTROL_TAGS = {"input", "select", "textarea"}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang = ""
        self.title = ""
        self._in_title = False
        self.headings: list[int] = []
        self.label_for: set[str] = set()
        self._label_depth = 0
        self.controls: list[tuple[str, dict[str, str], bool]] = []  # tag, attrs, inside a label
        self.images_without_alt: list[str] = []
        self.first_link_href = ""
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_lang = a.get("lang", "")
        elif tag == "title":
            self._in_title = True
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(int(tag[1]))
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in CONTROL_TAGS:
            self.controls.append((tag, a, self._label_depth > 0))
        elif tag == "img" and "alt" not in a:
            self.images_without_alt.append(a.get("src", ""))
        elif tag == "a" and not self.first_link_href:
            self.first_link_href = a.get("href", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "label":
            self._label_depth = max(0, self._label_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _unlabelled(page: _Page) -> list[str]:
    missing = []
    for tag, attrs, wrapped in page.controls:
        if tag == "input" and attrs.get("type", "text") in UNLABELLED_INPUT_TYPES:
            continue
        if "hidden" in attrs or attrs.get("aria-hidden") == "true" or attrs.get("tabindex") == "-1":
            continue  # the honeypot and other fields no person should reach
        if (
            wrapped
            or attrs.get("id", "\0") in page.label_for
            or attrs.get("aria-label")
            or attrs.get("aria-labelledby")
        ):
            continue
        missing.append(f"<{tag} name={attrs.get('name')!r} id={attrs.get('id')!r}>")
    return missing


def _public_urls() -> list[str]:
    return [
        reverse("portal:home"),
        reverse("portal:submit"),
        reverse("portal:track"),
        reverse("portal:privacy"),
        reverse("legalservices:catalogue"),
        reverse("legalservices:status"),
        reverse("outreach:days"),
        reverse("outreach:lookup"),
        reverse("guidance:map"),
        reverse("guidance:guides"),
        reverse("notices:verify"),  # the authenticity check is public: the public layout, no staff menu
    ]


class PublicPagesAccessibilityTests:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_wcag_basics_on_every_public_page(self, mini, language):
        tracks_seed()
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        problems: dict[str, list[str]] = {}
        for url in _public_urls():
            response = client.get(url)
            assert response.status_code == 200, url
            page = _Page()
            page.feed(response.content.decode())
            found = []
            if page.html_lang != language:
                found.append(f"html lang={page.html_lang!r}")
            if not page.title.strip():
                found.append("no title")
            if page.headings.count(1) != 1:
                found.append(f"{page.headings.count(1)} h1")
            skipped = [(a, b) for a, b in zip(page.headings, page.headings[1:], strict=False) if b > a + 1]
            if skipped:
                found.append(f"heading levels skipped: {skipped}")
            if page.first_link_href != "#main":
                found.append(f"first link is {page.first_link_href!r}, not the skip link")
            found += [f"unlabelled {c}" for c in _unlabelled(page)]
            found += [f"img without alt {src}" for src in page.images_without_alt]
            if found:
                problems[url] = found
        assert not problems, problems


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


class PaletteContrastTests:
    # The public layout's text/background pairs: Bootstrap 5.3 defaults used by public_base.html.
    PAIRS = {
        "header text on primary": ("#ffffff", "#0d6efd"),
        "body text": ("#212529", "#ffffff"),
        "muted text": ("#6c757d", "#ffffff"),
        "links": ("#0a58ca", "#ffffff"),
        "success alert": ("#0a3622", "#d1e7dd"),
        "danger alert": ("#58151c", "#f8d7da"),
    }

    @pytest.mark.parametrize("name", sorted(PAIRS))
    def test_text_contrast_at_least_4_5(self, name):
        foreground, background = self.PAIRS[name]
        assert contrast(foreground, background) >= 4.5, name

    def test_focus_is_always_visible(self):
        css = (Path(settings.BASE_DIR) / "static" / "xinfang" / "site.css").read_text()
        assert ":focus-visible" in css and "outline" in css


class CheckerTests:
    """The checker itself finds what it looks for (a check that cannot fail proves nothing)."""

    def test_an_unlabelled_field_and_an_image_without_alt_are_found(self):
        page = _Page()
        page.feed(
            '<html lang="en"><a href="#main">skip</a><h1>x</h1><h3>y</h3>'
            '<label for="a">A</label><input id="a" name="a"><input id="b" name="b">'
            '<label>C <input name="c"></label><input type="hidden" name="d"><img src="x.png"></html>'
        )
        assert _unlabelled(page) == ["<input name='b' id='b'>"]
        assert page.images_without_alt == ["x.png"]
        assert page.headings == [1, 3]

    def test_low_contrast_is_measured_as_such(self):
        assert contrast("#777777", "#ffffff") < 4.5 < contrast("#595959", "#ffffff")
