"""Polite crawler: mirror one archive (same host, one path prefix) into the raw page store.

    report = crawl("https://www.askacupuncture.example/ask-an-expert/", Path("scraped"))
    print(report.summary())

The crawl loop; its parts live in their own modules: `links` (what is in scope, link
extraction), `fetch` (paced HTTP with retries and back-off), `robots` (robots.txt), and
`pagestore` (pages, sidecars, journal, lock).

- Scope: archive pages only (`links.Scope`). Every URL variant of a page is requested once,
  at its canonical path on the origin the crawl started from.
- Politeness: robots.txt (Disallow, Allow, Crawl-delay, Request-rate) obeyed; one request at
  a time, at most one per `delay` seconds (1 s by default; a larger Crawl-delay wins); a
  User-Agent naming the crawler. 5xx, 429 and timeouts are retried with exponential back-off,
  honouring Retry-After.
- Re-runs send If-None-Match / If-Modified-Since from the stored metadata; a 304 keeps the
  stored bytes and the crawl continues through the links of the stored copy.
- Resuming: the journal records every queued and every finished URL as it goes. A crawl that
  did not finish (killed, interrupted, or stopped by `max_pages`) is resumed by running it
  again: pages it already fetched are not requested again. Pages that failed are retried.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from indexer.ingest.fetch import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_REDIRECTS,
    REDIRECT_STATUSES,
    Backoff,
    Fetcher,
    FetchFailed,
    Response,
    conditional_headers,
)
from indexer.ingest.links import Scope, extract_links
from indexer.ingest.pagestore import (
    FAILED,
    JOURNAL,
    STATE_DIR,
    Journal,
    PageStore,
    Stored,
    StoreLocked,
    locked,
    read_journal,
    replay_journal,
    utc_now,
    write_atomic,
)
from indexer.ingest.robots import Robots, RobotsUnavailable, load_robots
from indexer.ingest.urls import DEFAULT_PAGE_SIZE
from indexer.progress import progress_bar

__all__ = ["DEFAULT_DELAY", "DEFAULT_PAGE_SIZE", "DEFAULT_RETRIES", "DEFAULT_TIMEOUT",
           "DEFAULT_USER_AGENT", "CrawlError", "CrawlReport", "crawl"]

__version__ = "0.1"
DEFAULT_USER_AGENT = (
    f"qasearch-crawler/{__version__} (+https://github.com/qasearch/qasearch; "
    "polite mirror of an expert-answer archive; one request at a time)"
)
DEFAULT_DELAY = 1.0

# Outcomes of one page.
FETCHED = "fetched"
NOT_MODIFIED = "not_modified"
ROBOTS = "robots"
REDIRECTED = "redirected"
NOT_FOUND = "not_found"
ERROR = FAILED


class CrawlError(Exception):
    """The crawl cannot start or go on (robots.txt unreachable, store locked, bad start URL)."""


@dataclass
class CrawlReport:
    """What one `crawl` call did. Counts are for this call; `resumed` is how many pages an
    interrupted earlier run had already finished."""

    start_url: str
    out_dir: Path
    fetched: int = 0  # 200 responses stored
    unchanged: int = 0  # of those, identical to the stored copy
    not_modified: int = 0  # 304: stored copy kept
    skipped_robots: int = 0  # never requested: disallowed by robots.txt
    redirected: int = 0  # answered with a redirect to another page (queued instead)
    not_found: int = 0  # 404 / 410: broken links to pages the site does not have
    errors: int = 0  # failed after retries, another 4xx, or could not be stored
    retries: int = 0  # extra attempts after 5xx / 429 / timeouts
    pages: int = 0  # pages requested (what --max-pages counts)
    requests: int = 0  # HTTP requests sent for pages, retries included (not robots.txt)
    not_followed: int = 0  # distinct links outside the archive (or not pages) left alone
    resumed: int = 0
    left: int = 0  # pages still queued when the crawl stopped
    finished: bool = False
    elapsed: float = 0.0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (url, what went wrong)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.elapsed if self.elapsed > 0 else 0.0

    def summary(self) -> str:
        lines = [
            f"{'crawl finished' if self.finished else 'crawl stopped'}: "
            f"{self.fetched} fetched ({self.unchanged} unchanged), "
            f"{self.not_modified} not modified, {self.skipped_robots} skipped by robots.txt, "
            f"{self.not_found} not found, "
            f"{self.errors} error{'s' if self.errors != 1 else ''}, {self.retries} retries, "
            f"{self.redirected} redirected; {self.pages} pages ({self.requests} requests) in "
            f"{self.elapsed:.1f} s ({self.pages_per_second:.1f} pages/s)"
        ]
        if self.resumed:
            lines.append(f"resumed an interrupted crawl: {self.resumed} pages were already done")
        if not self.finished:
            lines.append(f"{self.left} pages still queued: run the same command again to resume")
        lines += [f"  {url}: {msg}" for url, msg in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"  ... and {len(self.problems) - 20} more")
        return "\n".join(lines)


def crawl(
    start_url: str,
    out_dir: str | Path,
    *,
    delay: float = DEFAULT_DELAY,
    max_pages: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    user_agent: str = DEFAULT_USER_AGENT,
    prefix: str | None = None,
    site_host: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    backoff: float = 1.0,
    max_backoff: float = 60.0,
    max_retry_after: float = 300.0,
    fresh: bool = False,
    progress: bool = True,
    on_page: Callable[[str, str], None] | None = None,
) -> CrawlReport:
    """Mirror the archive reachable from `start_url` into the page store `out_dir`.

    `prefix`: the archive's path prefix (default: the first path segment of `start_url`,
    e.g. ``/ask-an-expert/``). `site_host`: the host pages are filed under (default: the
    canonical host of `start_url`); set it when crawling a mirror or a local copy of the
    site, whose own host then counts as an alias. `max_pages`: stop after that many page
    requests (the crawl can be resumed). `fresh`: ignore an unfinished earlier crawl.
    `on_page(url, outcome)` is called after each page.
    """
    parts = urlsplit(start_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CrawlError(f"start URL must be an http(s) URL with a host: {start_url!r}")
    if delay < 0 or timeout <= 0 or retries < 0 or (max_pages is not None and max_pages < 0):
        raise CrawlError("delay and retries must be >= 0, timeout > 0, max pages >= 0")
    scope, start = Scope.for_start(start_url, prefix, site_host, page_size)
    fetcher = Fetcher(user_agent=user_agent, timeout=timeout,
                      backoff=Backoff(retries, backoff, max_backoff, max_retry_after),
                      local=parts.hostname in ("127.0.0.1", "localhost", "::1"))
    crawler = _Crawler(scope, start, Path(out_dir), fetcher, delay=delay, max_pages=max_pages,
                       progress=progress, on_page=on_page)
    return crawler.run(fresh=fresh)


class _Crawler:
    def __init__(self, scope: Scope, start: str, out_dir: Path, fetcher: Fetcher, *,
                 delay: float, max_pages: int | None, progress: bool,
                 on_page: Callable[[str, str], None] | None) -> None:
        self.scope = scope
        self.start = start
        self.out_dir = out_dir
        self.store = PageStore(out_dir)
        self.state_dir = out_dir / STATE_DIR
        self.fetcher = fetcher
        self.delay = delay
        self.max_pages = max_pages
        self.progress = progress
        self.on_page = on_page
        self.report = CrawlReport(start_url=start, out_dir=out_dir)
        self.robots = Robots.parse("", fetcher.user_agent)
        self.frontier: deque[str] = deque()
        self.seen: set[str] = set()
        self.via: dict[str, str] = {}
        self.not_followed: set[str] = set()
        self.journal: Journal | None = None

    # -- the run ----------------------------------------------------------------------------

    def run(self, *, fresh: bool) -> CrawlReport:
        if not self.scope.contains(self.start):
            raise CrawlError(f"start URL {self.start} is not an archive page under "
                             f"{self.scope.prefix} on {self.scope.site_host}")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        with self._locked(), self._open_journal(fresh) as journal:
            self.store.remove_stale_temp_files()
            self.journal = journal
            self._load_robots()
            if self.start not in self.seen:
                self._enqueue(self.start, self.start)
            bar = progress_bar(len(self.seen), initial=self.report.resumed, unit="page",
                               desc="crawl", enabled=self.progress)
            try:
                self._loop(bar)
            finally:
                bar.close()
                self._close_report(began)
            if self.report.finished:
                journal.write({"finished": utc_now()})
        write_atomic(self.state_dir / "last-report.json",
                     json.dumps(_report_dict(self.report), indent=1).encode())
        return self.report

    def _close_report(self, began: float) -> None:
        report = self.report
        report.elapsed = time.monotonic() - began
        report.left = len(self.frontier)
        report.not_followed = len(self.not_followed)
        report.requests, report.retries = self.fetcher.requests, self.fetcher.retries
        report.finished = not self.frontier

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            with locked(self.state_dir / "lock"):
                yield
        except StoreLocked as exc:
            raise CrawlError(f"another crawl is writing to {self.out_dir}") from exc

    def _load_robots(self) -> None:
        try:
            self.robots = load_robots(self.fetcher, self.scope.origin,
                                      self.state_dir / "robots.txt", self.fetcher.user_agent)
        except RobotsUnavailable as exc:
            raise CrawlError(str(exc)) from exc
        self.fetcher.interval = self.robots.interval(self.delay)

    def _loop(self, bar: Any) -> None:
        while self.frontier:
            if self.max_pages is not None and self.report.pages >= self.max_pages:
                return
            url = self.frontier[0]
            outcome = self._visit(url)
            self.frontier.popleft()
            assert self.journal is not None
            self.journal.write({"done": url, "outcome": outcome})
            bar.total = len(self.seen)
            bar.update(1)
            bar.set_postfix(fetched=self.report.fetched, not_modified=self.report.not_modified,
                            errors=self.report.errors, refresh=False)
            if self.on_page is not None:
                self.on_page(url, outcome)

    def _visit(self, url: str) -> str:
        fetch = self.scope.fetch_url(url)
        if not self.robots.allowed(fetch):
            self.report.skipped_robots += 1
            return ROBOTS
        self.report.pages += 1
        stored = self.store.load(url)
        headers = conditional_headers(stored[0] if stored else None)
        try:
            resp = self.fetcher.get(fetch, headers)
            if resp.status in (404, 410) and url in self.via:
                # The canonical form is not served here: try the link as the page gave it.
                alt = self.scope.fetch_url(self.via[url])
                if alt != fetch and self.robots.allowed(alt):
                    resp = self.fetcher.get(alt, headers)
            resp = self._follow_redirects(url, resp, headers)
        except FetchFailed as exc:
            return self._fail(url, str(exc))
        except _Outcome as outcome:
            return str(outcome)
        return self._store(url, resp, stored)

    def _follow_redirects(self, url: str, resp: Response, headers: dict[str, str]) -> Response:
        """The answer after following redirects to the same page; another archive page is
        queued instead (raises _Outcome REDIRECTED), anything else is an error."""
        for _ in range(MAX_REDIRECTS):
            if resp.status not in REDIRECT_STATUSES:
                return resp
            target = urljoin(resp.url, resp.headers.get("location", ""))
            canonical = self.scope.canonical(target)
            if canonical is None or not self.scope.contains(canonical):
                raise _Outcome(self._fail(
                    url, f"HTTP {resp.status} to {target}, outside the archive"))
            if canonical != url:  # another page: crawl that one instead
                self.report.redirected += 1
                if canonical not in self.seen:
                    self._enqueue(canonical, target)
                raise _Outcome(REDIRECTED)
            if not self.robots.allowed(target):
                self.report.skipped_robots += 1
                raise _Outcome(ROBOTS)
            resp = self.fetcher.get(target, headers)  # the same page at another address
        if resp.status in REDIRECT_STATUSES:
            raise _Outcome(self._fail(url, f"more than {MAX_REDIRECTS} redirects"))
        return resp

    def _store(self, url: str, resp: Response, stored: Stored | None) -> str:
        if resp.status == 304 and stored is not None:
            self.report.not_modified += 1
            self.store.save_meta(url, status=304, fetched_url=resp.url, headers=resp.headers,
                                 body=stored[1], previous=stored[0])
            self._follow_links(resp.url, stored[1], stored[0].get("content_type") or "")
            return NOT_MODIFIED
        if resp.status in (404, 410):
            self.report.not_found += 1
            self.report.problems.append((url, f"HTTP {resp.status} (a broken link)"))
            return NOT_FOUND
        if resp.status != 200:
            return self._fail(url, f"HTTP {resp.status}")
        try:
            if stored is not None and stored[1] == resp.body:
                self.report.unchanged += 1
            else:
                self.store.save_page(url, resp.body)
            self.store.save_meta(url, status=200, fetched_url=resp.url, headers=resp.headers,
                                 body=resp.body)
        except OSError as exc:
            return self._fail(url, f"cannot store the page: {exc}")
        self.report.fetched += 1
        self._follow_links(resp.url, resp.body, resp.headers.get("content-type", ""))
        return FETCHED

    def _fail(self, url: str, message: str) -> str:
        self.report.errors += 1
        self.report.problems.append((url, message))
        return ERROR

    # -- the frontier -----------------------------------------------------------------------

    def _follow_links(self, base: str, body: bytes, content_type: str) -> None:
        if content_type and "html" not in content_type.lower():
            return
        for link in extract_links(body, base):
            target = self.scope.canonical(link)
            if target is None or target in self.seen:
                continue
            if self.scope.contains(target):
                self._enqueue(target, link)
            else:
                self.not_followed.add(target)

    def _enqueue(self, canonical: str, link: str) -> None:
        self.seen.add(canonical)
        self.frontier.append(canonical)
        record: dict[str, str] = {"queued": canonical}
        if link != canonical:
            self.via[canonical] = link
            record["via"] = link
        assert self.journal is not None
        self.journal.write(record)

    @contextlib.contextmanager
    def _open_journal(self, fresh: bool) -> Iterator[Journal]:
        path = self.state_dir / JOURNAL
        header = {"start_url": self.start, "prefix": self.scope.prefix,
                  "site_host": self.scope.site_host}
        events = [] if fresh else list(read_journal(path))
        resumable = (events and all(events[0].get(k) == v for k, v in header.items())
                     and not any("finished" in e for e in events))
        if resumable:
            self._replay(events)
        else:
            first = {**header, "origin": self.scope.origin, "started_at": utc_now()}
            write_atomic(path, (json.dumps(first) + "\n").encode())
        journal = Journal(path)
        try:
            yield journal
        finally:
            journal.close()

    def _replay(self, events: list[dict[str, Any]]) -> None:
        queued, self.via, done = replay_journal(events)
        self.seen.update(queued)
        self.frontier.extend(u for u in queued if u not in done)
        self.report.resumed = len(done)


class _Outcome(Exception):
    """A page's visit ended early with this outcome (the exception's message)."""


def _report_dict(report: CrawlReport) -> dict[str, Any]:
    data = {k: v for k, v in vars(report).items() if k != "problems"}
    data["out_dir"] = str(report.out_dir)
    data["problems"] = [list(p) for p in report.problems]
    data["pages_per_second"] = round(report.pages_per_second, 2)
    return data
