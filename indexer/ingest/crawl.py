"""Polite crawler: mirror one archive (same host, one path prefix) into the raw page store.

    report = crawl("https://www.askacupuncture.example/ask-an-expert/", Path("scraped"))
    print(report.summary())

The only module of `indexer` doing network I/O (standard library `urllib` only).

- Scope: pages whose canonical URL (`indexer.ingest.urls.canonical_url`) is on the site's host and
  under the archive prefix, and is a category listing or an item page (`page_kind`); print
  views, feeds, files and everything outside the prefix (blog, members, factsheets) are
  neither requested nor stored. Every URL variant of a page is requested once, at its
  canonical path on the origin the crawl started from.
- Politeness: robots.txt (Disallow, Allow, Crawl-delay, Request-rate) obeyed; one request at
  a time, at most one per `delay` seconds (1 s by default; a larger Crawl-delay wins); a
  User-Agent naming the crawler. 5xx, 429 and timeouts are retried with exponential back-off,
  honouring Retry-After.
- Store (CONTRACTS.md): ``DIR/<host>/<path>`` raw bytes plus ``.meta.json``, each written to a
  temporary file and renamed, so a kill never leaves half a page.
- Re-runs send If-None-Match / If-Modified-Since from the stored metadata; a 304 keeps the
  stored bytes and the crawl continues through the links of the stored copy.
- Resuming: ``DIR/.crawl/journal.jsonl`` records every queued and every finished URL as it
  goes (one line each, flushed; a torn last line is ignored). A crawl that did not finish
  (killed, interrupted, or stopped by `max_pages`) is resumed by running it again: pages it
  already fetched are not requested again. Pages that failed are retried.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import hashlib
import json
import os
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit, urlunsplit

from indexer.ingest.urls import (
    DEFAULT_PAGE_SIZE,
    PageKind,
    UrlRules,
    canonical_url,
    meta_path,
    normalise_prefix,
    page_kind,
    store_path,
)

__version__ = "0.1"
DEFAULT_USER_AGENT = (
    f"qasearch-crawler/{__version__} (+https://github.com/qasearch/qasearch; "
    "polite mirror of an expert-answer archive; one request at a time)"
)
DEFAULT_DELAY = 1.0
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
MAX_PAGE_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
STATE_DIR = ".crawl"
JOURNAL = "journal.jsonl"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_TMP_PREFIX, _TMP_SUFFIX = ".tmp-", ".part"

# Outcomes of one page.
FETCHED = "fetched"
NOT_MODIFIED = "not_modified"
ROBOTS = "robots"
REDIRECTED = "redirected"
NOT_FOUND = "not_found"
ERROR = "error"


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


@dataclass
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to the crawler, which decides what to do with them."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


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
    crawler = _Crawler(
        start_url, Path(out_dir), delay=delay, max_pages=max_pages, timeout=timeout,
        retries=retries, user_agent=user_agent, prefix=prefix, site_host=site_host,
        page_size=page_size, backoff=backoff, max_backoff=max_backoff,
        max_retry_after=max_retry_after, progress=progress, on_page=on_page,
    )
    return crawler.run(fresh=fresh)


class _Crawler:
    def __init__(self, start_url: str, out_dir: Path, *, delay: float, max_pages: int | None,
                 timeout: float, retries: int, user_agent: str, prefix: str | None,
                 site_host: str | None, page_size: int, backoff: float, max_backoff: float,
                 max_retry_after: float, progress: bool,
                 on_page: Callable[[str, str], None] | None) -> None:
        parts = urlsplit(start_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrawlError(f"start URL must be an http(s) URL with a host: {start_url!r}")
        if delay < 0 or timeout <= 0 or retries < 0 or (max_pages is not None and max_pages < 0):
            raise CrawlError("delay and retries must be >= 0, timeout > 0, max pages >= 0")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        aliases = {parts.netloc.lower()}
        if parts.port is None:
            aliases.add(parts.hostname)
        host = (site_host or urlsplit(canonical_url(start_url, UrlRules(page_size=page_size)))
                .netloc).lower()
        self.rules = UrlRules(preferred_host=host, aliases=frozenset(aliases),
                              page_size=page_size)
        self.site_host = self.rules.preferred_host or host
        self.start = canonical_url(start_url, self.rules)
        if prefix is None:
            first = [s for s in urlsplit(self.start).path.split("/") if s][:1]
            prefix = "/" + first[0] + "/" if first and "." not in first[0] else "/"
        self.prefix = normalise_prefix(prefix)
        self.out_dir = out_dir
        self.state_dir = out_dir / STATE_DIR
        self.delay = delay
        self.max_pages = max_pages
        self.timeout = timeout
        self.retries = retries
        self.user_agent = user_agent
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.progress = progress
        self.on_page = on_page
        self.report = CrawlReport(start_url=self.start, out_dir=out_dir)
        self.robots = urllib.robotparser.RobotFileParser()
        self.interval = delay
        self.last_request = -float("inf")
        self.frontier: deque[str] = deque()
        self.seen: set[str] = set()
        self.via: dict[str, str] = {}
        self.not_followed: set[str] = set()
        self.journal: _Journal | None = None
        handlers: list[Any] = [_NoRedirect()]
        if parts.hostname in ("127.0.0.1", "localhost", "::1"):
            handlers.append(urllib.request.ProxyHandler({}))  # never proxy a local site
        self.opener = urllib.request.build_opener(*handlers)

    # -- the run ----------------------------------------------------------------------------

    def run(self, *, fresh: bool) -> CrawlReport:
        if not self.in_scope(self.start):
            raise CrawlError(f"start URL {self.start} is not an archive page under "
                             f"{self.prefix} on {self.site_host}")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        with _locked(self.state_dir / "lock"), self._open_journal(fresh) as journal:
            _remove_stale_temp_files(self.out_dir)
            self.journal = journal
            self._load_robots()
            if self.start not in self.seen:
                self._enqueue(self.start, self.start)
            bar = _progress_bar(self.progress, total=len(self.seen), initial=self.report.resumed)
            try:
                self._loop(bar)
            finally:
                bar.close()
                self.report.elapsed = time.monotonic() - began
                self.report.left = len(self.frontier)
                self.report.not_followed = len(self.not_followed)
            self.report.finished = not self.frontier
            if self.report.finished:
                journal.write({"finished": _now()})
        _write_atomic(self.state_dir / "last-report.json",
                      json.dumps(_report_dict(self.report), indent=1).encode())
        return self.report

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
        fetch = self.fetch_url(url)
        if not self.robots.can_fetch(self.user_agent, fetch):
            self.report.skipped_robots += 1
            return ROBOTS
        self.report.pages += 1
        stored = self._stored(url)
        headers = _conditional_headers(stored)
        try:
            resp = self._get(fetch, headers)
            if resp.status in (404, 410) and url in self.via:
                # The canonical form is not served here: try the link as the page gave it.
                alt = self.fetch_url(self.via[url])
                if alt != fetch and self.robots.can_fetch(self.user_agent, alt):
                    resp = self._get(alt, headers)
            for _ in range(MAX_REDIRECTS):
                if resp.status not in REDIRECT_STATUSES:
                    break
                target = urljoin(resp.url, resp.headers.get("location", ""))
                canonical = self._canonical(target)
                if canonical is None or not self.in_scope(canonical):
                    return self._fail(url, f"HTTP {resp.status} to {target}, outside the archive")
                if canonical != url:  # another page: crawl that one instead
                    self.report.redirected += 1
                    if canonical not in self.seen:
                        self._enqueue(canonical, target)
                    return REDIRECTED
                if not self.robots.can_fetch(self.user_agent, target):
                    self.report.skipped_robots += 1
                    return ROBOTS
                resp = self._get(target, headers)  # the same page at another address
        except _FetchFailed as exc:
            return self._fail(url, str(exc))
        if resp.status in REDIRECT_STATUSES:
            return self._fail(url, f"more than {MAX_REDIRECTS} redirects")
        if resp.status == 304 and stored is not None:
            self.report.not_modified += 1
            self._save_meta(url, resp, stored[1], previous=stored[0])
            self._follow_links(resp.url, stored[1], stored[0].get("content_type") or "")
            return NOT_MODIFIED
        if resp.status in (404, 410):
            self.report.not_found += 1
            self.report.problems.append((url, f"HTTP {resp.status} (a broken link)"))
            return NOT_FOUND
        if resp.status != 200:
            return self._fail(url, f"HTTP {resp.status}")
        try:
            self._save(url, resp, stored)
        except OSError as exc:
            return self._fail(url, f"cannot store the page: {exc}")
        self.report.fetched += 1
        self._follow_links(resp.url, resp.body, resp.headers.get("content-type", ""))
        return FETCHED

    def _fail(self, url: str, message: str) -> str:
        self.report.errors += 1
        self.report.problems.append((url, message))
        return ERROR

    # -- scope and links --------------------------------------------------------------------

    def _canonical(self, url: str) -> str | None:
        try:
            return canonical_url(url, self.rules)
        except ValueError:
            return None

    def in_scope(self, canonical: str) -> bool:
        parts = urlsplit(canonical)
        if parts.netloc != self.site_host:
            return False
        if not (parts.path.startswith(self.prefix) or parts.path == self.prefix.rstrip("/")):
            return False
        return page_kind(canonical, self.prefix, self.rules) is not PageKind.OTHER

    def fetch_url(self, url: str) -> str:
        """Where to request a URL of this site: its path and query on the crawl's origin."""
        parts = urlsplit(url)
        return urlunsplit((*urlsplit(self.origin)[:2], parts.path or "/", parts.query, ""))

    def _follow_links(self, base: str, body: bytes, content_type: str) -> None:
        if content_type and "html" not in content_type.lower():
            return
        for link in extract_links(body, base):
            target = self._canonical(link)
            if target is None or target in self.seen:
                continue
            if self.in_scope(target):
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

    # -- HTTP -------------------------------------------------------------------------------

    def _wait_turn(self) -> None:
        pause = self.last_request + self.interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.last_request = time.monotonic()

    def _get(self, url: str, headers: dict[str, str], *, count: bool = True) -> _Response:
        """GET with retries on 5xx, 429 and network errors/timeouts; redirects are returned.
        Raises _FetchFailed when every attempt failed."""
        attempt = 0
        while True:
            self._wait_turn()
            if count:
                self.report.requests += 1
            retry_after: float | None = None
            try:
                resp = self._request(url, headers)
            except (OSError, HTTPException) as exc:
                problem, resp = _describe_network_error(exc), None
            else:
                if resp.status not in RETRY_STATUSES:
                    return resp
                problem = f"HTTP {resp.status}"
                retry_after = _retry_after(resp.headers.get("retry-after"))
            if attempt >= self.retries:
                tries = f"{attempt + 1} attempts" if attempt else "1 attempt"
                raise _FetchFailed(f"{problem} (after {tries})")
            wait = min(self.max_backoff, self.backoff * 2 ** attempt)
            if retry_after is not None:
                if retry_after > self.max_retry_after:
                    raise _FetchFailed(f"{problem} with Retry-After {retry_after:.0f} s, "
                                       f"longer than {self.max_retry_after:.0f} s")
                wait = max(wait, retry_after)
            attempt += 1
            if count:
                self.report.retries += 1
            time.sleep(wait)

    def _request(self, url: str, headers: dict[str, str]) -> _Response:
        if urlsplit(url).scheme not in ("http", "https"):
            raise _FetchFailed(f"not an http(s) URL: {url}")
        request = urllib.request.Request(url, headers={  # noqa: S310 (scheme checked above)
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "identity",
            **headers,
        })
        try:
            fh = self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as err:  # 3xx, 4xx, 5xx carry a response
            with contextlib.closing(err):
                return _Response(err.code, _lower_headers(err.headers), _read(err), url)
        with fh:
            return _Response(fh.status, _lower_headers(fh.headers), _read(fh), url)

    # -- robots.txt -------------------------------------------------------------------------

    def _load_robots(self) -> None:
        url = self.origin + "/robots.txt"
        cache = self.state_dir / "robots.txt"
        resp: _Response | None = None
        problem = ""
        try:
            resp = self._get(url, {}, count=False)
            for _ in range(MAX_REDIRECTS):  # RFC 9309: follow at least five redirects
                if resp.status not in REDIRECT_STATUSES or not resp.headers.get("location"):
                    break
                resp = self._get(urljoin(resp.url, resp.headers["location"]), {}, count=False)
        except _FetchFailed as exc:
            problem = str(exc)
        if resp is not None and resp.status == 200:
            text = resp.body.decode("utf-8", errors="replace")
            _write_atomic(cache, resp.body)
        elif resp is not None and 400 <= resp.status < 500:
            text = ""  # RFC 9309: robots.txt unavailable (4xx) -> no restrictions
        elif cache.exists():
            text = cache.read_text("utf-8", errors="replace")
        else:
            problem = f"HTTP {resp.status}" if resp is not None else problem
            raise CrawlError(f"cannot read {url} ({problem}) and no cached copy: not crawling "
                             "a site whose rules are unknown")
        self.robots.parse(text.splitlines())
        delays = [self.delay]
        crawl_delay = robots_crawl_delay(text, self.user_agent)
        if crawl_delay:
            delays.append(crawl_delay)
        rate = self.robots.request_rate(self.user_agent)
        if rate and rate.requests:
            delays.append(rate.seconds / rate.requests)
        self.interval = max(delays)

    # -- the store --------------------------------------------------------------------------

    def _paths(self, url: str) -> tuple[Path, Path]:
        rel = store_path(url)
        return self.out_dir / rel, self.out_dir / meta_path(rel)

    def _stored(self, url: str) -> tuple[dict[str, Any], bytes] | None:
        """The stored copy's metadata and bytes, when both are there and agree."""
        page, meta = self._paths(url)
        try:
            info = json.loads(meta.read_text("utf-8"))
            body = page.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(info, dict) or info.get("sha256", _sha256(body)) != _sha256(body):
            return None  # torn or edited: fetch afresh
        return info, body

    def _save(self, url: str, resp: _Response, stored: tuple[dict[str, Any], bytes] | None
              ) -> None:
        page, _ = self._paths(url)
        if stored is not None and stored[1] == resp.body:
            self.report.unchanged += 1
        else:
            _write_atomic(page, resp.body)
        self._save_meta(url, resp, resp.body)

    def _save_meta(self, url: str, resp: _Response, body: bytes,
                   previous: dict[str, Any] | None = None) -> None:
        _, meta = self._paths(url)
        now = _now()
        info = dict(previous or {})
        info.update({
            "url": url,
            "fetched_url": resp.url if resp.status == 200 else info.get("fetched_url", resp.url),
            "status": 200,
            "etag": resp.headers.get("etag") or info.get("etag"),
            "last_modified": resp.headers.get("last-modified") or info.get("last_modified"),
            "content_type": resp.headers.get("content-type") or info.get("content_type"),
            "fetched_at": now if resp.status == 200 else info.get("fetched_at", now),
            "checked_at": now,
            "sha256": _sha256(body),
            "bytes": len(body),
        })
        _write_atomic(meta, json.dumps(info, indent=1, ensure_ascii=False).encode("utf-8"))

    # -- the journal ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _open_journal(self, fresh: bool) -> Iterator[_Journal]:
        path = self.state_dir / JOURNAL
        header = {"start_url": self.start, "prefix": self.prefix, "site_host": self.site_host}
        events = [] if fresh else list(_read_journal(path))
        resumable = (events and all(events[0].get(k) == v for k, v in header.items())
                     and not any("finished" in e for e in events))
        if resumable:
            self._replay(events)
        else:
            first = {**header, "origin": self.origin, "started_at": _now()}
            _write_atomic(path, (json.dumps(first) + "\n").encode())
        journal = _Journal(path)
        try:
            yield journal
        finally:
            journal.close()

    def _replay(self, events: list[dict[str, Any]]) -> None:
        done: set[str] = set()
        order: list[str] = []
        for event in events[1:]:
            if "queued" in event:
                url = event["queued"]
                if url not in self.seen:
                    self.seen.add(url)
                    order.append(url)
                    if "via" in event:
                        self.via[url] = event["via"]
            elif "done" in event:
                if event.get("outcome") == ERROR:
                    done.discard(event["done"])  # failed pages are tried again
                else:
                    done.add(event["done"])
        self.frontier.extend(u for u in order if u not in done)
        self.report.resumed = len(done)


class _FetchFailed(Exception):
    pass


class _Journal:
    """Append-only log of queued and finished URLs; one flushed JSON line per event."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("a", encoding="utf-8")

    def write(self, event: dict[str, Any]) -> None:
        self.fh.write(json.dumps(event, ensure_ascii=False) + "\n")
        self.fh.flush()

    def close(self) -> None:
        self.fh.close()


def _read_journal(path: Path) -> Iterator[dict[str, Any]]:
    try:
        fh = path.open(encoding="utf-8", errors="replace")
    except OSError:
        return
    with fh:
        for line in fh:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line torn by a kill
            if isinstance(event, dict):
                yield event


def robots_crawl_delay(text: str, user_agent: str) -> float | None:
    """The Crawl-delay (seconds, fractions allowed) robots.txt sets for `user_agent`: from the
    group naming our product token, else from the ``*`` group. (urllib.robotparser accepts
    only whole seconds.)"""
    token = user_agent.split("/")[0].strip().lower()
    groups: list[tuple[list[str], list[float]]] = []
    agents: list[str] = []
    delays: list[float] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        name, value = (part.strip() for part in line.split(":", 1))
        name = name.lower()
        if name == "user-agent":
            if in_rules:  # a new group starts
                groups.append((agents, delays))
                agents, delays, in_rules = [], [], False
            agents.append(value.lower())
        elif agents:
            in_rules = True
            if name == "crawl-delay":
                with contextlib.suppress(ValueError):
                    delays.append(max(0.0, float(value)))
    groups.append((agents, delays))
    for group_agents, group_delays in groups:
        if any(a != "*" and a in token for a in group_agents) and group_delays:
            return group_delays[0]
    for group_agents, group_delays in groups:
        if "*" in group_agents and group_delays:
            return group_delays[0]
    return None


def extract_links(body: bytes, base: str) -> list[str]:
    """Absolute URLs of the links (``a``, ``area``, ``link rel=next/prev``) in an HTML page,
    resolved against `base` (or the page's ``<base href>``), in document order."""
    import lxml.etree
    import lxml.html

    if not body.strip():
        return []
    try:
        doc = lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return []
    base_el = doc.find(".//base[@href]")
    if base_el is not None:
        base = urljoin(base, base_el.get("href", "").strip())
    links = []
    for el in doc.iter("a", "area", "link"):
        href = (el.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        if el.tag == "link" and not {"next", "prev", "previous"} & set(
                (el.get("rel") or "").lower().split()):
            continue
        links.append(urljoin(base, href))
    return links


# -- helpers ---------------------------------------------------------------------------------

def _conditional_headers(stored: tuple[dict[str, Any], bytes] | None) -> dict[str, str]:
    if stored is None:
        return {}
    headers = {}
    if stored[0].get("etag"):
        headers["If-None-Match"] = stored[0]["etag"]
    if stored[0].get("last_modified"):
        headers["If-Modified-Since"] = stored[0]["last_modified"]
    return headers


def _read(fh: BinaryIO) -> bytes:
    body = fh.read(MAX_PAGE_BYTES + 1) or b""
    if len(body) > MAX_PAGE_BYTES:
        raise _FetchFailed(f"response larger than {MAX_PAGE_BYTES} bytes")
    return body


def _lower_headers(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers is not None else {}


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _describe_network_error(exc: BaseException) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timed out"
    return f"network error: {reason}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _file_mode())  # mkstemp makes 0600; a store is read by others
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@functools.cache
def _file_mode() -> int:
    """0666 less the process umask: the mode `open()` would give a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _remove_stale_temp_files(root: Path) -> None:
    """Delete temporary files a killed crawl left behind (never a page: pages are renamed)."""
    for tmp in root.rglob(f"{_TMP_PREFIX}*{_TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            tmp.unlink()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (one crawl per store at a time)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise CrawlError(f"another crawl is writing to {path.parent.parent}") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _progress_bar(enabled: bool, total: int, initial: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="page", desc="crawl", file=sys.stderr,
                disable=not enabled, dynamic_ncols=True)


def _report_dict(report: CrawlReport) -> dict[str, Any]:
    data = {k: v for k, v in vars(report).items() if k != "problems"}
    data["out_dir"] = str(report.out_dir)
    data["problems"] = [list(p) for p in report.problems]
    data["pages_per_second"] = round(report.pages_per_second, 2)
    return data
