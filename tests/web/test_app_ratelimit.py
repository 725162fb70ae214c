"""The rate limit holds across server processes: the SQLite counter store shared by
`qasearch serve --workers N`, checked from several processes at once and through a real
two-process gunicorn server."""

from __future__ import annotations

import multiprocessing
import sys
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
    now = [1_000_000.0]
    storage.clock = lambda: now[0]  # a fake clock: the test moves time, never waits
    assert storage.check()
    assert storage.incr("k", 1) == 1 and storage.incr("k", 1) == 2
    assert storage.get("k") == 2 and storage.get_expiry("k") == now[0] + 1
    now[0] += 0.99
    assert storage.get("k") == 2  # still inside its window
    now[0] += 0.02
    assert storage.get("k") == 0 and storage.incr("k", 1) == 1  # expired: starts over
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("a", 60)
    storage.incr("b", 60)
    assert storage.reset() == 2


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_limit_holds_across_gunicorn_workers(serve, sample_index: Path) -> None:
    server = serve("--index", str(sample_index), "--workers", "2", "--threads", "1",
                   "--rate-limit", "5/minute", "--suggest-rate-limit", "")
    base = server.base
    with ThreadPoolExecutor(4) as pool:  # concurrent: both workers take requests
        codes = list(pool.map(_status, [f"{base}/api/search?q=pain{i}" for i in range(16)]))
    assert codes.count(200) == 5 and codes.count(429) == 11, codes
    assert _status(base + "/search?q=pain") == 429  # pages share the one budget
    assert _status(base + "/healthz") == 200  # health checks are not limited
    assert "gunicorn, 2 processes" in server.output


def test_sliding_window_frees_budget_as_the_clock_moves(tmp_path: Path) -> None:
    storage = SQLiteStorage(storage_uri(tmp_path / "limits.sqlite3"))
    now = [600.0]  # the start of a 10-second window
    storage.clock = lambda: now[0]
    assert [storage.acquire_sliding_window_entry("k", 2, 10) for _ in range(3)] == [
        True, True, False]
    now[0] += 15  # half-way through the next window: half the previous window still counts
    assert storage.acquire_sliding_window_entry("k", 2, 10) is True
    assert storage.acquire_sliding_window_entry("k", 2, 10) is False
    now[0] += 10  # two windows on: all forgotten
    assert [storage.acquire_sliding_window_entry("k", 2, 10) for _ in range(3)] == [
        True, True, False]
