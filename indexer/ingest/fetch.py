"""HTTP for the crawler: one paced GET at a time, retried with back-off, redirects handed back.

The only network I/O of `indexer` (standard library `urllib` only). `Fetcher.get` waits its
turn (at most one request per `interval` seconds), retries 5xx, 429 and network errors or
timeouts with exponential back-off, honouring Retry-After (delta-seconds or an HTTP date, up
to a cap), and returns 3xx, 4xx and other answers as they are. `conditional_headers` turns a
stored copy's validators into If-None-Match / If-Modified-Since.
"""

from __future__ import annotations

import contextlib
import email.utils
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPException
from typing import Any, BinaryIO
from urllib.parse import urlsplit

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
MAX_PAGE_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


class FetchFailed(Exception):
    """Every attempt at a URL failed (the message says how)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes
    url: str


@dataclass
class Backoff:
    """How failed requests are retried: `retries` extra attempts, waiting `base` * 2**n seconds
    (at most `cap`), or longer when Retry-After says so (giving up beyond `max_retry_after`)."""

    retries: int = DEFAULT_RETRIES
    base: float = 1.0
    cap: float = 60.0
    max_retry_after: float = 300.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to the crawler, which decides what to do with them."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Fetcher:
    """Paced, retrying GETs for one crawl. `requests` and `retries` count what was sent for
    calls made with ``count=True``."""

    def __init__(self, *, user_agent: str, timeout: float, backoff: Backoff,
                 local: bool = False) -> None:
        self.user_agent = user_agent
        self.timeout = timeout
        self.backoff = backoff
        self.interval = 0.0
        self.last_request = -float("inf")
        self.requests = 0
        self.retries = 0
        handlers: list[Any] = [_NoRedirect()]
        if local:
            handlers.append(urllib.request.ProxyHandler({}))  # never proxy a local site
        self.opener = urllib.request.build_opener(*handlers)

    def wait_turn(self) -> None:
        """Sleep until `interval` seconds have passed since the previous request."""
        pause = self.last_request + self.interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.last_request = time.monotonic()

    def get(self, url: str, headers: dict[str, str], *, count: bool = True) -> Response:
        """GET with retries on 5xx, 429 and network errors/timeouts; redirects are returned.
        Raises FetchFailed when every attempt failed."""
        policy = self.backoff
        attempt = 0
        while True:
            self.wait_turn()
            self.requests += count
            retry_after: float | None = None
            try:
                resp = self._request(url, headers)
            except (OSError, HTTPException) as exc:
                problem = _describe_network_error(exc)
            else:
                if resp.status not in RETRY_STATUSES:
                    return resp
                problem = f"HTTP {resp.status}"
                retry_after = parse_retry_after(resp.headers.get("retry-after"))
            if attempt >= policy.retries:
                tries = f"{attempt + 1} attempts" if attempt else "1 attempt"
                raise FetchFailed(f"{problem} (after {tries})")
            wait = min(policy.cap, policy.base * 2 ** attempt)
            if retry_after is not None:
                if retry_after > policy.max_retry_after:
                    raise FetchFailed(f"{problem} with Retry-After {retry_after:.0f} s, "
                                      f"longer than {policy.max_retry_after:.0f} s")
                wait = max(wait, retry_after)
            attempt += 1
            self.retries += count
            time.sleep(wait)

    def _request(self, url: str, headers: dict[str, str]) -> Response:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchFailed(f"not an http(s) URL: {url}")
        request = urllib.request.Request(url, headers={  # noqa: S310 (scheme checked above)
            "User-Agent": self.user_agent, "Accept": _ACCEPT, "Accept-Encoding": "identity",
            **headers,
        })
        try:
            fh = self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as err:  # 3xx, 4xx, 5xx carry a response
            with contextlib.closing(err):
                return Response(err.code, _lower_headers(err.headers), _read(err), url)
        with fh:
            return Response(fh.status, _lower_headers(fh.headers), _read(fh), url)


def conditional_headers(meta: dict[str, Any] | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from a stored page's metadata (none without one)."""
    headers = {}
    if meta and meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta and meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    return headers


def parse_retry_after(value: str | None) -> float | None:
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


def _read(fh: BinaryIO) -> bytes:
    body = fh.read(MAX_PAGE_BYTES + 1) or b""
    if len(body) > MAX_PAGE_BYTES:
        raise FetchFailed(f"response larger than {MAX_PAGE_BYTES} bytes")
    return body


def _lower_headers(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers is not None else {}


def _describe_network_error(exc: BaseException) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timed out"
    return f"network error: {reason}"
