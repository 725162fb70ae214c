"""The crawler against a small inline archive served over real HTTP (tests/site.py)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.ingest import crawl as crawl_module
from indexer.ingest import fetch
from indexer.ingest.crawl import CrawlError, crawl
from indexer.ingest.links import extract_links
from indexer.ingest.pagestore import locked
from indexer.ingest.robots import Robots
from indexer.ingest.urls import store_path
from indexer.progress import progress_bar
from tests.site import ARCHIVE_HOST, Fault, LocalSite

ROOT = "/ask-an-expert/"
BONES = "/ask-an-expert/muscles-and-bones/"
BACK = "/ask-an-expert/muscles-and-bones/back-spine/"


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><div id="k2Container">{body}</div></body></html>').encode()


def _item_link(n: int, href: str | None = None) -> str:
    return (f'<div class="catItemView"><h3 class="catItemTitle"><a href="{href or _item(n)}">'
            f"Question {n}</a></h3><div class=\"catItemIntroText\">Q: question {n}? "
            f"A: answer {n}.</div></div>")


def _item(n: int) -> str:
    return f"/ask-an-expert/item/{n}-question-{n}.html"


# A small archive: root listing (2 pages, ?start= form), a category (2 pages, Page-N form) with
# a sub-category, items, a robots-disallowed category, and links to everything a crawler must
# leave alone. Links use every variant form of the archive's own URLs.
PAGES = {
    ROOT: _page("Ask an expert - Recent answers", (
        '<div class="itemListCategory"><h2>Ask an expert - Recent answers</h2></div>'
        + _item_link(1) + _item_link(2)
        + f'<a href="{BONES}">Muscles and bones</a> '
        '<a href="https://www.askacupuncture.example/ask-an-expert/category/muscles-and-bones/">'
        "Muscles (category form)</a> "
        '<a href="/ask-an-expert/private/">Private</a> '
        '<a href="/ask-an-expert/?start=5">2</a> <a href="/ask-an-expert/?start=0">1</a> '
        '<a href="/ask-an-expert/item/1-question-1.html?tmpl=component&amp;print=1">Print</a> '
        '<a href="/ask-an-expert/images/diagram.jpg">Diagram</a> '
        '<a href="/blog/">Blog</a> <a href="/members/find-an-acupuncturist.html">Find</a> '
        '<a href="/factsheets/back-pain.html">Factsheet</a> '
        '<a href="https://other.example/ask-an-expert/">Elsewhere</a> '
        '<a href="mailto:expert@askacupuncture.example">Mail</a> '
        '<a href="javascript:void(0)">JS</a> <a href="#top">Top</a>'
        '<div class="k2Pagination">Page 1 of 2</div>')),
    ROOT + "Page-2.html": _page("Ask an expert - Recent answers", (
        _item_link(3) + '<a href="/ask-an-expert/">1</a> '
        '<a href="http://askacupuncture.example/ask-an-expert/Page-2.html?utm_source=x">2</a>'
        '<div class="k2Pagination">Page 2 of 2</div>')),
    BONES: _page("Ask an expert - muscles and bones", (
        _item_link(1) + _item_link(4)
        + f'<a href="{BACK}">Back / spine</a> '
        f'<a href="{BONES}Page-2.html">2</a> <a href="{BONES}Page-1.html">1</a>')),
    BONES + "Page-2.html": _page("Ask an expert - muscles and bones", (
        _item_link(5) + f'<a href="{BONES}?start=0">1</a> <a href="{BONES}?start=5">2</a>')),
    BACK: _page("Ask an expert - muscles and bones - back / spine", (
        _item_link(4, href="../../item/4-question-4.html#comments")
        + _item_link(5, href="/index.php/ask-an-expert/item/5-question-5.html"))),
    "/ask-an-expert/private/": _page("Private", _item_link(99)),
    **{_item(n): _page(f"Question {n}", (
        f'<h2 class="itemTitle">Question {n}</h2><div class="itemFullText">Q: question {n}? '
        f'A: the full answer {n}.</div><a href="{BONES}">Back to the category</a>'))
       for n in (1, 2, 3, 4, 5, 99)},
}
ARCHIVE = sorted(p for p in PAGES if not p.startswith("/ask-an-expert/private/") and "99" not in p)
ROBOTS = ("User-agent: *\nDisallow: /ask-an-expert/private/\nDisallow: /members/\n"
          "Crawl-delay: 0.01\n")


@pytest.fixture
def site():
    with LocalSite(pages=dict(PAGES), robots=ROBOTS) as s:
        yield s


def run(site: LocalSite, out: Path, **kwargs) -> object:
    options = {"delay": 0, "progress": False, "backoff": 0.01, "timeout": 5,
               "site_host": ARCHIVE_HOST, **kwargs}
    return crawl(site.url(ROOT), out, **options)


def stored_pages(out: Path) -> list[str]:
    """URL paths of the pages in a store, from their sidecars."""
    urls = []
    for meta in out.rglob("*.meta.json"):
        url = json.loads(meta.read_text())["url"]
        assert url.startswith(f"https://{ARCHIVE_HOST}/")
        urls.append(url.removeprefix(f"https://{ARCHIVE_HOST}"))
    return sorted(urls)


class PacedClock:
    """Stands in for the crawler's `time` module: `sleep` advances a virtual clock instead of
    waiting, and every request's send time (after the crawler's pacing) is recorded. Pacing is
    then checked on the crawler's own clock, exactly, whatever the load of the machine (arrival
    times at the server jitter by tens of milliseconds on a busy machine)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sends: list[float] = []
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)
        self.sleeps.append(seconds)

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


@pytest.fixture
def paced(monkeypatch):
    clock = PacedClock()
    monkeypatch.setattr(fetch, "time", clock)
    wait_turn = fetch.Fetcher.wait_turn

    def recording_wait_turn(self) -> None:
        wait_turn(self)
        clock.sends.append(self.last_request)

    monkeypatch.setattr(fetch.Fetcher, "wait_turn", recording_wait_turn)
    return clock


def assert_spaced(clock: PacedClock, site: LocalSite, delay: float) -> None:
    """Every request the server saw went through the crawler's pacing, `delay` apart."""
    assert len(clock.sends) == len(site.log) >= 10
    gaps = [b - a for a, b in pairwise(clock.sends)]
    assert min(gaps) >= delay, gaps


# -- scope -----------------------------------------------------------------------------------------

def test_crawl_stores_every_archive_page_and_nothing_else(site, tmp_path):
    report = run(site, tmp_path)
    assert report.finished
    assert stored_pages(tmp_path) == ARCHIVE
    assert report.fetched == len(ARCHIVE) and report.errors == 0
    for path in ARCHIVE:
        rel = store_path(f"https://{ARCHIVE_HOST}{path}")
        assert (tmp_path / rel).read_bytes() == site.served_body(path)
    # nothing outside the archive, no print view, no file, no other host was requested
    requested = {r.path for r in site.log}
    assert not [p for p in requested if not p.startswith(ROOT) and p != "/robots.txt"]
    assert not [p for p in requested if "print" in p or p.endswith(".jpg")]
    assert report.not_followed >= 5  # blog, members, factsheet, print view, image, other host


def test_metadata_sidecar(site, tmp_path):
    run(site, tmp_path)
    rel = store_path(f"https://{ARCHIVE_HOST}{BONES}")
    meta = json.loads((tmp_path / (str(rel) + ".meta.json")).read_text())
    body = (tmp_path / rel).read_bytes()
    assert meta["url"] == f"https://{ARCHIVE_HOST}{BONES}"
    assert meta["fetched_url"] == site.url(BONES)
    assert meta["status"] == 200
    assert meta["etag"].startswith('"') and meta["last_modified"].endswith("GMT")
    assert meta["content_type"].startswith("text/html")
    assert meta["fetched_at"].endswith("Z") and meta["fetched_at"][:2] == "20"
    assert meta["bytes"] == len(body)
    assert meta["sha256"] == hashlib.sha256(body).hexdigest()
    # written like any new file (not mkstemp's private 0600)
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / rel).stat().st_mode & 0o777 == 0o666 & ~umask


def test_user_agent_names_the_crawler(site, tmp_path):
    run(site, tmp_path)
    assert {r.user_agent for r in site.log} == {r.user_agent for r in site.log[:1]}
    assert site.log[0].user_agent.startswith("qasearch-crawler/")
    site.clear_log()
    run(site, tmp_path / "other", user_agent="test-bot/9")
    assert {r.user_agent for r in site.log} == {"test-bot/9"}


def test_start_url_outside_the_archive_is_refused(site, tmp_path):
    with pytest.raises(CrawlError, match="not an archive page"):
        crawl(site.url("/blog/"), tmp_path, prefix=ROOT, delay=0, progress=False)
    with pytest.raises(CrawlError, match="http"):
        crawl("ftp://x.example/", tmp_path)


def test_prefix_defaults_to_the_first_segment_of_the_start_url(site, tmp_path):
    report = crawl(site.url(BONES), tmp_path, delay=0, progress=False, site_host=ARCHIVE_HOST)
    assert report.finished
    # items live outside the start's folder, under the same first segment
    assert _item(1) in stored_pages(tmp_path) and ROOT not in stored_pages(tmp_path)


# -- robots.txt ------------------------------------------------------------------------------------

def test_robots_disallow_is_never_requested(site, tmp_path):
    report = run(site, tmp_path)
    assert site.log[0].path == "/robots.txt"
    assert not site.requests_to("/ask-an-expert/private/")
    assert not site.requests_to(_item(99))  # only linked from the disallowed listing
    assert not site.requests_to("/members/")
    assert report.skipped_robots == 1


def test_robots_rules_for_our_user_agent(site, tmp_path):
    site.robots = ("User-agent: qasearch-crawler\nDisallow: /ask-an-expert/muscles-and-bones/\n\n"
                   "User-agent: *\nDisallow: /\n")
    report = run(site, tmp_path)
    assert not site.requests_to(BONES)
    assert report.skipped_robots == 1  # the category; what only it links to stays unknown
    # our group replaces the "*" group: its "Disallow: /" does not apply, nor does the
    # private listing's Disallow of the fixture's robots.txt
    assert site.requests_to("/ask-an-expert/private/")
    assert report.fetched == 7  # root, its page 2, private listing, items 1-3 and 99


def test_crawl_delay_is_respected(site, tmp_path, paced):
    site.robots = "User-agent: *\nCrawl-delay: 0.05\n"
    run(site, tmp_path)
    assert_spaced(paced, site, 0.05)


def test_own_delay_wins_when_larger_than_crawl_delay(site, tmp_path, paced):
    run(site, tmp_path, delay=0.06)  # robots.txt says 0.01
    assert_spaced(paced, site, 0.06)


def test_robots_request_rate_is_respected(site, tmp_path, paced):
    site.robots = "User-agent: *\nRequest-rate: 20/1\n"  # 20 requests a second: 0.05 s apart
    run(site, tmp_path)
    assert_spaced(paced, site, 0.05)


def test_missing_robots_txt_means_no_restrictions(site, tmp_path):
    site.robots = None
    report = run(site, tmp_path)
    assert site.requests_to("/ask-an-expert/private/")
    assert report.skipped_robots == 0


def test_robots_txt_redirect_is_followed(site, tmp_path):
    site._set("/robots-moved.txt", b"User-agent: *\nDisallow: /ask-an-expert/item/\n", {},
              archive=False)
    original = site._respond

    def respond(handler):
        if handler.path == "/robots.txt":
            handler.send_response(301)
            handler.send_header("Location", "/robots-moved.txt")
            handler.end_headers()
            return
        original(handler)

    site._respond = respond
    report = run(site, tmp_path)
    assert [r.path for r in site.log[:1]] == ["/robots-moved.txt"]
    assert not site.requests_to("/ask-an-expert/item/")
    assert report.skipped_robots == 6  # items 1-5 and 99 (private is allowed now)


def test_unreachable_robots_txt_stops_the_crawl_unless_cached(site, tmp_path):
    site.fail("/robots.txt", *[Fault(503)] * 3)
    with pytest.raises(CrawlError, match=r"robots\.txt"):
        run(site, tmp_path, retries=2)
    assert not site.page_requests()
    # with a copy cached by an earlier crawl, its rules are used
    run(site, tmp_path / "ok")
    site.clear_log()
    site.fail("/robots.txt", *[Fault(503)] * 3)
    report = run(site, tmp_path / "ok", retries=2)
    assert report.finished and not site.requests_to("/ask-an-expert/private/")


# -- URL variants ----------------------------------------------------------------------------------

def test_url_variants_are_fetched_once(site, tmp_path):
    run(site, tmp_path)
    paths = [r.path for r in site.page_requests()]
    assert len(paths) == len(set(paths)) == len(ARCHIVE)
    # requested at their canonical paths, never as a variant
    assert not [p for p in paths if "?" in p or "/category/" in p or "Page-1" in p
                or "index.php" in p]


def test_start_offset_is_fetched_as_its_own_url_when_page_n_is_not_served(site, tmp_path):
    # A site that only knows ?start=K: the canonical Page-2.html is 404, the link is tried.
    body = site.served_body(ROOT + "Page-2.html")
    site.remove_page(ROOT + "Page-2.html")
    site.pages = {}

    original = site.resolve

    def start_only(raw_path: str) -> str | None:
        if raw_path == "/ask-an-expert/?start=5":
            return "/only-start"
        return original(raw_path)

    site.resolve = start_only
    site._set("/only-start", body, {})
    report = run(site, tmp_path)
    assert report.errors == report.not_found == 0
    assert [r.status for r in site.log if r.path.startswith(ROOT + "Page-2")] == [404]
    assert [r.status for r in site.log if r.path == "/ask-an-expert/?start=5"] == [200]
    assert (tmp_path / store_path(f"https://{ARCHIVE_HOST}{ROOT}Page-2.html")).exists()


# -- retries ---------------------------------------------------------------------------------------

def test_503_is_retried(site, tmp_path):
    site.fail(BONES, Fault(503), Fault(502))
    report = run(site, tmp_path)
    assert [r.status for r in site.log if r.page == BONES] == [503, 502, 200]
    assert report.retries == 2 and report.errors == 0
    assert stored_pages(tmp_path) == ARCHIVE


def test_back_off_grows_exponentially(site, tmp_path, paced):
    site.fail(BONES, Fault(503), Fault(503), Fault(503))
    run(site, tmp_path, backoff=0.05)
    assert [r.status for r in site.log if r.page == BONES] == [503, 503, 503, 200]
    backoffs = [s for s in paced.sleeps if s >= 0.05]  # pacing pauses are shorter (delay 0)
    assert backoffs == pytest.approx([0.05, 0.1, 0.2])


def test_429_retry_after_is_honoured(site, tmp_path):
    site.fail(BONES, Fault(429, retry_after="1"))
    report = run(site, tmp_path)
    hits = [r for r in site.log if r.page == BONES]
    assert [r.status for r in hits] == [429, 200]
    assert hits[1].time - hits[0].time >= 0.95
    assert report.retries == 1 and report.errors == 0


def test_retry_after_longer_than_allowed_gives_up_on_that_page(site, tmp_path):
    site.fail(BONES, Fault(503, retry_after="3600"))
    report = run(site, tmp_path)
    assert report.errors == 1
    assert "Retry-After" in report.problems[0][1]
    assert [r.status for r in site.log if r.page == BONES] == [503]


def test_timeout_is_retried(site, tmp_path):
    site.fail(BONES, Fault(status=None, delay=0.6))
    report = run(site, tmp_path, timeout=0.2)
    assert report.retries == 1 and report.errors == 0
    assert len([r for r in site.log if r.page == BONES]) == 2
    assert stored_pages(tmp_path) == ARCHIVE


def test_page_failing_every_attempt_is_reported_and_the_crawl_goes_on(site, tmp_path):
    site.fail(BACK, *[Fault(500)] * 5)
    report = run(site, tmp_path, retries=2)
    assert report.errors == 1 and report.retries == 2
    assert report.problems == [(f"https://{ARCHIVE_HOST}{BACK}", "HTTP 500 (after 3 attempts)")]
    assert stored_pages(tmp_path) == [p for p in ARCHIVE if p != BACK]
    assert "1 error" in report.summary() and BACK in report.summary()


def test_broken_link_is_reported_and_not_stored(site, tmp_path):
    site.remove_page(_item(2))
    report = run(site, tmp_path)
    assert report.not_found == 1 and report.errors == 0 and report.retries == 0
    assert report.problems == [(f"https://{ARCHIVE_HOST}{_item(2)}", "HTTP 404 (a broken link)")]
    assert "1 not found" in report.summary()
    assert ARCHIVE.count(_item(2)) and _item(2) not in stored_pages(tmp_path)


def test_other_client_errors_are_errors(site, tmp_path):
    site.fail(_item(2), Fault(403))
    report = run(site, tmp_path)
    assert report.errors == 1 and report.problems[0][1] == "HTTP 403"


# -- redirects -------------------------------------------------------------------------------------

def test_redirect_to_another_archive_page_queues_that_page(site, tmp_path):
    moved = "/ask-an-expert/item/6-moved.html"
    site._set(moved, b"<html><body><h2 class='itemTitle'>Moved</h2></body></html>", {})
    original = site._respond

    def respond(handler):
        if handler.path == _item(3):
            handler.send_response(301)
            handler.send_header("Location", "http://askacupuncture.example" + moved)
            handler.end_headers()
            return
        original(handler)

    site._respond = respond
    report = run(site, tmp_path)
    assert report.redirected == 1 and report.errors == 0
    assert moved in stored_pages(tmp_path) and _item(3) not in stored_pages(tmp_path)


# -- conditional requests --------------------------------------------------------------------------

def test_second_crawl_sends_conditional_requests_and_downloads_nothing(site, tmp_path):
    run(site, tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")
              if p.is_file() and not p.name.endswith(".json") and ".crawl" not in p.parts}
    site.clear_log()
    report = run(site, tmp_path)
    requests = site.page_requests()
    assert len(requests) == len(ARCHIVE)
    assert all(r.if_none_match and r.if_modified_since for r in requests)
    assert {r.status for r in requests} == {304}
    assert report.fetched == 0 and report.not_modified == len(ARCHIVE) and report.finished
    after = {p: p.stat().st_mtime_ns for p in before}
    assert after == before  # page bytes untouched
    assert stored_pages(tmp_path) == ARCHIVE  # links were followed from the stored copies


def test_changed_page_is_downloaded_again(site, tmp_path):
    run(site, tmp_path)
    site.set_page(_item(4), _page("Question 4", '<h2 class="itemTitle">Question 4</h2>'
                                                '<div class="itemFullText">Q: new? A: yes.</div>'))
    site.clear_log()
    report = run(site, tmp_path)
    assert report.fetched == 1 and report.not_modified == len(ARCHIVE) - 1
    assert (tmp_path / store_path(f"https://{ARCHIVE_HOST}{_item(4)}")).read_bytes() == \
        site.served_body(_item(4))


def test_last_modified_alone_is_enough(site, tmp_path):
    site.send_etag = False
    run(site, tmp_path)
    site.clear_log()
    report = run(site, tmp_path)
    requests = site.page_requests()
    assert all(r.if_modified_since and not r.if_none_match for r in requests)
    assert report.not_modified == len(ARCHIVE) and report.fetched == 0


def test_server_without_validators_gives_unchanged_pages(site, tmp_path):
    site.send_etag = site.send_last_modified = False
    run(site, tmp_path)
    site.clear_log()
    report = run(site, tmp_path)
    assert not any(r.if_none_match or r.if_modified_since for r in site.page_requests())
    assert report.fetched == report.unchanged == len(ARCHIVE)


def test_a_stored_page_that_does_not_match_its_sidecar_is_fetched_again(site, tmp_path):
    run(site, tmp_path)
    page = tmp_path / store_path(f"https://{ARCHIVE_HOST}{_item(1)}")
    page.write_bytes(b"edited by hand")
    site.clear_log()
    report = run(site, tmp_path)
    fresh = [r for r in site.page_requests() if r.path == _item(1)]
    assert fresh[0].if_none_match is None and fresh[0].status == 200
    assert report.fetched == 1
    assert page.read_bytes() == site.served_body(_item(1))


# -- resuming --------------------------------------------------------------------------------------

def test_crawl_stopped_by_max_pages_resumes_without_refetching(site, tmp_path):
    first = run(site, tmp_path, max_pages=3)
    assert not first.finished and first.pages == 3 and first.left > 0
    assert "run the same command again" in first.summary()
    fetched_first = {r.path for r in site.page_requests()}
    site.clear_log()
    second = run(site, tmp_path)
    fetched_second = [r.path for r in site.page_requests()]
    assert second.finished and second.resumed == 3
    assert not fetched_first & set(fetched_second)
    assert all(r.if_none_match is None for r in site.page_requests())
    assert len(fetched_first) + len(fetched_second) == len(ARCHIVE)
    assert stored_pages(tmp_path) == ARCHIVE
    # the crawl finished: the next run is a new one, with conditional requests
    site.clear_log()
    third = run(site, tmp_path)
    assert third.resumed == 0 and third.not_modified == len(ARCHIVE)


def test_crawl_interrupted_by_an_exception_resumes_without_refetching(site, tmp_path):
    done: list[str] = []

    def stop_after_four(url: str, outcome: str) -> None:
        done.append(url)
        if len(done) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(site, tmp_path, on_page=stop_after_four)
    first = [r.path for r in site.page_requests()]
    site.clear_log()
    second = run(site, tmp_path)
    again = [r.path for r in site.page_requests()]
    assert second.resumed == 4 and not set(first) & set(again)
    assert stored_pages(tmp_path) == ARCHIVE


def test_failed_pages_are_tried_again_when_resuming(site, tmp_path):
    site.fail(BACK, *[Fault(500)] * 2)
    first = run(site, tmp_path, retries=1, max_pages=len(ARCHIVE) - 1)
    assert first.errors == 1 and not first.finished
    site.clear_log()
    second = run(site, tmp_path)
    assert BACK in [r.path for r in site.page_requests()]
    assert stored_pages(tmp_path) == ARCHIVE and second.finished


def test_killed_crawl_resumes_without_refetching(site, tmp_path):
    """A real kill (SIGKILL) of `qasearch scrape` mid-crawl: no half page is left, and the next
    run does not fetch again what the killed one had finished."""
    command = [sys.executable, "-c", "from search_app.cli import main; main()", "scrape",
               site.url(ROOT), "--out", str(tmp_path), "--delay", "0.15", "--no-progress",
               "--site-host", ARCHIVE_HOST]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        site.wait_for_page_requests(4, timeout=60)
    finally:
        proc.kill()
        proc.wait()
    first = [r.path for r in site.page_requests()]
    assert 4 <= len(first) < len(ARCHIVE)
    for meta in tmp_path.rglob("*.meta.json"):  # every stored page is whole
        info = json.loads(meta.read_text())
        page = meta.with_name(meta.name.removesuffix(".meta.json"))
        assert hashlib.sha256(page.read_bytes()).hexdigest() == info["sha256"]
    site.clear_log()
    report = run(site, tmp_path)
    again = [r.path for r in site.page_requests()]
    assert report.finished and report.resumed >= len(first) - 1
    assert len(set(first) & set(again)) <= 1  # at most the page in flight at the kill
    assert stored_pages(tmp_path) == ARCHIVE


def test_fresh_ignores_an_unfinished_crawl(site, tmp_path):
    run(site, tmp_path, max_pages=2)
    site.clear_log()
    report = run(site, tmp_path, fresh=True)
    assert report.resumed == 0 and len(site.page_requests()) == len(ARCHIVE)


def test_a_torn_journal_line_is_ignored(site, tmp_path):
    run(site, tmp_path, max_pages=3)
    with (tmp_path / ".crawl" / "journal.jsonl").open("a") as fh:
        fh.write('{"done": "https://www.askacupun')  # killed mid-line
    site.clear_log()
    report = run(site, tmp_path)
    assert report.resumed == 3 and report.finished


def test_one_crawl_per_store_at_a_time(site, tmp_path):
    (tmp_path / ".crawl").mkdir()
    with locked(tmp_path / ".crawl" / "lock"), pytest.raises(CrawlError, match="another crawl"):
        run(site, tmp_path)


def test_stale_temporary_files_are_removed(site, tmp_path):
    (tmp_path / "www.askacupuncture.example").mkdir(parents=True)
    stale = tmp_path / "www.askacupuncture.example" / ".tmp-abc.part"
    stale.write_bytes(b"half a page")
    run(site, tmp_path)
    assert not stale.exists()
    assert not list(tmp_path.rglob(".tmp-*"))


def test_robots_crawl_delay_parsing():
    text = ("# comment\nUser-agent: Googlebot\nCrawl-delay: 10\n\n"
            "User-agent: qasearch-crawler\nUser-agent: other\nDisallow: /x/\nCrawl-delay: 2.5\n\n"
            "User-agent: *\nCrawl-delay: 0.25  # seconds\nDisallow: /members/\n")
    assert Robots.parse(text, "qasearch-crawler/0.1 (+https://x)").crawl_delay() == 2.5
    assert Robots.parse(text, "somebot/1.0").crawl_delay() == 0.25
    assert Robots.parse("User-agent: *\nCrawl-delay: soon\n", "a/1").crawl_delay() is None
    assert Robots.parse("", "a/1").crawl_delay() is None


# -- links -----------------------------------------------------------------------------------------

def test_extract_links():
    html = (b'<html><head><base href="https://h.example/a/b/"><link rel="next" href="Page-2.html">'
            b'<link rel="stylesheet" href="s.css"></head><body><a href="../c/">c</a>'
            b'<a href="#x">x</a><a>no href</a><map><area href="/d.html"></map>'
            b'<a href=" /e.html ">e</a></body></html>')
    assert extract_links(html, "https://ignored.example/") == [
        "https://h.example/a/b/Page-2.html", "https://h.example/a/c/",
        "https://h.example/d.html", "https://h.example/e.html"]
    assert extract_links(b"", "https://h.example/") == []
    assert extract_links(b"\x00\x01 not html", "https://h.example/") == []


# -- command line ----------------------------------------------------------------------------------

def test_scrape_command(site, tmp_path, monkeypatch):
    bars: list[dict] = []  # the progress bar draws only on a terminal: record that it is asked for
    monkeypatch.setattr(crawl_module, "progress_bar",
                        lambda *a, **kw: bars.append(kw) or progress_bar(*a, **kw))
    out = tmp_path / "store"
    result = CliRunner().invoke(cli, [
        "scrape", site.url(ROOT), "--out", str(out), "--delay", "0", "--site-host", ARCHIVE_HOST,
        "--timeout", "5", "--retries", "1", "--max-pages", "50", "--user-agent", "cli-test/1"])
    assert result.exit_code == 0, result.output
    assert "crawl finished" in result.stdout and f"{len(ARCHIVE)} fetched" in result.stdout
    assert [(b["desc"], b["enabled"]) for b in bars] == [("crawl", True)]  # the progress bar
    assert stored_pages(out) == ARCHIVE
    assert json.loads((out / ".crawl" / "last-report.json").read_text())["fetched"] == len(ARCHIVE)


def test_scrape_command_reports_errors_clearly(site, tmp_path):
    site.fail("/robots.txt", *[Fault(503)] * 2)
    result = CliRunner().invoke(cli, ["scrape", site.url(ROOT), "--out", str(tmp_path),
                                      "--retries", "1", "--no-progress"])
    assert result.exit_code == 1
    assert "robots.txt" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["scrape", site.url(ROOT), "--delay", "-1"])
    assert result.exit_code == 2
    # nothing could be mirrored: the start page is missing
    result = CliRunner().invoke(cli, ["scrape", site.url("/ask-an-expert/gone/"), "--out",
                                      str(tmp_path / "gone"), "--delay", "0", "--no-progress"])
    assert result.exit_code == 1 and "1 not found" in result.output


def test_scrape_help_lists_the_options():
    result = CliRunner().invoke(cli, ["scrape", "--help"])
    assert result.exit_code == 0
    for option in ("--out", "--delay", "--max-pages", "--timeout", "--retries", "--user-agent",
                   "--site-host", "--prefix", "--fresh"):
        assert option in result.output


def test_default_delay_is_polite(site, tmp_path):
    site.robots = ""
    start = time.monotonic()
    report = crawl(site.url(ROOT), tmp_path, max_pages=2, progress=False,
                   site_host=ARCHIVE_HOST)
    assert report.pages == 2
    assert time.monotonic() - start >= 1.9  # robots.txt, then two pages, 1 s apart
