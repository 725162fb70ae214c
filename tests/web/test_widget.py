"""The embeddable widget's assets: size budget, safe DOM building, serving, demo page."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

WIDGET = Path(__file__).resolve().parents[2] / "search_app" / "static" / "widget"
BUDGET = 15 * 1024  # bytes, gzipped, script and stylesheet together


def gz_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_widget_is_under_15_kb_gzipped() -> None:
    total = gz_size(WIDGET / "widget.js") + gz_size(WIDGET / "widget.css")
    assert total < BUDGET, f"widget.js + widget.css = {total} bytes gzipped (budget {BUDGET})"


@pytest.mark.parametrize("sink", ["innerHTML", "outerHTML", "insertAdjacentHTML",
                                  "document.write", "eval(", "new Function", "DOMParser",
                                  "createContextualFragment", "srcdoc"])
def test_widget_never_parses_html(sink: str) -> None:
    """Everything from the API goes in as text nodes: no HTML-parsing sinks in the code."""
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", (WIDGET / "widget.js").read_text(), flags=re.S)
    assert sink not in code


def test_widget_uses_shadow_dom_and_theme_variables() -> None:
    js = (WIDGET / "widget.js").read_text()
    css = (WIDGET / "widget.css").read_text()
    assert "attachShadow" in js and 'customElements.define(TAG' in js
    assert '"role", "combobox"' in js and '"aria-activedescendant"' in js
    for var in ("--qasearch-accent", "--qasearch-bg", "--qasearch-fg", "--qasearch-radius",
                "--qasearch-font", "--qasearch-mark"):
        assert var in css, var


def test_widget_assets_are_served(client) -> None:
    js = client.get("/widget.js")
    assert js.status_code == 200 and js.mimetype == "text/javascript"
    assert js.headers["Cache-Control"].startswith("public")
    assert js.get_data() == (WIDGET / "widget.js").read_bytes()
    css = client.get("/widget.css")
    assert css.status_code == 200 and css.mimetype == "text/css"


def test_demo_page_shows_how_to_embed(client) -> None:
    html = client.get("/widget/demo").get_data(as_text=True)
    assert '<script src="/widget.js?v=' in html, "the demo embeds the real widget"
    assert "&lt;script src=&#34;http://localhost/widget.js&#34;" in html or \
        "&lt;script src=\"http://localhost/widget.js\"" in html
    assert "&lt;qasearch-box" in html
    assert "--qasearch-accent" in html


def test_demo_uses_the_public_url_when_set(make_app) -> None:
    app = make_app(public_url="https://search.example.org/")
    html = app.test_client().get("/widget/demo").get_data(as_text=True)
    assert "https://search.example.org/widget.js" in html


def test_widget_popover_uses_the_top_layer_and_no_stacking_of_its_own() -> None:
    js = (WIDGET / "widget.js").read_text()
    css = (WIDGET / "widget.css").read_text()
    assert "showPopover" in js and 'popover: TOP_LAYER ? "manual"' in js
    host = re.search(r":host\s*\{([^}]*)\}", css).group(1)
    assert "z-index" not in host and "position" not in host


def test_widget_options_hold_no_links() -> None:
    """role=option with a link inside is nested-interactive (axe): options carry data-href."""
    js = (WIDGET / "widget.js").read_text()
    option = js[js.index("C.option = function"):js.index("C.renderUrgent")]
    assert '"data-href": href' in option and 'el("a"' not in option


def test_pages_get_suggestions_from_the_widget_code(client) -> None:
    html = client.get("/search?q=sleep").get_data(as_text=True)
    # content-hashed URLs (search_app.httpcache)
    assert re.search(r'<script src="/widget\.js\?v=\w+" data-enhance defer></script>', html)
    assert re.search(r'<link rel="stylesheet" href="/widget\.css\?v=\w+">', html)
    assert "data-qs-suggest" in html
