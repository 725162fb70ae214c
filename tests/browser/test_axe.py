"""axe-core on every page type, light and dark, desktop and phone: no serious or critical
violation. The engine is the pinned one in the `axe-playwright-python` package (see axe.py);
without it these tests skip, saying so."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import run_axe, serious
from tests.browser.conftest import EDITOR_TOKEN

PAGES = [
    ("home", "/"),
    ("results", "/search?q=lower+back+pain"),
    ("results-urgent", "/search?q=I+don%27t+want+to+live+anymore"),
    ("results-filtered", "/search?q=pain&category=muscles+and+bones&category=back+%2F+spine"),
    ("zero-results", "/search?q=zzqxv+wibblefrotz"),
    ("record", "/records/askacupuncture-103?q=epidural"),
    ("categories", "/categories/"),
    ("category", "/categories/muscles-and-bones"),
    ("widget-demo", "/widget/demo"),
    ("error", "/records/no-such-answer"),
]
EDITOR_PAGES = [("editor-login", "/editor/login"),
                ("editor", "/editor/?q=acupuncture+in+pregnancy"),
                ("editor-duplicates", "/editor/duplicates"), ("editor-queries", "/editor/queries")]
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=[(s, c) for s in SCREENS for c in ("light", "dark")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def screen_page(request, browser: Browser):
    screen, scheme = request.param
    context = browser.new_context(viewport=SCREENS[screen], color_scheme=scheme)
    page = context.new_page()
    yield page
    context.close()


def open_popovers(page: Page, name: str) -> None:
    """Pages whose interesting state needs typing: the widget and the page's own box."""
    if name == "widget-demo":
        page.locator("qasearch-box input").first.fill("back pain")
        expect(page.locator("qasearch-box [role=option]").nth(2)).to_be_visible()
    elif name == "home":
        page.locator("#home-q").fill("chest pain")
        expect(page.locator("main [role=option]").first).to_be_visible()


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[n for n, _ in PAGES])
def test_no_serious_accessibility_violations(screen_page: Page, live, name: str,
                                             path: str) -> None:
    screen_page.goto(live.app + path)
    open_popovers(screen_page, name)
    problems = serious(run_axe(screen_page))
    assert not problems, "\n".join(problems)


def test_no_serious_violations_on_the_editor_pages(screen_page: Page, live) -> None:
    page = screen_page
    found = []
    for name, path in EDITOR_PAGES:
        page.goto(live.app + path)
        if "/editor/login" in page.url and name != "editor-login":
            page.fill("#token", EDITOR_TOKEN)
            page.locator("form.login-form button[type=submit]").click()
            page.wait_for_load_state()
            page.goto(live.app + path)
        found += [f"{name}: {p}" for p in serious(run_axe(page))]
    assert not found, "\n".join(found)


def test_no_serious_violations_on_a_partner_page_with_the_widget(screen_page: Page,
                                                                 live) -> None:
    screen_page.goto(live.host + "/two")
    screen_page.locator("#one input").fill("chest pain")
    expect(screen_page.locator("#one [role=option]").first).to_be_visible()
    problems = serious(run_axe(screen_page))
    assert not problems, "\n".join(problems)
