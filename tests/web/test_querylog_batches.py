"""Query statistics written off the request path: searches kept in memory by
`QueryLog.record_later`, written in batches (same counts as `record`), flushed by reports, by
`close` and when the process exits; never an address."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from indexer.editors import querypending
from indexer.editors.querylog import DB_NAME, QueryLog, session_key
from indexer.settings import Settings

SEARCHES = [("Back pains?", "a"), ("back pain", "b"), ("back pain", "b"), ("zzqx nothing", "c"),
            ("back pain", "c"), ("", "d")]


@pytest.fixture(autouse=True)
def _writer_waits(monkeypatch):
    """The writer thread never wakes during a test on its own: each test flushes itself."""
    monkeypatch.setattr(querypending, "FLUSH_SECONDS", 3600.0)


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


def make_log(path: Path, clock: Clock | None = None) -> QueryLog:
    settings = Settings.load(overrides={"query_log_dir": path, "query_log_k": 1})
    return QueryLog(settings, clock=clock) if clock else QueryLog(settings)


def stored(path: Path) -> list[tuple]:
    with sqlite3.connect(path / DB_NAME) as conn:
        return sorted(conn.execute("SELECT day, qkey, wording, searches, zero_results "
                                   "FROM counts").fetchall())


def test_batched_searches_count_as_searches_recorded_one_by_one(tmp_path):
    now, later = make_log(tmp_path / "now"), make_log(tmp_path / "later")
    for query, who in SEARCHES:
        key = session_key(f"198.51.100.{ord(who)}", "agent")
        n = 0 if "zzqx" in query else 5
        now.record(query, key, n)
        later.record_later(query, key, n)
    assert later.flush() == 5  # the empty query is not counted
    assert later.flush() == 0  # nothing twice
    assert stored(tmp_path / "later") == stored(tmp_path / "now")
    assert later.report().to_dict() == now.report().to_dict()


def test_a_report_includes_searches_still_waiting(tmp_path):
    log = make_log(tmp_path)
    log.record_later("lower back pain", session_key("198.51.100.1", "ua"), 3)
    report = log.report()
    assert [s.query for s in report.top] == ["lower back pain"]


def test_a_search_keeps_the_day_it_happened(tmp_path):
    clock = Clock(dt.date(2026, 3, 1))
    log = make_log(tmp_path, clock)
    log.record_later("migraine", session_key("198.51.100.1", "ua"), 2)
    clock.day = dt.date(2026, 3, 2)  # written after midnight
    log.flush()
    assert [row[0] for row in stored(tmp_path)] == ["2026-03-01"]


def test_searches_beyond_the_bound_are_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(querypending, "MAX_PENDING", 3)
    log = make_log(tmp_path)
    for i in range(5):
        log.record_later(f"query number {'x' * i}", "k", 1)
    assert log.flush() == 3


def test_close_writes_what_waits(tmp_path):
    log = make_log(tmp_path)
    log.record_later("gout", "k", 1)
    log.close()
    assert [row[2] for row in stored(tmp_path)] == ["gout"]


def test_a_process_that_exits_writes_what_waits(tmp_path):
    code = textwrap.dedent(f"""
        from pathlib import Path
        from indexer.editors.querylog import QueryLog, session_key
        from indexer.settings import Settings
        log = QueryLog(Settings.load(overrides={{"query_log_dir": Path({str(tmp_path)!r})}}))
        for q in ("shingles", "psoriasis", "shingles"):
            log.record_later(q, session_key("198.51.100.77", "SecretAgent/1"), 4)
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    rows = stored(tmp_path)
    assert [(r[2], r[3]) for r in rows] == [("psoriasis", 1), ("shingles", 2)]
    data = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"198.51.100.77" not in data and b"SecretAgent" not in data


def test_searches_through_the_app_are_counted_once_written(make_app, tmp_path):
    app = make_app(query_log_dir=tmp_path / "qlog")
    client = app.test_client()
    for ip in ("198.51.100.5", "198.51.100.6"):
        resp = client.get("/api/search", query_string={"q": "acupuncture"},
                          environ_base={"REMOTE_ADDR": ip})
        assert resp.status_code == 200
    client.get("/api/search", query_string={"q": "acupunct", "partial": "1"})  # typing: not
    log = app.extensions["qasearch.querylog"]
    assert log.flush() == 2
    assert [(r[2], r[3]) for r in stored(tmp_path / "qlog")] == [("acupuncture", 2)]


def test_a_batch_in_redis_counts_as_searches_recorded_one_by_one(tmp_path, monkeypatch):
    from indexer.editors import querylog
    from tests.redisserver import running_redis

    monkeypatch.setattr(querylog, "_DAILY_KEY", querylog._DailyKey())  # sharing set per log
    with running_redis(tmp_path / "redis") as uri:
        shared = QueryLog(Settings.load(overrides={
            "query_log_dir": tmp_path / "unused", "query_log_k": 1, "query_log_storage": uri},
            environ={}))
        try:
            alone = make_log(tmp_path / "alone")
            for query, who in SEARCHES:
                key = session_key(f"198.51.100.{ord(who)}", "agent")
                n = 0 if "zzqx" in query else 5
                shared.record_later(query, key, n)
                alone.record(query, key, n)
            assert shared.flush() == 5
            got, want = shared.report().to_dict(), alone.report().to_dict()
            assert (got["top"], got["not_found"]) == (want["top"], want["not_found"])
        finally:
            shared.close()
