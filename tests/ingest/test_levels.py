"""A listing's category levels: breadcrumb first; without one, the header split to match the
URL's depth (each level's slug in its URL segment); the header alone as the last resort."""

from __future__ import annotations

import pytest

from indexer.ingest.parse.k2 import parse_k2
from indexer.ingest.parse.levels import header_by_url, listing_levels, url_levels

REAL = "https://www.acupuncture.org.uk/public-content/public-ask-an-expert"
SHOULDER = f"{REAL}/ask-an-expert-muscles-and-bones/ask-an-expert-muscles-and-bones-shoulder"


@pytest.mark.parametrize("header,url,levels", [
    # irregular or missing spaces around the dash between two levels
    ("Ask an expert - muscles and bones-shoulder", SHOULDER + ".html",
     ["muscles and bones", "shoulder"]),
    ("Ask an expert -muscles and bones -shoulder", SHOULDER + "/Page-3.html",
     ["muscles and bones", "shoulder"]),
    # a dash inside a name stays one level when the URL has one level for it
    ("Ask an expert - well - being", f"{REAL}/ask-an-expert-well-being.html", ["well - being"]),
    ("Ask an expert - well-being", f"{REAL}/ask-an-expert-well-being.html", ["well-being"]),
    # K2's default scheme, a slug that does not repeat its parent's
    ("Ask an expert - womens health - pregnancy - morning sickness",
     "https://x.example/ask-an-expert/womens-health/pregnancy/morning-sickness/Page-2.html",
     ["womens health", "pregnancy", "morning sickness"]),
])
def test_header_split_to_the_urls_depth(header, url, levels):
    assert header_by_url(header, url) == levels
    assert listing_levels(header, [], url) == levels


def test_breadcrumb_wins_over_header_and_url():
    crumbs = ["muscles and bones", "shoulder"]
    assert listing_levels("Ask an expert - Muscles & bones- shoulder", crumbs,
                          SHOULDER + ".html") == crumbs


def test_header_that_matches_no_url_split_keeps_its_spaced_dashes():
    url = "https://x.example/ask-an-expert/c166/"  # slugs that name nothing
    assert header_by_url("Ask an expert - sleep - insomnia", url) is None
    assert listing_levels("Ask an expert - sleep - insomnia", [], url) == ["sleep", "insomnia"]


def test_root_and_plain_titles():
    assert listing_levels("Ask an expert - Recent answers", [], REAL + ".html") == []
    assert listing_levels("Insomnia", [], "https://x.example/ask-an-expert/insomnia/") == [
        "Insomnia"]
    assert url_levels(SHOULDER + "/Page-2.html")[-2:] == [
        "ask-an-expert-muscles-and-bones", "ask-an-expert-muscles-and-bones-shoulder"]


def test_listing_without_breadcrumb_gets_the_urls_depth():
    page = (b'<html><body><div id="k2Container" class="itemListView"><div class="itemListCategory">'
            b'<h2>Ask an expert - muscles and bones-shoulder</h2><p>1 questions</p></div>'
            b'<div class="catItemView"><h3 class="catItemTitle"><a href="5870-frozen.html">Frozen'
            b'</a></h3><div class="catItemIntroText"><p>Q: Frozen?</p><p>A: Yes.</p></div></div>'
            b'</div></body></html>')
    parsed = parse_k2(page, SHOULDER + ".html")
    assert parsed.category == ["muscles and bones", "shoulder"]
    assert parsed.items[0].category == ["muscles and bones", "shoulder"]
