"""The rate limit holds across server processes: the SQLite counter store shared by
`qasearch serve --workers N`, checked from several processes at once and through a real
two-process gunicorn server."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter, SlidingWindowCounterRateLimiter

from search_app.limitstore import SQLiteStorage, storage_uri

LIMIT = "40/minute"


def _hammer(uri: str, strategy: str, tries: int, start, out) -> None:  # runs in a child
    storage = SQLiteStorage(uri)
    limiter = (SlidingWindowCounterRateLimiter if strategy == "sliding"
               else FixedWindowRateLimiter)(storage)
    item = parse(LIMIT)
    start.wait()
    out.put(sum(limiter.hit(item, "client-a") for _ in range(tries)))


@pytest.mark.parametrize("strategy", ["sliding", "fixed"])
def test_processes_share_one_budget(tmp_path: Path, strategy: str) -> None:
    uri = storage_uri(tmp_path / "limits.sqlite3")
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(uri, strategy, 30, start, out))
             for _ in range(3)]
    for p in procs:
        p.start()
    start.set()
    granted = sum(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    assert granted == 40  # 90 tries from 3 processes, exactly the budget granted


def test_storage_counts_expire_and_clear(tmp_path: Path) -> None:
    storage = SQLiteStorage(storage_uri(tmp_path / "x" / "limits.sqlite3"))
    assert storage.check()
    assert storage.incr("k", 1) == 1 and storage.incr("k", 1) == 2
    assert storage.get("k") == 2 and storage.get_expiry("k") > time.time()
    time.sleep(1.05)
    assert storage.get("k") == 0 and storage.incr("k", 1) == 1  # expired: starts over
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("a", 60)
    storage.incr("b", 60)
    assert storage.reset() == 2


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_limit_holds_across_gunicorn_workers(sample_index: Path, tmp_path: Path) -> None:
    port = _free_port()
    exe = Path(sys.executable).with_name("qasearch")
    proc = subprocess.Popen(
        [str(exe), "serve", "--index", str(sample_index), "--port", str(port),
         "--query-log-dir", str(tmp_path), "--workers", "2", "--threads", "1",
         "--rate-limit", "5/minute", "--suggest-rate-limit", ""],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("QASEARCH_")},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while _up(base) is False:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        with ThreadPoolExecutor(4) as pool:  # concurrent: both workers take requests
            codes = list(pool.map(_status, [f"{base}/api/search?q=pain{i}" for i in range(16)]))
        assert codes.count(200) == 5 and codes.count(429) == 11, codes
        assert _status(base + "/search?q=pain") == 200  # pages are not limited
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "gunicorn, 2 processes" in out


def _up(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False
