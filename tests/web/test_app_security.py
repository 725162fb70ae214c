"""Security headers, CORS, rate limiting, error pages without tracebacks, query-log privacy."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

TOKEN = "s3cret-editor-token-for-tests"
PAGES = ["/", "/search?q=back+pain", "/records/askacupuncture-101", "/categories",
         "/widget/demo", "/does-not-exist"]
APIS = ["/api/search?q=pain", "/api/suggest?q=pa", "/api/categories", "/healthz",
        "/openapi.json", "/api/nope"]


@pytest.mark.parametrize("url", PAGES + APIS + ["/widget.js", "/static/css/site.css"])
def test_security_headers_on_every_response(client, url: str) -> None:
    with client.get(url) as resp:
        h = resp.headers
    csp = h["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url", PAGES)
def test_pages_allow_only_own_scripts_and_refuse_framing(client, url: str) -> None:
    h = client.get(url).headers
    directives = dict(d.strip().split(" ", 1) for d in h["Content-Security-Policy"].split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    assert h["X-Frame-Options"] == "DENY"


def test_widget_assets_are_embeddable_cross_origin(client) -> None:
    for url in ("/widget.js", "/widget.css"):
        h = client.get(url).headers
        assert h["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert "X-Frame-Options" not in h


def test_cors_allows_configured_origins_only(make_app) -> None:
    client = make_app(cors_origins="https://clinic.example").test_client()
    ok = client.get("/api/search?q=pain", headers={"Origin": "https://clinic.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://clinic.example"
    assert "Origin" in ok.headers["Vary"]
    assert "Retry-After" in ok.headers["Access-Control-Expose-Headers"]
    denied = client.get("/api/search?q=pain", headers={"Origin": "https://evil.example"})
    assert denied.status_code == 200  # the browser, not the server, withholds the body
    assert "Access-Control-Allow-Origin" not in denied.headers
    page = client.get("/", headers={"Origin": "https://clinic.example"})
    assert "Access-Control-Allow-Origin" not in page.headers, "pages are not shared"


def test_cors_preflight(make_app) -> None:
    client = make_app(cors_origins="https://clinic.example").test_client()
    resp = client.options("/api/suggest?q=pa", headers={
        "Origin": "https://clinic.example", "Access-Control-Request-Method": "GET"})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "https://clinic.example"
    assert "GET" in resp.headers["Access-Control-Allow-Methods"]
    resp = client.options("/api/suggest?q=pa", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_cors_off_by_default_and_star_allows_any(client, make_app) -> None:
    resp = client.get("/api/search?q=pain", headers={"Origin": "https://clinic.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers
    star = make_app(cors_origins="*").test_client()
    resp = star.get("/api/search?q=pain", headers={"Origin": "https://any.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_rate_limit_per_client_answers_429_with_retry_after(make_app) -> None:
    client = make_app(rate_limit="3/minute").test_client()
    alice = {"REMOTE_ADDR": "198.51.100.7"}
    for i in range(3):
        resp = client.get(f"/api/search?q=pain{i}", environ_base=alice)
        assert resp.status_code == 200
        assert resp.headers["X-RateLimit-Limit"] == "3"
        assert resp.headers["X-RateLimit-Remaining"] == str(2 - i)
        assert "Retry-After" not in resp.headers
    # the budget is shared by the public API routes other than as-you-type calls
    resp = client.get("/api/categories", environ_base=alice)
    assert resp.status_code == 429
    retry = int(resp.headers["Retry-After"])
    assert 1 <= retry <= 60
    body = resp.get_json()
    assert body["ok"] is False and body["error"]["code"] == "too_many_requests"
    assert body["error"]["status"] == 429
    # another client is not affected; health and widget assets are not limited, pages are
    bob = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/api/search?q=pain", environ_base=bob).status_code == 200
    for url in ("/healthz", "/widget.js"):
        assert client.get(url, environ_base=alice).status_code == 200, url
    for url in ("/", "/search?q=pain", "/openapi.json"):
        assert client.get(url, environ_base=alice).status_code == 429, url


def test_as_you_type_calls_have_their_own_budget(make_app) -> None:
    client = make_app(rate_limit="2/minute", suggest_rate_limit="4/minute").test_client()
    alice = {"REMOTE_ADDR": "198.51.100.8"}
    for prefix in ("ba", "bac", "back", "back "):  # suggestions and typed-ahead searches
        assert client.get(f"/api/suggest?q={prefix}", environ_base=alice).status_code == 200
    resp = client.get("/api/search?q=back+p&partial=1", environ_base=alice)
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1
    # typing did not use up the search budget, and full searches do not use up typing's
    for _ in range(2):
        resp = client.get("/api/search?q=back+pain", environ_base=alice)
        assert resp.status_code == 200 and resp.headers["X-RateLimit-Limit"] == "2"
    assert client.get("/api/search?q=back+pain", environ_base=alice).status_code == 429
    bob = {"REMOTE_ADDR": "198.51.100.9"}
    assert client.get("/api/suggest?q=ba", environ_base=bob).status_code == 200


def test_default_budgets_allow_a_minute_of_steady_typing() -> None:
    from limits import parse

    from search_app.settings import Settings

    defaults = Settings.load(environ={})
    typing = parse(defaults.suggest_rate_limit)
    per_minute = typing.amount * 60 / typing.get_expiry()
    # a debounced box sends a suggest and a typed-ahead search per pause: ~3 pauses a second
    assert per_minute >= 2 * 3 * 60
    search = parse(defaults.rate_limit)
    assert search.amount * 60 / search.get_expiry() >= 60  # a search a second


def test_rate_limit_behind_a_trusted_proxy_uses_the_forwarded_client(make_app) -> None:
    client = make_app(rate_limit="1/minute", trusted_proxies=1).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for client_ip in ("198.51.100.1", "198.51.100.2"):
        resp = client.get("/api/categories", environ_base=proxy,
                          headers={"X-Forwarded-For": client_ip})
        assert resp.status_code == 200, client_ip


def test_bad_rate_limit_setting_is_a_clear_error(make_app) -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        make_app(rate_limit="lots")


@pytest.mark.parametrize(("method", "url", "status"), [
    ("get", "/nowhere", 404), ("post", "/", 405), ("delete", "/search?q=x", 405)])
def test_html_errors_are_pages_without_tracebacks(client, method, url, status) -> None:
    resp = getattr(client, method)(url)
    assert resp.status_code == status
    assert resp.mimetype == "text/html"
    text = resp.get_data(as_text=True)
    assert "Traceback" not in text and 'role="search"' in text


def test_html_500_is_generic(app, monkeypatch) -> None:
    import search_app.views as views

    def boom(*_a, **_k):
        raise KeyError("internal-detail-xyz")

    monkeypatch.setattr(views, "get_record", boom)
    resp = app.test_client().get("/records/askacupuncture-101")
    assert resp.status_code == 500 and resp.mimetype == "text/html"
    text = resp.get_data(as_text=True)
    assert "internal-detail-xyz" not in text and "Traceback" not in text
    assert "Something went wrong" in text


def test_query_log_never_stores_addresses(app, app_settings) -> None:
    client = app.test_client()
    ip, agent = "198.51.100.77", "Mozilla/5.0 (TestAgent 42)"
    env = {"REMOTE_ADDR": ip}
    headers = {"User-Agent": agent}
    client.get("/search?q=insomnia", environ_base=env, headers=headers)
    client.get("/api/search?q=sciatica+pain", environ_base=env, headers=headers)
    client.get("/api/search?q=typed+ahead&partial=1", environ_base=env)
    db = Path(app_settings.query_log_dir) / "queries.sqlite3"
    assert db.exists()
    raw = b"".join(p.read_bytes() for p in db.parent.glob("queries.sqlite3*"))
    assert ip.encode() not in raw and b"TestAgent" not in raw
    with sqlite3.connect(db) as conn:
        words = {row[0] for row in conn.execute("SELECT wording FROM counts")}
    assert "insomnia" in words and any("sciatica" in w for w in words)
    assert not any("typed" in w for w in words), "as-you-type queries are not counted"


def test_public_similar_api_shares_the_budget_but_editor_routes_do_not(make_app) -> None:
    client = make_app(rate_limit="2/minute", editor_token=TOKEN).test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for _ in range(3):
        assert client.get("/api/editor/similar?q=back+pain", headers=auth).status_code == 200
    assert client.get("/api/similar?q=back+pain").status_code == 200
    assert client.get("/api/search?q=back+pain").status_code == 200
    assert client.get("/api/similar?q=back+pain").status_code == 429
