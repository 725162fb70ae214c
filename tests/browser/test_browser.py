"""In a real browser: corrected results, the widget on another origin, keyboard use, and a
stored <script> that never runs (results page, record page, widget)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

MISSPELT = "pregnacy"  # not in the sample archive; "pregnancy" is


def test_misspelt_symptom_typed_on_the_results_page_is_corrected(page: Page, live,
                                                                   problems) -> None:
    page.goto(f"{live.app}/search?q=back+pain")
    box = page.locator("header input[name=q]")
    box.fill(MISSPELT)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=" + MISSPELT))
    expect(page.locator(".spelling")).to_contain_text("pregnancy")
    expect(page.locator("h1")).to_contain_text("pregnancy")
    first = page.locator(".hits .hit").first
    expect(first).to_contain_text(re.compile("pregnan", re.I))
    # the result count is announced once, through the live region
    expect(page.locator("#live-status")).to_have_text(re.compile(r"\d+ answers? found"))


def test_widget_on_another_origin_searches_as_you_type_and_opens_a_result(
    page: Page, live, problems
) -> None:
    page.goto(live.host + "/")
    widget_input = page.locator("qasearch-box input[role=combobox]")
    expect(widget_input).to_be_visible()
    # the host page's hostile CSS does not reach inside the shadow root
    assert widget_input.evaluate("e => getComputedStyle(e).fontSize") == "16px"

    # "/" is ignored while typing elsewhere, and focuses the widget otherwise
    page.locator("#name").click()
    page.keyboard.type("a/b")
    expect(page.locator("#name")).to_have_value("a/b")
    expect(widget_input).not_to_be_focused()
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(widget_input).to_be_focused()

    page.keyboard.type("lower back pain", delay=40)
    options = page.locator("qasearch-box [role=option]")
    expect(options.nth(2)).to_be_visible()
    expect(widget_input).to_have_attribute("aria-expanded", "true")
    expect(page.locator("qasearch-box mark").first).to_be_visible()

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = options.nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(widget_input).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    page.keyboard.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")

    # Esc closes the popover; ArrowDown opens it again
    page.keyboard.press("Escape")
    expect(widget_input).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowDown")
    expect(widget_input).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")

    target = options.nth(1).get_attribute("data-href")
    assert options.locator("a").count() == 0, "no link inside an option (nested-interactive)"
    assert target.startswith(live.app + "/records/")
    page.keyboard.press("Enter")
    page.wait_for_url(target)
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".answer")).to_contain_text(re.compile(r"\w+"))


def test_widget_link_to_the_full_results_page(page: Page, live, problems) -> None:
    page.goto(live.host + "/")
    page.keyboard.press("Control+k")
    page.keyboard.type("insomnia", delay=30)
    see_all = page.locator("qasearch-box [role=option].all")
    expect(see_all).to_contain_text("See all")
    see_all.click()
    page.wait_for_url(re.compile(re.escape(live.app) + r"/search\?q=insomnia"))
    expect(page.locator(".hits .hit").first).to_be_visible()


def test_stored_script_never_runs(page: Page, live, problems) -> None:
    page.add_init_script("window.__xss = 0; window.alert = () => { window.__xss += 1; };")
    literal = '<script>alert("x")</script>'

    page.goto(f"{live.app}/search?q=needles+hurt+form+error")
    expect(page.locator(".hits")).to_contain_text(literal)
    assert page.evaluate("window.__xss") == 0

    page.goto(f"{live.app}/records/askacupuncture-134")
    expect(page.locator("article")).to_contain_text(literal)
    assert page.evaluate("window.__xss") == 0
    assert page.locator("article script").count() == 0

    page.goto(live.host + "/")
    page.locator("qasearch-box input").fill("needles hurt form error")
    option = page.locator("qasearch-box [role=option]", has_text=literal)
    expect(option.first).to_be_visible()
    assert page.locator("qasearch-box script").count() == 0
    assert page.evaluate("window.__xss") == 0


def test_results_fit_a_phone_screen(page: Page, live, problems) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/", "/search?q=lower+back+pain", "/records/askacupuncture-103",
                 "/categories/muscles-and-bones", "/widget/demo"):
        page.goto(live.app + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)


def test_pages_work_with_the_keyboard_alone(page: Page, live, problems) -> None:
    page.goto(live.app + "/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("/")
    box = page.locator("#home-q")
    expect(box).to_be_focused()
    page.keyboard.type("neck pain")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=neck\+pain"))
    expect(page.locator(".hits .hit").first).to_contain_text(re.compile("neck", re.I))
