"""A local copy of the archive site, served over real HTTP on 127.0.0.1 for crawl tests.

    with LocalSite.from_store(ROOT / "scraped") as site:
        crawl(site.url("/ask-an-expert/"), out, site_host=site.archive_host, delay=0)
        assert not site.requests_to("/members/")

It serves the pages of a raw page store (the bundled sample archive in ``scraped/``) at
their URL paths, or pages given inline, plus what a real site has around an archive: a
robots.txt (Disallow, Crawl-delay), a home page, blog, members and factsheet pages.

- Absolute links to the archive host are rewritten to point at this server.
- URL variants resolve with the site's OWN mapping (written here, independently of
  `indexer.ingest.urls`, so a bug there cannot hide itself): an extra ``/category/`` segment,
  ``Page-1.html`` = the bare listing, ``?start=K`` = ``Page-(K/5+1).html``; other query
  parameters are ignored, as a real server would.
- ETag / If-None-Match and Last-Modified / If-Modified-Since answer 304.
- Faults can be queued per page: a status (503, 429 with Retry-After) and/or a stall.
- Every request is logged: arrival time, method, path, conditional headers, status.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ARCHIVE_HOST = "www.askacupuncture.example"
REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_STORE = REPO_ROOT / "scraped"  # the bundled sample archive, a raw page store
SAMPLE_EXPECTED = REPO_ROOT / "tests" / "data" / "sample_expected.jsonl"  # its records
PREFIX = "/ask-an-expert/"
PAGE_SIZE = 5
FIXED_DATE = "Mon, 01 Jun 2020 12:00:00 GMT"

DEFAULT_ROBOTS = """\
# robots.txt of the local test site
User-agent: *
Disallow: /members/
Disallow: /ask-an-expert/category/
Disallow: /ask-an-expert/print/
Disallow: /ask-an-expert/itemlist/tag/
Crawl-delay: 0.01
"""

_SHELL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{body}</body></html>"""

# Pages outside the archive: the crawler must never store (or even request) them.
NON_ARCHIVE_PAGES = {
    "/": _SHELL.format(title="Ask Acupuncture", body=(
        '<p><a href="/ask-an-expert/">Ask an expert</a> <a href="/blog/">Blog</a> '
        '<a href="/members/find-an-acupuncturist.html">Find an acupuncturist</a> '
        '<a href="/factsheets/">Factsheets</a></p>')),
    "/blog/": _SHELL.format(title="Blog", body=(
        '<p><a href="/blog/2019/acupuncture-awareness-week.html">Acupuncture awareness week</a>'
        '</p><p>Q: A blog post that looks like a question? A: It is not archive content.</p>')),
    "/blog/2019/acupuncture-awareness-week.html": _SHELL.format(
        title="Acupuncture awareness week", body="<p>Events near you.</p>"),
    "/members/find-an-acupuncturist.html": _SHELL.format(
        title="Find an acupuncturist", body="<p>Members only.</p>"),
    "/factsheets/": _SHELL.format(title="Factsheets", body=(
        '<p><a href="/factsheets/back-pain.html">Back pain factsheet</a></p>')),
    "/factsheets/back-pain.html": _SHELL.format(
        title="Back pain factsheet",
        body="<p>Q: Does acupuncture help back pain? A: Research says...</p>"),
    "/ask-an-expert/itemlist/tag/back.html": _SHELL.format(
        title="Tag: back", body="<p>A K2 tag listing, disallowed in robots.txt.</p>"),
    "/ask-an-expert/print/index.html": _SHELL.format(
        title="Print", body="<p>Print view, disallowed in robots.txt.</p>"),
}

# Links a real site's chrome carries on every archive page: other sections, a disallowed tag
# listing and print view, and variants of archive URLs. Added before </body> when asked.
FOOTER = (
    '\n<div id="site-footer"><a href="/blog/">Blog</a> '
    '<a href="/members/find-an-acupuncturist.html">Find an acupuncturist</a> '
    '<a href="/factsheets/back-pain.html">Factsheet</a> '
    '<a href="/ask-an-expert/itemlist/tag/back.html">back</a> '
    '<a href="/ask-an-expert/print/index.html">Print</a> '
    '<a href="http://askacupuncture.example/ask-an-expert/?utm_source=footer#top">'
    "Ask an expert</a> "
    '<a href="mailto:expert@askacupuncture.example">Email us</a></div>\n'
)


@dataclass
class Fault:
    """What to do instead of (or before) serving a page once: stall `delay` seconds, then
    answer `status` (with Retry-After when given), or the page itself when status is None."""

    status: int | None = 503
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class LoggedRequest:
    time: float  # time.monotonic() at arrival
    method: str
    path: str  # as requested, with the query
    page: str | None  # the page it resolved to, None when none
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str
    status: int = 0


@dataclass
class _Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    etag: str = ""
    last_modified: str = FIXED_DATE


@dataclass
class LocalSite:
    """The test site. `pages` maps URL paths (``/ask-an-expert/x/``, ``/x/Page-2.html``) to
    page bytes; `robots` is the robots.txt text (None: 404)."""

    pages: dict[str, bytes]
    robots: str | None = DEFAULT_ROBOTS
    archive_host: str = ARCHIVE_HOST
    rewrite_links: bool = True
    footer: bool = False
    extra_pages: dict[str, str] = field(default_factory=lambda: dict(NON_ARCHIVE_PAGES))
    send_etag: bool = True
    send_last_modified: bool = True
    port: int = 0  # 0: any free port
    log: list[LoggedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()  # guards the log and the pages; notified per request
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._served: dict[str, _Page] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.stored_meta: dict[str, dict] = {}

    # -- building --------------------------------------------------------------------------

    @classmethod
    def from_store(cls, store: Path, **kwargs: object) -> LocalSite:
        """A site serving every page of a raw page store at its URL path."""
        pages: dict[str, bytes] = {}
        metas: dict[str, dict] = {}
        for path, meta in iter_store(store):
            url = meta.get("url") or ""
            parts = urlsplit(url)
            key = parts.path + (f"?{parts.query}" if parts.query else "")
            pages[key] = path.read_bytes()
            metas[key] = meta
        site = cls(pages=pages, **kwargs)  # type: ignore[arg-type]
        site.stored_meta = metas
        return site

    # -- running ---------------------------------------------------------------------------

    def start(self) -> LocalSite:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        for path, body in self.pages.items():
            self._set(path, body, self.stored_meta.get(path, {}))
        for path, html in self.extra_pages.items():
            self._set(path, html.encode("utf-8"), {}, archive=False)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the site first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def netloc(self) -> str:
        return urlsplit(self.base_url).netloc

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- changing what is served -------------------------------------------------------------

    def set_page(self, path: str, body: bytes) -> None:
        """Serve new bytes at `path` (new ETag, Last-Modified now)."""
        self._set(path, body, {"last_modified": email.utils.formatdate(usegmt=True)})

    def remove_page(self, path: str) -> None:
        with self._lock:
            self._served.pop(path, None)

    def fail(self, path: str, *faults: Fault) -> None:
        """Queue faults for the next requests of the page at `path` (any variant of it)."""
        with self._lock:
            self._faults[path].extend(faults)

    def served_body(self, path: str) -> bytes:
        return self._served[path].body

    def served_paths(self) -> list[str]:
        return sorted(self._served)

    # -- the log -----------------------------------------------------------------------------

    def page_requests(self) -> list[LoggedRequest]:
        """Logged requests other than robots.txt."""
        with self._lock:
            return [r for r in self.log if r.path != "/robots.txt"]

    def requests_to(self, path_prefix: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if r.path.startswith(path_prefix)]

    def wait_for_page_requests(self, count: int, timeout: float) -> bool:
        """Block until `count` requests other than robots.txt have arrived (False on timeout)."""
        with self._lock:
            return self._lock.wait_for(
                lambda: sum(r.path != "/robots.txt" for r in self.log) >= count, timeout)

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- the site's own URL mapping ------------------------------------------------------------

    def resolve(self, raw_path: str) -> str | None:
        """The served page a request path stands for (None: not found)."""
        parts = urlsplit(raw_path)
        path = parts.path
        if path in self._served and not parts.query:
            return path
        path = re.sub(r"(?<!/itemlist)/category/", "/", path, count=1)
        path = re.sub(r"/Page-1\.html$", "/", path)
        query = dict(parse_qsl(parts.query))
        start = query.get("start") or query.get("limitstart")
        if start and start.isdigit():
            base = re.sub(r"/Page-\d+\.html$", "/", path)
            number = int(start) // PAGE_SIZE + 1
            path = base if number == 1 else f"{base}Page-{number}.html"
        return path if path in self._served else None

    # -- internals -----------------------------------------------------------------------------

    def _set(self, path: str, body: bytes, meta: dict, archive: bool = True) -> None:
        if archive and self.rewrite_links:
            body = self._rewrite(body)
        if archive and self.footer:
            body = _add_footer(body)
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        page = _Page(body=body, etag=etag, last_modified=meta.get("last_modified") or FIXED_DATE)
        if meta.get("content_type"):
            page.content_type = meta["content_type"]
        with self._lock:
            self._served[path] = page

    def _rewrite(self, body: bytes) -> bytes:
        bare = re.escape(self.archive_host.removeprefix("www.")).encode()
        pattern = rb"(?:https?:)?//(?:www\.)?" + bare + rb"(?![\w.-])"
        return re.sub(pattern, self.base_url.encode(), body)

    def _next_fault(self, page: str | None) -> Fault | None:
        with self._lock:
            queue = self._faults.get(page or "")
            return queue.popleft() if queue else None

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        entry = LoggedRequest(
            time=arrived, method=handler.command, path=handler.path, page=None,
            if_none_match=handler.headers.get("If-None-Match"),
            if_modified_since=handler.headers.get("If-Modified-Since"),
            user_agent=handler.headers.get("User-Agent", ""),
        )
        with self._lock:
            self.log.append(entry)
            self._lock.notify_all()
        if handler.path == "/robots.txt":
            fault = self._next_fault("/robots.txt")
            if fault is not None and fault.status is not None:
                _send(entry, handler, fault.status, b"unavailable")
            elif self.robots is None:
                _send(entry, handler, 404, b"not found")
            else:
                _send(entry, handler, 200, self.robots.encode(), "text/plain")
            return
        entry.page = self.resolve(handler.path)
        fault = self._next_fault(entry.page)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                _send(entry, handler, fault.status, b"try again later", headers=headers)
                return
        with self._lock:
            page = self._served.get(entry.page or "")
        if page is None:
            _send(entry, handler, 404, b"<h1>Not found</h1>")
            return
        headers = {}
        if self.send_etag:
            headers["ETag"] = page.etag
        if self.send_last_modified:
            headers["Last-Modified"] = page.last_modified
        if self._not_modified(handler, page):
            _send(entry, handler, 304, b"", headers=headers)
            return
        _send(entry, handler, 200, page.body, page.content_type, headers=headers,
                             head_only=handler.command == "HEAD")

    def _not_modified(self, handler: BaseHTTPRequestHandler, page: _Page) -> bool:
        inm = handler.headers.get("If-None-Match")
        if inm is not None:
            if not self.send_etag:
                return False
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in tags or page.etag in tags
        ims = handler.headers.get("If-Modified-Since")
        if ims and self.send_last_modified:
            try:
                since = email.utils.parsedate_to_datetime(ims)
                modified = email.utils.parsedate_to_datetime(page.last_modified)
            except (TypeError, ValueError):
                return False
            return modified <= since
        return False


def iter_store(store: Path):
    """(page file, metadata) for every page of a raw page store; metadata from the
    ``.meta.json`` sidecar, else derived from the file's path."""
    for path in sorted(store.rglob("*")):
        rel = path.relative_to(store)
        if not path.is_file() or path.name.endswith(".meta.json"):
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        sidecar = path.with_name(path.name + ".meta.json")
        if sidecar.exists():
            meta = json.loads(sidecar.read_text("utf-8"))
        else:
            url_path = "/" + "/".join(rel.parts[1:])
            url_path = url_path.removesuffix("index.html")
            meta = {"url": f"https://{rel.parts[0]}{url_path}"}
        yield path, meta


def _add_footer(body: bytes) -> bytes:
    index = body.rfind(b"</body>")
    if index < 0:  # a truncated page stays as it is
        return body
    return body[:index] + FOOTER.encode() + body[index:]


def _send(entry: LoggedRequest, handler: BaseHTTPRequestHandler, status: int, body: bytes,
          content_type: str = "text/html; charset=utf-8", headers: dict | None = None,
          head_only: bool = False) -> None:
    entry.status = status  # logged before the client can see the response
    try:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if status != 304:
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if status != 304 and not head_only:
            handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a timeout test)


def _handler_for(site: LocalSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "LocalArchive/1.0"

        def do_GET(self) -> None:
            site._respond(self)

        def do_HEAD(self) -> None:
            site._respond(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve a page store as the local site until interrupted (for trying the crawler):

        python -m tests.site scraped --port 8000 [--crawl-delay 0]
        qasearch scrape http://127.0.0.1:8000/ask-an-expert/ --out /tmp/mirror --delay 0 \\
            --site-host www.askacupuncture.example
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.site", description=main.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path, help="page store to serve (e.g. scraped)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--crawl-delay", type=float, default=None,
                        help="Crawl-delay in robots.txt (default 0.01; 0 leaves it out)")
    args = parser.parse_args(argv)
    robots = DEFAULT_ROBOTS
    if args.crawl_delay is not None:
        robots = robots.replace("Crawl-delay: 0.01\n", "")
        if args.crawl_delay > 0:
            robots += f"Crawl-delay: {args.crawl_delay}\n"
    site = LocalSite.from_store(args.store, robots=robots, footer=True)
    site.port = args.port
    with site:
        print(f"serving {len(site.pages)} pages of {args.store} at {site.url(PREFIX)}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
