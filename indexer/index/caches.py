"""Caches bounded in bytes, not only in entries: what a searching process keeps per generation
(term scores, phrase masks, decoded records) must stay within a budget however large the
index grows (a cached posting list of a common term is 17,912 rows on MedQuAD, ten times that
on an index ten times larger).

    cache = ByteLRU(8 << 20)                  # at most 8 MB of values
    hit = cache.get(key)                      # None when absent
    cache.put(key, value)                     # the least recently used go first

    @byte_lru(4 << 20)                        # a function's results, like functools.lru_cache
    def decode(row: int) -> Record: ...

Every such cache takes its budget from one per-process budget (`budget`, `entries`): the
setting `cache_mb` (``QASEARCH_CACHE_MB``) split by the fixed shares of `SHARES`.

    ByteLRU(budget("records"))                # the records' share of QASEARCH_CACHE_MB
    @lru_cache(maxsize=entries("query_words"))  # a memo bounded in entries: share / entry size

Sizes are estimates (`sizeof`): numpy arrays by their own buffer (`nbytes`; a view of a
memory-mapped file counts nothing, its pages are shared), strings, bytes, containers and
dataclass-like objects by `sys.getsizeof` of themselves and their members. A value larger
than the whole budget is returned but not kept. Thread-safe.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
_MAX_DEPTH = 4  # nesting followed by `sizeof` (records hold lists of strings, no deeper)


def sizeof(value: Any, _depth: int = 0) -> int:
    """An estimate of the memory `value` holds on its own, in bytes."""
    if isinstance(value, np.ndarray):
        return _array_bytes(value)
    size = sys.getsizeof(value)
    if _depth >= _MAX_DEPTH or isinstance(value, (str, bytes, int, float, bool, type(None))):
        return size
    if isinstance(value, dict):
        return size + sum(sizeof(k, _depth + 1) + sizeof(v, _depth + 1)
                          for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return size + sum(sizeof(v, _depth + 1) for v in value)
    members = getattr(value, "__dict__", None)
    if members is not None:
        return size + sizeof(members, _depth + 1)
    slots = getattr(type(value), "__slots__", ())
    return size + sum(sizeof(getattr(value, s, None), _depth + 1) for s in slots)


def _array_bytes(arr: np.ndarray) -> int:
    """An array's header, plus its data when the data lives in process memory (its own or a
    base array's kept alive by it; a view of a memory-mapped file holds no private pages)."""
    if arr.flags.owndata:
        return sys.getsizeof(arr)
    base: Any = arr
    while isinstance(base, np.ndarray) and not base.flags.owndata:
        base = base.base
    private = isinstance(base, np.ndarray)  # else a buffer: mmap, bytes
    return sys.getsizeof(arr) + (arr.nbytes if private else 0)


# The shares of the per-process budget (settings.cache_mb, 20 MB by default), in one place.
# What each one holds after bench/memory.py's queries and after 3,000 distinct queries more
# (one process; tracemalloc of the bytes freed by emptying it) chose them: the benchmark's
# working set fits in every share (term scores 3.4 MB, records 3.4, word spans 1.4), the
# rest only bounds a long-running server (before this budget: ~70 MB per process when full,
# and 2 warm workers + master passed 400 MB after 3,000 distinct queries).
SHARES: dict[str, float] = {
    # byte-bounded caches (estimated bytes, `sizeof` or the cache's own estimate)
    "term_scores": 0.24,  # search.scoring: a term's scores over its rows, per generation
    "hot_scores": 0.05,  # search.scoring: the terms asked for lately, in front of those
    "records": 0.2,  # search.hits: decoded records of recent hits
    "results": 0.105,  # search_app.searching: whole results of recent searches
    "phrases": 0.05,  # search.execute: phrase masks (a bool per row)
    "spans": 0.1,  # search.hits / index.wordspans: where the stems' words are in texts
    "briefs": 0.05,  # search.hits: "Also in" entries
    "answer_sets": 0.02,  # search.distinct: answers' word sets
    "spelling": 0.025,  # text.spelling: corrections (or none) of typed words
    # memos bounded in entries (functools.lru_cache): the share / MEMO_ENTRY_BYTES
    "snippet_heads": 0.04,  # search.snippets._heads: a stem set's word beginnings
    "head_words": 0.03,  # search.snippets._head_words: a beginning's compiled pattern
    "snippet_patterns": 0.02,  # search.snippets._candidates: a head set's compiled pattern
    "query_words": 0.01,  # search.query._words_of: a text's folded words
    "query_stems": 0.01,  # search.query._stems_of: a text's stems
    "raw_capitals": 0.01,  # search.plan._raw_capitals: a text's words in capitals
    "question_types": 0.01,  # text.qtypes._types: what a question asks about
    "log_stems": 0.01,  # editors.querylog._stem: a logged query word's stem
    "checked_urls": 0.02,  # search_app.present._checked_url: a hit's source URL checked
}  # (text.analysis's term and stem memos are left out: a build's workers need them whole,
# and a server's hold ~1 MB; the editors' similar-question entries serve editors alone)
# Measured bytes per entry of the memos above (their keys, values and the cache's own
# bookkeeping; tracemalloc of a memo emptied after 3,000 queries, over the entries it held).
MEMO_ENTRY_BYTES: dict[str, int] = {
    "snippet_heads": 700, "head_words": 530, "snippet_patterns": 800, "query_words": 200,
    "query_stems": 130, "raw_capitals": 200, "question_types": 170, "log_stems": 200,
    "checked_urls": 250,
}
MIN_ENTRIES = 64  # a memo keeps at least this many entries, however small the budget


def budget(name: str, n_rows: int = 0) -> int:
    """The bytes of the per-process budget (``QASEARCH_CACHE_MB``) that the cache `name`
    of `SHARES` may hold; for a per-generation cache of `n_rows` rows, scaled as
    `scaled_budget` says."""
    from indexer.settings import Settings

    total_mb = Settings.load().cache_mb
    if total_mb <= 0:
        raise ValueError(f"setting cache_mb: the caches need a positive budget, not {total_mb}")
    share = max(1, int(total_mb * (1 << 20) * SHARES[name]))
    return scaled_budget(share, n_rows) if n_rows else share


def entries(name: str) -> int:
    """How many entries the memo `name` of `MEMO_ENTRY_BYTES` may keep within its share."""
    return max(MIN_ENTRIES, budget(name) // MEMO_ENTRY_BYTES[name])


class ByteLRU:
    """A least-recently-used map bounded by the total `sizeof` of its values (and keys).

    An ordered dict under a lock (a hit: one lookup and a move to the end, in C; a search
    asks a dozen of these caches for decoded records, term scores and answer sets)."""

    def __init__(self, max_bytes: int, size: Callable[[Any], int] = sizeof) -> None:
        if max_bytes <= 0:
            raise ValueError(f"a cache needs a positive budget in bytes, not {max_bytes}")
        self.max_bytes = max_bytes
        self._size = size
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()  # oldest first
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return default
            self._items.move_to_end(key)
        return item[0]

    def put(self, key: Hashable, value: Any) -> None:
        """Keep `value` (unless it alone is over the budget), dropping the least recently
        used entries as needed."""
        n = self._size(value) + sizeof(key)
        if n > self.max_bytes:
            return
        with self._lock:
            items = self._items
            old = items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            while items and self._bytes + n > self.max_bytes:
                self._bytes -= items.popitem(last=False)[1][1]
            items[key] = (value, n)
            self._bytes += n

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        """The estimated bytes held now."""
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


SCALE_ROWS = 20_000  # a per-generation cache budget grows with a generation past this many
# rows (the shares were measured on MedQuAD, 17,912), in proportion: its entries (a term's
# scores over the rows) grow so, and the same entries must fit (bench/growth.py --factors 1 10:
# with twice the budget at 10x, long p50 grew x5.8; with 80 MB in all, x2.0)
SCALE_MOST = 10.0  # ...up to this factor


def scaled_budget(max_bytes: int, n_rows: int) -> int:
    """`max_bytes` for a generation of `n_rows`, more for a large one: what such a cache
    keeps (a term's scores over its rows, a record's duplicates) grows with the corpus, so
    the same entries take more bytes (at 10x MedQuAD, 179,120 rows, a cycle of
    bench/memory.py's questions needed 28 MB of term scores and 3.6 MB of "Also in"
    entries, and missed every time with 16 and 2 MB). Never more than SCALE_MOST times
    `max_bytes`; MedQuAD itself keeps the budget as given."""
    return int(min(SCALE_MOST * max_bytes, max(max_bytes, max_bytes * n_rows / SCALE_ROWS)))


def byte_lru(max_bytes: int, size: Callable[[Any], int] = sizeof
             ) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: remember a function's results by its (hashable) arguments within
    `max_bytes`; the wrapper's `cache` attribute is its `ByteLRU`."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        cache = ByteLRU(max_bytes, size)
        missing = object()

        @functools.wraps(fn)
        def cached(*args: Any) -> T:
            hit = cache.get(args, missing)
            if hit is not missing:
                return hit
            value = fn(*args)
            cache.put(args, value)
            return value

        cached.cache = cache  # type: ignore[attr-defined]
        return cached

    return wrap
