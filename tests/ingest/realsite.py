"""A small K2 archive built the way the charity's real archive is, to serve with `LocalSite`.

Written from the facts in issue 10 (no real page is copied): host ``www.acupuncture.org.uk``,
root listing ``/public-content/public-ask-an-expert.html`` ("Recent answers", answers only,
5 items a page), category listings nested up to four levels at ``<parent path>/<slug>.html``
(a child's slug usually repeats its parent's), pagination ``<listing path>/Page-N.html``,
item pages ``<listing path without .html>/<K2 id>-<slug>.html`` carrying the id in K2's item
markup, one slug-only item with no id anywhere, headers ``Ask an expert - a - b`` with
irregular spacing, a count line, breadcrumbs ``Home » Public content » Ask an expert » ...``
with "Public content" unlinked, and non-SEF K2 links on the home page.
"""

from __future__ import annotations

from dataclasses import dataclass

REAL_HOST = "www.acupuncture.org.uk"
ROOT = "/public-content/public-ask-an-expert"
PAGE_SIZE = 5

ROBOTS = """\
User-agent: *
Disallow: /members/
Disallow: /public-content/public-ask-an-expert/ask-an-expert-private
Crawl-delay: 0
"""


@dataclass(frozen=True)
class Cat:
    slugs: tuple[str, ...]  # URL levels below the root
    names: tuple[str, ...]  # the archive's own names of those levels
    header: str  # the header as the listing writes it

    @property
    def path(self) -> str:
        return ROOT + "/" + "/".join(self.slugs)


GENERAL = Cat(("ask-an-expert-general",), ("general",), "Ask an expert - general")
BONES = Cat(("ask-an-expert-muscles-and-bones",), ("muscles and bones",),
            "Ask an expert -  muscles and bones")
SHOULDER = Cat(("ask-an-expert-muscles-and-bones", "ask-an-expert-muscles-and-bones-shoulder"),
               ("muscles and bones", "shoulder"), "Ask an expert - muscles and bones- shoulder")
BODY = Cat(("ask-an-expert-body",), ("body",), "Ask an expert - body")
WOMENS = Cat(("ask-an-expert-body", "ask-an-expert-body-womens-health"),
             ("body", "women's health"), "Ask an expert - body - womens health")
PREGNANCY = Cat(("ask-an-expert-body", "ask-an-expert-body-womens-health",
                 "ask-an-expert-body-womens-health-pregnancy"),
                ("body", "women's health", "pregnancy"),
                "Ask an expert - body - womens health -pregnancy")
NAUSEA = Cat(("ask-an-expert-body", "ask-an-expert-body-womens-health",
              "ask-an-expert-body-womens-health-pregnancy", "morning-sickness"),
             ("body", "women's health", "pregnancy", "morning sickness"),
             "Ask an expert - body - womens health - pregnancy - morning sickness")
CATEGORIES = [GENERAL, BONES, SHOULDER, BODY, WOMENS, PREGNANCY, NAUSEA]


@dataclass(frozen=True)
class Item:
    item_id: str  # "" for the slug-only item with no id anywhere
    slug: str
    cat: Cat
    title: str
    body: str  # the item's full text (HTML)
    question: str  # what the parser must give
    answer_start: str

    @property
    def path(self) -> str:
        name = f"{self.item_id}-{self.slug}" if self.item_id else self.slug
        return f"{self.cat.path}/{name}.html"


ITEMS = [
    Item("5865", "can-someone-on-blood-thinners-have-acupuncture", GENERAL,
         "Can someone on blood thinners have acupuncture?",
         "<p>A: Yes, in most cases. Practitioners take care to press a little longer after "
         "each needle is removed, and they will ask about your dose.</p>",
         "Can someone on blood thinners have acupuncture?", "Yes, in most cases."),
    Item("", "i-have-post-herpetic-neuralgia-and-would-like-to-know-if-acupuncture-will-help",
         GENERAL, "I have post herpetic neuralgia and would like to know if acupuncture will help",
         "<p>Q: I have post herpetic neuralgia after shingles last winter and am in a lot of "
         "pain. Will acupuncture help?</p><p>A: There is some evidence that it may, and "
         "many patients report relief.</p>",
         "I have post herpetic neuralgia after shingles last winter and am in a lot of pain. "
         "Will acupuncture help?", "There is some evidence"),
    Item("5870", "frozen-shoulder-after-a-fall", SHOULDER, "Frozen shoulder after a fall",
         "<p>Q: I fell in March and my shoulder has been frozen since. Is acupuncture worth "
         "trying?</p><p>Our fact sheet on the website - please click here is not overly "
         "encouraging, but many practitioners see good results with shoulders.</p>"
         "<p>We would suggest a short course of four sessions.</p>",
         "I fell in March and my shoulder has been frozen since. Is acupuncture worth trying?",
         "Our fact sheet on the website - please click here is not overly encouraging, but"),
    Item("5871", "shoulder-pain-and-acupuncture", SHOULDER, "Shoulder pain and acupuncture",
         "<p>Shoulder problems respond well in our experience, especially when treatment "
         "starts early.</p>",
         "", "Shoulder problems respond well"),
    Item("5880", "sickness-in-the-first-trimester", NAUSEA, "Sickness in the first trimester",
         "<p>Q: I am eight weeks pregnant and sick all day. Can acupuncture help?</p>"
         "<p>A: Morning sickness is one of the better researched uses of acupuncture.</p>",
         "I am eight weeks pregnant and sick all day. Can acupuncture help?",
         "Morning sickness is one"),
    Item("5881", "is-acupuncture-safe-in-pregnancy", PREGNANCY,
         "Is acupuncture safe in pregnancy?",
         "<p>A: Yes, with a practitioner who knows which points to avoid.</p>",
         "Is acupuncture safe in pregnancy?", "Yes, with a practitioner"),
    Item("5890", "painful-periods", WOMENS, "Painful periods",
         "<p>Q: My periods are very painful. What can acupuncture do?</p>"
         "<p>A: Quite a lot, in our experience; the research is mixed but encouraging.</p>",
         "My periods are very painful. What can acupuncture do?", "Quite a lot"),
]


def _crumbs(levels: list[tuple[str, str]], title: str = "") -> str:
    parts = ['<a href="/">Home</a>', "<span>Public content</span>",
             f'<a href="{ROOT}.html">Ask an expert</a>']
    parts += [f'<a href="{href}">{name}</a>' for href, name in levels]
    if title:
        parts.append(f"<span>{title}</span>")
    return '<div class="breadcrumbs">' + " &raquo; ".join(parts) + "</div>"


def _cat_levels(cat: Cat) -> list[tuple[str, str]]:
    return [(ROOT + "/" + "/".join(cat.slugs[:i + 1]) + ".html", cat.names[i])
            for i in range(len(cat.slugs))]


def _shell(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><div id="menu"><a href="{ROOT}.html">Ask an expert</a> '
            f'<a href="/members/">Members</a></div>{body}</body></html>').encode()


def _item_page(item: Item) -> bytes:
    marker = f'<span id="startOfPageId{item.item_id}"></span>' if item.item_id else ""
    toolbar = ""
    if item.item_id:
        toolbar = ('<div class="itemToolbar"><ul><li><a class="itemPrintLink" href="'
                   f'{item.path}?tmpl=component&amp;print=1">Print</a></li></ul></div>')
    body = (f'{_crumbs(_cat_levels(item.cat), item.title)}{marker}'
            f'<div id="k2Container" class="itemView"><div class="itemHeader">'
            f'<h2 class="itemTitle">{item.title}</h2></div>{toolbar}<div class="itemBody">'
            f'<div class="itemFullText">{item.body}</div></div></div>')
    return _shell(item.title, body)


def _entry(item: Item, answers_only: bool, href: str) -> str:
    text = item.body
    if answers_only:  # "Recent answers" show the answer only, with no label
        text = text.split("<p>A: ", 1)[-1]
        text = text if text.startswith("<p>") else "<p>" + text
    return (f'<div class="catItemView groupLeading"><div class="catItemHeader">'
            f'<h3 class="catItemTitle"><a href="{href}">{item.title}</a></h3></div>'
            f'<div class="catItemBody"><div class="catItemIntroText">{text}</div></div>'
            f'<div class="catItemReadMore"><a class="k2ReadMore" href="{href}">Read more...</a>'
            f"</div></div>")


def _listing_pages(base: str, header: str, crumbs: str, items: list[Item],
                   answers_only: bool) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    chunks = [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]
    for n, chunk in enumerate(chunks, 1):
        entries = []
        for item in chunk:
            href = item.path
            if answers_only and item.item_id == "5865":  # a non-SEF link to an item
                href = f"/index.php?option=com_k2&view=item&id={item.item_id}&Itemid=461"
            elif answers_only:
                href = "/category" + item.path  # the /category/ variant
            entries.append(_entry(item, answers_only, href))
        pager = "".join(f'<a href="{base}/Page-{k}.html">{k}</a> ' for k in
                        range(1, len(chunks) + 1))
        body = (f'{crumbs}<div id="k2Container" class="itemListView">'
                f'<div class="itemListCategory"><h2>{header}</h2><p>{len(items)} questions</p>'
                f'</div><div class="itemList">{"".join(entries)}</div>'
                f'<div class="k2Pagination">{pager}<p>Page {n} of {len(chunks)}</p></div></div>')
        page = _shell(header, body)
        if n == 1:
            pages[base + ".html"] = page
            pages[base + "/"] = page  # Page-1.html resolves to the folder
        else:
            pages[f"{base}/Page-{n}.html"] = page
    return pages


def real_site_pages() -> dict[str, bytes]:
    """URL path -> page bytes of the whole archive (listings, items)."""
    pages = _listing_pages(ROOT, "Ask an expert - Recent answers", _crumbs([]), ITEMS, True)
    private = f'<a href="{ROOT}/ask-an-expert-private.html">private</a>'.encode()
    pages = {k: v.replace(b"</h2>", b"</h2>" + private, 1) for k, v in pages.items()}
    for cat in CATEGORIES:
        mine = [it for it in ITEMS if it.cat.slugs[:len(cat.slugs)] == cat.slugs]
        children = "".join(f'<a href="{c.path}.html">{c.names[-1]}</a>' for c in CATEGORIES
                           if c.slugs[:-1] == cat.slugs)
        listing = _listing_pages(cat.path, cat.header, _crumbs(_cat_levels(cat)), mine, False)
        for key in list(listing):
            listing[key] = listing[key].replace(b"</h2>", f"</h2>{children}".encode(), 1)
        pages.update(listing)
    for item in ITEMS:
        pages[item.path] = _item_page(item)
    return pages


def real_site_extra() -> dict[str, str]:
    """Pages around the archive: none of them may give a record."""
    home = ('<html><body><h1>BAcC</h1><a href="/public-content/public-ask-an-expert.html">'
            'Ask an expert</a> <a href="/index.php?option=com_k2&amp;view=itemlist&amp;'
            'layout=category&amp;task=category&amp;id=166&amp;Itemid=461">News</a> '
            '<a href="/public-content/about-acupuncture.html">About</a> '
            '<a href="/members/">Members</a></body></html>')
    about = ('<html><body><div class="breadcrumbs"><a href="/">Home</a> &raquo; '
             '<span>Public content</span></div><h2 class="itemTitle">About acupuncture</h2>'
             '<div class="itemFullText"><p>Q: What is it?</p><p>A: A therapy.</p></div>'
             '</body></html>')
    return {"/": home, "/public-content/about-acupuncture.html": about,
            "/members/": "<html><body><p>Members only</p></body></html>",
            "/public-content/public-ask-an-expert/ask-an-expert-private.html":
                "<html><body><p>Disallowed by robots.txt</p></body></html>"}
