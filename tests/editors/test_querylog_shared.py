"""Query statistics in a shared Redis (`query_log_storage`): one report for every host, with
the same privacy rules as the SQLite file (k threshold, daily session keys, no address)."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer.editors import querylog
from indexer.editors.querylog import QueryLog, render_report, session_key, storage_scheme
from indexer.settings import Settings
from tests.editors.test_querylog import IPS, UAS, Clock
from tests.redisserver import running_redis


@pytest.fixture(scope="module")
def redis_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis")) as uri:
        yield uri


@pytest.fixture()
def redis_client(redis_uri: str) -> Iterator[object]:
    import redis

    client = redis.Redis.from_url(redis_uri)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture(autouse=True)
def own_daily_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets a fresh process-wide key holder (sharing is switched on per log)."""
    monkeypatch.setattr(querylog, "_DAILY_KEY", querylog._DailyKey())


def settings_for(uri: str, tmp_path: Path, k: int = 3, retention: int = 30) -> Settings:
    return Settings.load(overrides={
        "query_log_dir": tmp_path / "unused", "query_log_k": k,
        "query_log_retention_days": retention, "query_log_storage": uri}, environ={})


def as_other_host(work: Callable[[], None]) -> None:
    """Run `work` in a forked process that has its own in-memory key state, as a server on
    another machine would (it shares nothing with us but Redis)."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            querylog._DAILY_KEY = querylog._DailyKey()  # another host: another random key
            work()
            status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_storage_uri_is_checked():
    assert storage_scheme("") == ""
    assert storage_scheme("redis://127.0.0.1:6379/0") == "redis"
    assert storage_scheme("unix:///run/redis/redis.sock?db=2") == "unix"
    for bad in ("postgres://db/qasearch", "127.0.0.1:6379", "file:///tmp/x"):
        with pytest.raises(ValueError, match="query_log_storage"):
            storage_scheme(bad)


def test_bad_storage_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="query_log_storage"):
        QueryLog(settings_for("memcached://127.0.0.1", tmp_path))
    assert not (tmp_path / "unused").exists()


def test_two_hosts_count_into_one_report_and_one_visitor_once(redis_uri, redis_client,
                                                              tmp_path):
    """Hosts A and B (separate processes, separate random keys) share only Redis: a visitor
    whose searches land on both is one session, so the k threshold still counts people."""
    settings = settings_for(redis_uri, tmp_path, k=3)

    def host(visits: list[tuple[str, str, int]]) -> Callable[[], None]:
        def work() -> None:
            log = QueryLog(settings)
            for ip, query, n in visits:
                log.record(query, session_key(ip, "UA"), n)
            log.close()
        return work

    as_other_host(host([(IPS[0], "sciatica", 0), (IPS[1], "Sciatica?", 0)]))
    as_other_host(host([(IPS[1], "sciatica", 4), (IPS[0], "private name", 0),
                        (IPS[0], "private name", 0)]))
    editors = QueryLog(settings)  # a third host, where the editor reads the report
    rep = editors.report()
    assert rep.total_searches == 5 and rep.hidden_queries == 2
    assert rep.top == []  # two people only, however many hosts and searches
    as_other_host(host([(IPS[2], "SCIATICA", 0)]))
    rep = editors.report()
    assert [s.query for s in rep.not_found] == ["sciatica"]
    stat = rep.not_found[0]
    assert (stat.searches, stat.zero_results, stat.sessions) == (4, 3, 3)
    assert rep.hidden_queries == 1 and rep.hidden_searches == 2
    assert "private name" not in render_report(rep, "text")
    editors.close()


def test_the_day_key_is_agreed_once_per_day_and_never_derivable(redis_uri, redis_client,
                                                                tmp_path):
    clock = Clock(dt.date(2026, 5, 1))
    querylog._DAILY_KEY = querylog._DailyKey(clock)
    log = QueryLog(settings_for(redis_uri, tmp_path))
    first = session_key(IPS[0], "UA")
    other = querylog._DailyKey(clock)  # another host's key holder, same store
    other.share(log.store)
    assert querylog._DAILY_KEY.current() == other.current()
    clock.day = dt.date(2026, 5, 2)
    second = session_key(IPS[0], "UA")
    assert second != first and querylog._DAILY_KEY.current() == other.current()
    day_keys = redis_client.keys("{qasearch-keys}:qlog-session:*")
    stored = {bytes(redis_client.get(k)) for k in day_keys}
    assert len(stored) == 2 and all(len(v) == 32 for v in stored)  # random, one per day
    ttl = max(redis_client.ttl(k) for k in day_keys)
    assert 0 < ttl <= 2 * 86400  # gone soon after its day
    log.close()
    assert not querylog._DAILY_KEY.sharing(log.store)  # closing stops sharing


def test_k_threshold_zero_results_and_empty_queries(redis_uri, redis_client, tmp_path):
    log = QueryLog(settings_for(redis_uri, tmp_path, k=2))
    assert log.record("  ?? ", session_key("1.2.3.4", "UA"), 0) is False
    for ip in IPS[:4]:
        log.record("back pain", session_key(ip, "UA"), 12)
    for ip in IPS[:2]:
        log.record("zzz unknown thing", session_key(ip, "UA"), 0)
    log.record("lonely", session_key(IPS[0], "UA"), 0)
    rep = log.report()
    assert [s.query for s in rep.top] == ["back pain", "zzz unknown thing"]
    assert [s.query for s in rep.not_found] == ["zzz unknown thing"]
    assert (rep.total_searches, rep.total_zero_results, rep.hidden_queries) == (7, 3, 1)
    assert log.report(k=1).k == 2 and log.report(k=5).top == []
    log.close()


def test_retention_deletes_old_days(redis_uri, redis_client, tmp_path):
    clock = Clock(dt.date(2026, 3, 1))
    settings = settings_for(redis_uri, tmp_path, k=1, retention=7)
    log = QueryLog(settings, clock=clock)
    log.record("old question", "s1", 0)
    clock.day = dt.date(2026, 3, 6)
    log.record("recent question", "s2", 0)
    assert {s.query for s in log.report().top} == {"old question", "recent question"}
    clock.day = dt.date(2026, 3, 9)
    assert {s.query for s in log.report().top} == {"recent question"}
    keys = {k.decode() for k in redis_client.keys("{qasearch-qlog}:2026-*")}
    assert keys and all(k.startswith("{qasearch-qlog}:2026-03-06:") for k in keys)
    clock.day = dt.date(2026, 3, 20)
    assert log.prune() == 1 and log.report().total_searches == 0
    log.close()


def test_redis_never_holds_an_address_or_user_agent(redis_uri, redis_client, tmp_path):
    log = QueryLog(settings_for(redis_uri, tmp_path, k=1))
    for ip, ua in zip(IPS, UAS, strict=True):
        log.record("pain in my lower back after an epidural", session_key(ip, ua), 3)
        log.record("insomina", session_key(ip, ua), 0)
    reports = [render_report(log.report(), fmt) for fmt in ("text", "json", "csv")]
    dump = b""
    for key in redis_client.keys("*"):
        dump += key
        kind = redis_client.type(key)
        if kind == b"hash":
            dump += b"".join(k + v for k, v in redis_client.hgetall(key).items())
        elif kind == b"set":
            dump += b"".join(redis_client.smembers(key))
        elif kind == b"zset":
            dump += b"".join(redis_client.zrange(key, 0, -1))
        else:
            dump += redis_client.get(key)
    assert b"insomina" in dump
    for ip, ua in zip(IPS, UAS, strict=True):
        for needle in (ip, ua, "TestBrowser", session_key(ip, ua)):
            assert needle.encode() not in dump, needle
            assert all(needle not in text for text in reports), needle
    assert "insomina" in reports[0]
    log.close()


def test_threads_of_one_host_share_the_store(redis_uri, redis_client, tmp_path):
    log = QueryLog(settings_for(redis_uri, tmp_path, k=1))

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
    log.close()


def test_an_unreachable_store_costs_searches_nothing(tmp_path, monkeypatch, caplog):
    """Redis down: searches are not counted (no error, one warning line, no waiting on Redis
    for every search); the report says what is wrong."""
    from indexer.editors import querystore_redis
    from tests.redisserver import free_port

    port = free_port()
    log = QueryLog(settings_for(f"redis://:secret@127.0.0.1:{port}/0", tmp_path))
    assert session_key("1.2.3.4", "UA") == querylog.UNAVAILABLE  # the day's key is the store's
    assert log.record("back pain", querylog.UNAVAILABLE, 1) is False
    assert log.record("back pain", "some session", 1) is False
    warnings = [r for r in caplog.records if "query statistics store" in r.getMessage()]
    assert len(warnings) == 1 and "secret" not in warnings[0].getMessage()
    calls = []
    monkeypatch.setattr(querystore_redis.RedisStore, "_add",
                        lambda *a: calls.append(a))  # would "work" if it were called
    assert log.record("back pain", "some session", 1) is False and calls == []  # backing off
    with pytest.raises(ConnectionError, match=f"store redis://127.0.0.1:{port}/0: "):
        log.report()  # an OSError: the CLI prints it as one line
    log.close()
    assert session_key("1.2.3.4", "UA") != querylog.UNAVAILABLE  # the process's own key again


def test_report_queries_command_reads_the_shared_store(redis_uri, redis_client, tmp_path):
    from click.testing import CliRunner

    from indexer.cli import cli

    log = QueryLog(settings_for(redis_uri, tmp_path, k=2))
    for ip in IPS[:2]:
        log.record("sciatica", session_key(ip, "UA"), 0)
    log.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["report", "queries", "--storage", redis_uri, "--format", "json",
                              "--log-dir", str(tmp_path / "absent")],
                        env={"QASEARCH_QUERY_LOG_K": "2"})
    assert out.exit_code == 0, out.output
    assert [s["query"] for s in json.loads(out.output)["top"]] == ["sciatica"]
    down = runner.invoke(cli, ["report", "queries", "--storage", "redis://127.0.0.1:1/0"])
    assert down.exit_code == 1 and "query statistics store" in down.output
    assert "Traceback" not in down.output
