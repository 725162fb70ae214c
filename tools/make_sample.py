"""Render the bundled sample archive (`scraped/`) and its expected records.

    python tools/make_sample.py            # rewrite scraped/ and tests/data/sample_expected.jsonl
    python tools/make_sample.py --check    # exit 1 if the committed files differ from a fresh run

Output is deterministic (fixed dates, no randomness), so the committed files only change when
`sample_content.py` or this script changes. The pages follow Joomla K2's markup and are stored
as a raw page store (CONTRACTS.md): ``scraped/<host>/<canonical path>`` plus ``.meta.json``.

What the archive shows, on purpose:
- category listings (5 items a page) with "N questions" headers and "Page X of Y" pagination;
  parent categories list their children's items; the root lists "Recent answers";
- pagination links in both forms (``X/Page-N.html`` and ``X/?start=K``), and links in URL
  variant forms (http, no ``www.``, an extra ``/category/`` segment, ``Page-1.html``) while
  every page is stored once under its canonical URL;
- item pages for most items (two items exist only as "Read more..." listing intros), one
  root listing page cut short (truncated bytes), one item page in cp1252 that claims UTF-8;
- boilerplate boxes on every page, and links to non-archive pages (blog, members, factsheets);
- two topic branches ("women's health", "heart and circulation": `REAL_STYLE`) in the URL
  scheme of the charity's real archive: listings are ``.html`` files nested under their
  parent's path (``/ask-an-expert/ask-an-expert-womens-health/ask-an-expert-womens-health-
  pregnancy.html``; a child's slug repeats its parent's, except one), pages
  ``<listing path>/Page-N.html``, item pages ``<listing path>/<K2 id>-<slug>.html``;
  breadcrumbs ``Home » Public content » Ask an expert » ...`` with "Public content" unlinked;
  headers as the real site writes them (``womens health`` without its apostrophe, one with
  irregular spacing: ``Ask an expert - womens health- pregnancy``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_content import CATEGORIES, ITEMS

ROOT = Path(__file__).resolve().parent.parent
HOST = "www.askacupuncture.example"
BARE_HOST = "askacupuncture.example"
PREFIX = "/ask-an-expert/"
PAGE_SIZE = 5
SOURCE = "askacupuncture"
FETCHED_AT = "2024-05-01T09:00:00Z"
LAST_MODIFIED = "Wed, 24 Apr 2024 16:20:00 GMT"
TRUNCATED_PAGE = ("root", 2)  # the listing page whose bytes are cut short
START_STYLE = {"back", "anx", "ins", "mh", "about", "needles"}  # listings paginated ?start=K
REAL_STYLE = {"wh", "heart"}  # top categories whose branch uses the real archive's URL scheme
# URL slug of a real-style level where it does not repeat its parent's (as on the real site).
REAL_SLUGS = {"breech": "breech-baby"}
# Header spelling of real-style levels, as the real site writes them.
HEADER_NAMES = {"women's health": "womens health"}
IRREGULAR_HEADER = "preg"  # its header is written "Ask an expert - womens health- pregnancy"


# --------------------------------------------------------------------------- helpers

def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def real_style(key: str) -> bool:
    """Whether the category's branch uses the real archive's URL scheme."""
    if key == "root":
        return False
    top = CATEGORIES[key][0][0]
    return any(CATEGORIES[k][0] == [top] for k in REAL_STYLE)


def _key_of(names: list[str]) -> str:
    return next(k for k, (n, _) in CATEGORIES.items() if n == names)


def real_base(key: str) -> str:
    """``/ask-an-expert/ask-an-expert-a/ask-an-expert-a-b``: each level's slug repeats its
    parent's (``REAL_SLUGS`` excepted); the listing is this plus ``.html``."""
    names, slug_path = CATEGORIES[key]
    slugs = slug_path.split("/")
    levels = []
    for depth in range(1, len(names) + 1):
        k = _key_of(names[:depth])
        levels.append(REAL_SLUGS.get(k, "ask-an-expert-" + "-".join(slugs[:depth])))
    return PREFIX + "/".join(levels)


def cat_path(key: str) -> str:
    if key == "root":
        return PREFIX
    if real_style(key):
        return real_base(key) + ".html"
    return f"{PREFIX}{CATEGORIES[key][1]}/"


def cat_names(key: str) -> list[str]:
    return [] if key == "root" else CATEGORIES[key][0]


def item_path(item: dict) -> str:
    slug = slugify(item["title"]) or "answer"
    if real_style(item["cat"]):
        return f"{real_base(item['cat'])}/{item['id']}-{slug}.html"
    return f"{cat_path(item['cat'])}item/{item['id']}-{slug}.html"


def page_path(key: str, n: int) -> str:
    base = cat_path(key)
    if n == 1:
        return base
    return f"{real_base(key)}/Page-{n}.html" if real_style(key) else f"{base}Page-{n}.html"


def item_date(item: dict) -> dt.date:
    return dt.date(2019, 1, 7) + dt.timedelta(days=(item["id"] - 100) * 23)


class Variants:
    """Cycles links through the URL forms a real K2 site mixes (deterministic per page)."""

    def __init__(self, seed: int) -> None:
        self.n = seed

    def listing(self, path: str) -> str:
        self.n += 1
        form = self.n % 5
        if form == 1:
            return f"https://{HOST}{path}"
        if form == 2:
            return f"http://{BARE_HOST}{path}"
        if form == 3 and path != PREFIX:
            return path.replace(PREFIX, f"{PREFIX}category/", 1)
        if form == 4 and path != PREFIX:
            return f"https://{BARE_HOST}" + path.replace(PREFIX, f"{PREFIX}category/", 1)
        return path

    def item(self, path: str) -> str:
        self.n += 1
        return [path, f"http://{BARE_HOST}{path}", f"https://{HOST}{path}",
                f"http://{HOST}{path}"][self.n % 4]

    def page(self, key: str, n: int) -> str:
        """A link to page n of a listing, in the listing's pagination style."""
        base = cat_path(key)
        self.n += 1
        if real_style(key):
            return self.listing(page_path(key, n))
        if key in START_STYLE:
            return f"{self.listing(base)}?start={(n - 1) * PAGE_SIZE}"
        if n == 1 and self.n % 2:
            return self.listing(base) + "Page-1.html"
        return self.listing(page_path(key, n))


def children(key: str) -> list[str]:
    path = cat_names(key)
    return [k for k, (names, _) in CATEGORIES.items()
            if len(names) == len(path) + 1 and names[: len(path)] == path]


def top_categories() -> list[str]:
    return [k for k, (names, _) in CATEGORIES.items() if len(names) == 1]


def listed_items(key: str) -> list[dict]:
    """Items a listing shows: filed in the category, or in any category below it."""
    if key == "root":
        found = list(ITEMS)
    else:
        path = cat_names(key)
        found = [it for it in ITEMS
                 if any(cat_names(k)[: len(path)] == path
                        for k in [it["cat"], *it.get("also", [])])]
    return sorted(found, key=lambda it: it["id"], reverse=True)


def with_nbsp(block: str) -> str:
    return re.sub(r"([.?!]) (?=[A-Z])", r"\1&nbsp; ", block)


def blocks(item: dict) -> list[str]:
    """The item's text as published (HTML blocks)."""
    if "raw" in item:
        out = list(item["raw"])
    else:
        out = []
        for i, para in enumerate(item["q"]):
            out.append(f"<p>{'Q: ' if i == 0 else ''}{esc(para)}</p>")
        for i, para in enumerate(item["a"]):
            out.append(f"<p>{'A: ' if i == 0 else ''}{esc(para)}</p>")
    return [with_nbsp(b) for b in out] if item.get("nbsp") else out


def intro_count(item: dict) -> int:
    return item.get("intro", len(item["q"]) + 1)


def has_more(item: dict) -> bool:
    return len(blocks(item)) > intro_count(item)


# --------------------------------------------------------------------------- page furniture

def page_html(title: str, main: str, crumbs: list[tuple[str, str]], path: str) -> str:
    crumb_items = "".join(
        f'<li><a href="{attr(href)}">{esc(text)}</a><span class="divider">&raquo;</span></li>'
        if href else f'<li class="active"><span>{esc(text)}</span></li>'
        for text, href in crumbs
    )
    return f"""<!DOCTYPE html>
<html lang="en-gb" dir="ltr">
<head>
<meta charset="utf-8">
<title>{esc(title)} - Ask Acupuncture</title>
<link rel="canonical" href="https://{HOST}{attr(path)}">
<link rel="stylesheet" href="/templates/askacu/css/template.css">
<script src="/media/jui/js/jquery.min.js"></script>
</head>
<body class="site">
<div id="header">
<a class="brand" href="/">Ask Acupuncture</a>
<ul class="nav menu">
<li><a href="/">Home</a></li>
<li><a href="{PREFIX}">Ask an expert</a></li>
<li><a href="/factsheets/">Factsheets</a></li>
<li><a href="/blog/">Blog</a></li>
<li><a href="/members/login.html">Members</a></li>
</ul>
</div>
<div class="moduletable findAcupuncturist">
<h3>Find an acupuncturist...</h3>
<form action="/find-an-acupuncturist/" method="get">
<input name="postcode" placeholder="Enter your postcode"><button type="submit">Search</button>
</form>
</div>
<div id="content">
<div class="breadcrumbs"><ul class="breadcrumb"><li>You are here: </li>{crumb_items}</ul></div>
{main}
</div>
<div id="sidebar">
<div class="moduletable"><h3>Post a question</h3>
<p>If you have any questions about acupuncture, browse our archive or ask an expert.</p>
<p><a href="/contact/post-a-question.html">Ask an expert</a></p></div>
<div class="moduletable"><h3>BAcC Factsheets</h3>
<p>Research based factsheets have been prepared for over 60 conditions especially for this
website</p>
<p><a href="/factsheets/">Browse the facts</a></p></div>
<div class="moduletable"><h3>From the blog</h3>
<p><a href="/blog/2023/acupuncture-awareness-week.html">Acupuncture awareness week</a></p></div>
</div>
<div id="footer"><p>&copy; 2024 Ask Acupuncture (sample archive written for qasearch; every
question and person is invented).</p>
<p><a href="/privacy.html">Privacy</a> | <a href="/members/">Members' area</a></p></div>
</body>
</html>
"""


def crumbs_for(key: str, v: Variants) -> list[tuple[str, str]]:
    out = [("Home", "/"), ("Ask an expert", v.listing(PREFIX))]
    if real_style(key):  # the real site's trail: an unlinked crumb above the archive root
        out.insert(1, ("Public content", ""))
    if key == "root":
        return out
    names = cat_names(key)
    for depth in range(1, len(names) + 1):
        k = next(k for k, (n, _) in CATEGORIES.items() if n == names[:depth])
        out.append((names[depth - 1], v.listing(cat_path(k))))
    return out


# --------------------------------------------------------------------------- listings

def listing_item_html(item: dict, key: str, v: Variants) -> str:
    link = v.item(item_path(item))
    parts = blocks(item)[: intro_count(item)]
    more = has_more(item)
    if more and item.get("inline_read_more"):
        parts[-1] = parts[-1].replace(
            "</p>", f' <a class="k2ReadMore" href="{attr(link)}">Read more...</a></p>')
    intro = "\n".join(parts)
    category = ""
    if key == "root":
        leaf = item["cat"]
        category = (f'<div class="catItemCategory"><span>Published in</span> '
                    f'<a href="{attr(v.listing(cat_path(leaf)))}">{esc(cat_names(leaf)[-1])}'
                    f"</a></div>")
    read_more = ""
    if more and not item.get("inline_read_more"):
        read_more = (f'<div class="catItemReadMore"><a class="k2ReadMore" '
                     f'href="{attr(link)}">Read more...</a></div>')
    return f"""<div class="itemContainer">
<div class="catItemView groupLeading">
<div class="catItemHeader">
<span class="catItemDateCreated">{item_date(item):%A, %d %B %Y}</span>
<h3 class="catItemTitle"><a href="{attr(link)}">{esc(item['title'])}</a></h3>
</div>
<div class="catItemBody">
<div class="catItemIntroText">
{intro}
</div>
</div>
{category}
{read_more}
<div class="clr"></div>
</div>
</div>"""


def pagination_html(key: str, n: int, pages: int, v: Variants) -> str:
    if pages <= 1:
        return ""
    links = [f'<li><a href="{attr(v.page(key, 1))}">Start</a></li>']
    if n > 1:
        links.append(f'<li><a href="{attr(v.page(key, n - 1))}">Prev</a></li>')
    for i in range(1, pages + 1):
        links.append(f'<li class="active"><span>{i}</span></li>' if i == n
                     else f'<li><a href="{attr(v.page(key, i))}">{i}</a></li>')
    if n < pages:
        links.append(f'<li><a href="{attr(v.page(key, n + 1))}">Next</a></li>')
    links.append(f'<li><a href="{attr(v.page(key, pages))}">End</a></li>')
    return f"""<div class="k2Pagination">
<ul class="pagination-list">{''.join(links)}</ul>
<div class="k2PaginationCounter">Page {n} of {pages}</div>
</div>"""


def header_path(key: str) -> str:
    """The levels of a listing's header, as the site writes them."""
    if key == "root":
        return "Recent answers"
    if not real_style(key):
        return " - ".join(cat_names(key))
    names = [HEADER_NAMES.get(n, n) for n in cat_names(key)]
    if key == IRREGULAR_HEADER:
        return "- ".join(names)
    return " - ".join(names)


def listing_html(key: str, n: int) -> str:
    items = listed_items(key)
    pages = max(1, -(-len(items) // PAGE_SIZE))
    v = Variants(seed=n + len(key))
    heading = "Ask an expert - " + header_path(key)
    subs = ""
    kids = top_categories() if key == "root" else children(key)
    if kids:
        subs = "<div class=\"itemListSubCategories\"><h3>Children categories</h3>" + "".join(
            f'<div class="subCategory"><h2><a href="{attr(v.listing(cat_path(k)))}">'
            f"{esc(cat_names(k)[-1])}</a></h2></div>" for k in kids) + "</div>"
    shown = items[(n - 1) * PAGE_SIZE: n * PAGE_SIZE]
    body = "\n".join(listing_item_html(it, key, v) for it in shown)
    main = f"""<div id="k2Container" class="itemListView">
<div class="itemListCategoriesBlock">
<div class="itemListCategory">
<h2>{esc(heading)}</h2>
<div class="itemListCategoryDescription"><p>{len(items)} questions</p></div>
</div>
{subs}
</div>
<div class="itemList">
<div id="itemListLeading">
{body}
</div>
</div>
{pagination_html(key, n, pages, v)}
</div>"""
    title = cat_names(key)[-1] if key != "root" else "Ask an expert"
    return page_html(title, main, crumbs_for(key, v), page_path(key, n))


# --------------------------------------------------------------------------- item pages

def item_html(item: dict) -> str:
    v = Variants(seed=item["id"])
    parts = blocks(item)
    if item.get("split_page"):
        k = intro_count(item)
        text = (f'<div class="itemIntroText">\n{chr(10).join(parts[:k])}\n</div>\n'
                f'<div class="itemFullText">\n{chr(10).join(parts[k:])}\n</div>')
    else:
        text = f'<div class="itemFullText">\n{chr(10).join(parts)}\n</div>'
    siblings = [it for it in listed_items(item["cat"]) if it["cat"] == item["cat"]]
    pos = siblings.index(item)
    nav = []
    if pos > 0:
        prev = siblings[pos - 1]
        if prev.get("page") != "intro_only":
            nav.append(f'<a class="itemPrevious" href="{attr(v.item(item_path(prev)))}">'
                       f"&laquo; {esc(prev['title'])}</a>")
    if pos + 1 < len(siblings):
        nxt = siblings[pos + 1]
        if nxt.get("page") != "intro_only":
            nav.append(f'<a class="itemNext" href="{attr(v.item(item_path(nxt)))}">'
                       f"{esc(nxt['title'])} &raquo;</a>")
    path = item_path(item)
    leaf = item["cat"]
    main = f"""<div id="k2Container" class="itemView">
<div class="itemHeader">
<span class="itemDateCreated">{item_date(item):%A, %d %B %Y}</span>
<h2 class="itemTitle">{esc(item['title'])}</h2>
</div>
<div class="itemToolbar"><ul>
<li><a class="itemPrintLink" rel="nofollow"
 href="{attr(path)}?tmpl=component&amp;print=1">Print</a></li>
<li><a class="itemEmailLink" rel="nofollow"
 href="/component/mailto/?tmpl=component&amp;link=x">Email</a></li>
</ul></div>
<div class="itemBody">
{text}
</div>
<div class="itemCategory"><span>Published in</span>
 <a href="{attr(v.listing(cat_path(leaf)))}">{esc(cat_names(leaf)[-1])}</a></div>
<div class="itemNavigation"><span class="itemNavigationTitle">More in this category:</span>
 {' '.join(nav)}</div>
</div>"""
    crumbs = [*crumbs_for(leaf, v), (item["title"], "")]
    return page_html(item["title"] or "Ask an expert", main, crumbs, path)


# --------------------------------------------------------------------------- store

def meta(url: str, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    doc = {
        "url": url, "fetched_url": url, "status": 200, "etag": f'"{sha[:16]}"',
        "last_modified": LAST_MODIFIED, "content_type": "text/html; charset=utf-8",
        "fetched_at": FETCHED_AT, "sha256": sha, "bytes": len(data),
    }
    return json.dumps(doc, indent=2) + "\n"


def store(out: Path, path: str, data: bytes) -> None:
    rel = path.lstrip("/")
    if rel.endswith("/") or not rel:
        rel += "index.html"
    target = out / HOST / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    target.with_name(target.name + ".meta.json").write_text(
        meta(f"https://{HOST}{path}", data), encoding="utf-8")


def truncate(data: bytes, item: dict) -> bytes:
    """Cut a page in the middle of the given item's intro text."""
    marker = esc(item["a"][0].split(" ")[6]).encode()
    at = data.index(marker, data.index(esc(item["title"]).encode()))
    return data[: at + 3]


def listing_keys() -> list[str]:
    return ["root", *CATEGORIES]


def write_archive(out: Path) -> int:
    pages = 0
    for key in listing_keys():
        items = listed_items(key)
        n_pages = max(1, -(-len(items) // PAGE_SIZE))
        for n in range(1, n_pages + 1):
            data = listing_html(key, n).encode("utf-8")
            if (key, n) == TRUNCATED_PAGE:
                last = items[n * PAGE_SIZE - 1]
                data = truncate(data, last)
            store(out, page_path(key, n), data)
            pages += 1
    for item in ITEMS:
        if item.get("page") == "intro_only":
            continue
        text = item_html(item)
        data = text.encode("cp1252") if item.get("cp1252") else text.encode("utf-8")
        store(out, item_path(item), data)
        pages += 1
    return pages


# --------------------------------------------------------------------------- expected records

def expected(item: dict) -> dict:
    question = "\n\n".join(item["q"]) or item["title"]
    answer_paras = item["a"]
    flags = []
    if item.get("page") == "intro_only":
        answer_paras = item["a"][: intro_count(item) - len(item["q"])]
        flags.append("intro_only")
    if not question:
        flags.append("orphan_answer")
    return {
        "id": f"{SOURCE}-{item['id']}",
        "item_id": str(item["id"]),
        "title": item["title"],
        "question": question,
        "answer": "\n\n".join(answer_paras),
        "categories": [cat_names(k) for k in [item["cat"], *item.get("also", [])]],
        "flags": flags,
        "url": f"https://{HOST}{item_path(item)}",
    }


def write_expected(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(expected(it), ensure_ascii=False, sort_keys=True)
             for it in sorted(ITEMS, key=lambda it: it["id"])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def generate(scraped: Path, expected_path: Path) -> int:
    host_dir = scraped / HOST
    if host_dir.exists():
        shutil.rmtree(host_dir)
    pages = write_archive(scraped)
    write_expected(expected_path)
    return pages


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh rendering with the committed files")
    args = parser.parse_args(argv)
    scraped, expected_path = ROOT / "scraped", ROOT / "tests" / "data" / "sample_expected.jsonl"
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            t = Path(tmp)
            generate(t / "scraped", t / "expected.jsonl")
            same = (_tree(t / "scraped" / HOST) == _tree(scraped / HOST)
                    and (t / "expected.jsonl").read_bytes() == expected_path.read_bytes())
        print("sample archive is up to date" if same else "sample archive is out of date")
        return 0 if same else 1
    pages = generate(scraped, expected_path)
    print(f"wrote {pages} pages for {len(ITEMS)} items to {scraped / HOST}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
