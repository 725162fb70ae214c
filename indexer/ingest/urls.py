"""URL rules of a K2 "Ask an expert" archive: one canonical URL per page, and what a URL is.

Pure functions, no I/O. The crawler keys its seen set and the raw page store on
`canonical_url`; the parser uses `page_kind` and `item_id_from_url`.

Canonicalisation (`canonical_url`), applied in this order:

1. Scheme: ``http`` and ``https`` both become ``https`` (`UrlRules.scheme`); a scheme-less
   ``//host/path`` counts as https; any other scheme (``mailto:``, ``javascript:``) or a URL
   without a host raises ValueError.
2. Host: lower-cased, trailing dot and user-info dropped, default port dropped (80 for http,
   443 for https; other ports kept). A host listed in `UrlRules.aliases` (as ``host`` or
   ``host:port``) becomes `UrlRules.preferred_host`; so does any host whose form without a
   leading ``www.`` equals the preferred host's. Without a preferred host, a two-label domain
   name gets ``www.`` added (``askacupuncture.example`` -> ``www.askacupuncture.example``);
   IP addresses, ``localhost`` and longer names (``blog.example.org``) are left as they are.
3. Path: percent-escapes normalised (unreserved characters decoded, the rest upper-case hex,
   unsafe characters escaped), dot segments resolved, empty segments (``//``) collapsed, an
   empty path becomes ``/``, a leading Joomla front controller segment ``/index.php`` removed
   (``/index.php/ask-an-expert/x/`` -> ``/ask-an-expert/x/``), every ``category`` segment
   removed unless it follows ``itemlist`` (K2's own ``itemlist/category/12-slug`` route keeps
   it) or is the file name at the end (``/x/category`` stays, ``/x/category/`` -> ``/x/``):
   ``/ask-an-expert/category/muscles-and-bones/`` -> ``/ask-an-expert/muscles-and-bones/``.
4. Pagination (listing pages hold `UrlRules.page_size` items, 5 by default): a last segment
   ``Page-N.html`` (any case, ``.htm`` too) is written ``Page-N.html``; ``Page-1.html`` (and
   ``Page-0.html``) is the bare listing ``X/``. A ``start=K`` or ``limitstart=K`` offset on a
   directory-style listing (path ending in ``/`` or in ``Page-N.html``; the offset wins over
   ``Page-N``) becomes ``X/Page-N.html`` with N = K / page size + 1 (``start=0`` -> ``X/``).
   An offset that is not a multiple of the page size, a ``limit`` other than the page size,
   or an offset on any other path stays in the query as ``start=K`` (``start=0`` dropped);
   ``limit=<page size>`` is dropped.
5. Query: tracking and session parameters dropped (``utm_*``, ``fbclid``, ``gclid``,
   ``dclid``, ``msclkid``, ``yclid``, ``mc_cid``, ``mc_eid``, ``_ga``, ``_gl``, ``igshid``,
   ``phpsessid``, ``jsessionid``, and Joomla's menu id ``Itemid``; names matched without
   case), the rest sorted and re-encoded; blank values kept.
6. Fragment dropped.

K2 item URLs accepted by `item_id_from_url` (the id is the leading digits, leading zeros
dropped):

- ``<any path>/item/<id>``, ``<any path>/item/<id>-<slug>``, each optionally with ``.html``
  or ``.htm`` or a trailing ``/``: ``/ask-an-expert/item/123-some-slug.html`` -> ``"123"``,
  ``/component/k2/item/123`` -> ``"123"``;
- the non-SEF form ``?option=com_k2&view=item&id=<id>[:slug]`` on any path.

- ``<category path>/<id>-<slug>.html`` (or ``.htm``), the SEF scheme of real K2 archives:
  ``/public-content/public-ask-an-expert/ask-an-expert-general/5865-can-someone.html`` ->
  ``"5865"``; the slug is required (a bare ``12.html`` is not an item), and nothing under
  K2's own ``itemlist`` route counts (``itemlist/category/<id>-<slug>.html`` is a listing).

A slug-only item URL (``.../ask-an-expert-general/some-question.html``) cannot be told from a
child category listing by its URL: the page parser knows it by its markup.

The archive root may be a listing file beside its folder: with prefix
``/public-content/public-ask-an-expert/``, ``/public-content/public-ask-an-expert.html`` is in
the archive too.

Not `w3lib.url.canonicalize_url`: it decodes reserved characters (``%27`` -> ``'``), leaves
an invalid escape (``%zz``) and a default port (``:80``) as they are, and has no notion of the
rules above; using it would change the canonical URL, hence the store path and record URL, of
existing pages, and the K2 rules would still have to be written here.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

DEFAULT_PREFIX = "/ask-an-expert/"
DEFAULT_PAGE_SIZE = 5

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "_ga", "_gl",
        "igshid", "phpsessid", "jsessionid", "itemid",
    }
)
TRACKING_PREFIXES = ("utm_",)
OFFSET_PARAMS = ("start", "limitstart")

# Path segments (after the archive prefix) of views that are not archive content.
NON_PAGE_SEGMENTS = frozenset(
    {
        "print", "feed", "rss", "atom", "component", "images", "media", "templates", "modules",
        "plugins", "administrator", "cache", "tmp", "login", "logout", "register", "search",
    }
)
# Query parameters that turn a page into a print view, feed or other non-content output.
NON_PAGE_QUERY = {"tmpl": None, "print": None, "format": None, "task": None}
PAGE_EXTENSIONS = frozenset({"", ".html", ".htm", ".php"})

_PAGE_RE = re.compile(r"^page-(\d+)\.html?$", re.IGNORECASE)
_ITEM_SEGMENT_RE = re.compile(r"^0*(\d+)(?:-[^/]*?)?(?:\.html?)?$", re.IGNORECASE)
_SEF_ITEM_RE = re.compile(r"^0*(\d+)-[^/]+\.html?$", re.IGNORECASE)
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = "-._~!$&'()*+,;=:@%"
_MAX_SEGMENT = 200


@dataclass(frozen=True)
class UrlRules:
    """How one site's URL variants fold into one canonical URL.

    `preferred_host`: the host every form of the site's host becomes (e.g. the archive's
    public ``www.askacupuncture.example``); `aliases`: other hosts (``host`` or ``host:port``)
    serving the same pages, e.g. a mirror or a local test server.
    """

    preferred_host: str | None = None
    aliases: frozenset[str] = field(default_factory=frozenset)
    add_www: bool = True
    page_size: int = DEFAULT_PAGE_SIZE
    scheme: str = "https"

    def __post_init__(self) -> None:
        if self.page_size < 1:
            raise ValueError(f"page size must be at least 1, not {self.page_size}")
        if self.preferred_host is not None:
            object.__setattr__(self, "preferred_host", self.preferred_host.lower().rstrip("."))
        object.__setattr__(self, "aliases", frozenset(a.lower() for a in self.aliases))


DEFAULT_RULES = UrlRules()


class PageKind(StrEnum):
    LISTING = "listing"  # a category listing (or the archive's root listing), any page of it
    ITEM = "item"  # one K2 item page
    OTHER = "other"  # outside the archive, or a print view, feed, file, search, ...


def canonical_url(url: str, rules: UrlRules = DEFAULT_RULES) -> str:
    """The one URL standing for every variant of the page at `url` (rules in the module doc).

    Raises ValueError for URLs that are not http(s) or have no host.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https", ""):
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {url!r}")
    netloc = _canonical_netloc(parts.hostname, _port(parts, url), scheme or "https", rules)
    segments, trailing = _path_segments(parts.path)
    segments, page = _split_page(segments, trailing)
    query, page, trailing = _canonical_query(parts.query, page, trailing, rules)
    path = _join_path(segments, page, trailing)
    return urlunsplit((rules.scheme, netloc, path, query, ""))


def site_rules(page_url: str, fetched_url: str | None = None,
               page_size: int = DEFAULT_PAGE_SIZE) -> UrlRules:
    """Rules that canonicalise the links of a stored page the way the crawler did: the host of
    the page's canonical `page_url` is preferred, and the host it was actually fetched from
    (`fetched_url` of its ``.meta.json``: a mirror or a local copy of the site) is an alias."""
    parts = urlsplit(page_url)
    aliases: set[str] = set()
    if fetched_url:
        fetched = urlsplit(fetched_url)
        if fetched.netloc and fetched.netloc.lower() != parts.netloc.lower():
            aliases.add(fetched.netloc.lower())
            if fetched.port is None and fetched.hostname:
                aliases.add(fetched.hostname)
    return UrlRules(preferred_host=parts.hostname or None, aliases=frozenset(aliases),
                    page_size=page_size)


def canonical_host(host: str, rules: UrlRules = DEFAULT_RULES) -> str:
    """The canonical form of a bare host name (no port) under `rules`."""
    return _canonical_netloc(host.lower(), None, "https", rules)


def is_archive_url(url: str, prefix: str = DEFAULT_PREFIX, rules: UrlRules = DEFAULT_RULES,
                   host: str | None = None) -> bool:
    """Whether `url` (any variant) lies in the archive: its canonical path is under `prefix`
    (or is the prefix itself without its slash), and its canonical host is `host` when given."""
    try:
        parts = urlsplit(canonical_url(url, rules))
    except ValueError:
        return False
    if host is not None and parts.netloc != canonical_host(host, rules):
        return False
    return in_prefix(parts.path, normalise_prefix(prefix))


def in_prefix(path: str, prefix: str) -> bool:
    """Whether a canonical `path` lies under the normalised `prefix` (``/a/b/``): below it, the
    prefix itself without its slash (``/a/b``), or its listing file (``/a/b.html``)."""
    bare = prefix.rstrip("/")
    return path.startswith(prefix) or path == bare or (
        bool(bare) and path.lower() in (bare.lower() + ".html", bare.lower() + ".htm"))


def normalise_prefix(prefix: str) -> str:
    """``ask-an-expert`` -> ``/ask-an-expert/``."""
    segments, _ = _path_segments(prefix)
    return "/" + "".join(s + "/" for s in segments)


def page_kind(url: str, prefix: str = DEFAULT_PREFIX, rules: UrlRules = DEFAULT_RULES) -> PageKind:
    """Listing, item page, or anything else (outside `prefix`, print views, feeds, files)."""
    if not is_archive_url(url, prefix, rules):
        return PageKind.OTHER
    parts = urlsplit(canonical_url(url, rules))
    params = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if any(name in params for name in NON_PAGE_QUERY):
        return PageKind.OTHER
    if item_id_from_url(url) is not None:
        return PageKind.ITEM
    if params.get("view") == "itemlist":
        return PageKind.LISTING
    prefix = normalise_prefix(prefix)
    rest = parts.path[len(prefix):] if parts.path.startswith(prefix) else ""
    segments = [s for s in rest.split("/") if s]
    if any(s.lower() in NON_PAGE_SEGMENTS for s in segments):
        return PageKind.OTHER
    if segments and not parts.path.endswith("/"):
        suffix = PurePosixPath(segments[-1]).suffix.lower()
        if suffix not in PAGE_EXTENSIONS:
            return PageKind.OTHER
    return PageKind.LISTING


def item_id_from_url(url: str) -> str | None:
    """The K2 item id of an item URL (forms in the module doc), else None."""
    parts = urlsplit(url.strip())
    params = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if params.get("option", "").lower() == "com_k2" and params.get("view") == "item":
        match = re.match(r"^0*(\d+)", params.get("id", ""))
        if match:
            return match.group(1)
    segments, _ = _path_segments(parts.path)
    if len(segments) >= 2 and segments[-2].lower() == "item":
        match = _ITEM_SEGMENT_RE.match(segments[-1])
        if match:
            return match.group(1)
    if len(segments) >= 2 and "itemlist" not in (s.lower() for s in segments):
        match = _SEF_ITEM_RE.match(segments[-1])
        if match:
            return match.group(1)
    return None


def page_number(url: str, rules: UrlRules = DEFAULT_RULES) -> int:
    """The listing page number of `url` (1 for a bare listing), after canonicalisation."""
    path = urlsplit(canonical_url(url, rules)).path
    match = _PAGE_RE.match(path.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else 1


def store_path(canonical: str) -> PurePosixPath:
    """Relative path of a canonical URL's raw bytes in the page store (CONTRACTS.md).

    ``<host>/<path>``; a path ending in ``/`` gets ``index.html``; a surviving query is
    appended to the file name as ``@<urlencoded query>``. A port is written ``host_port``;
    a segment longer than 200 characters is cut and suffixed with a hash of the whole.
    """
    parts = urlsplit(canonical)
    if not parts.hostname:
        raise ValueError(f"URL has no host: {canonical!r}")
    host = parts.netloc.lower().replace(":", "_")
    segments = parts.path.split("/")[1:] if parts.path.startswith("/") else ["index.html"]
    if not segments or segments[-1] == "":
        segments[-1:] = ["index.html"]
    if any(s in ("", ".", "..") for s in segments):
        raise ValueError(f"not a canonical URL path: {parts.path!r}")
    if parts.query:
        segments[-1] += "@" + quote(parts.query, safe="=")
    return PurePosixPath(host, *(_short(s) for s in segments))


def meta_path(page_path: PurePosixPath) -> PurePosixPath:
    """Path of the ``.meta.json`` sidecar of a stored page."""
    return page_path.with_name(page_path.name + ".meta.json")


# -- helpers ---------------------------------------------------------------------------------

def _port(parts, url: str) -> int | None:
    try:
        return parts.port
    except ValueError as exc:
        raise ValueError(f"bad port in URL {url!r}") from exc


def _canonical_netloc(host: str, port: int | None, scheme: str, rules: UrlRules) -> str:
    host = host.rstrip(".")
    if port is not None and port == {"http": 80, "https": 443}.get(scheme):
        port = None
    shown = f"[{host}]" if ":" in host else host  # IPv6 literal
    netloc = f"{shown}:{port}" if port is not None else shown
    preferred = rules.preferred_host
    if preferred and (netloc in rules.aliases or (port is None and host in rules.aliases)):
        return preferred
    if preferred and port is None and _bare(host) == _bare(preferred):
        return preferred
    if not preferred and rules.add_www and port is None and _wants_www(host):
        return "www." + host
    return netloc


def _bare(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def _wants_www(host: str) -> bool:
    if host.startswith("www.") or host == "localhost" or host.count(".") != 1:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


def _normalise_escapes(text: str, safe: str) -> str:
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    text = _ESCAPE_RE.sub(fix, text)
    # Escape what may not appear raw; keep existing escapes (hence '%' in safe).
    out = quote(text, safe=safe)
    # A lone '%' not starting an escape must itself be escaped.
    return re.sub(r"%(?![0-9A-F]{2})", "%25", out)


def _path_segments(path: str) -> tuple[list[str], bool]:
    """Normalised path segments (dot segments resolved, empties dropped) and whether the
    path ends with a slash."""
    raw = path.split("/")
    trailing = path.endswith("/") or raw[-1] in (".", "..") or path == ""
    out: list[str] = []
    for seg in raw:
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(_normalise_escapes(seg, _PATH_SAFE))
    cleaned: list[str] = []
    for i, seg in enumerate(out):
        is_last = i == len(out) - 1 and not trailing
        after_itemlist = bool(cleaned) and cleaned[-1].lower() == "itemlist"
        if seg.lower() == "category" and not is_last and not after_itemlist:
            continue
        cleaned.append(seg)
    while cleaned and cleaned[0].lower() == "index.php":
        cleaned.pop(0)
    if not cleaned:
        trailing = True
    return cleaned, trailing


def _split_page(segments: list[str], trailing: bool) -> tuple[list[str], int | None]:
    """Split a last ``Page-N.html`` (not followed by a slash) off: (segments, N or None)."""
    if segments and not trailing:
        match = _PAGE_RE.match(segments[-1])
        if match:
            return segments[:-1], int(match.group(1))
    return segments, None


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def _canonical_query(query: str, page: int | None, trailing: bool,
                     rules: UrlRules) -> tuple[str, int | None, bool]:
    """Canonical query string, and the page number / trailing slash after folding offsets."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)]
    offsets = [v for k, v in pairs if k.lower() in OFFSET_PARAMS]
    limits = [v for k, v in pairs if k.lower() == "limit"]
    rest = [(k, v) for k, v in pairs if k.lower() not in OFFSET_PARAMS and k.lower() != "limit"]
    limit_ok = all(v.strip() == str(rules.page_size) for v in limits)
    if limits and not limit_ok:
        rest += [("limit", v) for v in limits]
    listing_path = trailing or page is not None
    if offsets:
        raw = offsets[-1].strip()
        if listing_path:  # the offset wins over a Page-N segment
            page, trailing = None, True
        if raw.isdigit():
            offset = int(raw)
            if listing_path and limit_ok and offset % rules.page_size == 0:
                page = offset // rules.page_size + 1
            elif offset > 0:
                rest.append(("start", str(offset)))
        else:
            rest.append(("start", raw))
    if page is not None and page <= 1:
        page, trailing = None, True
    rest.sort()
    return urlencode(rest, quote_via=quote, safe="-._~!$'()*,;:@/?"), page, trailing


def _join_path(segments: list[str], page: int | None, trailing: bool) -> str:
    path = "/" + "/".join(segments)
    if page is not None:
        return path.rstrip("/") + f"/Page-{page}.html"
    if trailing and not path.endswith("/"):
        path += "/"
    return path


def _short(segment: str) -> str:
    if len(segment) <= _MAX_SEGMENT:
        return segment
    digest = hashlib.sha256(segment.encode("utf-8")).hexdigest()[:16]
    return f"{segment[:180]}~{digest}"
