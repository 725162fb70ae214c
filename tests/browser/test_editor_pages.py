"""The editors' pages in a real browser: signing in, a full-width draft box, styled buttons,
and marking a duplicate group (what only a browser shows: layout and computed styles)."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.browser.conftest import EDITOR_TOKEN

DEFAULT_BUTTON_BACKGROUNDS = {"rgb(239, 239, 239)", "rgb(240, 240, 240)", "buttonface",
                              "rgba(0, 0, 0, 0)"}


def _sign_in(page: Page, live, path: str = "/editor/") -> None:
    page.goto(f"{live.app}/editor/login?next={quote(path)}")
    button = page.get_by_role("button", name="Sign in")
    expect(button).to_be_visible()
    style = button.evaluate("b => { const s = getComputedStyle(b); "
                            "return [s.backgroundColor, s.borderTopLeftRadius, s.fontWeight]; }")
    assert style[0] not in DEFAULT_BUTTON_BACKGROUNDS and style[1] != "0px", style
    token = page.get_by_label("Editor token")
    token.fill(EDITOR_TOKEN)
    box = token.bounding_box()
    assert box is not None and box["width"] >= 250  # a field, not a sliver beside its label
    button.click()
    page.wait_for_url(re.compile(re.escape(path.split("?")[0]) + r"($|\?)"))


def test_draft_box_is_full_width_under_its_label(page: Page, live, problems) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live)
    draft = page.get_by_label("Paste the new question")
    label = page.locator("label[for=draft]").bounding_box()
    form = page.locator("form.draft-form").bounding_box()
    box = draft.bounding_box()
    assert box and label and form
    assert box["width"] >= 0.95 * form["width"] and box["width"] >= 600, (box, form)
    assert box["y"] >= label["y"] + label["height"] - 1  # under the label, not beside it
    draft.fill("I'm 10 weeks pregnant, is acupuncture safe?")
    submit = page.get_by_role("button", name="Find similar questions")
    bg = submit.evaluate("b => getComputedStyle(b).backgroundColor")
    assert bg not in DEFAULT_BUTTON_BACKGROUNDS
    submit.click()
    expect(page.locator(".similar-hits .hit").first).to_be_visible()
    expect(page.locator(".flag-rule")).to_contain_text("likely already answered")
    page.locator(".similar-hits details summary").first.click()
    header = page.locator("table.why thead").first
    expect(header).to_contain_text("The archived question says")
    expect(header).not_to_contain_text("Stem")


def test_draft_box_fits_a_phone(page: Page, live, problems) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live)
    box = page.get_by_label("Paste the new question").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert box["width"] >= 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_marking_a_group_not_duplicates_and_undoing_it(page: Page, live, problems) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live, "/editor/duplicates?kind=stock+answer")
    group = page.locator("section.cluster").first
    expect(group).to_contain_text("One answer reused for")
    expect(page.get_by_role("link", name="CSV")).to_be_visible()
    expect(page.get_by_role("link", name="JSON")).to_be_visible()
    heading = group.locator("h2").inner_text()
    button = group.get_by_role("button", name="Not duplicates")
    assert button.evaluate("b => getComputedStyle(b).borderTopLeftRadius") != "0px"
    button.click()
    page.wait_for_url(re.compile(r"/editor/duplicates\?kind=stock"))
    expect(page.locator("main")).to_contain_text("left out")
    page.get_by_role("link", name="show them").click()
    decided = page.locator("section.cluster").first
    expect(decided).to_contain_text("Marked not duplicates")
    expect(decided.locator("h2")).to_have_text(heading)
    decided.get_by_role("button", name="Undo").click()
    expect(page.locator("main")).not_to_contain_text("Marked not duplicates")
    page.goto(f"{live.app}/editor/duplicates?kind=stock+answer")
    expect(page.locator("section.cluster h2").first).to_have_text(heading)
