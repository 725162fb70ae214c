"""Screenshots of every page (and the widget with its popover open) from a running server.

    qasearch serve --index index --port 5000 &
    python bench/screenshots.py --base http://127.0.0.1:5000 --out docs/screenshots

Drives Debian's /usr/bin/chromium through Playwright (headless). Viewport-sized PNGs keep
the files small; pass --full-page for whole pages.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

PAGES = [
    ("home", "/", None),
    ("results", "/search?q=lower+back+pain+after+epidural", None),
    ("results-corrected", "/search?q=pregnacy", None),
    ("results-urgent", "/search?q=tight+pain+in+my+chest", None),
    ("results-crisis", "/search?q=I+don%27t+want+to+live+anymore", "phone"),
    ("results-dark", "/search?q=lower+back+pain", "dark"),
    ("zero-results", "/search?q=zzqxv+wibblefrotz", None),
    ("zero-results-question",
     "/search?q=%22my+lower+back+pain+started+after+an+epidural+for+childbirth%22", None),
    ("record", "/records/askacupuncture-103?q=epidural", None),
    ("category", "/categories/muscles-and-bones/back-spine", None),
    ("widget-demo", "/widget/demo", "widget"),
    ("results-phone", "/search?q=sciatica", "phone"),
    ("results-phone-filter", "/search?q=pain", "phone-filter"),
    ("home-suggestions", "/", "suggest"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="http://127.0.0.1:5000")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--full-page", action="store_true")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for name, path, special in PAGES:
            phone = special in ("phone", "phone-filter")
            page = browser.new_page(viewport={"width": 390, "height": 844} if phone
                                    else {"width": 1200, "height": 860},
                                    color_scheme="dark" if special == "dark" else "light")
            page.goto(args.base + path)
            if special == "widget":
                box = page.locator("qasearch-box input").first
                box.click()
                page.keyboard.type("back pain", delay=40)
                page.locator("qasearch-box [role=option]").nth(2).wait_for()
                page.keyboard.press("ArrowDown")
                page.keyboard.press("ArrowDown")
                page.wait_for_timeout(300)
            elif special == "suggest":
                page.locator("#home-q").click()
                page.keyboard.type("acupuncture for back pain", delay=40)
                page.locator("main [role=option]").nth(2).wait_for()
                page.keyboard.press("ArrowDown")
                page.wait_for_timeout(300)
            elif special == "phone-filter":
                page.locator(".filters-toggle").click()
                page.locator(".facet-kids > summary").first.click()
                page.locator(".filters-toggle").scroll_into_view_if_needed()
            out = args.out / f"{name}.png"
            page.screenshot(path=str(out), full_page=args.full_page)
            print(out, out.stat().st_size, "bytes")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
