"""The public pages with the keyboard only, on a phone-sized screen (issue 5 item 7; WCAG 2.1 AA:
2.1.1 keyboard, 2.1.2 no keyboard trap, 2.4.1 bypass blocks, 2.4.3 focus order, 2.4.7 focus
visible).

- A person who uses only the keyboard (Tab, typing, arrow keys in a select, Space for radios and
  checkboxes, Enter on links and buttons) skips the header with the skip link, fills in the
  petition form (the place chosen in the two selects portal.js makes), goes to the check step,
  ticks the consent box, submits, reads the receipt, and tracks the matter with its reference and
  query code (XF-SAT-02: the petitioner follows the matter online).
- On every public page the first control of the main content is reached within 15 presses of
  Tab, Tab visits every control once in document order and leaves the page after the last one
  (no trap).
- At every stop the focus is visible (a computed outline or box-shadow that is not none, zero
  or transparent, once the focus transition has run) and the honeypot field is never focused.
- Every focus indicator has 3:1 contrast against the colours next to it (1.4.11): one focus
  style for every control in static/xinfang/site.css (a dark outline with a white inner ring).

Screenshots of the focused states: tests/e2e/screenshots/keyboard-*-zh-hans.png."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from xinfang.core.actors import SYSTEM
from xinfang.core.testing import build_mini_district
from xinfang.guidance.guide_texts import DEFAULT_GUIDES
from xinfang.guidance.models import Guide
from xinfang.guidance.services import guide_save
from xinfang.legalservices.models import ServiceKind, ServicePoint
from xinfang.legalservices.seed import seed_kinds
from xinfang.legalservices.services import service_point_save
from xinfang.orgs.models import Function, Kind
from xinfang.orgs.services import organisation_create, reception_point_create
from xinfang.petitions.models import Matter
from xinfang.petitions.states import Channel, Source, Status
from xinfang.petitions.tracks import tracks_seed
from xinfang.portal.wording import status_sentence

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

LANGUAGE = "zh-hans"
FORM_MIN_SECONDS = 3.3  # XINFANG_PORTAL_FORM_MIN_SECONDS (3) and a margin: the real guard stays on
MAIN_WITHIN = 15  # Tab presses from the top of a page to the first control of its main content
HONEYPOT = "website"
DATE_TYPES = {"date", "time", "datetime-local", "month", "week"}

# Every element Tab may stop at, numbered in document order (data-kb), and a description of the
# focused element: whether its focus indicator shows, and whether it is the honeypot.
_NUMBER_TABBABLE = """() => {
  const candidates = document.querySelectorAll(
    'a[href], area[href], button, input, select, textarea, summary, iframe, [tabindex], [contenteditable="true"]');
  const forms = Array.from(document.forms);
  const groups = new Map();  // a radio group is one stop: (form, name) -> its number
  const order = [];
  let n = 0;
  for (const el of candidates) {
    el.removeAttribute('data-kb');
    if (el.disabled || el.tabIndex < 0 || el.type === 'hidden') continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    let kb;
    if (el.type === 'radio') {
      const key = forms.indexOf(el.form) + ':' + el.name;
      if (!groups.has(key)) { groups.set(key, 'radio' + n); n += 1; order.push(groups.get(key)); }
      kb = groups.get(key);
    } else {
      kb = String(n);
      n += 1;
      order.push(kb);
    }
    el.setAttribute('data-kb', kb);
  }
  const main = document.querySelector('main');
  const first = main ? main.querySelector('[data-kb]') : null;
  return {count: n, first: first ? first.getAttribute('data-kb') : null, order};
}"""

_FOCUSED = (
    """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const rgba = (c) => {
    const m = /rgba?\\(([^)]*)\\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
    && (rgba(s.outlineColor) || [0, 0, 0, 0])[3] > 0;
  const layers = s.boxShadow === 'none' ? [] : s.boxShadow.split(/,(?![^(]*\\))/);
  const shadow = layers.some((layer) => {
    const colour = rgba(layer);
    const lengths = (layer.replace(/rgba?\\([^)]*\\)/, '').match(/-?[\\d.]+px/g) || []).map(parseFloat);
    return colour && colour[3] > 0 && lengths.some((v) => v !== 0);
  });
  let background = [255, 255, 255, 1];
  for (let n = el.parentElement; n; n = n.parentElement) {
    const c = rgba(getComputedStyle(n).backgroundColor);
    if (c && c[3] > 0) { background = c; break; }
  }
  const ring = layers.find((l) => rgba(l) && rgba(l)[3] > 0);
  const indicator = outline ? rgba(s.outlineColor) : (shadow ? rgba(ring) : null);
  const over = (c, b) => c.slice(0, 3).map((v, i) => v * c[3] + b[i] * (1 - c[3]));
  const lum = (c) => {
    const l = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  };
  let contrast = null;
  if (indicator) {
    const a = lum(over(indicator, background)), b = lum(background.slice(0, 3));
    contrast = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  // Tab also stops on the calendar button inside a date field: the focus is then in the browser's
  // own part of the control (the field no longer matches :focus) and the browser draws its ring.
  const picker = ['date', 'time', 'datetime-local', 'month', 'week'].includes(el.type) && !el.matches(':focus');
  const text = el.getAttribute('aria-label') || el.innerText || el.value || '';
  const label = text.trim().replace(/\\s+/g, ' ').slice(0, 30);
  return {
    kb: el.getAttribute('data-kb'), tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
    type: el.getAttribute('type') || '', href: el.getAttribute('href') || '', label,
    visible: outline || shadow || picker, picker, outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor,
    shadow: s.boxShadow, contrast,
    honeypot: el.getAttribute('name') === '"""
    + HONEYPOT
    + """' || !!el.closest('[aria-hidden="true"]'),
    inMain: !!el.closest('main'),
  };
}"""
)


# Records, across the pages of a tab, whether the honeypot field ever had the focus.
_WATCH_HONEYPOT = (
    """document.addEventListener('focusin', (event) => {
  if (event.target && event.target.name === '"""
    + HONEYPOT
    + """') sessionStorage.setItem('honeypot-focused', '1');
}, true);"""
)

_SETTLED = """() => {
  const el = document.activeElement;
  return !el || !el.getAnimations || el.getAnimations().every((a) => a.playState !== 'running');
}"""


def _describe(focused: dict[str, Any]) -> str:
    return f"<{focused['tag']} id={focused['id']!r} name={focused['name']!r} {focused['label']!r}>"


def _focused(page: Page) -> dict[str, Any] | None:
    """The focused element once its focus style has settled: Bootstrap animates the focus
    box-shadow for 0.15 s, and what a person sees is where the transition ends."""
    page.wait_for_function(_SETTLED, timeout=2000)
    return page.evaluate(_FOCUSED)


def _assert_focus_ok(focused: dict[str, Any] | None) -> dict[str, Any]:
    assert focused is not None, "the focus left the page"
    assert not focused["honeypot"], f"the honeypot took the focus: {_describe(focused)}"
    assert focused["visible"], (
        f"no visible focus on {_describe(focused)}: outline {focused['outline']}, box-shadow {focused['shadow']}"
    )
    return focused


def _press(page: Page, key: str) -> dict[str, Any]:
    """Press a key and check where the focus went: visible, and never the honeypot."""
    page.keyboard.press(key)
    return _assert_focus_ok(_focused(page))


def _tab_to(page: Page, selector: str, *, limit: int = 30) -> dict[str, Any]:
    """Tab until the element matching `selector` has the focus (each stop checked on the way)."""
    for _ in range(limit):
        focused = _press(page, "Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return focused
    raise AssertionError(f"{selector} not reached in {limit} presses of Tab")


def _type(page: Page, selector: str, text: str) -> None:
    """Tab to a field and type into it."""
    _tab_to(page, selector)
    page.keyboard.type(text)
    assert page.locator(selector).input_value() == text


def _choose(page: Page, selector: str, label: str, *, limit: int = 20) -> None:
    """Choose an option of a focused select with the arrow keys (no mouse, no script)."""
    for _ in range(limit):
        if (
            page.evaluate(
                "(s) => { const e = document.querySelector(s); return e.options[e.selectedIndex].text; }", selector
            )
            == label
        ):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label!r} not found in {selector} with the arrow keys")


def _tab_cycle(page: Page) -> tuple[int, list[dict[str, Any]]]:
    """From the top of the page, Tab through every stop until the focus leaves the page. Returns
    the presses it took to reach the first control of <main> and the stops in order; fails on a
    stop without visible focus, on the honeypot, and when the focus never leaves (a trap)."""
    numbering = page.evaluate(_NUMBER_TABBABLE)
    assert numbering["count"] > 0
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    stops: list[dict[str, Any]] = []
    to_main = 0
    for press in range(1, numbering["count"] + 10):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused is None or (stops and focused["kb"] == numbering["order"][0]):
            break  # the focus left the page after its last control, or wrapped round to the first: no trap
        stops.append(_assert_focus_ok(focused))
        if not to_main and focused["kb"] == numbering["first"]:
            to_main = press
    else:
        last = stops[-1] if stops else None
        raise AssertionError(
            f"focus trap: the focus never left the page (last at {last and _describe(last)}; "
            f"stops {[s['kb'] for s in stops]})"
        )
    assert to_main, f"the main content's first control (data-kb={numbering['first']}) was never focused"
    # Every control once, in document order, the last one last (then the focus left the page).
    visited: list[str] = []
    for stop in stops:  # a date field's year, month and day are stops of one control
        if not (visited and visited[-1] == stop["kb"] and stop["type"] in DATE_TYPES):
            visited.append(stop["kb"])
    assert visited == numbering["order"], f"focus order {visited}, document order {numbering['order']}"
    return to_main, stops


def _in(value: Any) -> str:
    with translation.override(LANGUAGE):
        return str(value())


def _shot(page: Page, public_shot: Any, name: str) -> None:
    public_shot(page, f"keyboard-{name}", LANGUAGE)


def _guides_seed() -> None:
    """The seeded guides (migration 0002), again after a transactional test's flush."""
    for default in DEFAULT_GUIDES:
        if not Guide.objects.filter(slug=default.slug).exists():
            guide = Guide(
                slug=default.slug,
                sort_order=default.sort_order,
                title_zh_hans=default.title,
                title_en=default.title_en,
                summary_zh_hans=default.summary,
                summary_en=default.summary_en,
                body_zh_hans=default.body,
                body_en=default.body_en,
                is_published=True,
            )
            guide_save(actor=SYSTEM, guide=guide, regenerate_hant=True)


def _public_world() -> dict[str, Any]:
    cache.clear()  # rate limits per client address (127.0.0.1), shared by the tests
    tracks_seed()  # migration data a flush removed
    seed_kinds(ServiceKind)
    _guides_seed()
    mini = build_mini_district()
    reception_point_create(
        actor=SYSTEM,
        organisation=mini.petition_bureau,
        name="测试区信访局接待大厅",
        address="测试区政务路1号",
        hours="周一至周五 9:00-17:00",
        phone="020-0000-0001",
    )
    justice = organisation_create(
        actor=SYSTEM,
        name="测试区司法局",
        code="KB-SFJ",
        kind=Kind.DEPARTMENT,
        parent=mini.district,
        function=Function.JUSTICE,
    )
    point = service_point_save(
        actor=SYSTEM,
        point=ServicePoint(
            organisation=justice,
            name="测试区公共法律服务中心",
            address="测试区政务路3号",
            hours="周一至周五 9:00-17:00",
            phone="020-0000-9999",
        ),
        kinds=list(ServiceKind.objects.all()),
    )
    return {"mini": mini, "point": point}


def test_keyboard_only_petition_from_form_to_tracking(live_server, public_phone, public_shot):
    """XF-SAT-02 (the petitioner follows the matter online) with the keyboard alone, from the home
    page: the skip link first, the petition form and its check step, consent, the receipt, and the
    tracking page with the reference and the query code."""
    world = _public_world()
    mini = world["mini"]
    title = "村口道路破损多年未修（键盘）"
    page = public_phone(LANGUAGE, "/portal/")
    page.add_init_script(_WATCH_HONEYPOT)  # on every page opened from here on

    # Home: the first Tab reaches the skip link; Enter on it moves on to the main content, so the
    # next Tab lands on the first control of <main> ("开始填写"), not in the header.
    page.reload()
    skip = _press(page, "Tab")
    assert skip["href"] == "#main", f"the first stop is {_describe(skip)}, not the skip link"
    expect(page.locator("a[href='#main']")).to_be_visible()
    _shot(page, public_shot, "skip-link")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/portal/#main$"))
    start = _press(page, "Tab")
    assert start["inMain"] and start["href"].endswith("/portal/submit/"), _describe(start)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/portal/submit/$"))
    shown_at = time.monotonic()

    # The form, again past the header with the skip link.
    assert _press(page, "Tab")["href"] == "#main"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/portal/submit/#main$"))  # the skip is done before the next Tab
    first = _press(page, "Tab")
    assert first["inMain"] and first["name"] == "petitioner_kind", _describe(first)
    # 1 who: a person (Space on the focused radio), name, phone, address.
    page.keyboard.press("Space")
    expect(page.locator("#id_petitioner_kind_0")).to_be_checked()
    _type(page, "#id_name", "李四")
    _tab_to(page, "#id_id_number")  # optional: left empty
    _type(page, "#id_phone", "13900002222")
    _type(page, "#id_address", "测试区甲镇幸福路8号")
    # 2 what happened, 3 what is asked (Tab leaves a textarea, it does not type a tab).
    _type(page, "#id_title", title)
    _type(page, "#id_facts", "甲一村村口道路自去年起坑洼不平，雨天积水，多次有老人摔倒。")
    _type(page, "#id_request", "请求尽快修复村口道路。")
    _type(page, "#id_reasons", "道路破损影响出行安全。")
    _tab_to(page, "input[name=problem_kind]")
    page.keyboard.press("Space")
    expect(page.locator("input[name=problem_kind][value=general]")).to_be_checked()
    # 4 where: the town, then the village, each chosen with the arrow keys.
    with translation.override(LANGUAGE):
        town, village = mini.town_a.local_name, mini.village_a1.local_name
    _tab_to(page, "#id_place_town")
    _choose(page, "#id_place_town", town)
    _assert_focus_ok(_focused(page))
    _shot(page, public_shot, "place-town")
    _tab_to(page, "#id_place")
    _choose(page, "#id_place", village)
    expect(page.locator("#id_place")).to_have_value(str(mini.village_a1.pk))
    _type(page, "#id_place_text", "村口")
    _tab_to(page, "button[name=step][value=check]")  # past the honeypot, which Tab never enters
    _shot(page, public_shot, "next-button")
    time.sleep(max(0.0, FORM_MIN_SECONDS - (time.monotonic() - shown_at)))  # the form's time token
    page.keyboard.press("Enter")

    # The check step: Tab to the consent box and Space ticks it; "提交" comes next; Enter on the
    # box submits the petition (the form's default button is "提交", not "返回修改").
    expect(page.locator("#summary-heading")).to_be_visible()
    expect(page.locator("main dl")).to_contain_text(title)
    _tab_to(page, "input[name=consent]", limit=60)
    page.keyboard.press("Space")
    expect(page.locator("input[name=consent]")).to_be_checked()
    _shot(page, public_shot, "consent")
    submit = _press(page, "Tab")
    assert (submit["name"], submit["tag"]) == ("step", "button") and submit["label"] == _in(lambda: gettext("提交"))
    _shot(page, public_shot, "submit-button")
    assert _press(page, "Shift+Tab")["name"] == "consent"
    page.keyboard.press("Enter")

    # The receipt: reference and query code; the matter registered online through the portal.
    expect(page).to_have_url(re.compile(r"/portal/submit/receipt/$"))
    ref = page.locator("#receipt-ref").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    matter = Matter.objects.get(public_ref=ref.replace("-", ""))
    assert (matter.title, matter.channel, matter.source, matter.place_org) == (
        title,
        Channel.ONLINE,
        Source.PORTAL,
        mini.village_a1,
    )

    # Tracking: the receipt's "查询进度" link, reference and code typed, Enter in the code field.
    _tab_to(page, "main a[href$='/portal/track/']", limit=40)
    _shot(page, public_shot, "receipt-track-link")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/portal/track/$"))
    _type(page, "#id_public_ref", ref)
    _type(page, "#id_query_code", code)
    _shot(page, public_shot, "track-code")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/portal/track/matter/$"))
    expect(page.locator("main")).to_contain_text(_in(lambda: status_sentence(Status.REGISTERED)))
    to_main, _stops = _tab_cycle(page)
    assert to_main <= MAIN_WITHIN
    assert page.evaluate("() => sessionStorage.getItem('honeypot-focused')") is None, "the honeypot was focused"


PUBLIC_PAGES = {
    "portal-home": "/portal/",
    "portal-submit": "/portal/submit/",
    "portal-track": "/portal/track/",
    "portal-privacy": "/portal/privacy/",
    "services-catalogue": "/services/",
    "services-point": "/services/points/{point}/",
    "services-request": "/services/request/?point={point}&kind=legal_aid",
    "services-status": "/services/status/",
    "guidance-map": "/guide/",
    "guidance-guides": "/guide/guides/",
    "guidance-guide": "/guide/guides/{guide}/",
    "verification": "/documents/verify/",
}


def _public_paths(world: dict[str, Any]) -> dict[str, str]:
    guide = Guide.objects.filter(is_published=True).order_by("sort_order").first()
    assert guide is not None
    return {name: path.format(point=world["point"].pk, guide=guide.slug) for name, path in PUBLIC_PAGES.items()}


def test_every_public_page_tab_order_reaches_main_and_leaves_the_page(live_server, public_phone, public_shot):
    """WCAG 2.4.1, 2.4.3, 2.1.2, 2.4.7 on every public page: the skip link is the first stop, the
    main content's first control is at most 15 presses of Tab away, Tab visits every control once
    in document order with the focus visible, and after the last control the focus leaves the
    page (or comes round to the top again): no keyboard trap."""
    paths = _public_paths(_public_world())
    page = public_phone(LANGUAGE, "/portal/")
    page.add_init_script(_WATCH_HONEYPOT)
    reached: dict[str, int] = {}
    for name, path in paths.items():
        page.goto(f"{live_server.url}{path}")
        to_main, stops = _tab_cycle(page)
        reached[name] = to_main
        assert stops[0]["href"] == "#main", f"{name}: the first stop is {_describe(stops[0])}"
        if name in ("portal-home", "services-request", "guidance-map"):
            page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
            for _ in range(to_main):
                page.keyboard.press("Tab")
            assert _assert_focus_ok(_focused(page))["inMain"]
            _shot(page, public_shot, f"main-{name}")
    too_far = {name: n for name, n in reached.items() if n > MAIN_WITHIN}
    assert not too_far, f"first control of the main content more than {MAIN_WITHIN} presses away: {too_far}"
    assert page.evaluate("() => sessionStorage.getItem('honeypot-focused')") is None, "the honeypot was focused"


def test_focus_indicator_contrast_at_least_3_to_1(live_server, public_phone, public_shot):
    """WCAG 2.1 1.4.11 (non-text contrast: a focus indicator needs 3:1 against the colours next to
    it) for 2.4.7: every Tab stop of the public layout (header and main content controls)."""
    paths = _public_paths(_public_world())
    page = public_phone(LANGUAGE, "/portal/")
    weak: dict[str, float] = {}
    for name in ("portal-home", "portal-submit", "services-catalogue", "services-request"):
        page.goto(f"{live_server.url}{paths[name]}")
        _to_main, stops = _tab_cycle(page)
        for stop in stops:
            if stop["contrast"] is not None and stop["contrast"] < 3:
                weak[f"{name} {_describe(stop)}"] = round(stop["contrast"], 2)
    page.goto(f"{live_server.url}{paths['portal-home']}")
    page.evaluate("() => document.querySelector('header nav a').focus({focusVisible: true})")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # by keyboard, so that it is :focus-visible
    _focused(page)
    _shot(page, public_shot, "header-nav-link")
    assert not weak, weak


def test_the_focus_check_finds_what_it_looks_for(phone_page):
    """The checker itself: no outline and no shadow, or a transparent or zero-sized shadow, is no
    visible focus; an outline is; the honeypot is recognised (a check that cannot fail proves nothing)."""
    phone_page.set_content(
        "<style>button{outline:none}</style>"
        "<button id=plain style='box-shadow:none'>a</button>"
        "<button id=clear style='box-shadow:0 0 0 4px rgba(0,0,0,0)'>b</button>"
        "<button id=zero style='box-shadow:rgb(0,0,0) 0 0 0 0'>c</button>"
        "<button id=ring style='outline:3px solid #1b1f24'>d</button>"
        f"<div aria-hidden=true><input name={HONEYPOT} tabindex=-1></div>"
    )
    seen = {}
    for _ in range(4):
        phone_page.keyboard.press("Tab")
        focused = _focused(phone_page)
        assert focused is not None
        seen[focused["id"]] = focused["visible"]
    assert seen == {"plain": False, "clear": False, "zero": False, "ring": True}
    phone_page.locator(f"input[name={HONEYPOT}]").focus()
    focused = _focused(phone_page)
    assert focused is not None and focused["honeypot"]
    with pytest.raises(AssertionError, match="honeypot"):
        _assert_focus_ok(focused)
