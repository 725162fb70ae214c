"""The real archive's structure (tests/ingest/realsite.py) crawled over HTTP and parsed: one
record per item, the archive's own category path, ids ``<source>-<K2 id>``, stable across
crawls and across a copy of the site under another host."""

from __future__ import annotations

import pytest

from indexer.ingest.crawl import crawl
from indexer.ingest.links import default_prefix
from indexer.ingest.parse import parse_paths
from indexer.records import ORPHAN
from tests.ingest.realsite import (
    ITEMS,
    REAL_HOST,
    ROBOTS,
    ROOT,
    real_site_extra,
    real_site_pages,
)
from tests.site import LocalSite

SOURCE = "acupuncture"


def _crawl_and_parse(site: LocalSite, out, start_path: str = ROOT + ".html"):
    crawl(site.url(start_path), out, site_host=REAL_HOST, delay=0, progress=False)
    return parse_paths([out])


@pytest.fixture(scope="module")
def real_site():
    with LocalSite(pages=real_site_pages(), robots=ROBOTS, archive_host=REAL_HOST,
                   extra_pages=real_site_extra()) as site:
        yield site


@pytest.fixture(scope="module")
def crawled(real_site, tmp_path_factory):
    return _crawl_and_parse(real_site, tmp_path_factory.mktemp("real1"))


def _by_id(result):
    return {r.id: r for r in result.records}


def test_default_prefix_of_a_root_listing_file():
    assert default_prefix("https://x.org/public-content/public-ask-an-expert.html") == \
        "/public-content/public-ask-an-expert/"
    assert default_prefix("https://x.org/ask-an-expert/") == "/ask-an-expert/"
    assert default_prefix("https://x.org/ask-an-expert/Page-2.html") == "/ask-an-expert/"


def test_one_record_per_item_with_its_k2_id(crawled):
    ids = {f"{SOURCE}-{it.item_id}" for it in ITEMS if it.item_id}
    slug_only = [it for it in ITEMS if not it.item_id]
    ids |= {f"{SOURCE}-{it.slug}" for it in slug_only}
    assert sorted(_by_id(crawled)) == sorted(ids)
    assert len(crawled.records) == len(ITEMS)


def test_each_record_has_the_archives_own_single_category_path(crawled):
    recs = _by_id(crawled)
    for item in ITEMS:
        rec = recs[f"{SOURCE}-{item.item_id or item.slug}"]
        assert rec.categories == [list(item.cat.names)], rec.id
    facets = {c for r in crawled.records for path in r.categories for c in path}
    assert "Public content" not in facets and "Recent answers" not in facets
    assert not any("-" in c for c in facets)  # "muscles and bones- shoulder" is two levels


def test_questions_and_full_answers(crawled):
    recs = _by_id(crawled)
    for item in ITEMS:
        rec = recs[f"{SOURCE}-{item.item_id or item.slug}"]
        assert rec.answer.startswith(item.answer_start), rec.id
        if item.question:
            assert rec.question == item.question and ORPHAN not in rec.flags, rec.id
        else:
            assert ORPHAN in rec.flags and rec.title == item.title
    shoulder = recs[f"{SOURCE}-5870"]
    assert shoulder.answer.endswith("a short course of four sessions.")
    assert "please click here is not overly encouraging" in shoulder.answer


def test_no_record_from_outside_the_archive_and_robots_obeyed(real_site, crawled):
    assert all(r.url.startswith(f"https://{REAL_HOST}{ROOT}/") for r in crawled.records)
    assert not real_site.requests_to("/members/")
    assert not real_site.requests_to(ROOT + "/ask-an-expert-private")
    assert not real_site.requests_to("/public-content/about-acupuncture.html")


def test_recrawl_and_a_copy_under_another_host_give_the_same_ids_and_categories(
        crawled, real_site, tmp_path_factory):
    again = _crawl_and_parse(real_site, tmp_path_factory.mktemp("real2"),
                             "/category" + ROOT + ".html")
    mirror_host = "mirror.acupuncture-copy.example"
    pages = {k: v.replace(REAL_HOST.encode(), mirror_host.encode())
             for k, v in real_site_pages().items()}
    with LocalSite(pages=pages, robots=ROBOTS, archive_host=mirror_host,
                   extra_pages=real_site_extra()) as copy:
        mirrored = _crawl_and_parse(copy, tmp_path_factory.mktemp("real3"))
    first = {r.id: r.categories for r in crawled.records}
    assert {r.id: r.categories for r in again.records} == first
    assert {r.id: r.categories for r in mirrored.records} == first


def test_source_option_names_the_archive(crawled, tmp_path_factory, real_site):
    out = tmp_path_factory.mktemp("real4")
    crawl(real_site.url(ROOT + ".html"), out, delay=0, progress=False)  # no --site-host
    plain = parse_paths([out])
    assert all(r.source == "k2" for r in plain.records)  # never "127"
    named = parse_paths([out], source="bacc")
    assert sorted(r.id for r in named.records) == sorted(
        "bacc-" + r.id.split("-", 1)[1] for r in crawled.records)
