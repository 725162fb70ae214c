"""gthread workers with one thread serve each request on their own thread
(search_app.servers.ServesInline): the same answers, connections kept alive and pipelined
requests answered in order, a client that connects and says nothing never holds a worker,
and the arbiter's heartbeat comes from a thread of its own."""

from __future__ import annotations

import itertools
import os
import socket
import threading
import urllib.request
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from search_app.servers import ServesInline, gunicorn_worker_class

UNIX = pytest.mark.skipif(os.name != "posix", reason="gunicorn runs on Unix only")
DEFER = object()


class _Conn:
    def __init__(self, name: str, sock: socket.socket, *, initialized: bool = False) -> None:
        self.name = name
        self.sock = sock
        self.initialized = initialized
        self.data_ready = False


class _FakeThreadWorker:
    """What `ServesInline` uses of gunicorn's gthread worker."""

    def __init__(self) -> None:
        self.handled: list[str] = []
        self.finished: list[tuple[str, object]] = []
        self.then: dict[str, _Conn] = {}  # conn name -> conn handed back when it finishes
        self.threads: set[int] = set()

    def handle(self, conn: _Conn) -> object:
        self.threads.add(threading.get_ident())
        self.handled.append(conn.name)
        return True

    def finish_request(self, conn: _Conn, fs) -> None:
        assert not fs.cancelled()
        self.finished.append((conn.name, fs.result()))
        follow = self.then.pop(conn.name, None)
        if follow is not None:  # gthread: bytes of another request already read
            self.enqueue_req(follow)  # type: ignore[attr-defined]


class _Worker(ServesInline, _FakeThreadWorker):
    DEFER = DEFER


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def test_a_request_is_served_on_the_workers_own_thread(pair) -> None:
    w = _Worker()
    server_side, _ = pair
    w.enqueue_req(_Conn("kept-alive", server_side, initialized=True))
    assert w.handled == ["kept-alive"] and w.finished == [("kept-alive", True)]
    assert w.threads == {threading.get_ident()}


def test_a_new_connection_that_has_sent_nothing_waits_on_the_poller(pair) -> None:
    w = _Worker()
    server_side, client = pair
    silent = _Conn("silent", server_side)
    w.enqueue_req(silent)
    assert w.handled == [] and w.finished == [("silent", DEFER)]  # gthread's poller takes it
    client.sendall(b"GET / HTTP/1.1\r\n")
    w.enqueue_req(silent)
    assert silent.data_ready and w.handled == ["silent"]


def test_requests_handed_back_while_serving_are_served_in_turn_without_nesting(pair) -> None:
    w = _Worker()
    server_side, _ = pair
    conns = [_Conn(f"r{i}", server_side, initialized=True) for i in range(3000)]
    for a, b in itertools.pairwise(conns):
        w.then[a.name] = b
    w.enqueue_req(conns[0])  # 3,000 nested calls would pass the recursion limit
    assert w.handled == [c.name for c in conns]
    assert w._waiting is None


def test_the_heartbeat_comes_from_its_own_thread() -> None:
    beats = threading.Event()
    seen: list[int] = []

    class Tmp:
        def notify(self) -> None:
            seen.append(threading.get_ident())
            beats.set()

    class Loop:
        def run(self) -> None:  # gthread's loop: notifies on every turn
            assert beats.wait(10)  # the heartbeat thread beat while the loop runs
            before = len(seen)
            self.notify()  # type: ignore[attr-defined]
            assert len(seen) == before  # the loop's own notify writes nothing

    class Worker(ServesInline, Loop):
        tmp = Tmp()

    w = Worker()
    w.run()
    assert seen and threading.get_ident() not in seen
    w.notify()  # after the loop: written at once again
    assert seen[-1] == threading.get_ident()


def test_one_thread_gets_the_inline_worker_and_more_the_pool() -> None:
    pytest.importorskip("gunicorn")
    assert issubclass(gunicorn_worker_class(1), ServesInline)
    assert not issubclass(gunicorn_worker_class(4), ServesInline)
    assert not issubclass(gunicorn_worker_class(1, "sync"), ServesInline)


# -- through a real server ---------------------------------------------------------------------


def _address(server) -> tuple[str, int]:
    parts = urlsplit(server.base)
    return parts.hostname, parts.port


@UNIX
def test_kept_alive_and_pipelined_requests_on_gunicorn(serve, sample_index: Path) -> None:
    pytest.importorskip("gunicorn")
    server = serve("--index", str(sample_index), "--rate-limit", "", "--workers", "2")
    assert "1 thread each, connections kept alive" in server.output
    with urllib.request.urlopen(server.base + "/api/search?q=sciatica", timeout=10) as resp:
        expected = resp.read()
    host, port = _address(server)
    conn = HTTPConnection(host, port, timeout=10)
    try:
        for _ in range(5):  # one connection, five answers
            conn.request("GET", "/api/search?q=sciatica", headers={"Accept": "application/json"})
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == 200 and resp.getheader("Connection") == "keep-alive"
            assert _without_timing(body) == _without_timing(expected)
            sock = conn.sock
            assert sock is not None
        assert conn.sock is sock  # never reconnected
    finally:
        conn.close()
    with socket.create_connection((host, port), timeout=10) as s:  # two requests, one write
        one = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        s.sendall(one + one)
        got = b""
        while got.count(b"HTTP/1.1 200") < 2:
            chunk = s.recv(65536)
            assert chunk, got
            got += chunk


@UNIX
def test_silent_clients_never_hold_a_worker(serve, sample_index: Path) -> None:
    """Clients that connect and send nothing (8 of them, over 2 workers) do not delay anyone:
    a gthread pool of one thread would wait up to 5 s on each before serving another."""
    pytest.importorskip("gunicorn")
    server = serve("--index", str(sample_index), "--rate-limit", "", "--workers", "2")
    host, port = _address(server)
    silent = [socket.create_connection((host, port), timeout=10) for _ in range(8)]
    try:
        for _ in range(6):
            with urllib.request.urlopen(server.base + "/healthz", timeout=8) as resp:
                assert resp.status == 200
    finally:
        for s in silent:
            s.close()


def _without_timing(body: bytes) -> bytes:
    import json

    data = json.loads(body)
    data.get("meta", {}).pop("took_ms", None)
    return json.dumps(data, sort_keys=True).encode()

