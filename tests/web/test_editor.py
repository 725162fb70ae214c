"""Editors' pages and API: token access, similar questions, duplicates, query statistics."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_app.editor import COOKIE, make_cookie_value

TOKEN = "s3cret-editor-token-for-tests"
EDITOR_API = ["/api/editor/similar?q=back+pain", "/api/editor/duplicates",
              "/api/editor/queries"]
EDITOR_PAGES = ["/editor/", "/editor/duplicates", "/editor/queries", "/editor/?q=back+pain"]


@pytest.fixture()
def editor_app(make_app, tmp_path: Path):
    """`editor_app(token=TOKEN)`: the sample index's app with an editor token."""

    def make(token: str = TOKEN):
        app = make_app(editor_token=token, query_log_dir=tmp_path / "qlog", query_log_k=2,
                       rate_limit="10000/minute")
        app.testing = True
        return app

    return make


@pytest.fixture()
def client(editor_app):
    return editor_app().test_client()


@pytest.mark.parametrize("url", EDITOR_API)
def test_editor_api_refuses_without_token(client, url):
    resp = client.get(url)
    assert resp.status_code == 401
    assert resp.get_json()["ok"] is False
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    bad = client.get(url, headers={"Authorization": "Bearer wrong-token"})
    assert bad.status_code == 401
    basic = client.get(url, headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401


@pytest.mark.parametrize("url", EDITOR_API)
def test_editor_api_accepts_token(client, url):
    resp = client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["ok"] is True
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", EDITOR_PAGES)
def test_editor_pages_refuse_without_session(client, url):
    resp = client.get(url)
    assert resp.status_code == 401
    assert b"Editor token" in resp.data  # the login form
    client.set_cookie(COOKIE, "9999999999.forged", domain="localhost")
    assert client.get(url).status_code == 401


def test_login_sets_strict_cookie_and_opens_pages(client):
    resp = client.post("/editor/login", data={"token": "nope"})
    assert resp.status_code == 401
    resp = client.post("/editor/login", data={"token": TOKEN, "next": "/editor/queries"},
                       base_url="https://localhost")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/editor/queries")
    cookie = resp.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert TOKEN not in cookie
    for url in EDITOR_PAGES:
        page = client.get(url, base_url="https://localhost")
        assert page.status_code == 200, url
    # an external "next" is not followed
    resp = client.post("/editor/login", data={"token": TOKEN, "next": "https://evil.example/"},
                       base_url="https://localhost")
    assert resp.headers["Location"].rstrip("/").endswith("/editor")


def test_signed_cookie_from_another_token_is_refused(editor_app):
    client = editor_app().test_client()
    client.set_cookie(COOKIE, make_cookie_value("another-token"), domain="localhost")
    assert client.get("/editor/", base_url="https://localhost").status_code == 401
    client.set_cookie(COOKIE, make_cookie_value(TOKEN), domain="localhost")
    assert client.get("/editor/", base_url="https://localhost").status_code == 200
    client.set_cookie(COOKIE, make_cookie_value(TOKEN, now=0), domain="localhost")  # expired
    assert client.get("/editor/", base_url="https://localhost").status_code == 401


def test_no_token_configured_means_closed(editor_app):
    client = editor_app(token="").test_client()
    for url in EDITOR_API:
        assert client.get(url, headers={"Authorization": "Bearer "}).status_code == 401
        assert client.get(url, headers={"Authorization": "Bearer x"}).status_code == 401
    for url in EDITOR_PAGES:
        assert client.get(url).status_code == 401
    resp = client.post("/editor/login", data={"token": ""})
    assert resp.status_code == 401
    assert b"not configured" in resp.data


def test_public_similar_api_finds_the_near_duplicate(client):
    resp = client.get("/api/similar", query_string={
        "q": "Is acupuncture safe in the first three months of pregnancy?"})
    assert resp.status_code == 200
    data = resp.get_json()["data"]
    ids = [h["id"] for h in data["hits"]]
    assert ids[0] == "askacupuncture-121"
    assert "askacupuncture-142" in ids[:3]  # the same question asked again, other words
    hit = data["hits"][0]
    assert 0 <= hit["score"] <= 1 and isinstance(hit["likely_answered"], bool)
    assert {m["stem"] for m in hit["matches"]} >= {"safe", "acupunctur"}


@pytest.mark.parametrize("qs", [{}, {"q": ""}, {"q": "x", "limit": "0"},
                                {"q": "x", "limit": "abc"}, {"q": "x" * 20000}])
def test_public_similar_api_bad_parameters(client, qs):
    resp = client.get("/api/similar", query_string=qs)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["message"]


def test_similar_page_shows_why_it_matched(client):
    client.set_cookie(COOKIE, make_cookie_value(TOKEN), domain="localhost")
    page = client.get("/editor/", query_string={"q": "safe to have acupuncture when pregnant"},
                      base_url="https://localhost")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Why it matched" in text and "pregnant" in text


def test_duplicates_page_lists_the_stock_answer(client):
    client.set_cookie(COOKIE, make_cookie_value(TOKEN), domain="localhost")
    resp = client.get("/api/editor/duplicates", headers={"Authorization": f"Bearer {TOKEN}"})
    clusters = resp.get_json()["data"]["clusters"]
    stock = [c for c in clusters if c["kind"] == "stock answer"]
    assert stock and set(stock[0]["members"][0].keys()) >= {"id", "similarity", "categories"}
    page = client.get("/editor/duplicates", base_url="https://localhost")
    assert page.status_code == 200 and b"One answer reused" in page.data


def test_query_statistics_from_requests_never_store_ip(editor_app, tmp_path):
    app = editor_app()
    client = app.test_client()
    ips = ["198.51.100.23", "198.51.100.24", "198.51.100.25"]
    ua = "Mozilla/5.0 UniqueTestAgent/77.1"
    for ip in ips:
        for q in ("zzqx unknown ailment", "lower back pain"):
            client.get("/api/search", query_string={"q": q},
                       environ_base={"REMOTE_ADDR": ip, "HTTP_USER_AGENT": ua})
    resp = client.get("/api/editor/queries", headers={"Authorization": f"Bearer {TOKEN}"})
    report = resp.get_data(as_text=True)
    client.set_cookie(COOKIE, make_cookie_value(TOKEN), domain="localhost")
    page = client.get("/editor/queries", base_url="https://localhost")
    assert page.status_code == 200
    app.extensions["qasearch.querylog"].close()
    stored = b"".join(p.read_bytes() for p in (tmp_path / "qlog").rglob("*") if p.is_file())
    assert stored
    for text in (report, page.get_data(as_text=True)):
        assert "zzqx unknown ailment" in text
        for ip in ips:
            assert ip not in text
        assert "UniqueTestAgent" not in text
    for ip in ips:
        assert ip.encode() not in stored
    assert b"UniqueTestAgent" not in stored
