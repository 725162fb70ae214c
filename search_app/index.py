"""The index behind the app: one `IndexStore` per app, one searcher session per request.

The store is created by `init_app` (cheap: it does no I/O until first use). A request that
needs the index calls `searcher()`: the session is opened once per request, kept on `g`, and
closed when the app context is torn down. Each new session sees the generation the builder
last swapped in, so a rebuilt index is picked up by the next request, without a restart.
`generation()` names the generation the session reads (the one served: a damaged
generation's stand-in), so the result cache and the ETags keyed by it never file one
generation's answers under another's name; the pointer file is read once per request.

A damaged generation is handled by the store: it logs the damage and serves the generation
the damaged one replaced; only when no intact generation is left do requests get a 503 that
says the index must be rebuilt (the log has the details; the response has no file paths).
"""

from __future__ import annotations

import gc
from contextlib import ExitStack
from typing import Any

from flask import Flask, current_app, g

from search_app.settings import Settings

STORE_KEY = "qasearch.store"
WARMED_KEY = "qasearch.warmed_generation"  # the generation `warm_up` opened
FROZEN_KEY = "qasearch.frozen_generation"  # the generation whose caches gc.freeze() holds


class IndexUnavailable(RuntimeError):
    """No index has been built at the configured directory (maps to HTTP 503)."""


def init_app(app: Flask, settings: Settings) -> None:
    from indexer.index.store import IndexStore  # imports Whoosh; opens nothing

    app.extensions[STORE_KEY] = IndexStore(settings.index_dir)
    app.teardown_appcontext(close_searcher)


def warm_up(app: Flask) -> bool:
    """Open the live generation and build its lazy caches before the first request (a server
    process calls it once it is ready to serve; with gunicorn, in each worker after the fork,
    so no open file is shared between processes). False when no index is built yet."""
    from indexer import search as core
    from indexer.editors import similar

    try:
        with app.extensions[STORE_KEY].searcher() as session:
            core.warm(session)
            similar.warm(session)  # record pages show similar questions (~2 s on 18k)
            app.extensions[WARMED_KEY] = session.gen.name
    except FileNotFoundError:
        return False
    return True


def freeze_warm_objects(app: Flask) -> None:
    """After `warm_up`: move every object alive now (the app, the index's caches) out of the
    cyclic garbage collector's reach (gc.freeze), so that its collections during requests
    no longer walk them (~0.1 ms a request on MedQuAD) nor write to pages shared with a
    forking master. The first request that opens another generation thaws them (`searcher`),
    so the replaced generation's caches can be collected."""
    gc.collect()
    gc.freeze()
    app.extensions[FROZEN_KEY] = app.extensions.get(WARMED_KEY)


def _thaw_if_replaced(app: Flask, name: str) -> None:
    frozen = app.extensions.get(FROZEN_KEY)
    if frozen is not None and frozen != name:
        app.extensions[FROZEN_KEY] = None
        gc.unfreeze()


def store() -> Any:
    return current_app.extensions[STORE_KEY]


def searcher() -> Any:
    """The request's searcher session (opaque; pass it to `indexer.search` functions)."""
    if "qasearch_session" not in g:
        st = store()
        stack = ExitStack()
        try:
            session = stack.enter_context(st.searcher())
        except FileNotFoundError as exc:  # no index yet, it vanished, or it is damaged
            stack.close()
            from indexer.index.store import IndexDamaged

            if isinstance(exc, IndexDamaged):
                raise IndexUnavailable(
                    "The search index is damaged and must be rebuilt "
                    "(`qasearch index --full`); the server log says which file."
                ) from exc
            raise IndexUnavailable(
                "The search index has not been built yet. Run `qasearch index` and try again."
            ) from exc
        # Open this thread's Whoosh searcher now, outside any lock: the similar-questions
        # index is built under the generation's lock, and the core takes that same lock the
        # first time a thread opens its searcher (a self-deadlock on a fresh thread).
        getattr(session, "searcher", None)
        g.qasearch_session = (session.gen.name, session, stack)
        _thaw_if_replaced(current_app, session.gen.name)
    return g.qasearch_session[1]


def generation() -> str | None:
    """Name of the generation of the request's session (opening it if needed)."""
    searcher()
    return g.qasearch_session[0]


def close_searcher(_exc: BaseException | None = None) -> None:
    item = g.pop("qasearch_session", None)
    if item is not None:
        item[2].close()
