"""Similar questions over the search index: one question index per index generation, the
process-wide default for the semantic extra, and `similar_questions`, the call the pages, the
API and the CLI make."""

from __future__ import annotations

import threading
from typing import Any

from indexer.editors.similar.index import QuestionIndex
from indexer.results import SimilarHit
from indexer.search import all_records

MEMO_KEY = "similar.question_index"


class _Defaults:
    """Process-wide defaults set once by `configure` (the web app's settings)."""

    def __init__(self) -> None:
        self.semantic = False


_DEFAULTS = _Defaults()
_SEMANTIC_LOCK = threading.Lock()


def question_index(s: Any) -> QuestionIndex:
    """The question index for the generation of the search index that session `s` sees:
    built on first use and kept with that generation (dropped when a new one is swapped in).
    It is the lazy form (`QuestionIndex.from_records(..., lazy=True)`): batch work over every
    entry takes `question_index(s).with_all_entries()`."""
    gen = s.gen
    qi = gen.cache.get(MEMO_KEY)
    if qi is None:
        with gen.lock:
            qi = gen.cache.get(MEMO_KEY)
            if qi is None:
                qi = gen.cache[MEMO_KEY] = QuestionIndex.from_records(all_records(s), lazy=True)
    return qi


def configure(settings: Any) -> None:
    """Take the process-wide defaults from the settings (`semantic`: QASEARCH_SEMANTIC).
    Raises `indexer.text.semantic.SemanticUnavailable` with the install command when the semantic
    extra is asked for but not installed."""
    want = bool(getattr(settings, "semantic", False))
    if want:
        from indexer.text import semantic as sem

        sem.require()
    _DEFAULTS.semantic = want


def _with_semantic(qi: QuestionIndex) -> QuestionIndex:
    """Attach the embeddings to the generation's question index once (encoded or loaded
    from the cache; lexical requests meanwhile go on: this is not the generation's lock)."""
    if qi.semantic is not None:
        return qi
    from indexer.text import semantic as sem

    with _SEMANTIC_LOCK:
        if qi.semantic is None:
            sem.attach(qi)
    return qi


def warm(s: Any) -> None:
    """Build the question index of the session's generation now (and attach the embeddings
    when the semantic extra is on: encoded once, then loaded from the cache)."""
    qi = question_index(s)
    if _DEFAULTS.semantic:
        _with_semantic(qi)


def similar_questions(
    s: Any, text: str, *, limit: int = 10, exclude_id: str | None = None,
    semantic: bool | None = None,
) -> list[SimilarHit]:
    """Archived questions similar to `text`, best first, with calibrated scores (0..1) and
    the "likely already answered" flag. Never raises for any text; [] for empty text.
    `semantic`: use the optional embeddings (default: as `configure` set, i.e.
    QASEARCH_SEMANTIC); raises `SemanticUnavailable` when asked for and not installed."""
    if not (text or "").strip() or limit < 1:
        return []
    use_sem = _DEFAULTS.semantic if semantic is None else semantic
    qi = question_index(s)
    if use_sem:
        from indexer.text import semantic as sem

        sem.require()
        qi = _with_semantic(qi)
    return qi.search(text[:5000], limit=limit, exclude_id=exclude_id, semantic=use_sem)
