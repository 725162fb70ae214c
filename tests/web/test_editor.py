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


# ---------------------------------------------------------------------------------------------
# Issue I: duplicates from the generation, kinds, downloads, decisions; similar page; queries.


@pytest.fixture()
def editor(client):
    """The editor client, signed in (HTTPS)."""
    client.set_cookie(COOKIE, make_cookie_value(TOKEN), domain="localhost")
    return client


def _get(client, url, **kw):
    return client.get(url, base_url="https://localhost", **kw)


def test_duplicates_page_answers_from_the_generation_without_computing(editor, monkeypatch):
    from indexer.editors.duplicates import cluster

    def no_computing(*_a, **_k):
        raise AssertionError("the page must read the groups the build stored")

    monkeypatch.setattr(cluster, "find_duplicates", no_computing)
    page = _get(editor, "/editor/duplicates")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Computed by the index build" in text
    # the kinds are told apart: a stock answer's records do not "ask the same thing"
    assert "One answer reused for 3 different questions" in text
    assert "do not ask the same thing" in text and "Same question" in text
    assert "groups of archived records that ask the same thing" not in text


def test_duplicates_downloads(editor):
    page = _get(editor, "/editor/duplicates").get_data(as_text=True)
    assert 'href="/editor/duplicates.csv"' in page and 'href="/editor/duplicates.json"' in page
    csv_resp = _get(editor, "/editor/duplicates.csv", query_string={"kind": "stock answer"})
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    assert "attachment" in csv_resp.headers["Content-Disposition"]
    rows = csv_resp.get_data(as_text=True).splitlines()
    assert rows[0].startswith("cluster,kind") and all(",stock answer," in r for r in rows[1:])
    data = _get(editor, "/editor/duplicates.json").get_json()
    assert {c["kind"] for c in data} == {"same question", "stock answer"}
    assert _get(editor, "/editor/duplicates.xml").status_code == 404


def _stock_group(editor) -> list[str]:
    data = editor.get("/api/editor/duplicates", headers={"Authorization": f"Bearer {TOKEN}"},
                      query_string={"kind": "stock answer"}).get_json()["data"]
    return data["clusters"][0]["members"]


def test_decisions_hide_a_group_and_undo_brings_it_back(editor):
    ids = [m["id"] for m in _stock_group(editor)]
    form = {"id": ids, "decision": "not duplicates", "back": "/editor/duplicates?kind=stock+answer"}
    resp = editor.post("/editor/duplicates/decide", data=form, base_url="https://localhost")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("kind=stock+answer")
    page = _get(editor, "/editor/duplicates").get_data(as_text=True)
    assert "One answer reused for 3" not in page and "left out" in page
    decided = _get(editor, "/editor/duplicates", query_string={"decided": "1"})
    assert "Marked <strong>not duplicates</strong>" in decided.get_data(as_text=True)
    api = editor.get("/api/editor/duplicates", query_string={"decided": "1"},
                     headers={"Authorization": f"Bearer {TOKEN}"}).get_json()["data"]
    assert api["clusters"][0]["decision"]["ids"] == sorted(ids)
    editor.post("/editor/duplicates/decide", data={**form, "decision": "undo"},
                base_url="https://localhost")
    assert "One answer reused for 3" in _get(editor, "/editor/duplicates").get_data(as_text=True)


def test_decisions_refuse_other_sites_and_unknown_groups(editor):
    ids = [m["id"] for m in _stock_group(editor)]
    cross = editor.post("/editor/duplicates/decide", data={"id": ids, "decision": "merged"},
                        base_url="https://localhost", headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    bad = editor.post("/editor/duplicates/decide", data={"id": ids, "decision": "delete"},
                      base_url="https://localhost")
    assert bad.status_code == 400
    gone = editor.post("/editor/duplicates/decide",
                       data={"id": [ids[0], "no-such-record"], "decision": "merged"},
                       base_url="https://localhost")
    assert gone.status_code == 409
    api = editor.post("/api/editor/duplicates", json={"ids": ids, "decision": "merged"},
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert api.status_code == 200 and api.get_json()["data"]["decision"] == "merged"
    listed = editor.get("/api/editor/duplicates", headers={"Authorization": f"Bearer {TOKEN}"})
    assert listed.get_json()["data"]["decided"] == 1


def test_duplicates_of_an_older_generation_show_progress_then_the_groups(
        make_app, build_records, sample_records, tmp_path, monkeypatch):
    """A generation built without stored groups: the page answers at once with progress
    while they are computed in the background, then shows them."""
    import threading

    from indexer.editors.duplicates import store

    monkeypatch.setattr(store, "write_groups", lambda *_a, **_k: None)  # an older build
    index_dir = build_records(sample_records)
    assert not list(index_dir.glob("gen-*/duplicates.json"))
    release, reached = threading.Event(), threading.Event()
    started: list = []
    real_find, real_background = store.find_duplicates, store._background

    def slow(qi, progress=False):
        progress(1, len(qi))
        reached.set()
        release.wait()
        return real_find(qi, progress=progress)

    monkeypatch.setattr(store, "find_duplicates", slow)
    monkeypatch.setattr(store, "_background",
                        lambda gen, groups: (started.append(groups), real_background(gen, groups)))
    app = make_app(index_dir=index_dir, editor_token=TOKEN, query_log_dir=tmp_path / "var")
    client = app.test_client()
    client.set_cookie(COOKIE, make_cookie_value(TOKEN), domain="localhost")
    api = client.get("/api/editor/duplicates", headers={"Authorization": f"Bearer {TOKEN}"})
    assert api.status_code == 202 and api.headers["Retry-After"]
    assert api.get_json()["data"]["status"]["state"] == "computing"
    assert reached.wait(60)  # the background thread has compared its first record
    page = _get(client, "/editor/duplicates")
    assert page.status_code == 200 and page.headers["Refresh"]
    text = " ".join(page.get_data(as_text=True).split())
    assert "being computed now: 1 of 44 records compared" in text and "<progress" in text
    release.set()
    assert len(started) == 1 and started[0].wait(60)
    text = _get(client, "/editor/duplicates").get_data(as_text=True)
    assert "One answer reused" in text and "after the index was opened" in text


def test_duplicates_page_shows_the_builds_progress_while_it_stores_the_groups(
        make_app, build_records, sample_records, tmp_path, monkeypatch):
    """A generation swapped in before its build stored the groups: the page says the build
    is computing them, with its progress, and computes nothing itself."""
    import os

    from indexer.editors.duplicates import store
    from indexer.index import pending

    monkeypatch.setattr(store, "write_groups", lambda *_a, **_k: None)
    index_dir = build_records(sample_records)
    gen_dir = next(index_dir.glob("gen-*"))
    pending.Marker(gen_dir, os.getpid(), 44).write(10, 44)  # a live process: this one
    monkeypatch.setattr(store, "_background", lambda *_a: pytest.fail("computed twice"))
    app = make_app(index_dir=index_dir, editor_token=TOKEN, query_log_dir=tmp_path / "var")
    client = app.test_client()
    client.set_cookie(COOKIE, make_cookie_value(TOKEN), domain="localhost")
    page = _get(client, "/editor/duplicates")
    assert page.status_code == 200 and page.headers["Refresh"]
    text = " ".join(page.get_data(as_text=True).split())
    assert "the build is still computing its duplicate groups: 10 of 44 records" in text
    assert '<progress max="100" value="22">' in text
    api = client.get("/api/editor/duplicates", headers={"Authorization": f"Bearer {TOKEN}"})
    assert api.status_code == 202
    assert api.get_json()["data"]["status"]["state"] == "computing"


def test_similar_page_explains_the_flag_and_shows_words_not_stems(editor):
    page = _get(editor, "/editor/", query_string={
        "q": "I'm pregnant: is acupuncture safe in the first three months of pregnancy?"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "css/editor.css" in text
    assert "likely already answered</span> when" in text  # the rule, on the page
    assert "<th scope=\"col\">Stem</th>" not in text and "The archived question says" in text
    # each side as written ("im" is how the archived question spells it), never a stem
    assert "<td>I&#39;m</td><td>im</td>" in text
    assert "<td>acupuncture</td><td>acupuncture</td>" in text and "acupunctur<" not in text
    assert "<td>pregnant</td><td>pregnant</td>" in text


def test_queries_page_says_how_many_were_held_back_and_why(editor_app):
    app = editor_app()
    client = app.test_client()
    for q in ("zzqx unknown ailment", "lower back pain", "another rare one"):
        client.get("/api/search", query_string={"q": q},
                   environ_base={"REMOTE_ADDR": "198.51.100.40"})
    client.set_cookie(COOKIE, make_cookie_value(TOKEN), domain="localhost")
    text = _get(client, "/editor/queries").get_data(as_text=True)
    assert "Nothing to report yet" not in text
    text = " ".join(text.split())
    assert "3 queries were sent by fewer visitors than that" in text
    assert "held back" in text and "privacy" in text
    assert "all 2 searches that found nothing came from" in text
