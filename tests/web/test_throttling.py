"""One throttling policy for every public route (issue J item 5): pages and API share one
per-client budget; the as-you-type budget covers only what the widget sends while a visitor
types (suggestions, and small first-page `partial=1` searches); assets, health checks and
editor routes are outside both."""

from __future__ import annotations

import pytest

ALICE = {"REMOTE_ADDR": "198.51.100.21"}
BOB = {"REMOTE_ADDR": "198.51.100.22"}


def warm_client(make_app, **settings):
    """A test client of an app whose index is open and caches built, so the counted requests
    follow one another quickly: budgets count in sliding windows of a minute, and requests
    strung out across a minute's end weigh the earlier window's count down."""
    from search_app.index import warm_up

    app = make_app(**settings)
    warm_up(app)
    return app.test_client()


def test_html_search_is_rate_limited_with_the_html_error_page(make_app) -> None:
    client = warm_client(make_app, rate_limit="3/minute")
    for i in range(3):
        assert client.get(f"/search?q=pain{i}", environ_base=ALICE).status_code == 200
    resp = client.get("/search?q=pain", environ_base=ALICE)
    assert resp.status_code == 429
    assert resp.mimetype == "text/html" and 1 <= int(resp.headers["Retry-After"]) <= 60
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    assert "Too many searches" in resp.get_data(as_text=True)
    assert client.get("/search?q=pain", environ_base=BOB).status_code == 200


@pytest.mark.parametrize("page", ["/", "/records/nonexistent-id", "/categories",
                                  "/widget/demo", "/search?q=sciatica"])
def test_every_public_page_counts_against_the_one_budget(make_app, page: str) -> None:
    client = warm_client(make_app, rate_limit="2/minute")
    assert client.get("/api/search?q=back+pain", environ_base=ALICE).status_code == 200
    assert client.get(page, environ_base=ALICE).status_code in (200, 404)
    assert client.get("/api/categories", environ_base=ALICE).status_code == 429
    assert client.get(page, environ_base=ALICE).status_code == 429


@pytest.mark.parametrize("query", ["q=back+p&partial=1&limit=50",
                                   "q=back+p&partial=1&offset=10",
                                   "q=back+p&partial=1&limit=5&offset=5"])
def test_big_or_deep_partial_searches_use_the_search_budget(make_app, query: str) -> None:
    """`partial=1` buys the as-you-type budget only for what a search box shows while typing."""
    client = warm_client(make_app, rate_limit="2/minute", suggest_rate_limit="100/minute")
    for _ in range(2):
        resp = client.get(f"/api/search?{query}", environ_base=ALICE)
        assert resp.status_code == 200 and resp.headers["X-RateLimit-Limit"] == "2"
    assert client.get(f"/api/search?{query}", environ_base=ALICE).status_code == 429
    # what the widget sends while typing still has its own budget
    small = client.get("/api/search?q=back+p&partial=1&limit=5", environ_base=ALICE)
    assert small.status_code == 200 and small.headers["X-RateLimit-Limit"] == "100"
    assert client.get("/api/suggest?q=bac", environ_base=ALICE).status_code == 200


def test_assets_health_and_editor_routes_are_outside_the_budget(make_app) -> None:
    client = warm_client(make_app, rate_limit="1/minute", suggest_rate_limit="1/minute")
    assert client.get("/search?q=pain", environ_base=ALICE).status_code == 200
    assert client.get("/search?q=pain", environ_base=ALICE).status_code == 429
    for url in ("/healthz", "/widget.js", "/widget.css", "/static/favicon.svg",
                "/healthz", "/widget.js"):
        resp = client.get(url, environ_base=ALICE)
        resp.close()  # static files are streamed from disk
        assert resp.status_code == 200, url
    # editor pages answer (the sign-in form), whatever the visitor budget says
    assert client.get("/editor/", environ_base=ALICE).status_code == 401


def test_typing_classification() -> None:
    from search_app import create_app
    from search_app.ratelimit import PUBLIC, TYPING, budget_of
    from search_app.settings import Settings

    app = create_app(Settings.load(environ={}))
    cases = {
        "/api/suggest?q=ba": TYPING,
        "/api/search?q=ba&partial=1": TYPING,
        "/api/search?q=ba&partial=true&limit=10&offset=0": TYPING,
        "/api/search?q=ba&partial=1&limit=11": PUBLIC,
        "/api/search?q=ba&partial=1&limit=x": PUBLIC,
        "/api/search?q=ba&partial=1&offset=1": PUBLIC,
        "/api/search?q=ba": PUBLIC,
        "/search?q=ba&partial=1": PUBLIC,
        "/records/x": PUBLIC,
        "/openapi.json": PUBLIC,
        "/api/similar?q=x": PUBLIC,
        "/static/css/site.css": None,
        "/widget.js": None,
        "/healthz": None,
        "/editor/login": None,
        "/api/editor/similar?q=x": None,
    }
    for url, want in cases.items():
        with app.test_request_context(url):
            assert budget_of() == want, url


def test_requests_no_route_answers_are_outside_the_budget(make_app) -> None:
    client = warm_client(make_app, rate_limit="1/minute")
    for _ in range(3):
        assert client.get("/no/such/page", environ_base=ALICE).status_code == 404
        assert client.post("/api/search?q=x", environ_base=ALICE).status_code == 405
    assert client.get("/api/search?q=back+pain", environ_base=ALICE).status_code == 200
    assert client.get("/api/search?q=back+pain", environ_base=ALICE).status_code == 429


def test_a_shared_store_that_is_down_counts_in_memory_and_is_tried_again(
        make_app, monkeypatch, caplog) -> None:
    import socket

    from search_app import ratelimit

    with socket.socket() as s:  # a port nothing listens on: every Redis call fails
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    client = make_app(rate_limit="2/minute",
                      rate_limit_storage=f"redis://127.0.0.1:{port}/0").test_client()
    first = client.get("/api/search?q=back+pain", environ_base=ALICE)
    assert first.status_code == 200 and first.headers["X-RateLimit-Remaining"] == "1"
    assert "rate-limit storage unavailable" in caplog.text
    assert client.get("/api/search?q=gout", environ_base=ALICE).status_code == 200
    refused = client.get("/api/search?q=gout", environ_base=ALICE)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    budgets = client.application.extensions[ratelimit.EXTENSION]
    assert budgets.down_until == 1000.0 + ratelimit.RETRY_SHARED_SECONDS
    clock[0] += ratelimit.RETRY_SHARED_SECONDS  # the store is tried again, fails again
    caplog.clear()
    assert client.get("/api/search?q=gout", environ_base=ALICE).status_code == 429
    assert "rate-limit storage unavailable" in caplog.text
    assert budgets.down_until == clock[0] + ratelimit.RETRY_SHARED_SECONDS
