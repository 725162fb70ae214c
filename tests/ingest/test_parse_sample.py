"""The bundled sample archive (scraped/) parses to exactly the items written for it."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from indexer.ingest.urls import canonical_url, is_archive_url, page_kind, store_path
from tests.site import REPO_ROOT, SAMPLE_EXPECTED, SAMPLE_STORE

SCRAPED = SAMPLE_STORE
HOST = "www.askacupuncture.example"
EXPECTED = SAMPLE_EXPECTED
FIELDS = ("question", "answer", "title", "categories", "flags", "url", "item_id")
BOILERPLATE = [
    "click here", "Find an acupuncturist", "Post a question", "Browse the facts",
    "BAcC Factsheets", "Research based factsheets", "Read more", "questions\n", "Page 1 of",
    "Page 2 of", "Print | Email", "Back to top", "Published in", "Enter your postcode",
    "Ask an expert -", "Recent answers", "\u00a0", "&nbsp;", "&amp;", "&rsquo;",
]


def load_expected() -> dict[str, dict]:
    rows = [json.loads(line) for line in EXPECTED.read_text(encoding="utf-8").splitlines()]
    return {row["id"]: row for row in rows}


@pytest.fixture(scope="module")
def parsed(sample_parse):
    return sample_parse


@pytest.fixture(scope="module")
def by_id(parsed):
    return {r.id: r for r in parsed.records}


def raw_pages() -> dict[str, bytes]:
    return {str(p.relative_to(SCRAPED)): p.read_bytes() for p in SCRAPED.rglob("*.html")}


def test_exactly_the_expected_items(parsed, by_id):
    expected = load_expected()
    assert len(expected) >= 40
    assert sorted(by_id) == sorted(expected)
    for rid, want in expected.items():
        got = by_id[rid]
        for name in FIELDS:
            assert getattr(got, name) == want[name], (rid, name)
        assert got.source == "askacupuncture"


def test_only_the_planted_problems_are_reported(parsed):
    problems = sorted((p.level, Path(p.path.split(" (")[0]).name) for p in parsed.problems)
    assert problems == [
        ("note", "113-whiplash-after-a-car-accident.html"),  # cp1252 page claiming UTF-8
        ("note", "Page-2.html"),  # the root listing cut short; its item page is complete
    ]
    (cut,) = [p for p in parsed.problems if "Page-2.html" in p.path]
    assert "How long are the needles left in?" in cut.message and "id 136" in cut.message
    assert cut.position == "item 5 of 5" and "nothing lost" in cut.message
    assert "136-how-long-are-the-needles-left-in.html" in cut.message
    assert parsed.skipped_blocks == 0
    assert "0 item blocks lost" in parsed.summary() and "0 warnings, 2 notes" in parsed.summary()


def test_every_listing_appearance_is_merged(parsed):
    assert parsed.merged == parsed.raw_items - len(parsed.records)
    assert parsed.merged > 100
    assert len(parsed.pages) == len(list(SCRAPED.rglob("*.html")))


def test_no_boilerplate_in_any_field(parsed):
    for rec in parsed.records:
        for text in (rec.question, rec.answer, rec.title):
            for phrase in BOILERPLATE:
                assert phrase.lower() not in text.lower(), (rec.id, phrase)
            assert "  " not in text and text == text.strip()
            assert not re.search(r"(?<!\n)\n(?!\n)", text), rec.id  # only "\n\n" breaks


def test_declared_question_counts_match_the_records(parsed):
    for page in parsed.pages:
        if page.kind != "listing" or page.declared is None:
            continue
        path = page.category
        filed = [r for r in parsed.records
                 if any(p[: len(path)] == path for p in r.categories)]
        assert len(filed) == page.declared, (page.url, path)


def test_archive_shape(parsed):
    top = {r.category[0] for r in parsed.records}
    assert len(top) >= 6
    assert max(len(r.category) for r in parsed.records) == 3
    lbp = [p for p in parsed.pages if p.category == ["muscles and bones", "back / spine",
                                                      "lower back pain"]]
    listings = sorted((p.page, p.pages) for p in lbp if p.kind == "listing")
    assert listings == [(1, 3), (2, 3), (3, 3)]
    assert all(len(p.items) <= 5 for p in parsed.pages)
    roots = [p for p in parsed.pages if p.kind == "listing" and p.category == []]
    assert len(roots) >= 9


def test_near_duplicates_and_stock_answers_stay_separate(by_id):
    assert by_id["askacupuncture-109"].question != by_id["askacupuncture-131"].question
    assert by_id["askacupuncture-121"].category != by_id["askacupuncture-142"].category
    stock = Counter(r.answer for r in by_id.values())
    assert max(stock.values()) == 3


def test_every_quirk_appears_in_the_raw_pages():
    pages = raw_pages()
    everything = b"\n".join(pages.values())
    for needle in [b"<p>Q: ", b"<p>Q. ", b"<p>A. ", b"<p>q:</p>", b"<p>a:</p>", b"<p>Q : ",
                   b"<p>A:We", b"<blockquote><p>A. ", b"Please click here", b"please click here",
                   b"at<a href=", b"both.Long", b"cannot<br>walk", b"&nbsp;", b"&rsquo;",
                   b"&lt;script&gt;alert(", b"Read more...", b"k2ReadMore", b"Page 2 of 3",
                   b"11 questions</p>", b"Find an acupuncturist", b"Post a question",
                   b"Browse the facts", b"Print</a>", b"Back to top", b"accupuncture",
                   b"sciatia", b"insomina", b"palpatations", b"/Page-1.html", b"?start=5",
                   b"http://askacupuncture.example/", b"/ask-an-expert/category/",
                   b"/blog/", b"/members/", b"/factsheets/"]:
        assert needle in everything, needle
    cut = pages[f"{HOST}/ask-an-expert/Page-2.html"]
    assert not cut.rstrip().endswith(b"</html>")
    cp1252 = pages[f"{HOST}/ask-an-expert/muscles-and-bones/back-spine/neck-pain/item/"
                   "113-whiplash-after-a-car-accident.html"]
    with pytest.raises(UnicodeDecodeError):
        cp1252.decode("utf-8")


def test_store_layout_and_links_resolve_to_stored_pages():
    stored = {str(p.relative_to(SCRAPED)) for p in SCRAPED.rglob("*")
              if p.is_file() and not p.name.endswith(".meta.json")}
    intro_only = {e["url"] for e in load_expected().values() if "intro_only" in e["flags"]}
    for rel in stored:
        meta = json.loads((SCRAPED / (rel + ".meta.json")).read_text(encoding="utf-8"))
        assert str(store_path(meta["url"])) == rel
        assert meta["bytes"] == (SCRAPED / rel).stat().st_size
    missing = set()
    for rel in stored:
        url = json.loads((SCRAPED / (rel + ".meta.json")).read_text(encoding="utf-8"))["url"]
        soup = BeautifulSoup((SCRAPED / rel).read_bytes(), "lxml")
        for a in soup.find_all("a", href=True):
            target = urljoin(url, a["href"])
            if not is_archive_url(target, host=HOST) or page_kind(target) == "other":
                continue
            canon = canonical_url(target)
            if str(store_path(canon)) not in stored:
                missing.add(canon)
    assert missing == intro_only


def test_generator_output_is_committed_and_deterministic():
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    try:
        import make_sample
    finally:
        sys.path.remove(str(REPO_ROOT / "tools"))
    assert make_sample.main(["--check"]) == 0


def test_branches_in_the_real_archives_url_scheme(parsed, by_id):
    """"women's health" and "heart and circulation" use the real archive's scheme (nested
    ``.html`` listings, ``<listing path>/<id>-<slug>.html`` items, the unlinked "Public content"
    crumb, headers spelled "womens health", one irregularly spaced): same ids and one
    spelling of each level as the rest of the archive."""
    real = re.compile(r"^https://www\.askacupuncture\.example/ask-an-expert/ask-an-expert-"
                      r"(womens-health|heart-and-circulation)(/[a-z0-9-]+)*/(\d+)-[a-z0-9-]+\.html$")
    moved = [r for r in parsed.records if real.match(r.url)]
    assert len(moved) == 10
    for rec in moved:
        assert rec.id == f"askacupuncture-{real.match(rec.url).group(3)}" == \
            f"askacupuncture-{rec.item_id}"
        assert len(rec.categories) == 1, rec.id
        assert rec.categories[0][0] in ("women's health", "heart and circulation")
    headers = [p.url for p in parsed.pages if p.kind == "listing" and "womens-health" in p.url]
    assert any(u.endswith("ask-an-expert-womens-health-pregnancy.html") for u in headers)
    levels = {c for r in parsed.records for path in r.categories for c in path}
    assert "womens health" not in levels and "Public content" not in levels
    assert by_id["askacupuncture-106"].categories == [
        ["muscles and bones", "back / spine", "lower back pain"], ["women's health", "pregnancy"]]
