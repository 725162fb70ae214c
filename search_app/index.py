"""The index behind the app: one `IndexStore` per app, one searcher session per request.

The store is created by `init_app` (cheap: it does no I/O until first use). A request that
needs the index calls `searcher()`: the session is checked out once per request, kept on `g`,
and given back when the app context is torn down.

Opening a session opens Whoosh readers (tens of milliseconds on a large index), so sessions
are pooled: a finished request returns its session to a small pool of idle ones, and the next
request reuses it *if it still belongs to the live generation*. Every checkout compares with
the generation the builder last swapped in (`IndexStore.generation()`, one tiny file read):
idle sessions of an older generation are closed then, so a rebuilt index is picked up by the
very next request, without a restart, and the old generation is released.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack
from typing import Any

from flask import Flask, current_app, g

from indexer.settings import Settings

_STORE_KEY = "qasearch.store"
_POOL_KEY = "qasearch.sessions"


class IndexUnavailable(RuntimeError):
    """No index has been built at the configured directory (maps to HTTP 503)."""


class SessionPool:
    """Idle searcher sessions of the live generation, reused one request at a time."""

    def __init__(self, store: Any, max_idle: int) -> None:
        self.store = store
        self.max_idle = max_idle
        self._idle: list[tuple[str | None, Any, ExitStack]] = []
        self._lock = threading.Lock()

    def _live(self) -> str | None:
        generation = getattr(self.store, "generation", None)
        return generation() if generation is not None else None

    def checkout(self) -> tuple[str | None, Any, ExitStack]:
        live = self._live()
        stale: list[ExitStack] = []
        found = None
        with self._lock:
            while self._idle:
                item = self._idle.pop()
                if live is not None and item[0] == live:
                    found = item
                    break
                stale.append(item[2])
        for stack in stale:
            stack.close()
        if found is not None:
            return found
        stack = ExitStack()
        try:
            session = stack.enter_context(self.store.searcher())
        except FileNotFoundError as exc:  # no index yet, or it vanished meanwhile
            stack.close()
            raise IndexUnavailable(
                "The search index has not been built yet. Run `qasearch index` and try again."
            ) from exc
        return live, session, stack

    def checkin(self, item: tuple[str | None, Any, ExitStack], *, reuse: bool) -> None:
        if reuse and item[0] is not None:
            with self._lock:
                if len(self._idle) < self.max_idle:
                    self._idle.append(item)
                    return
        item[2].close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for _, _, stack in idle:
            stack.close()


def init_app(app: Flask, settings: Settings) -> None:
    from indexer.store import IndexStore  # imports Whoosh; opens nothing

    store = IndexStore(settings.index_dir)
    app.extensions[_STORE_KEY] = store
    app.extensions[_POOL_KEY] = SessionPool(store, max_idle=max(4, settings.threads * 2))
    app.teardown_appcontext(release_searcher)


def store() -> Any:
    return current_app.extensions[_STORE_KEY]


def searcher() -> Any:
    """The request's searcher session (opaque; pass it to `indexer.search` functions)."""
    if "qasearch_session" not in g:
        g.qasearch_session = current_app.extensions[_POOL_KEY].checkout()
    return g.qasearch_session[1]


def generation() -> str | None:
    """Name of the generation the request's session belongs to (None when unknown).
    Opens the session if the request has none yet."""
    searcher()
    return g.qasearch_session[0]


def release_searcher(exc: BaseException | None = None) -> None:
    item = g.pop("qasearch_session", None)
    if item is not None:
        current_app.extensions[_POOL_KEY].checkin(item, reuse=exc is None)
