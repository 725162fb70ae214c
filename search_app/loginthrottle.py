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
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits.storage import Storage, storage_from_string

from indexer.dailykey import client_salt

FREE_FAILURES = 5
WINDOW_SECONDS = 3600  # wrong tokens are counted over this long (from the first one)
BASE_SECONDS = 2
MAX_SECONDS = 15 * 60


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
        self.storage: Storage = storage_from_string(uri)
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
