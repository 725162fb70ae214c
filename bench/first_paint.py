"""First paint with results: how long until a results page (server-rendered, so its first
paint shows the results) is painted, median of N fresh page loads, from a running server.

    qasearch serve --index index --port 5000 &
    python bench/first_paint.py --base http://127.0.0.1:5000 --runs 10

Drives Debian's /usr/bin/chromium through Playwright (headless); each load is a new browser
context (cold cache). Prints first-contentful-paint per URL: median, min and max, in ms.
"""

from __future__ import annotations

import argparse
import statistics
from urllib.parse import quote_plus

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
QUERIES = ["lower back pain", "acupuncture in pregnancy", "headache", "chest pain"]
FCP = """() => new Promise(done => {
  const seen = performance.getEntriesByName('first-contentful-paint');
  if (seen.length) return done(seen[0].startTime);
  new PerformanceObserver(list => done(list.getEntries()[0].startTime))
    .observe({type: 'paint', buffered: true});
})"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="http://127.0.0.1:5000")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--query", action="append", help="query to load (repeat; default: a few)")
    ap.add_argument("--phone", action="store_true", help="390x844 viewport")
    args = ap.parse_args()
    viewport = {"width": 390, "height": 844} if args.phone else {"width": 1280, "height": 900}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        all_times = []
        for q in args.query or QUERIES:
            url = f"{args.base}/search?q={quote_plus(q)}"
            times = []
            for _ in range(args.runs):
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                page.goto(url)
                times.append(page.evaluate(FCP))
                context.close()
            all_times += times
            print(f"{q!r:32} median {statistics.median(times):6.0f} ms  "
                  f"min {min(times):5.0f}  max {max(times):5.0f}")
        print(f"{'all':32} median {statistics.median(all_times):6.0f} ms "
              f"({len(all_times)} loads)")
        browser.close()


if __name__ == "__main__":
    main()
