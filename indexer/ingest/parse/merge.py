"""Merge the raw items of every page into one record per archive item.

The same item shows up on its category listing, on every parent category listing, on the
archive root's "Recent answers" pages and on its own item page. Raw items are grouped

1. by (source, K2 item id) when the item id is known (from the K2 markup, the item link or the
   item page URL);
2. then by item page URL (an item with a slug-only URL, or a listing copy without an id whose
   link is the URL of an item page that has one);
3. otherwise (text dumps, items without links) by normalised text: the same question (or both
   none) and one answer a prefix of the other (an intro cut short is a prefix of the full text).
   Such an item joins an id group whose text matches the same way.

Two different items with nearly the same question have different ids and stay two records.

Per group: the text comes from the best variant (item page > complete listing intro > text dump >
intro cut with "Read more..." > item cut off by a truncated page; longest answer on ties);
flags INTRO_ONLY / TRUNCATED say when only a partial variant existed. A missing question is
filled from the item title when the title asks one ("Can acupuncture help with shingles?");
otherwise the record is an ORPHAN answer whose title (kept) is what it displays.
Categories: every path the item was listed under, minus paths that are a prefix of another
(parent listings include their children's items), the item page's breadcrumb path first, then
the deepest. Each category level has one spelling across the run (the most written of the
spellings that differ only in case, spacing or punctuation; an item page's breadcrumb wins),
so a header written "Womens health" and a breadcrumb "Women's health" make one path.

Record ids: ``<source>-<K2 item id>``; an item with no id anywhere gets
``<source>-<slug>``: the slug of its item URL, else of its title, else of its question (so a
text edit of the answer keeps the id); only an orphan answer of a text dump, with nothing else
to name it, falls back to ``<source>-<hash>`` (12 hex digits of the SHA-1 of its normalised
text). A slug id already taken gets ``-2``, ``-3``, ... in first-seen order.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from indexer.ingest.parse.clean import words
from indexer.ingest.parse.items import BROKEN, PARTIAL_INTRO, QUALITY_RANK, RawItem
from indexer.records import INTRO_ONLY, ORPHAN, TRUNCATED, Record, normalise_text


@dataclass
class _Group:
    items: list[RawItem] = field(default_factory=list)
    item_id: str = ""
    source: str = ""


def _norm_answer(text: str) -> str:
    return normalise_text(text).rstrip(" .…")


def _compatible(a: RawItem, b: RawItem) -> bool:
    if normalise_text(a.question) != normalise_text(b.question):
        return False
    x, y = _norm_answer(a.answer), _norm_answer(b.answer)
    if not x or not y:
        return False
    return x.startswith(y) or y.startswith(x)


def text_id(source: str, question: str, answer: str) -> str:
    """Id for an item without a K2 item id: a short hash of its normalised text."""
    key = f"{normalise_text(question)}\n{normalise_text(answer)}".encode()
    return f"{source}-{hashlib.sha1(key, usedforsecurity=False).hexdigest()[:12]}"


def slug_of(text: str, limit: int = 80) -> str:
    """A URL-style slug of `text`: lower-case ASCII words joined by hyphens, cut at a word."""
    slug = re.sub(r"[^a-z0-9]+", "-", normalise_text(text).replace("'", "").replace("’", ""))
    slug = slug.strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug


def fallback_id(items: list[RawItem], source: str, question: str, answer: str) -> str:
    """Id of an item without a K2 id (module doc)."""
    from indexer.ingest.parse.k2 import item_slug

    url = next((it.item_url for it in items if it.item_url), "")
    title = next((it.title for it in items if it.title), "")
    web = url.startswith(("http://", "https://"))  # not a loose file's name
    slug = (item_slug(url) if web else "") or slug_of(title) or slug_of(question)
    return f"{source}-{slug}" if slug else text_id(source, question, answer)


def group_items(items: Iterable[RawItem]) -> list[list[RawItem]]:
    """Raw items grouped into one list per archive item, in first-seen order."""
    groups: list[_Group] = []
    by_id: dict[tuple[str, str], _Group] = {}
    by_question: dict[str, list[_Group]] = {}
    by_url: dict[tuple[str, str], _Group] = {}
    items = list(items)
    for item in items:
        if not item.item_id:
            continue
        key = (item.source, item.item_id)
        group = by_id.get(key)
        if group is None:
            group = by_id[key] = _Group(item_id=item.item_id, source=item.source)
            groups.append(group)
            by_question.setdefault(normalise_text(item.question), []).append(group)
        group.items.append(item)
        if item.item_url:
            by_url.setdefault((item.source, item.item_url), group)
    pending: list[RawItem] = []
    for item in items:
        if item.item_id:
            continue
        if not item.item_url:
            pending.append(item)
            continue
        group = by_url.get((item.source, item.item_url))
        if group is None:
            group = by_url[(item.source, item.item_url)] = _Group(source=item.source)
            groups.append(group)
            by_question.setdefault(normalise_text(item.question), []).append(group)
        group.items.append(item)
    for item in pending:
        candidates = by_question.setdefault(normalise_text(item.question), [])
        home = next((g for g in candidates if any(_compatible(item, o) for o in g.items)), None)
        if home is None:
            home = _Group(source=item.source)
            groups.append(home)
            candidates.append(home)
        home.items.append(item)
    return [g.items for g in groups]


def _best(items: list[RawItem]) -> RawItem:
    return min(items, key=lambda it: (QUALITY_RANK[it.quality], -len(it.answer)))


def _categories(items: list[RawItem], fallback: dict[str, list[str]]) -> list[list[str]]:
    paths: list[list[str]] = []
    primary: list[str] = []
    for it in items:
        path = it.category or fallback.get(_category_url(it.item_url), [])
        if it.primary and path and not primary:
            primary = path
        if path and path not in paths:
            paths.append(list(path))
    paths = [p for p in paths if not any(len(q) > len(p) and q[: len(p)] == p for q in paths)]
    paths.sort(key=len, reverse=True)  # stable: first seen wins among equally deep paths
    if primary in paths:
        paths.remove(primary)
        paths.insert(0, primary)
    return paths


def _category_url(item_url: str) -> str:
    """The listing URL of an item's category: ``.../c/item/12-x.html`` -> ``.../c/``."""
    head, sep, _ = item_url.rpartition("/item/")
    return head + "/" if sep else ""


def _name_key(name: str) -> str:
    """What two spellings of one category level share: "Women's health" ~ "womens  health"."""
    name = normalise_text(name).replace("'", "").replace("’", "")
    return " ".join(re.sub(r"[^\w/]+", " ", name).split())


def _spellings(items: list[RawItem], category_urls: dict[str, list[str]]) -> dict[str, str]:
    """One spelling per category level (by `_name_key`): an item page's breadcrumb spelling
    (the archive's own tree) first, else the one written most often; first seen among equals."""
    counts: dict[str, dict[str, int]] = {}
    weighted = [(it.category, 1000 if it.primary else 1) for it in items]
    for path, weight in weighted + [(p, 1) for p in category_urls.values()]:
        for name in path:
            seen = counts.setdefault(_name_key(name), {})
            seen[name] = seen.get(name, 0) + weight
    return {key: max(seen, key=lambda n: seen[n]) for key, seen in counts.items()}


_ASKING_WORDS = frozenset(words(
    "can could does do did is are was were will would should how what why when where which who "
    "whom whose may might has have any"))


def asks_question(title: str) -> bool:
    """Whether an item title is itself a question ("Can acupuncture help with shingles?")."""
    first = title.strip().split()[:1]
    return bool(first) and (title.rstrip().endswith("?") or first[0].lower() in _ASKING_WORDS)


def build_record(items: list[RawItem], fallback: dict[str, list[str]] | None = None) -> Record:
    """One record from the raw variants of one item."""
    best = _best(items)
    title = next((it.title for it in sorted(items, key=lambda i: QUALITY_RANK[i.quality])
                  if it.title), "")
    question = best.question or next((it.question for it in items if it.question), "")
    if not question and asks_question(title):
        question = title
    flags = [f for f in best.flags if f not in (INTRO_ONLY, ORPHAN)]
    if best.quality == BROKEN and TRUNCATED not in flags:
        flags.append(TRUNCATED)
    elif best.quality == PARTIAL_INTRO:
        flags.append(INTRO_ONLY)
    if not question:
        flags.append(ORPHAN)
    item_url = next((it.item_url for it in items if it.item_url), "")
    urls: list[str] = []
    for u in [item_url, *(it.page_url for it in items)]:
        if u and u not in urls:
            urls.append(u)
    source = best.source
    item_id = next((it.item_id for it in items if it.item_id), "")
    rid = f"{source}-{item_id}" if item_id else fallback_id(items, source, question,
                                                             best.answer)
    return Record(
        id=rid, question=question, answer=best.answer, title=title,
        categories=_categories(items, fallback or {}), url=item_url, source=source,
        item_id=item_id, flags=flags, urls=urls,
    )


def merge_items(items: Iterable[RawItem],
                category_urls: dict[str, list[str]] | None = None) -> list[Record]:
    """Records from raw items (see the module doc). `category_urls` maps a listing URL
    (page 1, canonical) to its category path, for items seen only on root listings."""
    return [rec for rec, _ in merge_groups(items, category_urls)]


def merge_groups(items: Iterable[RawItem], category_urls: dict[str, list[str]] | None = None
                 ) -> list[tuple[Record, list[RawItem]]]:
    """`merge_items`, each record with the raw copies it was made from."""
    items = list(items)
    spell = _spellings(items, category_urls or {})
    for item in items:
        item.category = [spell.get(_name_key(c), c) for c in item.category]
    fallback = {url: [spell.get(_name_key(c), c) for c in path]
                for url, path in (category_urls or {}).items()}
    groups = group_items(items)
    records = [build_record(group, fallback) for group in groups]
    taken: set[str] = {r.id for r in records if r.item_id}
    for rec in records:
        if rec.item_id:
            continue
        rid, n = rec.id, 1
        while rid in taken:
            n += 1
            rid = f"{rec.id}-{n}"
        rec.id = rid
        taken.add(rid)
    return list(zip(records, groups, strict=True))
