"""`qasearch scrape START_URL --out DIR`: mirror an archive into a page store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from indexer.ingest.crawl import (
    DEFAULT_DELAY,
    DEFAULT_PAGE_SIZE,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
    CrawlError,
    crawl,
)


@click.command("scrape", epilog="""\b
Examples:
  qasearch scrape https://www.askacupuncture.example/ask-an-expert/ --out scraped/
  qasearch scrape https://www.askacupuncture.example/ask-an-expert/ --max-pages 200 --delay 2
  python -m tests.site scraped --port 8000 &          # the sample archive as a local site
  qasearch scrape http://127.0.0.1:8000/ask-an-expert/ --out /tmp/mirror --delay 0 \\
      --site-host www.askacupuncture.example

\b
Exit status: 0 when pages were mirrored (or were unchanged), 1 when none could be
or on an error, 130 when interrupted (run the same command again to resume).
""")
@click.argument("start_url")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("scraped"), show_default=True, help="Page store to write.")
@click.option("--delay", type=click.FloatRange(min=0), default=DEFAULT_DELAY, show_default=True,
              help="Seconds between requests (robots.txt Crawl-delay wins when larger).")
@click.option("--max-pages", type=click.IntRange(min=0), default=None,
              help="Stop after this many page requests; run again to resume.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT,
              show_default=True, help="Seconds to wait for a response.")
@click.option("--retries", type=click.IntRange(min=0), default=DEFAULT_RETRIES, show_default=True,
              help="Extra attempts after a 5xx, 429 or timeout (exponential back-off).")
@click.option("--user-agent", default=DEFAULT_USER_AGENT, help="User-Agent header to send.")
@click.option("--prefix", default=None,
              help="Archive path prefix [default: first path segment of START_URL].")
@click.option("--site-host", default=None,
              help="Host the pages are filed under, when crawling a mirror or local copy.")
@click.option("--page-size", type=click.IntRange(min=1), default=DEFAULT_PAGE_SIZE,
              show_default=True, help="Items per listing page (maps ?start=K to Page-N).")
@click.option("--fresh", is_flag=True, help="Ignore an unfinished earlier crawl; start over.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
def scrape_command(start_url: str, out_dir: Path, delay: float, max_pages: int | None,
                   timeout: float, retries: int, user_agent: str, prefix: str | None,
                   site_host: str | None, page_size: int, fresh: bool, progress: bool) -> None:
    """Mirror the "Ask an expert" archive at START_URL into the page store --out.

    Same host and archive prefix only; obeys robots.txt; re-runs send conditional requests;
    an interrupted crawl resumes where it stopped.
    """
    try:
        report = crawl(start_url, out_dir, delay=delay, max_pages=max_pages, timeout=timeout,
                       retries=retries, user_agent=user_agent, prefix=prefix,
                       site_host=site_host, page_size=page_size, fresh=fresh,
                       progress=progress)
    except CrawlError as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        click.echo("\ninterrupted: run the same command again to resume", err=True)
        sys.exit(130)
    click.echo(report.summary())
    if report.pages and not (report.fetched or report.not_modified):
        sys.exit(1)  # pages were requested and none could be mirrored
