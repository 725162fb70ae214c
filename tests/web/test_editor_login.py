"""Editors' sign-in: throttling with exponential back-off (429 + Retry-After, no address
stored), a session cookie that works over plain HTTP, and a message when the cookie is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_app import limitstore, loginthrottle
from search_app.editor import COOKIE, THROTTLE_KEY

TOKEN = "s3cret-editor-token-for-login-tests"
ADDRESS = "203.0.113.77"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(limitstore.SQLiteStorage, "clock", staticmethod(c))
    return c


@pytest.fixture()
def login_app(make_app, tmp_path: Path, clock: Clock):
    """An app whose sign-in counters live in a SQLite store on a fake clock."""
    app = make_app(editor_token=TOKEN, query_log_dir=tmp_path / "var",
                   rate_limit_storage=limitstore.storage_uri(tmp_path / "limits.sqlite3"))
    app.extensions[THROTTLE_KEY].clock = clock
    app.testing = True
    return app


def _login(client, token: str, base: str = "https://localhost"):
    return client.post("/editor/login", data={"token": token, "next": "/editor/"},
                       base_url=base, environ_base={"REMOTE_ADDR": ADDRESS})


def test_backoff_doubles_and_is_capped():
    free = loginthrottle.FREE_FAILURES
    assert [loginthrottle.lockout_seconds(n) for n in range(1, free + 1)] == [0] * free
    seconds = [loginthrottle.lockout_seconds(free + k) for k in range(1, 6)]
    assert seconds == [loginthrottle.BASE_SECONDS * 2 ** k for k in range(5)]
    assert loginthrottle.lockout_seconds(free + 200) == loginthrottle.MAX_SECONDS


def test_wrong_tokens_get_429_with_retry_after_then_back_off(login_app, clock, tmp_path):
    client = login_app.test_client()
    for _ in range(loginthrottle.FREE_FAILURES):
        assert _login(client, "wrong").status_code == 401
    locked = _login(client, "wrong")  # one past the free ones: locked out from now on
    assert locked.status_code == 401 and b"Too many wrong tokens" in locked.data
    refused = _login(client, TOKEN)  # even the right token is not tried while locked out
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(loginthrottle.BASE_SECONDS)
    assert COOKIE not in refused.headers.get("Set-Cookie", "")
    assert b"Try again in" in refused.data
    clock.now += loginthrottle.BASE_SECONDS
    assert _login(client, "wrong").status_code == 401  # allowed again; the lock doubles
    again = _login(client, "wrong")
    assert again.status_code == 429
    assert again.headers["Retry-After"] == str(2 * loginthrottle.BASE_SECONDS)
    clock.now += 2 * loginthrottle.BASE_SECONDS
    assert _login(client, TOKEN).status_code == 303  # a right token clears the record
    for _ in range(loginthrottle.FREE_FAILURES):
        assert _login(client, "wrong").status_code == 401
    stored = (tmp_path / "limits.sqlite3").read_bytes()
    assert ADDRESS.encode() not in stored  # keyed hashes only


def test_another_client_is_not_locked_out(login_app):
    client = login_app.test_client()
    for _ in range(loginthrottle.FREE_FAILURES + 1):
        _login(client, "wrong")
    assert _login(client, TOKEN).status_code == 429
    other = client.post("/editor/login", data={"token": TOKEN}, base_url="https://localhost",
                        environ_base={"REMOTE_ADDR": "203.0.113.78"})
    assert other.status_code == 303


def test_plain_http_at_a_public_name_signs_in(login_app):
    """Over HTTP at a name other than localhost a Secure cookie is dropped by the browser:
    the cookie is Secure only over HTTPS."""
    client = login_app.test_client()
    base = "http://editors.example.org"
    resp = _login(client, TOKEN, base)
    assert resp.status_code == 303
    cookie = resp.headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    follow = client.get(resp.headers["Location"], base_url=base)
    assert follow.status_code == 302 and follow.headers["Location"].endswith("/editor/")
    assert client.get("/editor/", base_url=base).status_code == 200
    secure = _login(login_app.test_client(), TOKEN, "https://editors.example.org")
    assert "Secure" in secure.headers["Set-Cookie"]


def test_behind_a_trusted_proxy_saying_https_the_cookie_is_secure(make_app, tmp_path):
    app = make_app(editor_token=TOKEN, query_log_dir=tmp_path / "var", trusted_proxies=1)
    resp = app.test_client().post(
        "/editor/login", data={"token": TOKEN}, base_url="http://editors.example.org",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.9"})
    assert resp.status_code == 303 and "Secure" in resp.headers["Set-Cookie"]


def test_a_lost_cookie_is_explained(login_app):
    """The browser did not send the cookie back (blocked, or Secure over HTTP): say so
    instead of showing the empty form again."""
    client = login_app.test_client()
    resp = _login(client, TOKEN, "http://editors.example.org")
    client.delete_cookie(COOKIE, domain="editors.example.org")
    page = client.get(resp.headers["Location"], base_url="http://editors.example.org")
    text = page.get_data(as_text=True)
    assert page.status_code == 401
    assert "did not send the session cookie back" in text and "HTTPS" in text
