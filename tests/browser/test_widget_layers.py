"""The widget among a host page's own layers, and the pages' own search box using the same
code: two boxes on one page, a sticky header, the "/" hint, urgent help with call buttons,
suggestions as you type on the results page's search box."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def top_element_in(page: Page, box_id: str, x: float, y: float) -> str:
    """What is painted at (x, y) as seen from inside box `box_id` ('' if not its own)."""
    return page.evaluate(
        """([id, x, y]) => {
            const host = document.getElementById(id);
            const top = document.elementFromPoint(x, y);
            if (top !== host) return top ? 'page:' + top.tagName : '';
            const inner = host.shadowRoot.elementFromPoint(x, y);
            return inner ? (inner.closest('.qs-pop') ? 'popover' : 'box:' + inner.tagName) : '';
        }""", [box_id, x, y])


def test_two_boxes_on_one_page_each_work_and_the_popover_covers_the_second(
        page: Page, live, problems) -> None:
    page.set_viewport_size({"width": 900, "height": 700})
    page.goto(live.host + "/two")
    one = page.locator("#one input")
    two = page.locator("#two input")
    expect(one).to_be_visible()
    # "/" belongs to the first box, and only it shows the hint
    expect(page.locator("#one .key")).to_have_count(1)
    expect(page.locator("#two .key")).to_have_count(0)
    assert two.get_attribute("aria-keyshortcuts") is None
    page.keyboard.press("/")
    expect(one).to_be_focused()
    page.keyboard.type("lower back pain", delay=30)
    options = page.locator("#one [role=option]")
    expect(options.nth(2)).to_be_visible()
    # the popover is in the top layer and paints over the second box's bar
    assert page.locator("#one .qs-pop").evaluate("p => p.matches(':popover-open')")
    bar = page.locator("#two .bar").bounding_box()
    assert top_element_in(page, "one", bar["x"] + 20, bar["y"] + bar["height"] / 2) == "popover"
    page.keyboard.press("Escape")
    expect(one).to_have_attribute("aria-expanded", "false")

    # the second box works on its own, with its own ids
    two.click()
    page.keyboard.type("insomnia", delay=30)
    expect(page.locator("#two [role=option]").first).to_be_visible()
    ids_one = page.locator("#one [role=option]").evaluate_all("o => o.map(e => e.id)")
    ids_two = page.locator("#two [role=option]").evaluate_all("o => o.map(e => e.id)")
    assert not set(ids_one) & set(ids_two)
    page.keyboard.press("ArrowDown")
    expect(page.locator("#two [role=option]").first).to_have_attribute("aria-selected", "true")


def test_the_box_scrolls_under_the_hosts_sticky_header(page: Page, live, problems) -> None:
    page.set_viewport_size({"width": 900, "height": 700})
    page.goto(live.host + "/two")
    expect(page.locator("#one input")).to_be_visible()
    page.mouse.wheel(0, 80)
    page.wait_for_function("window.scrollY >= 80")
    bar = page.locator("#one .bar").bounding_box()
    assert bar["y"] < 60, "the bar is under the header now"
    seen = page.evaluate("document.elementFromPoint(200, 30).closest('header') !== null")
    assert seen, "the host's sticky header stays on top of the box"


def test_urgent_help_in_the_widget_has_call_buttons(page: Page, live, problems) -> None:
    page.goto(live.host + "/")
    page.locator("qasearch-box input").fill("my child swallowed bleach")
    card = page.locator("qasearch-box .qs-urgent")
    expect(card).to_contain_text("Swallowed something harmful?")
    calls = card.locator("a.qs-call")
    expect(calls.first).to_have_attribute("href", "tel:999")
    assert "tel:111" in calls.evaluate_all("a => a.map(e => e.getAttribute('href'))")
    # Tab moves from the box into the popover's buttons without closing it
    page.locator("qasearch-box input").press("Tab")
    page.keyboard.press("Tab")
    expect(calls.first).to_be_focused()
    expect(page.locator("qasearch-box input")).to_have_attribute("aria-expanded", "true")


def test_the_results_page_search_box_suggests_as_you_type(page: Page, live, problems) -> None:
    page.goto(f"{live.app}/search?q=sleep")
    box = page.locator("header input[name=q]")
    expect(box).to_have_attribute("role", "combobox")  # enhanced by the widget's code
    box.fill("")
    box.type("neck pa", delay=30)
    options = page.locator("header [role=option]")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    first = options.first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    # Enter with nothing chosen submits the ordinary form
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=neck\+pa"))


def test_the_filter_button_opens_the_topics_on_a_phone(page: Page, live, problems) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live.app}/search?q=pain")
    toggle = page.locator(".filters-toggle")
    first_hit = page.locator(".hits .hit").first
    assert toggle.bounding_box()["y"] < first_hit.bounding_box()["y"], "above the results"
    topics = page.locator(".facets")
    expect(topics).to_be_hidden()
    toggle.click()
    expect(topics).to_be_visible()
    page.locator(".facet-kids > summary").first.click()
    expect(page.locator(".facet-kids[open] .facet-list").first).to_be_visible()
    # on a wide screen the topics are open beside the results
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(f"{live.app}/search?q=pain")
    expect(page.locator(".facets")).to_be_visible()
