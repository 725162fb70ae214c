"""Query statistics: normalisation, k-anonymity, retention, and no IP or user agent stored."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path

from click.testing import CliRunner

from indexer.cli import cli
from indexer.editors import querylog
from indexer.editors.querylog import (
    QueryLog,
    normalise_query,
    query_key,
    render_report,
    session_key,
)
from indexer.settings import Settings

IPS = [f"203.0.113.{i}" for i in range(1, 9)] + ["2001:db8::1234"]
UAS = [f"Mozilla/5.0 (X11; Linux) TestBrowser/{i}.7" for i in range(len(IPS))]


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


def make_log(tmp_path: Path, k: int = 3, retention: int = 30, clock: Clock | None = None):
    settings = Settings.load(
        overrides={
            "query_log_dir": tmp_path / "qlog",
            "query_log_k": k,
            "query_log_retention_days": retention,
        },
        environ={},
    )
    if clock is None:
        return QueryLog(settings)
    return QueryLog(settings, clock=clock)


def test_normalisation_groups_variants_and_drops_private_numbers():
    assert normalise_query("  Back PAIN?! ") == "back pain"
    assert normalise_query("call me on 0161 496 0000 about sciatica") == "call me on about sciatica"
    assert normalise_query("mail jane.doe@example.org re: insomnia") == "mail re insomnia"
    assert query_key(normalise_query("Back pains")) == query_key("back pain")
    assert normalise_query("!!!") == ""


def test_session_key_is_stable_within_a_day_and_reveals_nothing():
    a = session_key("203.0.113.5", "UA/1")
    assert a == session_key("203.0.113.5", "UA/1")
    assert a != session_key("203.0.113.6", "UA/1")
    assert a != session_key("203.0.113.5", "UA/2")
    assert "203" not in a and "UA" not in a


def test_session_key_rotates_daily(monkeypatch):
    clock = Clock(dt.date(2026, 1, 1))
    monkeypatch.setattr(querylog, "_DAILY_KEY", querylog._DailyKey(clock))
    first = session_key("198.51.100.7", "UA")
    clock.day = dt.date(2026, 1, 2)
    second = session_key("198.51.100.7", "UA")
    assert first != second
    assert second == session_key("198.51.100.7", "UA")


def test_forked_processes_agree_on_every_day_s_key(monkeypatch):
    """`serve --workers N` forks processes after `prime_session_keys`: a visitor is one session
    whichever process answers, today and on later days, and no day's key gives an earlier one."""
    clock = Clock(dt.date(2026, 1, 1))
    monkeypatch.setattr(querylog, "_DAILY_KEY", querylog._DailyKey(clock))
    querylog.prime_session_keys()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the "other worker": answers a request on the next day
        try:
            clock.day = dt.date(2026, 1, 2)
            os.write(write, session_key("198.51.100.7", "UA").encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    from_child = os.read(read, 64).decode()
    os.close(read)
    first = session_key("198.51.100.7", "UA")
    clock.day = dt.date(2026, 1, 2)
    assert session_key("198.51.100.7", "UA") == from_child != first
    clock.day = dt.date(2026, 1, 5)  # days with no request in between
    assert session_key("198.51.100.7", "UA") not in {from_child, first}


def test_k_threshold_holds(tmp_path):
    log = make_log(tmp_path, k=3)
    # two sessions, many searches each: still held back
    for ip in IPS[:2]:
        for _ in range(5):
            log.record("acupuncture for migraine", session_key(ip, "UA"), 0)
    rep = log.report()
    assert rep.top == [] and rep.not_found == []
    assert rep.hidden_queries == 1
    assert rep.total_searches == 10 and rep.total_zero_results == 10
    # a third distinct session makes it reportable
    log.record("Acupuncture for migraines?", session_key(IPS[2], "UA"), 0)
    rep = log.report()
    assert [s.query for s in rep.not_found] == ["acupuncture for migraine"]
    stat = rep.not_found[0]
    assert (stat.searches, stat.zero_results, stat.sessions) == (11, 11, 3)
    assert stat.variants == ["acupuncture for migraines"]
    # k cannot be lowered below the setting by the caller
    assert log.report(k=1).k == 3
    assert log.report(k=10).top == []


def test_zero_result_queries_and_top_are_separate(tmp_path):
    log = make_log(tmp_path, k=2)
    for ip in IPS[:4]:
        log.record("back pain", session_key(ip, "UA"), 12)
    for ip in IPS[:2]:
        log.record("zzz unknown thing", session_key(ip, "UA"), 0)
    rep = log.report()
    assert [s.query for s in rep.top] == ["back pain", "zzz unknown thing"]
    assert [s.query for s in rep.not_found] == ["zzz unknown thing"]
    assert rep.top[0].zero_results == 0


def test_empty_queries_are_not_recorded(tmp_path):
    log = make_log(tmp_path, k=1)
    assert log.record("   ?? ", session_key("1.2.3.4", "UA"), 0) is False
    assert log.report().total_searches == 0


def test_retention_prunes_old_days(tmp_path):
    clock = Clock(dt.date(2026, 3, 1))
    log = make_log(tmp_path, k=1, retention=7, clock=clock)
    log.record("old question", "s1", 0)
    clock.day = dt.date(2026, 3, 6)
    log.record("recent question", "s2", 0)
    assert {s.query for s in log.report().top} == {"old question", "recent question"}
    clock.day = dt.date(2026, 3, 9)  # 8 days after the first record, 3 after the second
    assert {s.query for s in log.report().top} == {"recent question"}
    log.close()
    import sqlite3

    conn = sqlite3.connect(tmp_path / "qlog" / querylog.DB_NAME)
    days = {r[0] for r in conn.execute("SELECT day FROM counts UNION SELECT day FROM sessions")}
    conn.close()
    assert days == {"2026-03-06"}


def _all_stored_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def test_storage_and_report_never_contain_ip_or_user_agent(tmp_path):
    log = make_log(tmp_path, k=1)
    for ip, ua in zip(IPS, UAS, strict=True):
        log.record("pain in my lower back after an epidural", session_key(ip, ua), 3)
        log.record("insomina", session_key(ip, ua), 0)
    reports = [render_report(log.report(), fmt) for fmt in ("text", "json", "csv")]
    stored = _all_stored_bytes(tmp_path / "qlog")
    log.close()
    stored += _all_stored_bytes(tmp_path / "qlog")
    assert stored  # the store exists and was read
    for ip, ua in zip(IPS, UAS, strict=True):
        for needle in (ip, ua, "TestBrowser", session_key(ip, ua)):
            assert needle.encode() not in stored, needle
            for text in reports:
                assert needle not in text, needle
    assert "insomina" in reports[0]


def test_threads_share_one_log(tmp_path):
    log = make_log(tmp_path, k=1)

    def work(i: int) -> None:
        for j in range(25):
            log.record(f"question {j % 5}", session_key(f"10.0.0.{i}", "UA"), j % 2)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rep = log.report()
    assert rep.total_searches == 200
    assert all(s.sessions == 8 for s in rep.top)


def test_report_queries_command(tmp_path, monkeypatch):
    monkeypatch.setenv("QASEARCH_QUERY_LOG_K", "2")
    log_dir = tmp_path / "qlog"
    settings = Settings.load(overrides={"query_log_dir": log_dir, "query_log_k": 2})
    log = QueryLog(settings)
    for ip in IPS[:3]:
        log.record("sciatica", session_key(ip, "UA"), 0)
    log.record("lonely query", session_key(IPS[0], "UA"), 0)
    log.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["report", "queries", "--log-dir", str(log_dir), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [s["query"] for s in data["not_found"]] == ["sciatica"]
    assert data["hidden_queries"] == 1
    text = runner.invoke(cli, ["report", "queries", "--log-dir", str(log_dir)])
    assert "sciatica" in text.output and "lonely" not in text.output
    csv_out = runner.invoke(cli, ["report", "queries", "--log-dir", str(log_dir), "--format",
                                  "csv"])
    assert csv_out.output.splitlines()[0].startswith("list,query,searches")
