"""A shared store (Redis) that cannot be reached: editors' sign-in still works (counts fall back
to this process's memory) and the query statistics answer 503 with a message, never a 500."""

from __future__ import annotations

import socket
from pathlib import Path

from search_app import loginthrottle
from search_app.editor import THROTTLE_KEY

TOKEN = "s3cret-editor-token-for-outage-tests"


def _dead_redis() -> str:
    """A redis:// URI on a loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


class Clock:
    now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_sign_in_throttle_falls_back_to_memory_when_its_store_is_down(caplog):
    clock = Clock()
    throttle = loginthrottle.LoginThrottle(_dead_redis(), key=b"k" * 32, clock=clock)
    client = throttle.client("203.0.113.9")
    assert throttle.check(client).allowed
    verdicts = [throttle.failed(client) for _ in range(loginthrottle.FREE_FAILURES + 1)]
    assert verdicts[-1].allowed is False and verdicts[-1].retry_after >= 1
    assert not throttle.check(client).allowed  # the lock-out is kept (in memory)
    assert "store unavailable" in caplog.text
    throttle.succeeded(client)
    assert throttle.check(client).allowed


def test_query_statistics_store_down_is_a_503_not_a_500(make_app, tmp_path: Path):
    app = make_app(editor_token=TOKEN, query_log_dir=tmp_path / "var",
                   query_log_storage=_dead_redis())
    app.extensions[THROTTLE_KEY] = loginthrottle.LoginThrottle("", key=b"k" * 32)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    api = client.get("/api/editor/queries", headers=auth)
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "query_statistics_unavailable"
    page = client.get("/editor/queries", headers=auth)
    assert page.status_code == 503 and b"cannot be reached" in page.data
