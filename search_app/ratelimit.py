"""Per-client rate limiting of the public API (Flask-Limiter), in two budgets:

- as-you-type calls (`/api/suggest`, and `/api/search?partial=1` sent by the widget while a
  visitor types) count against `settings.suggest_rate_limit` (default 600/minute: a
  debounced box sends two calls per pause in typing, so a minute of steady typing stays
  well inside it);
- every other public API call (searches, records, categories, similar questions, the
  OpenAPI document) counts against `settings.rate_limit` (default 120/minute).

Counters live in this process's memory unless `settings.rate_limit_storage` names a shared
store; `qasearch serve --workers N` runs N processes and points them all at one SQLite file
(search_app.limitstore), so a client's budget holds across processes. Clients are keyed by
a keyed hash of their address (a random key made when the app is created, shared with the
worker processes forked from it), so no store ever holds an address. Behind a reverse proxy
set `trusted_proxies` so the address comes from X-Forwarded-For. An empty limit disables
its budget.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable

from flask import Blueprint, Flask, request
from flask_limiter import Limiter
from limits import parse_many

from search_app.security import is_public_api
from search_app.settings import Settings

SCOPE = "public-api"
TYPING_SCOPE = "as-you-type"
TYPING_PATHS = ("/api/suggest",)


def is_typing() -> bool:
    """Is this request an as-you-type call?"""
    path = request.path
    if path in TYPING_PATHS:
        return True
    if path == "/api/search":
        return (request.args.get("partial") or "").strip().lower() in {"1", "true", "yes", "on"}
    return False


def _client_key(salt: bytes) -> Callable[[], str]:
    def key() -> str:
        addr = (request.remote_addr or "unknown").encode()
        return hmac.new(salt, addr, hashlib.sha256).hexdigest()[:32]

    return key


def _check(name: str, rate: str) -> str:
    rate = rate.strip()
    if rate:
        try:
            parse_many(rate)
        except ValueError as exc:
            raise ValueError(f"setting {name}: cannot use {rate!r} ({exc})") from exc
    return rate


def init_app(app: Flask, settings: Settings, public: list[Blueprint]) -> Limiter | None:
    """Limit every public route of the `public` blueprints (editor routes are exempt)."""
    rate = _check("rate_limit", settings.rate_limit)
    typing_rate = _check("suggest_rate_limit", settings.suggest_rate_limit)
    if not rate and not typing_rate:
        return None
    storage = settings.rate_limit_storage.strip() or "memory://"
    if storage.startswith("qasearch+sqlite:"):
        import search_app.limitstore  # noqa: F401  (registers the storage scheme)
    limiter = Limiter(
        _client_key(secrets.token_bytes(32)),
        storage_uri=storage,
        strategy="sliding-window-counter",
        headers_enabled=False,  # our own headers: Retry-After only on 429 (see retry_after)
    )

    def not_public() -> bool:
        return not is_public_api(request.path)

    for bp in public:
        if rate:
            limiter.shared_limit(rate, scope=SCOPE,
                                 exempt_when=lambda: not_public() or is_typing())(bp)
        if typing_rate:
            limiter.shared_limit(typing_rate, scope=TYPING_SCOPE,
                                 exempt_when=lambda: not_public() or not is_typing())(bp)
    limiter.init_app(app)
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
    return max(1, math.ceil(current.reset_at - time.time()))
