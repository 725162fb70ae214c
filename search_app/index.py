"""The index behind the app: one `IndexStore` per app, one searcher per request.

The store is created by `init_app` (cheap: it does no I/O until first use). A request that
needs the index calls `searcher()`; the searcher is opened once per request, kept on `g`, and
closed when the app context is torn down. Each new searcher sees the newest generation the
builder swapped in, so a rebuilt index is picked up without a restart.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from flask import Flask, current_app, g

from indexer.settings import Settings

_STORE_KEY = "qasearch.store"


class IndexUnavailable(RuntimeError):
    """No index has been built at the configured directory (maps to HTTP 503)."""


def init_app(app: Flask, settings: Settings) -> None:
    from indexer.store import IndexStore  # imports Whoosh; opens nothing

    app.extensions[_STORE_KEY] = IndexStore(settings.index_dir)
    app.teardown_appcontext(close_searcher)


def store() -> Any:
    return current_app.extensions[_STORE_KEY]


def searcher() -> Any:
    """The request's searcher session (opaque; pass it to `indexer.search` functions)."""
    if "qasearch_searcher" not in g:
        st = store()
        if not st.exists():
            raise IndexUnavailable(
                "The search index has not been built yet. Run `qasearch index` and try again."
            )
        stack = ExitStack()
        try:
            g.qasearch_searcher = stack.enter_context(st.searcher())
        except FileNotFoundError as exc:  # the index vanished between the check and the open
            raise IndexUnavailable(
                "The search index is not available right now. Please try again later."
            ) from exc
        g.qasearch_stack = stack
    return g.qasearch_searcher


def close_searcher(_exc: BaseException | None = None) -> None:
    stack = g.pop("qasearch_stack", None)
    g.pop("qasearch_searcher", None)
    if stack is not None:
        stack.close()
