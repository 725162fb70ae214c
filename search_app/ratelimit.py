"""Per-client rate limiting of every public route (Flask-Limiter), in two budgets:

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
its budget.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable

from flask import Flask, request
from flask_limiter import ApplicationLimit, Limiter
from limits import parse_many
from limits.errors import ConfigurationError

from indexer.dailykey import client_salt
from search_app.settings import Settings

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


def init_app(app: Flask, settings: Settings) -> Limiter | None:
    """Limit every public request of `app` (see the module's docstring for the budgets)."""
    rate = _check("rate_limit", settings.rate_limit)
    typing_rate = _check("suggest_rate_limit", settings.suggest_rate_limit)
    if not rate and not typing_rate:
        return None
    storage = settings.rate_limit_storage.strip() or "memory://"
    if storage.startswith("qasearch+sqlite:"):
        import search_app.limitstore  # noqa: F401  (registers the storage scheme)
    budgets = [ApplicationLimit(value, scope=name,
                                exempt_when=lambda name=name: budget_of() != name)
               for name, value in ((PUBLIC, rate), (TYPING, typing_rate)) if value]
    limiter = Limiter(
        _client_key(client_salt(storage)),  # agreed by every host when counters are in Redis
        application_limits=budgets,
        storage_uri=storage,
        strategy="sliding-window-counter",
        headers_enabled=False,  # our own headers: Retry-After only on 429 (see retry_after)
        in_memory_fallback_enabled=True,  # a shared store that is down: count per process
    )
    try:
        limiter.init_app(app)
    except ConfigurationError as exc:
        raise ValueError(f"setting rate_limit_storage: cannot use {storage!r} ({exc})") from exc
    app.extensions["qasearch.limiter"] = limiter

    @app.after_request
    def _limit_headers(resp):  # type: ignore[no-untyped-def]
        current = limiter.current_limit
        if current is not None and resp.status_code != 429:
            resp.headers["X-RateLimit-Limit"] = str(current.limit.amount)
            resp.headers["X-RateLimit-Remaining"] = str(max(current.remaining, 0))
            resp.headers["X-RateLimit-Reset"] = str(current.reset_at)
        return resp

    return limiter


def retry_after(app: Flask) -> int:
    """Seconds until the breached limit resets (at least 1), for the 429 response."""
    limiter: Limiter | None = app.extensions.get("qasearch.limiter")
    current = limiter.current_limit if limiter is not None else None
    if current is None:
        return 60
    wait = math.ceil(current.reset_at - time.time())
    window = current.limit.get_expiry()  # a reset never lies further off than one window
    return max(1, min(wait, window))
