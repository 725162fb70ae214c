"""Per-client rate limiting of every public route, in two budgets:

- as-you-type calls count against `settings.suggest_rate_limit` (default 600/minute: a
  debounced box sends two calls per pause in typing, so a minute of steady typing stays
  well inside it). Only what a search box sends while a visitor types is one: `/api/suggest`,
  and a first-page `/api/search?partial=1` of at most `TYPING_MAX_LIMIT` results (what the
  widget asks for). A `partial=1` search asking for more results, or for a later page, is an
  ordinary search;
- every other public request, pages and API alike (searches, records, categories, similar
  questions, the OpenAPI document, problem descriptions), counts against
  `settings.rate_limit` (default 120/minute), one budget per client.

Outside both: static assets and the widget's files, `/healthz` (load balancers poll it), and
editor routes (token-protected; the sign-in form throttles wrong tokens itself).

Counters live in this process's memory unless `settings.rate_limit_storage` names a shared
store; `qasearch serve --workers N` runs N processes and points them all at one SQLite file
(search_app.limitstore), so a client's budget holds across processes. Clients are keyed by
a keyed hash of their address (a random key made when the app is created, shared with the
worker processes forked from it; with Redis, a key agreed by every host for the day:
indexer.dailykey), so no store ever holds an address. Behind a reverse proxy
set `trusted_proxies` so the address comes from X-Forwarded-For. An empty limit disables
its budget. While a shared store cannot be reached, each process counts in its own memory
(and says so in the log) and tries the store again after RETRY_SHARED_SECONDS.

Counting is the `limits` library's sliding-window counter over any of its storages (the ones
Flask-Limiter uses), called once per request by `Budgets.spend`: Flask-Limiter's own
per-request machinery (resolving decorated, blueprint and default limits) cost more than the
count itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable

from flask import Flask, abort, g, request
from flask.wrappers import Response
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import RateLimiter, SlidingWindowCounterRateLimiter

from indexer.dailykey import client_salt
from search_app.settings import Settings

log = logging.getLogger(__name__)
EXTENSION = "qasearch.budgets"
RETRY_SHARED_SECONDS = 30  # a shared storage that failed is tried again after this
PUBLIC = "public"
TYPING = "as-you-type"
TYPING_MAX_LIMIT = 10  # the most results the widget asks for while a visitor types
UNLIMITED_PREFIXES = ("/static/", "/widget.js", "/widget.css", "/healthz", "/favicon",
                      "/editor", "/api/editor")
TRUE = frozenset({"1", "true", "yes", "on"})


def budget_of() -> str | None:
    """The budget this request counts against: PUBLIC, TYPING, or None (not limited)."""
    path = request.path
    if path.startswith(UNLIMITED_PREFIXES):
        return None
    if path == "/api/suggest":
        return TYPING
    if path == "/api/search" and _is_typed_ahead():
        return TYPING
    return PUBLIC


def _is_typed_ahead() -> bool:
    args = request.args
    if (args.get("partial") or "").strip().lower() not in TRUE:
        return False
    limit = (args.get("limit") or "").strip()
    offset = (args.get("offset") or "0").strip() or "0"
    small = limit == "" or (limit.isdigit() and int(limit) <= TYPING_MAX_LIMIT)
    return small and offset.isdigit() and int(offset) == 0


def _client_key(salt: Callable[[], bytes]) -> Callable[[], str]:
    def key() -> str:
        addr = (request.remote_addr or "unknown").encode()
        return hmac.new(salt(), addr, hashlib.sha256).hexdigest()[:32]

    return key


def _check(name: str, rate: str) -> str:
    rate = rate.strip()
    if rate:
        try:
            parse_many(rate)
        except ValueError as exc:
            raise ValueError(f"setting {name}: cannot use {rate!r} ({exc})") from exc
    return rate


def init_app(app: Flask, settings: Settings) -> Budgets | None:
    """Limit every public request of `app` (see the module's docstring for the budgets)."""
    rate = _check("rate_limit", settings.rate_limit)
    typing_rate = _check("suggest_rate_limit", settings.suggest_rate_limit)
    if not rate and not typing_rate:
        return None
    storage = settings.rate_limit_storage.strip() or "memory://"
    budgets = Budgets(storage, {PUBLIC: rate, TYPING: typing_rate},
                      _client_key(client_salt(storage)))  # agreed by every host (Redis)
    app.extensions[EXTENSION] = budgets
    app.before_request(budgets.spend)

    @app.after_request
    def _limit_headers(resp):  # type: ignore[no-untyped-def]
        if resp.status_code != 429:
            budgets.headers(resp)
        return resp

    return budgets


class Budgets:
    """The budgets of `init_app`, counted in a `limits` storage with the sliding-window-counter
    strategy, one check per request (the limit with the shortest window first; the first
    breach refuses the request). While a shared storage cannot be reached, this process's
    memory counts instead (a warning says so), and the shared one is tried again after
    RETRY_SHARED_SECONDS."""

    def __init__(self, storage_uri: str, rates: dict[str, str],
                 key: Callable[[], str]) -> None:
        if storage_uri.startswith("qasearch+sqlite:"):
            import search_app.limitstore  # noqa: F401  (registers the storage scheme)
        try:
            shared = storage_from_string(storage_uri)
        except (ConfigurationError, ValueError) as exc:
            raise ValueError(f"setting rate_limit_storage: cannot use {storage_uri!r} "
                             f"({exc})") from exc
        self.shared = SlidingWindowCounterRateLimiter(shared)
        self.memory = (self.shared if isinstance(shared, MemoryStorage)
                       else SlidingWindowCounterRateLimiter(MemoryStorage()))
        self.items = {name: sorted(parse_many(value)) for name, value in rates.items() if value}
        self.key = key
        self.down_until = 0.0

    def spend(self) -> None:
        """Before a request: count it against its budget, or refuse it (429)."""
        name = budget_of() if request.endpoint else None  # no route: a 404 or 405, free
        items = self.items.get(name) if name else None
        if not items:
            return
        client = self.key()
        for item in items:
            limiter, allowed = self._hit(item, name, client)
            g.qasearch_budget = (limiter, item, name, client)
            if not allowed:
                abort(429)

    def _hit(self, item: RateLimitItem, *ids: str) -> tuple[RateLimiter, bool]:
        if time.monotonic() >= self.down_until:
            try:
                return self.shared, self.shared.hit(item, *ids)
            except Exception as exc:  # any storage failure: count in memory for a while
                self.down_until = time.monotonic() + RETRY_SHARED_SECONDS
                log.warning("rate-limit storage unavailable (%s); counting in this process "
                            "for %d s", type(exc).__name__, RETRY_SHARED_SECONDS)
        return self.memory, self.memory.hit(item, *ids)

    def window(self) -> tuple[RateLimitItem, float, int] | None:
        """This request's limit, when its window resets (epoch seconds) and what is left."""
        spent = g.get("qasearch_budget")
        if spent is None:
            return None
        limiter, item, *ids = spent
        try:
            stats = limiter.get_window_stats(item, *ids)
        except Exception:  # the storage went away since: no figures to give
            return None
        return item, stats.reset_time, stats.remaining

    def headers(self, resp: Response) -> None:
        found = self.window()
        if found is not None:
            item, reset, remaining = found
            resp.headers["X-RateLimit-Limit"] = str(item.amount)
            resp.headers["X-RateLimit-Remaining"] = str(max(remaining, 0))
            resp.headers["X-RateLimit-Reset"] = str(int(reset + 1))


def retry_after(app: Flask) -> int:
    """Seconds until the breached limit resets (at least 1), for the 429 response."""
    budgets: Budgets | None = app.extensions.get(EXTENSION)
    found = budgets.window() if budgets is not None else None
    if found is None:
        return 60
    item, reset, _ = found
    wait = math.ceil(int(reset + 1) - time.time())
    return max(1, min(wait, item.get_expiry()))  # never further off than one window
