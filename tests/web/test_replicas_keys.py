"""The key that hashes client addresses for rate limits and sign-in throttling
(indexer.dailykey): agreed by every host through Redis, per process otherwise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from indexer import dailykey
from indexer.dailykey import DailySecret, client_salt, redis_url
from tests.redisserver import free_port, running_redis


@pytest.fixture(scope="module")
def redis_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis")) as uri:
        yield uri


def test_limits_uris_backed_by_one_redis():
    assert redis_url("redis://10.0.0.5:6379/0") == "redis://10.0.0.5:6379/0"
    assert redis_url("rediss://:pw@h:6380/2") == "rediss://:pw@h:6380/2"
    assert redis_url("redis+unix:///run/redis.sock") == "unix:///run/redis.sock"
    for other in ("", "memory://", "qasearch+sqlite:///tmp/x", "memcached://h:11211",
                  "redis+sentinel://h:26379/mymaster"):
        assert redis_url(other) is None


def test_without_redis_each_process_has_its_own_key():
    a, b = client_salt("memory://"), client_salt("")
    assert a() == a() and len(a()) == 32 and a() != b()


def test_hosts_agree_through_redis_and_the_key_changes_daily(redis_uri):
    a, b = client_salt(redis_uri, "test-key"), client_salt(redis_uri, "test-key")
    assert a() == b() and len(a()) == 32  # two "hosts", one key
    assert client_salt(redis_uri, "another-name")() != a()
    import redis

    client = redis.Redis.from_url(redis_uri)
    day = dt.date(2026, 1, 1)
    first = DailySecret(lambda: client, "daily", clock=lambda: day)
    key1 = first.current()
    day = dt.date(2026, 1, 2)
    assert first.current() != key1  # a new random key, not derived from the old one
    assert 0 < client.ttl("{qasearch-keys}:daily:2026-01-02") <= dailykey.GRACE + 1
    client.close()


def test_redis_down_falls_back_to_this_process_key_and_backs_off(caplog):
    salt = client_salt(f"redis://127.0.0.1:{free_port()}/0")
    local = salt()
    assert len(local) == 32 and salt() == local
    assert sum("keying clients per host" in r.getMessage() for r in caplog.records) == 1
