"""Per-client rate limiting of the public API (Flask-Limiter, in-memory counters).

The counters live in the process, so the limit holds because `qasearch serve` runs one
process (waitress with threads). Behind a reverse proxy set `trusted_proxies` so the client
address comes from X-Forwarded-For. Clients are keyed by address only inside the limiter's
memory; addresses are never written anywhere. An empty `rate_limit` setting disables it.
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, Flask, request
from flask_limiter import Limiter
from limits import parse_many

from indexer.settings import Settings
from search_app.security import is_public_api

SCOPE = "public-api"


def client_key() -> str:
    return request.remote_addr or "unknown"


def _not_public() -> bool:
    return not is_public_api(request.path)


def init_app(app: Flask, settings: Settings, public: list[Blueprint]) -> Limiter | None:
    """Limit every route of the `public` blueprints together (one budget per client)."""
    rate = settings.rate_limit.strip()
    if not rate:
        return None
    try:
        parse_many(rate)
    except ValueError as exc:
        raise ValueError(f"setting rate_limit: cannot use {rate!r} ({exc})") from exc
    limiter = Limiter(
        client_key,
        storage_uri="memory://",
        strategy="sliding-window-counter",
        headers_enabled=False,  # our own headers: Retry-After only on 429 (see retry_after)
    )
    for bp in public:  # editor routes (token-protected) are not counted
        limiter.shared_limit(rate, scope=SCOPE, exempt_when=_not_public)(bp)
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
