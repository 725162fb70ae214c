"""Query statistics in Redis, shared by every server of a site (``query_log_storage``).

Keys (all under one hash tag, so a Redis Cluster keeps them in one slot), per UTC day D:

    {qasearch-qlog}:D:searches   hash  "qkey<US>wording" -> searches
    {qasearch-qlog}:D:zero       hash  "qkey<US>wording" -> searches that found nothing
    {qasearch-qlog}:D:sessions   hash  qkey -> distinct session tokens
    {qasearch-qlog}:D:tokens     set   "qkey<US>token" (to count each token once)
    {qasearch-qlog}:days         sorted set of the days held (score: the day's ordinal)
    {qasearch-keys}:qlog-session:D   the day's session key (see below; indexer.dailykey)

One search is one Lua script (atomic, one round trip). Days before the retention period are
deleted by `prune` (run by every report and hourly by the writers); each day's keys also
expire on their own a little after the retention period, should no server be left to prune.

The session key: a single host's processes agree on each day's key by forking from one parent
(querylog._DailyKey). Hosts cannot, so with a shared store the first server that needs day D's
key stores a random one here (indexer.dailykey: SET NX, expiring an hour after D ends) and every
server uses that one: a visitor is one session whichever host answers, so the k threshold still
counts people. No day's key can be derived from another's, and none outlives its day by more
than that hour (a Redis that snapshots to disk holds it in that day's snapshots only).
Stored tokens are hashes of the key's HMAC and the query, as with SQLite: no address, no user
agent, nothing linkable to a visitor once the day's key is gone.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from indexer.dailykey import agreed_secret
from indexer.editors.querystore import Row, StoreUnavailable

PREFIX = "{qasearch-qlog}"
SEP = "\x1f"
SESSION_KEY_NAME = "qlog-session"
TIMEOUT = 2.0  # seconds to connect to or wait for Redis: a search never waits longer
RETRY_SECONDS = 30.0  # after a failure, writes fail at once (no network) for this long

_RECORD = """
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[2], ARGV[1], 1) end
if redis.call('SADD', KEYS[4], ARGV[3]) == 1 then redis.call('HINCRBY', KEYS[3], ARGV[2], 1) end
redis.call('ZADD', KEYS[5], ARGV[6], ARGV[5])
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[7]) end
return 1
"""


def _key(*parts: str) -> str:
    return ":".join((PREFIX, *parts))


def _day_keys(day: str) -> list[str]:
    return [_key(day, name) for name in ("searches", "zero", "sessions", "tokens")]


def _ordinal(day: str) -> int:
    return dt.date.fromisoformat(day).toordinal()




def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class RedisStore:
    """Counts in one Redis database (the URI's /N): every host of a site writes to it."""

    shared = True

    def __init__(self, uri: str, *, retention_days: int) -> None:
        self.uri = uri
        self.retention_days = max(1, retention_days)
        self._lock = threading.Lock()
        self._client: Any = None
        self._record: Any = None
        self._down_until = 0.0

    def _redis(self) -> Any:
        """The client (a connection pool, safe across threads and forks), made on first use."""
        with self._lock:
            if self._client is None:
                import redis

                self._client = redis.Redis.from_url(
                    self.uri, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT,
                    health_check_interval=30)
                self._record = self._client.register_script(_RECORD)
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = self._record = None

    @property
    def where(self) -> str:
        """The URI without a password (for messages)."""
        scheme, _, rest = self.uri.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2]}"

    # -- the store's interface: Redis errors become StoreUnavailable -------------------------
    @contextmanager
    def _errors(self, backoff: bool = False) -> Iterator[None]:
        """Redis errors as StoreUnavailable. With `backoff` (what a search does: record, get
        the day's key), a failure makes the next RETRY_SECONDS of calls fail at once, so a
        Redis that is down or unreachable never slows searches down."""
        import redis

        if backoff and time.monotonic() < self._down_until:
            raise StoreUnavailable(f"query statistics store {self.where}: unreachable, "
                                   "retried shortly")
        try:
            yield
        except redis.RedisError as exc:
            if backoff:
                self._down_until = time.monotonic() + RETRY_SECONDS
            raise StoreUnavailable(f"query statistics store {self.where}: {exc}") from exc

    def add(self, day: str, qkey: str, wording: str, zero: int, token: str) -> None:
        with self._errors(backoff=True):
            self._add(day, qkey, wording, zero, token)

    def day_key(self, day: str, proposal: bytes) -> bytes:
        with self._errors(backoff=True):
            return self._day_key(day, proposal)

    def rows(self, since: str) -> list[Row]:
        with self._errors():
            return self._rows(since)

    def sessions(self, since: str) -> dict[str, int]:
        with self._errors():
            return self._sessions(since)

    def prune(self, cutoff: str) -> int:
        with self._errors():
            return self._prune(cutoff)

    # -- writing ---------------------------------------------------------------------------
    def _add(self, day: str, qkey: str, wording: str, zero: int, token: str) -> None:
        client = self._redis()
        ttl = (self.retention_days + 2) * 86400
        self._record(
            keys=[*_day_keys(day), _key("days")],
            args=[f"{qkey}{SEP}{wording}", qkey, f"{qkey}{SEP}{token}", 1 if zero else 0, day,
                  _ordinal(day), ttl],
            client=client,
        )

    def _day_key(self, day: str, proposal: bytes) -> bytes:
        """Day `day`'s session key: `proposal` if this server is the first to ask, else the
        key another server stored first (indexer.dailykey)."""
        return agreed_secret(self._redis(), SESSION_KEY_NAME, dt.date.fromisoformat(day),
                             proposal)

    # -- reading ---------------------------------------------------------------------------
    def _days(self, since: str) -> list[str]:
        days = self._redis().zrangebyscore(_key("days"), _ordinal(since), "+inf")
        return [_text(d) for d in days]

    def _rows(self, since: str) -> list[Row]:
        days = self._days(since)
        pipe = self._redis().pipeline(transaction=False)
        for day in days:
            pipe.hgetall(_key(day, "searches"))
            pipe.hgetall(_key(day, "zero"))
        found = pipe.execute()
        totals: dict[tuple[str, str], list[Any]] = {}
        for i, day in enumerate(days):
            searches, zero = found[2 * i], found[2 * i + 1]
            for field, n in searches.items():
                qkey, _, wording = _text(field).partition(SEP)
                row = totals.setdefault((qkey, wording), [0, 0, day])
                row[0] += int(n)
                row[1] += int(zero.get(field, 0))
                row[2] = max(row[2], day)
        return [(q, w, s, z, last) for (q, w), (s, z, last) in totals.items()]

    def _sessions(self, since: str) -> dict[str, int]:
        days = self._days(since)
        pipe = self._redis().pipeline(transaction=False)
        for day in days:
            pipe.hgetall(_key(day, "sessions"))
        out: dict[str, int] = {}
        for per_day in pipe.execute():
            for qkey, n in per_day.items():
                out[_text(qkey)] = out.get(_text(qkey), 0) + int(n)
        return out

    # -- retention -------------------------------------------------------------------------
    def _prune(self, cutoff: str) -> int:
        client = self._redis()
        old = [_text(d) for d in client.zrangebyscore(_key("days"), "-inf",
                                                      f"({_ordinal(cutoff)}")]
        if not old:
            return 0
        pipe = client.pipeline(transaction=True)
        for day in old:
            pipe.hlen(_key(day, "searches"))
        for day in old:
            pipe.delete(*_day_keys(day))
        pipe.zrem(_key("days"), *old)
        found = pipe.execute()
        return sum(int(n) for n in found[: len(old)])
