"""robots.txt for the crawler: fetch it (RFC 9309 fallbacks, cached copy), obey it with protego.

`protego` (Scrapy's parser) reads Disallow/Allow with RFC 9309 longest-match precedence and
wildcards, and fractional Crawl-delay and Request-rate, per user-agent group (our product
token's group, else ``*``). The pace of the crawl is the largest of our own delay, the
Crawl-delay and the Request-rate interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from protego import Protego

from indexer.ingest.fetch import MAX_REDIRECTS, REDIRECT_STATUSES, Fetcher, FetchFailed, Response
from indexer.ingest.pagestore import write_atomic


class RobotsUnavailable(Exception):
    """robots.txt could not be read and there is no cached copy."""


@dataclass
class Robots:
    """The rules robots.txt sets for one user agent."""

    rules: Protego
    user_agent: str

    @classmethod
    def parse(cls, text: str, user_agent: str) -> Robots:
        return cls(Protego.parse(text), user_agent)

    def allowed(self, url: str) -> bool:
        return self.rules.can_fetch(url, self.user_agent)

    def crawl_delay(self) -> float | None:
        """The Crawl-delay (seconds, fractions allowed) of our group, else of ``*``."""
        delay = self.rules.crawl_delay(self.user_agent)
        return None if delay is None else float(delay)

    def interval(self, delay: float) -> float:
        """Seconds between requests: `delay`, or longer when Crawl-delay or Request-rate say so."""
        delays = [delay]
        crawl_delay = self.crawl_delay()
        if crawl_delay:
            delays.append(crawl_delay)
        rate = self.rules.request_rate(self.user_agent)
        if rate and rate.requests:
            delays.append(rate.seconds / rate.requests)
        return max(delays)


def load_robots(fetcher: Fetcher, origin: str, cache: Path, user_agent: str) -> Robots:
    """The robots.txt rules of `origin`: fetched (redirects followed, RFC 9309: at least five),
    a 4xx meaning no restrictions; when unreachable, the copy cached by an earlier crawl.
    Raises RobotsUnavailable when neither is there."""
    url = origin + "/robots.txt"
    resp: Response | None = None
    problem = ""
    try:
        resp = fetcher.get(url, {}, count=False)
        for _ in range(MAX_REDIRECTS):
            if resp.status not in REDIRECT_STATUSES or not resp.headers.get("location"):
                break
            resp = fetcher.get(urljoin(resp.url, resp.headers["location"]), {}, count=False)
    except FetchFailed as exc:
        problem = str(exc)
    if resp is not None and resp.status == 200:
        text = resp.body.decode("utf-8", errors="replace")
        write_atomic(cache, resp.body)
    elif resp is not None and 400 <= resp.status < 500:
        text = ""
    elif cache.exists():
        text = cache.read_text("utf-8", errors="replace")
    else:
        problem = f"HTTP {resp.status}" if resp is not None else problem
        raise RobotsUnavailable(f"cannot read {url} ({problem}) and no cached copy: not "
                                "crawling a site whose rules are unknown")
    return Robots.parse(text, user_agent)
