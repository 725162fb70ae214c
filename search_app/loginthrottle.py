"""Sign-in throttling for the editors' login: exponential back-off per client.

A client may get the token wrong `FREE_FAILURES` times within `WINDOW_SECONDS`; each further
wrong token locks it out for `BASE_SECONDS` × 2^(n − 1) seconds (n: wrong tokens past the
free ones), at most `MAX_SECONDS`. While locked out, every sign-in attempt (right or wrong
token) gets 429 with Retry-After and the token is not even compared. A right token clears the
client's record.

Clients are keyed by an HMAC of their address under a random key made when the app is built
(held in memory only, shared with the worker processes forked from it; with Redis, a key agreed
by every host for the day: indexer.dailykey), so no store ever holds an address. Counters
live in the rate limiter's store (`settings.rate_limit_storage`: the SQLite file shared by
`qasearch serve --workers N`, Redis...), else in this process's memory.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits.storage import MemoryStorage, Storage, storage_from_string

from indexer.dailykey import client_salt

FREE_FAILURES = 5
WINDOW_SECONDS = 3600  # wrong tokens are counted over this long (from the first one)
BASE_SECONDS = 2
MAX_SECONDS = 15 * 60
RETRY_SHARED_SECONDS = 30  # after the shared store fails, count in memory this long

log = logging.getLogger(__name__)


def lockout_seconds(failures: int) -> int:
    """How long a client is locked out after its `failures`-th wrong token (0: not)."""
    past = failures - FREE_FAILURES
    if past <= 0:
        return 0
    return min(MAX_SECONDS, BASE_SECONDS * 2 ** min(past - 1, 30))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds, when not allowed


class LoginThrottle:
    """Wrong-token counts and lock-outs per client (by keyed hash), in a `limits` store."""

    def __init__(self, storage_uri: str = "", *, key: bytes | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        uri = storage_uri.strip() or "memory://"
        if uri.startswith("qasearch+sqlite:"):
            import search_app.limitstore  # noqa: F401  (registers the storage scheme)
        self.storage: Storage = _Fallback(storage_from_string(uri), clock)
        self._key = (lambda: key) if key else client_salt(uri, "login-client-key")
        self.clock = clock

    def client(self, address: str | None) -> str:
        """The opaque key of a client address (never stored as is)."""
        return hmac.new(self._key(), (address or "unknown").encode(), hashlib.sha256
                        ).hexdigest()[:32]

    def check(self, client: str) -> Verdict:
        """May `client` try a token now?"""
        lock = f"editor-login-lock/{client}"
        if self.storage.get(lock) > 0:
            left = self.storage.get_expiry(lock) - self.clock()
            if left > 0:
                return Verdict(False, max(1, math.ceil(left)))
        return Verdict(True)

    def failed(self, client: str) -> Verdict:
        """Count a wrong token; the verdict for the next attempt (locked out or not)."""
        failures = self.storage.incr(f"editor-login-fail/{client}", WINDOW_SECONDS)
        seconds = lockout_seconds(failures)
        if not seconds:
            return Verdict(True)
        self.storage.clear(f"editor-login-lock/{client}")
        self.storage.incr(f"editor-login-lock/{client}", seconds)
        return Verdict(False, seconds)

    def succeeded(self, client: str) -> None:
        """A right token: forget the client's wrong ones."""
        self.storage.clear(f"editor-login-fail/{client}")
        self.storage.clear(f"editor-login-lock/{client}")


class _Fallback:
    """The shared store, or this process's memory while the shared one cannot be reached
    (a Redis outage must not turn every sign-in into a 500): counts made meanwhile are per
    process, and the shared store is tried again after `RETRY_SHARED_SECONDS`."""

    def __init__(self, shared: Storage, clock: Callable[[], float]) -> None:
        self.shared, self.memory, self.clock = shared, MemoryStorage(), clock
        self.down_until = 0.0

    def _call(self, name: str, *args: object) -> object:
        if self.clock() >= self.down_until:
            try:
                return getattr(self.shared, name)(*args)
            except Exception as exc:  # any store failure: fall back, and say so
                self.down_until = self.clock() + RETRY_SHARED_SECONDS
                log.warning("sign-in throttle store unavailable (%s); counting in memory "
                            "for %d s", type(exc).__name__, RETRY_SHARED_SECONDS)
        return getattr(self.memory, name)(*args)

    def get(self, key: str) -> int:
        return int(self._call("get", key))  # type: ignore[arg-type]

    def get_expiry(self, key: str) -> float:
        return float(self._call("get_expiry", key))  # type: ignore[arg-type]

    def incr(self, key: str, expiry: int) -> int:
        return int(self._call("incr", key, expiry))  # type: ignore[arg-type]

    def clear(self, key: str) -> None:
        self._call("clear", key)
