"""Secrets that every server of a site agrees on for one UTC day, through a shared Redis.

Server processes forked from one parent share what the parent made in memory; servers on
several hosts share nothing. Two secrets must nevertheless be the same on every host: the key
that turns a client's address into an opaque rate-limit key (so one client has one budget
whichever host answers) and the session key of query statistics (so one visitor is one session).
For those, the first server that needs day D's secret stores a random one in Redis (SET NX GET,
expiring `GRACE` seconds after D ends) and every server uses that one, fetched once per day
and process. No day's secret can be derived from another's; none outlives its day by more than
`GRACE` (a Redis that snapshots to disk keeps it in that day's snapshots only).

`client_salt(storage_uri)` is what the rate limiter and the sign-in throttle key clients with:
the day's agreed secret when their counters live in Redis, else one random secret made in
this process (shared with the workers forked from it) and never written anywhere.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

PREFIX = "{qasearch-keys}:"
GRACE = 3600  # seconds a day's secret is kept after its day ends
TIMEOUT = 2.0  # seconds to connect to or wait for Redis
RETRY_SECONDS = 30  # after a failure, Redis is asked again this much later
# `limits` storage schemes backed by one Redis server (sentinel and cluster are not handled)
_REDIS_SCHEMES = {"redis": "redis", "rediss": "rediss", "redis+unix": "unix", "unix": "unix"}


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def agreed_secret(client: Any, name: str, day: dt.date, proposal: bytes) -> bytes:
    """Day `day`'s secret `name` in Redis `client`: `proposal` if this server is the first to
    ask, else the one stored first."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    ttl = int((end - dt.datetime.now(dt.UTC)).total_seconds()) + GRACE
    earlier = client.set(f"{PREFIX}{name}:{day.isoformat()}", proposal, nx=True, get=True,
                         ex=max(GRACE, ttl))
    return bytes(earlier) if earlier is not None else proposal


class DailySecret:
    """Today's agreed secret `name`, asked of Redis once per day and process (thread-safe)."""

    def __init__(self, client: Callable[[], Any], name: str,
                 clock: Callable[[], dt.date] = _utc_today) -> None:
        self._client = client
        self.name = name
        self._clock = clock
        self._lock = threading.Lock()
        self._day: dt.date | None = None
        self._secret = b""

    def current(self) -> bytes:
        day = self._clock()
        with self._lock:
            if day != self._day:
                self._secret = agreed_secret(self._client(), self.name, day,
                                             secrets.token_bytes(32))
                self._day = day
            return self._secret


def redis_url(storage_uri: str) -> str | None:
    """The redis-py URL of a `limits` storage URI backed by one Redis server, else None."""
    scheme, sep, rest = storage_uri.strip().partition("://")
    target = _REDIS_SCHEMES.get(scheme.lower()) if sep else None
    return f"{target}://{rest}" if target else None


def client_salt(storage_uri: str, name: str = "client-key") -> Callable[[], bytes]:
    """The key that hashes client addresses for counters kept in `storage_uri` (see the
    module's docstring). When Redis cannot be reached, this process's own key is used (the
    rate limiter then counts in memory too) and the shared one is asked for again later."""
    local = secrets.token_bytes(32)
    url = redis_url(storage_uri)
    if url is None:
        return lambda: local
    holder: dict[str, Any] = {}

    def client() -> Any:
        if "client" not in holder:
            import redis

            holder["client"] = redis.Redis.from_url(url, socket_timeout=TIMEOUT,
                                                    socket_connect_timeout=TIMEOUT)
        return holder["client"]

    shared = DailySecret(client, name)
    retry_at = [0.0]

    def salt() -> bytes:
        if time.monotonic() < retry_at[0]:
            return local
        try:
            return shared.current()
        except Exception as exc:  # Redis down: keep answering, keyed per host meanwhile
            retry_at[0] = time.monotonic() + RETRY_SECONDS
            log.warning("cannot reach Redis for the shared %s (%s); keying clients per host "
                        "for %d s", name, type(exc).__name__, RETRY_SECONDS)
            return local

    return salt
