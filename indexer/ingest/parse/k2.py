"""Joomla K2 pages of an "Ask an expert" archive: category listings and item pages.

Listing page: ``div.itemListCategory`` header ("Ask an expert - a - b - c", "N questions"),
items ``div.catItemView`` (``h3.catItemTitle > a`` links to the item page,
``div.catItemIntroText`` holds the Q/A text, ``div.catItemReadMore`` when it is cut short),
then ``div.k2Pagination`` ("Page X of Y"). The archive root lists recent answers from every
category ("Ask an expert - Recent answers": category path []).
Item page: ``h2.itemTitle``, ``div.itemIntroText`` + ``div.itemFullText``, breadcrumbs.

A page whose bytes do not end with ``</html>`` was cut short: its last item is kept with flag
TRUNCATED (quality BROKEN, so a complete copy seen elsewhere wins) and reported.
"""

from __future__ import annotations

import ipaddress
import re
import warnings
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.builder import XMLParsedAsHTMLWarning

from indexer.ingest.parse.clean import clean_text, declared_count, page_of, strip_read_more, words
from indexer.ingest.parse.items import (
    BROKEN,
    COMPLETE_INTRO,
    FULL,
    ITEM,
    LISTING,
    OTHER,
    PARTIAL_INTRO,
    PageParse,
    Problem,
    RawItem,
)
from indexer.ingest.parse.levels import listing_levels
from indexer.ingest.parse.qa import split_item
from indexer.ingest.parse.text import category_name
from indexer.ingest.urls import (
    DEFAULT_RULES,
    UrlRules,
    canonical_url,
    item_id_from_url,
    page_number,
    site_rules,
)
from indexer.records import TRUNCATED

_BLOCK = frozenset(words(
    "p div li ul ol h1 h2 h3 h4 h5 h6 blockquote table tr td th thead tbody section article "
    "header footer aside pre hr dl dt dd address figure figcaption main center"
))
_SKIP = frozenset(words(
    "script style noscript form iframe button select input textarea nav svg object embed "
    "template head"
))
# Content-area furniture some K2 templates and plugins put inside an item's text.
_SKIP_CLASSES = frozenset(words(
    "itemToolbar itemSocialSharing itemLinks itemRatingBlock itemNavigation itemComments "
    "itemRelated itemAuthorBlock catItemLinks catItemReadMore itemBackToTop acuFinder "
    "findAcupuncturist moduletable"
))
_END_RE = re.compile(rb"</html\s*>\s*$", re.I)
_CRUMB_SKIP = frozenset({"home", "you are here", "you are here:", "ask an expert"})
_ROOT_CRUMBS = frozenset({"ask an expert", "ask the expert", "ask an expert archive"})


def source_name(url: str) -> str:
    """Short source name of an archive from a page URL: the host without ``www.`` and without
    its top-level domain, first label only (``www.askacupuncture.example`` -> ``askacupuncture``);
    ``k2`` when the URL has no host name (a loose file, an IP address, ``localhost``: crawl
    with ``--site-host`` or parse with ``--source`` to name it)."""
    host = (urlsplit(url).hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if host == "localhost" or _is_ip(host):
        return "k2"
    label = host.split(".")[0] if host else ""
    label = re.sub(r"[^a-z0-9]+", "-", label).strip("-")
    return label or "k2"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# K2's item markup names the item id: ``<span id="startOfPageId5865">`` (item view),
# ``itemCurrentRating5865`` / ``itemRatingForm5865`` (rating), ``itemid-5865`` style classes
# some templates add, and the hidden ``itemID`` input of the comment form.
_MARKUP_ID_RE = re.compile(
    r"^(?:startOfPageId|itemCurrentRating|itemRatingForm|itemRatingLog|itemid-?|item-id-)"
    r"0*(\d+)$", re.I)
# Links inside an item that point at the item itself (print, e-mail, comments, read more).
_SELF_LINK_CLASSES = frozenset(words(
    "itemToolbar itemPrint itemEmail itemCommentsLink catItemCommentsLink catItemReadMore "
    "k2ReadMore itemTitle catItemTitle itemHeader catItemHeader"
))


def markup_item_id(root: Tag | None) -> str:
    """The K2 item id that the markup of an item view (or one listing entry) carries, else ""."""
    if root is None:
        return ""
    for el in [root, *root.find_all(True)]:
        names = [el.get("id") or "", *(el.get("class") or ())]
        for name in names:
            m = _MARKUP_ID_RE.match(str(name))
            if m:
                return m.group(1)
        if el.name == "input" and str(el.get("name", "")).lower() == "itemid":
            value = str(el.get("value", ""))
            if value.isdigit():
                return value.lstrip("0") or "0"
    for box in root.find_all(class_=lambda c: c is not None and c in _SELF_LINK_CLASSES):
        for link in box.find_all("a", href=True):
            found = item_id_from_url(urljoin("https://x/", str(link["href"])))
            if found:
                return found
    return ""


def item_slug(url: str) -> str:
    """The slug of an item URL without an id (``.../i-have-pain.html`` -> ``i-have-pain``)."""
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    slug = re.sub(r"\.(html?|php)$", "", last, flags=re.I).lower()
    return "" if not slug or slug in ("index", "item") else slug


def element_lines(el: Tag | None) -> list[str]:
    """The text of an element as lines: block elements and <br> end lines, inline elements run
    on, whitespace inside text folds to single spaces, scripts/forms/furniture are skipped."""
    if el is None:
        return []
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = "".join(buf).strip()
        buf.clear()
        lines.append(line)

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:
                    buf.append(re.sub(r"[ \t\r\n\f]+", " ", str(child)))
                continue
            if not isinstance(child, Tag) or child.name in _SKIP:
                continue
            if _SKIP_CLASSES.intersection(child.get("class") or ()):
                continue
            if child.name == "br":
                flush()
                continue
            block = child.name in _BLOCK
            if block:
                flush()
            walk(child)
            if block:
                flush()

    walk(el)
    flush()
    return lines


def _first(root: Tag, names: str | list[str] | bool, *classes: str) -> Tag | None:
    """The first element under `root` named `names` carrying any of `classes` (find() is much
    faster than CSS selectors here)."""
    wanted = set(classes)
    found = root.find(names, class_=lambda c: c is not None and c in wanted)
    return found if isinstance(found, Tag) else None


def _text(el: Tag | None) -> str:
    return " ".join(" ".join(element_lines(el)).split()) if el is not None else ""


def parse_k2(data: bytes, url: str, *, encoding: str | None = None,
             fetched_url: str | None = None) -> PageParse:
    """Parse one K2 page (raw bytes; `url` is its canonical URL, used for links and ids).

    `fetched_url` is where the page was actually fetched from (a mirror or a local copy of
    the site): links to that host are filed under the canonical host, as the crawler does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(data, "lxml", from_encoding=encoding)
    truncated = not _END_RE.search(data[-4096:].rstrip())
    if not url.startswith(("http://", "https://")):  # a loose file: ask the page itself
        url = _declared_url(soup) or url
    if _first(soup, "div", "itemListCategory", "catItemView", "itemListView"):
        result = _parse_listing(soup, url, site_rules(url, fetched_url))
    elif soup.find(id="k2Container") or _first(soup, ["h2", "div"], "itemTitle", "itemFullText",
                                                "itemView"):
        result = _parse_item_page(soup, url)
    else:
        return _other_page(soup, url)
    result.truncated = truncated
    if truncated:
        _mark_truncated(result)
    return result


_MAIN_IDS = ("content", "main", "main-content", "article")


def _other_page(soup: BeautifulSoup, url: str) -> PageParse:
    """A page without K2 markup: its main text read like a text dump (labels, "Dear Dr X"
    columns, numbered FAQs) when that gives at least one answered question; else OTHER."""
    from indexer.ingest.parse.text import parse_text

    main = (soup.find("main") or soup.find("article")
            or next((el for i in _MAIN_IDS if (el := soup.find(id=i)) is not None), None)
            or soup.body or soup)
    page = parse_text("\n".join(element_lines(main if isinstance(main, Tag) else None)), url,
                      source=source_name(url))
    if not any(it.question and it.answer for it in page.items):
        return PageParse(kind=OTHER, url=url)
    title = _text(soup.find("h1")) or _text(soup.find("title"))
    for item in page.items:
        item.page_url = url
        if len(page.items) == 1 and title:
            item.title = title
    page.problems = [p for p in page.problems if p.level != "error"]
    return page


def _declared_url(soup: BeautifulSoup) -> str:
    """The page's own URL from <link rel=canonical>, og:url or <base href>, canonicalised."""
    for tag, key, attrs in (("link", "href", {"rel": "canonical"}),
                            ("meta", "content", {"property": "og:url"}),
                            ("base", "href", {})):
        el = soup.find(tag, attrs=attrs)
        value = el.get(key) if isinstance(el, Tag) else None
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return _canonical_link(value, value)
    return ""


def _mark_truncated(result: PageParse) -> None:
    if not result.items:
        result.problems.append(Problem(result.url, "page cut short before any item", "error"))
        return
    last = result.items[-1]
    last.quality = BROKEN
    if TRUNCATED not in last.flags:
        last.flags.append(TRUNCATED)
    name = last.title or last.question[:60]
    last.problem = Problem(
        result.url,
        f"page cut short: item {name!r} (id {last.item_id or '?'}) is incomplete; "
        f"{len(result.items) - 1} complete item(s) kept",
        "warning", position=last.position,
    )
    result.problems.append(last.problem)


def _parse_listing(soup: BeautifulSoup, url: str, rules: UrlRules) -> PageParse:
    result = PageParse(kind=LISTING, url=url)
    header = _first(soup, "div", "itemListCategory")
    title = _text(header.find(["h2", "h1", "h3"])) if header is not None else ""
    if header is not None:
        result.declared = declared_count("\n".join(element_lines(header)))
    # The breadcrumb / URL tree is authoritative; the header only names (levels.py).
    result.category = listing_levels(title, _breadcrumbs(soup, ""), url)
    pager = _first(soup, True, "k2Pagination", "k2PaginationCounter", "pagination-counter")
    found = page_of(_text(pager)) if pager is not None else None
    if found:
        result.page, result.pages = found
    else:
        try:
            result.page = page_number(url)
        except ValueError:
            result.page = None
    source = source_name(url)
    views = soup.find_all("div", class_="catItemView")
    for number, view in enumerate(views, 1):
        item = _listing_item(view, url, source, result.category, rules)
        if item is not None:
            item.position = f"item {number} of {len(views)}"
            result.items.append(item)
    return result


def _listing_item(view: Tag, page_url: str, source: str, category: list[str],
                  rules: UrlRules) -> RawItem | None:
    heading = _first(view, "h3", "catItemTitle") or view.find(["h3", "h2"])
    title = _text(heading)
    link = heading.find("a", href=True) if heading is not None else None
    item_url = _canonical_link(page_url, link["href"], rules) if link is not None else ""
    intro = _first(view, "div", "catItemIntroText")
    lines = element_lines(intro)
    cut = _first(view, ["div", "a"], "catItemReadMore", "k2ReadMore") is not None
    while lines and not lines[-1].strip():
        lines.pop()
    if lines:
        lines[-1], trailing = strip_read_more(lines[-1])
        cut = cut or trailing
    split = split_item(lines)
    question, answer = clean_text(split.question), clean_text(split.answer)
    if not (title or question or answer):
        return None
    item_id = markup_item_id(view) or ((item_id_from_url(item_url) or "") if item_url else "")
    return RawItem(
        question=question, answer=answer, title=title, item_id=item_id,
        item_url=item_url, page_url=page_url, category=list(category),
        quality=PARTIAL_INTRO if cut else COMPLETE_INTRO, source=source,
    )


def _parse_item_page(soup: BeautifulSoup, url: str) -> PageParse:
    result = PageParse(kind=ITEM, url=url)
    title = _text(_first(soup, "h2", "itemTitle"))
    lines = element_lines(_first(soup, "div", "itemIntroText"))
    lines += element_lines(_first(soup, "div", "itemFullText"))
    split = split_item(lines)
    question, answer = clean_text(split.question), clean_text(split.answer)
    crumbs = _breadcrumbs(soup, title)
    result.category = crumbs
    if not (question or answer):
        result.problems.append(Problem(url, f"item page {title!r} has no text", "note",
                                       position="item page"))
    view = soup.find(id="k2Container") or _first(soup, "div", "itemView")
    item_id = (markup_item_id(view if isinstance(view, Tag) else None)
               or item_id_from_url(url) or item_id_from_url(_declared_url(soup)) or "")
    result.items.append(RawItem(
        question=question, answer=answer, title=title, item_id=item_id,
        item_url=url, page_url=url, category=crumbs, primary=bool(crumbs), quality=FULL,
        source=source_name(url), position="item page",
    ))
    return result


def _breadcrumbs(soup: BeautifulSoup, title: str) -> list[str]:
    """Category path from the breadcrumbs, from the archive root down:
    ``Home » Public content » Ask an expert » a » b » <title>`` -> ``["a", "b"]``. Crumbs above
    the archive root ("Ask an expert"), linked or not, are not categories; without a root
    crumb only "Home" / "You are here" are dropped."""
    box = (_first(soup, True, "breadcrumb", "breadcrumbs", "pathway")
           or soup.find(id="breadcrumbs"))
    if box is None:
        return []
    items = box.find_all("li") or box.find_all(["a", "span"])
    crumbs = [category_name(_text(li).strip(" »>/›|")) for li in items]
    crumbs = [c for c in crumbs if c]
    roots = [i for i, c in enumerate(crumbs) if c.lower() in _ROOT_CRUMBS]
    if roots:
        crumbs = crumbs[roots[-1] + 1:]
    crumbs = [c for c in crumbs if c.lower().rstrip(":") not in _CRUMB_SKIP]
    if crumbs and title and crumbs[-1].strip().lower() == title.strip().lower():
        crumbs.pop()
    if [c.lower() for c in crumbs] == ["recent answers"]:
        return []
    return crumbs


def _canonical_link(page_url: str, href: str, rules: UrlRules = DEFAULT_RULES) -> str:
    target = urljoin(page_url, href.strip())
    try:
        return canonical_url(target, rules)
    except ValueError:
        return target
