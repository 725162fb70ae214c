"""What the crawler follows: the links of a page, and which of them lie in the archive.

A link is in scope when its canonical URL (`indexer.ingest.urls.canonical_url`) is on the
site's host, under the archive prefix, and a listing or an item page (`page_kind`); print views,
feeds, files and everything outside the prefix (blog, members, factsheets) are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from indexer.ingest.urls import (
    PageKind,
    UrlRules,
    canonical_url,
    in_prefix,
    normalise_prefix,
    page_kind,
)


@dataclass(frozen=True)
class Scope:
    """The archive one crawl mirrors: pages of `site_host` under `prefix`, fetched from
    `origin` (scheme and host the crawl started from)."""

    origin: str
    site_host: str
    prefix: str
    rules: UrlRules

    @classmethod
    def for_start(cls, start_url: str, prefix: str | None, site_host: str | None,
                  page_size: int) -> tuple[Scope, str]:
        """The scope of a crawl from `start_url` and its canonical start URL: `prefix` defaults
        to `default_prefix`, `site_host` to its canonical host; the start's own
        host is an alias of `site_host`."""
        parts = urlsplit(start_url.strip())
        aliases = {parts.netloc.lower()}
        if parts.port is None:
            aliases.add(parts.hostname or "")
        host = (site_host or urlsplit(canonical_url(start_url, UrlRules(page_size=page_size)))
                .netloc).lower()
        rules = UrlRules(preferred_host=host, aliases=frozenset(aliases), page_size=page_size)
        start = canonical_url(start_url, rules)
        if prefix is None:
            prefix = default_prefix(start)
        scope = cls(origin=f"{parts.scheme}://{parts.netloc}",
                    site_host=rules.preferred_host or host, prefix=normalise_prefix(prefix),
                    rules=rules)
        return scope, start

    def canonical(self, url: str) -> str | None:
        """The canonical form of `url`, or None when it is not an http(s) URL with a host."""
        try:
            return canonical_url(url, self.rules)
        except ValueError:
            return None

    def contains(self, canonical: str) -> bool:
        """Whether a canonical URL is an archive page of this crawl."""
        parts = urlsplit(canonical)
        if parts.netloc != self.site_host:
            return False
        if not in_prefix(parts.path, self.prefix):
            return False
        return page_kind(canonical, self.prefix, self.rules) is not PageKind.OTHER

    def fetch_url(self, url: str) -> str:
        """Where to request a URL of this site: its path and query on the crawl's origin."""
        parts = urlsplit(url)
        return urlunsplit((*urlsplit(self.origin)[:2], parts.path or "/", parts.query, ""))


def default_prefix(start: str) -> str:
    """The archive prefix a crawl from `start` keeps to: the folder of a root listing file
    (``/public-content/public-ask-an-expert.html`` -> ``/public-content/public-ask-an-expert/``),
    else the first path segment (``/ask-an-expert/x/`` -> ``/ask-an-expert/``)."""
    segments = [s for s in urlsplit(start).path.split("/") if s]
    if segments and re.search(r"\.html?$", segments[-1], re.I) and not re.match(
            r"(?i)page-\d+\.", segments[-1]):
        return "/" + "/".join([*segments[:-1], re.sub(r"(?i)\.html?$", "", segments[-1])]) + "/"
    first = segments[:1]
    return "/" + first[0] + "/" if first and "." not in first[0] else "/"


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
