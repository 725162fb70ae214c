"""HTTP caching: ETags keyed by the index generation (a 304 runs no search), Cache-Control per
kind of answer, and static assets under content-hashed URLs."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from indexer.records import Record

STATIC = Path(__file__).parents[2] / "search_app" / "static"


def _rec(i: int, word: str) -> Record:
    return Record(id=f"r{i}", question=f"Question {i} about {word}?", answer=f"{word} answer.",
                  categories=[["tests"]])


@pytest.fixture
def counted(monkeypatch) -> dict[str, list]:
    """Calls of the search core and of the record reader made by pages and the API."""
    import search_app.api as api
    import search_app.searching as searching
    import search_app.views as views

    calls: dict[str, list] = {"search": [], "record": []}

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name].append(args[1])
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(searching, "search", counting("search", searching.search))
    for module in (api, views):
        monkeypatch.setattr(module, "get_record", counting("record", module.get_record))
    return calls


@pytest.fixture
def uncached(make_app):
    """A client of an app without the in-process result cache (every 200 runs a search)."""
    return make_app(search_cache=0).test_client()


@pytest.mark.parametrize("url", ["/search?q=sciatica", "/api/search?q=sciatica&limit=5"])
def test_a_matching_if_none_match_is_a_304_that_runs_no_search(uncached, counted, url) -> None:
    first = uncached.get(url)
    assert first.status_code == 200 and len(counted["search"]) == 1
    tag = first.headers["ETag"]
    assert tag.startswith('W/"'), "weak: the body differs in took_ms and by encoding"
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "Accept-Encoding" in first.headers["Vary"]

    again = uncached.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert len(counted["search"]) == 1, "the 304 ran no search"
    assert "Content-Security-Policy" in again.headers, "security headers on the 304 too"

    other = uncached.get(url, headers={"If-None-Match": 'W/"0123", "abcd"'})
    assert other.status_code == 200 and len(counted["search"]) == 2


def test_the_tag_is_the_requests_own(uncached) -> None:
    tags = {uncached.get(url).headers["ETag"] for url in (
        "/search?q=sciatica", "/search?q=sciatica&page=2", "/search?q=headache",
        "/api/search?q=sciatica", "/api/search?q=sciatica&limit=3")}
    assert len(tags) == 5
    assert uncached.get("/search?q=sciatica").headers["ETag"] == \
        uncached.get("/search?q=sciatica").headers["ETag"], "same request, same generation"
    tag = uncached.get("/api/search?q=sciatica").headers["ETag"]
    assert uncached.get("/api/search?q=headache",
                        headers={"If-None-Match": tag}).status_code == 200


def test_if_none_match_star_does_not_skip_the_view(uncached, counted) -> None:
    assert uncached.get("/api/records/nope", headers={"If-None-Match": "*"}).status_code == 404
    assert uncached.get("/search?q=sciatica", headers={"If-None-Match": "*"}).status_code == 200
    assert len(counted["search"]) == 1


def test_record_page_and_api_record_revalidate_without_reading(client, counted,
                                                                sample_records) -> None:
    rid = sample_records[0].id
    for url in (f"/records/{quote(rid, safe='')}", f"/api/records/{quote(rid, safe='')}"):
        first = client.get(url)
        assert first.status_code == 200
        assert first.headers["Cache-Control"] == "public, max-age=300"
        reads = len(counted["record"])
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert len(counted["record"]) == reads, "the 304 read no record"


def test_errors_and_redirects_carry_no_tag(client) -> None:
    for url in ("/api/records/nope", "/records/nope", "/search", "/api/search?limit=3"):
        resp = client.get(url)
        assert resp.status_code in (302, 400, 404), url
        assert "ETag" not in resp.headers, url


def test_a_new_generation_changes_every_tag(build_records, make_app, counted) -> None:
    client = make_app(index_dir=build_records([_rec(1, "ginger")]), search_cache=0).test_client()
    old = {url: client.get(url).headers["ETag"] for url in ("/api/search?q=ginger", "/records/r1")}
    build_records([_rec(1, "ginger"), _rec(2, "ginger")])
    searches = len(counted["search"])
    for url, tag in old.items():
        resp = client.get(url, headers={"If-None-Match": tag})
        assert resp.status_code == 200 and resp.headers["ETag"] != tag, url
    assert len(counted["search"]) == searches + 1
    assert client.get("/api/search?q=ginger").get_json()["data"]["total"] == 2


def test_settings_that_shape_pages_change_the_tag_and_secrets_stay_out(make_app) -> None:
    from search_app.httpcache import fingerprint

    def tag(**settings):
        return make_app(**settings).test_client().get("/search?q=sciatica").headers["ETag"]

    assert tag() != tag(site_name="Another site")
    assert tag() == tag(rate_limit="50/minute"), "limits do not change what a page says"
    base = make_app().config["QASEARCH"]
    assert fingerprint(base) == fingerprint(base.with_overrides(
        editor_token="d8Kq2-vLx9PzR4tWm7YcB3nJ"))


def test_api_304_keeps_cors_and_varies_by_origin(make_app) -> None:
    client = make_app(cors_origins=("https://partner.example",)).test_client()
    origin = {"Origin": "https://partner.example"}
    first = client.get("/api/search?q=sciatica", headers=origin)
    again = client.get("/api/search?q=sciatica",
                       headers={**origin, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    for resp in (first, again):
        assert resp.headers["Access-Control-Allow-Origin"] == "https://partner.example"
        vary = {v.strip() for v in resp.headers["Vary"].split(",")}
        assert {"Origin", "Accept-Encoding"} <= vary


# -- gzip --------------------------------------------------------------------------------


def test_gzip_only_when_asked(client) -> None:
    import gzip

    plain = client.get("/search?q=sciatica")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/search?q=sciatica", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())
    assert len(packed.get_data()) < len(plain.get_data()) / 2
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    for resp in (plain, packed):
        assert "Accept-Encoding" in resp.headers["Vary"]
    refused = client.get("/search?q=sciatica", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


@pytest.mark.parametrize("url", ["/api/search?q=sciatica", "/", "/static/css/site.css",
                                 "/widget.js", "/records/nope", "/openapi.json"])
def test_gzip_for_json_html_css_js_and_errors(client, url) -> None:
    import gzip

    resp = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip", url
    assert gzip.decompress(resp.get_data())
    assert "Content-Security-Policy" in resp.headers or url.startswith(("/static", "/widget"))


def test_small_answers_are_sent_as_they_are(client) -> None:
    resp = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert len(resp.get_data()) < 1024
    assert "Content-Encoding" not in resp.headers
    assert "Accept-Encoding" not in resp.headers.get("Vary", "")


def test_compressed_assets_revalidate_with_their_weak_tag(client) -> None:
    for url in ("/static/css/site.css", "/widget.js"):
        first = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert first.headers["ETag"].startswith('W/"'), "other bytes than the identity's"
        assert "Accept-Ranges" not in first.headers
        again = client.get(url, headers={"Accept-Encoding": "gzip",
                                         "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, url
        first.close()
        again.close()


def test_a_byte_range_is_served_uncompressed(client) -> None:
    resp = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip",
                                                       "Range": "bytes=0-99"})
    assert resp.status_code == 206 and "Content-Encoding" not in resp.headers
    assert resp.get_data() == (STATIC / "css" / "site.css").read_bytes()[:100]
    resp.close()


# -- content-hashed asset URLs -------------------------------------------------------------


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/(?:static/[^"]+|widget\.(?:js|css)[^"]*))"', html)


def test_pages_link_assets_by_content_hash(client) -> None:
    urls = _asset_urls(client.get("/").get_data(as_text=True))
    by_path = dict(u.split("?v=") for u in urls)
    assert set(by_path) >= {"/static/css/site.css", "/static/js/site.js", "/widget.js",
                            "/widget.css", "/static/favicon.svg"}
    site_css = (STATIC / "css" / "site.css").read_bytes()
    assert by_path["/static/css/site.css"] == hashlib.sha256(site_css).hexdigest()[:16]
    widget = (STATIC / "widget" / "widget.js").read_bytes()
    assert by_path["/widget.js"] == hashlib.sha256(widget).hexdigest()[:20]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, url
        cc = resp.headers["Cache-Control"]
        assert "immutable" in cc and "max-age=31536000" in cc and "public" in cc, url
        assert "no-cache" not in cc, url
        resp.close()


@pytest.mark.parametrize("url", ["/static/css/site.css", "/static/css/site.css?v=0badc0ffee",
                                 "/widget.js", "/widget.js?v=0badc0ffee"])
def test_unversioned_or_stale_asset_urls_are_not_pinned(client, url) -> None:
    resp = client.get(url)
    assert resp.status_code == 200
    assert "immutable" not in resp.headers.get("Cache-Control", "")
    resp.close()


def test_the_hash_changes_when_the_file_changes(app, tmp_path) -> None:
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    app.static_folder = str(folder)
    client = app.test_client()

    def css_url() -> str:
        html = client.get("/").get_data(as_text=True)
        return next(u for u in _asset_urls(html) if u.startswith("/static/css/site.css"))

    before = css_url()
    (folder / "css" / "site.css").write_text("body { color: black }\n" * 3)
    after = css_url()
    assert before != after
    fresh = client.get(after)
    assert "immutable" in fresh.headers["Cache-Control"]
    fresh.close()
    stale = client.get(before)
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    assert stale.get_data() == (folder / "css" / "site.css").read_bytes()
    stale.close()


def test_widget_assets_can_be_timed_by_partner_sites(client) -> None:
    for url in ("/widget.js", "/widget.css", "/static/widget/widget.js"):
        resp = client.get(url)
        assert resp.headers["Timing-Allow-Origin"] == "*", url
        assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        resp.close()
    assert "Timing-Allow-Origin" not in client.get("/search?q=sciatica").headers
