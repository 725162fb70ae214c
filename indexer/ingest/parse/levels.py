"""A listing's category levels: the URL/breadcrumb tree is authoritative, headers only name.

A K2 listing says where it is three ways: its breadcrumb (the archive's own names, one crumb
per level), its URL (one path segment per level, whose slug repeats the level's name, usually
with its parents': ``ask-an-expert-body-womens-health``) and its header ("Ask an expert - body -
womens health"), which is typed by hand and may space its dashes irregularly ("muscles and
bones- shoulder", "muscles and bones-shoulder") or hold a dash inside a name ("well-being").

`listing_levels` decides: the breadcrumb when the page has one; otherwise the header, split so
that its depth matches the URL's: each level's slug must appear in its URL segment, the
deepest level in the last segment. A header that matches no split of the URL keeps its
spaced-dash split (`category_from_header`).
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import unquote, urlsplit

from indexer.ingest.parse.text import HEADER_RE, category_from_header, category_name

_ANY_DASH_RE = re.compile(r"\s*[-–—]\s*")
_NOT_LEVELS = frozenset({"category", "item", "itemlist", "index.html", "index.php"})
_PAGE_RE = re.compile(r"^page-\d+(\.html?)?$", re.I)
MAX_PIECES = 10  # header pieces tried against the URL (2**9 splits at most)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "").replace("’", "")).strip("-")


def url_levels(url: str) -> list[str]:
    """The listing's path segments that name category levels, slugs without ``.html``:
    ``/a/a-b/Page-2.html`` -> ``["a", "a-b"]``."""
    segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
    if segments and _PAGE_RE.match(segments[-1]):
        segments.pop()
    segments = [re.sub(r"\.(html?|php)$", "", s, flags=re.I) for s in segments]
    return [s.lower() for s in segments if s.lower() not in _NOT_LEVELS]


def _splits(pieces: list[str], depth: int):
    """Every way to cut `pieces` into `depth` consecutive non-empty groups."""
    for cuts in itertools.combinations(range(1, len(pieces)), depth - 1):
        bounds = [0, *cuts, len(pieces)]
        yield [pieces[a:b] for a, b in itertools.pairwise(bounds)]


def header_by_url(header: str, url: str) -> list[str] | None:
    """The header's levels split to match the URL (module doc), or None when no split does."""
    m = HEADER_RE.match(" ".join(header.split()))
    if not m:
        return None
    raw = m.group("path")
    pieces = [p for p in _ANY_DASH_RE.split(raw) if p.strip()]
    segments = url_levels(url)
    if not pieces or len(pieces) > MAX_PIECES or not segments:
        return None
    seps = _ANY_DASH_RE.findall(raw)
    for depth in range(min(len(pieces), len(segments)), 0, -1):
        tail = segments[-depth:]
        for groups in _splits(pieces, depth):
            if all(_slug(" ".join(g)) and _slug("-".join(g)) in seg
                   for g, seg in zip(groups, tail, strict=True)):
                return _names(groups, seps)
    return None


def _names(groups: list[list[str]], seps: list[str]) -> list[str]:
    """The groups as names, each written as in the header (a dash inside a name kept)."""
    names, at = [], 0
    for group in groups:
        text = group[0]
        for piece in group[1:]:
            text += seps[at] + piece
            at += 1
        at += 1  # the separator between this level and the next
        names.append(category_name(text))
    return names


def listing_levels(header: str, crumbs: list[str], url: str) -> list[str]:
    """The category path of a listing page (module doc)."""
    if crumbs:
        return crumbs
    by_header = category_from_header(header)
    if by_header is None:
        return [category_name(header)] if header.strip() else []
    if not by_header:  # the archive root ("Recent answers")
        return []
    return header_by_url(header, url) or by_header
