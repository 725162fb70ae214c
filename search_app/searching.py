"""One place where pages and the API run a search: the search core, a small result cache,
urgent help (urgent.py) and privacy-safe query logging (the editors' QueryLog, issue D).

The cache keeps the most recent results in this process (at most `settings.search_cache`
of them and `settings.search_cache_mb` megabytes by `result_bytes`, and never more than the
results' share of the library's per-process cache budget, `indexer.index.caches.budget`),
keyed by the index generation and the request, so a rebuilt index never serves old results;
popular queries and the widget's repeated as-you-type prefixes are answered without searching
again.
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from flask import current_app, request

from indexer.editors.querylog import QueryLog, session_key
from indexer.results import SearchResult
from indexer.search import search
from search_app import urgent
from search_app.index import generation, searcher
from search_app.settings import Settings

log = logging.getLogger(__name__)
QLOG_KEY = "qasearch.querylog"
CACHE_KEY = "qasearch.results"



# What a result's small objects hold beyond their strings (a dataclass instance with its
# attribute dict, a list, a bool, a float), checked against a deep walk of every object
# reachable from the results of bench/memory.py's 156 queries on MedQuAD, pages 1 and 2:
# estimate / walk median 1.00, range 0.56-1.36, mean 47 kB a result (tests/web/
# test_result_cache.py holds the sample archive's results to a factor of two).
RESULT_BASE = 2_000  # the result, its lists, facets and understood dict
HIT_BASE = 900  # a hit, its lists and score
SEGMENT_BYTES = 130  # a snippet segment (slots) with its list slot
MATCH_BYTES = 420  # a match with its fields list
ELSEWHERE_BYTES = 380  # an "Also in" entry


def result_bytes(r: SearchResult) -> int:
    """An estimate of the memory a cached search result holds (see RESULT_BASE): the sizes
    of its texts plus a fitted overhead per object, without walking every object."""
    size = sys.getsizeof
    n = RESULT_BASE + 120 * (len(r.facets) + len(r.topics) + len(r.synonyms))
    for h in r.hits:
        n += HIT_BASE + size(h.question) + size(h.title) + size(h.url) + size(h.id)
        n += sum(SEGMENT_BYTES + size(s.text) for s in h.question_parts)
        n += sum(SEGMENT_BYTES + size(s.text) for s in h.answer_parts)
        n += MATCH_BYTES * len(h.matches) + 80 * sum(len(c) for c in h.categories)
        n += sum(ELSEWHERE_BYTES + size(e.question) + size(e.url) for e in h.also_in)
    return n


class ResultCache:
    """A thread-safe LRU of search results (cachetools' LRU under one lock), bounded in
    entries and in bytes (`result_bytes`): a result of a long question holds ~35 kB, so 2,048
    of them would be ~70 MB per worker."""

    def __init__(self, size: int, max_bytes: int = 8 << 20) -> None:
        if size <= 0 or max_bytes <= 0:
            raise ValueError("a result cache needs a positive size and byte budget")
        self.size = size
        self._data: LRUCache[Any, tuple[SearchResult, int]] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda item: item[1])
        self._lock = threading.Lock()

    def get(self, key: Any) -> SearchResult | None:
        with self._lock:
            item = self._data.get(key)
        return None if item is None else item[0]

    def put(self, key: Any, value: SearchResult) -> None:
        n = result_bytes(value)
        if n > self._data.maxsize:
            return
        with self._lock:
            self._data[key] = (value, n)
            while len(self._data) > self.size:
                self._data.popitem()

    @property
    def bytes(self) -> int:
        """The estimated bytes held now."""
        return int(self._data.currsize)

    def __len__(self) -> int:
        return len(self._data)


@dataclass
class Outcome:
    result: SearchResult
    urgent: list[dict[str, Any]]  # the urgent-help situations the query describes (urgent.py)

    @property
    def urgent_notice(self) -> str | None:
        """The first situation's message (the API's `urgent_notice`), or None."""
        return self.urgent[0]["message"] if self.urgent else None


def settings() -> Settings:
    return current_app.config["QASEARCH"]


def run_search(
    q: str,
    *,
    category: list[str] | None = None,
    limit: int = 10,
    offset: int = 0,
    log_query: bool = True,
    correct: bool = True,
) -> Outcome:
    """Search `q`; `correct=False` runs it exactly as typed, for "Search instead for ..."."""
    result = _cached_search(q, category, limit, offset, correct)
    if log_query and offset == 0:
        log_search(q, result.total)
    return Outcome(result, urgent_help(q, result.searched))


def urgent_help(*texts: str) -> list[dict[str, Any]]:
    """The urgent-help situations `texts` describe, as plain dicts; none when the site turned
    urgent help off (an empty `emergency_notice`)."""
    cfg = settings()
    if not cfg.emergency_notice:
        return []
    table = urgent.load(cfg.urgent_terms_file, cfg.emergency_notice)
    return table.to_dicts(table.match(*texts))


def _cached_search(q: str, category: list[str] | None, limit: int, offset: int,
                   correct: bool) -> SearchResult:
    session = searcher()
    cache: ResultCache | None = current_app.extensions.get(CACHE_KEY)
    gen = generation()
    if cache is None or gen is None:
        return search(session, q, category=category, limit=limit, offset=offset,
                      autocorrect=correct)
    key = (gen, q, tuple(category or ()), limit, offset, correct)
    result = cache.get(key)
    if result is None:
        result = search(session, q, category=category, limit=limit, offset=offset,
                        autocorrect=correct)
        cache.put(key, result)
    return result


def is_corrected(res: SearchResult) -> bool:
    """Were (some of) the hits found through a spelling correction? The core either searches
    the whole corrected query (`corrected`) or corrects words inside it (matches via
    "correction")."""
    return bool(res.did_you_mean) and (res.corrected or any(
        m.via == "correction" for h in res.hits for m in h.matches))


def log_search(query: str, n_results: int) -> None:
    """Count a search in the query statistics under a salted, daily-rotated session key:
    the client address and user agent are used to derive it and never stored. Written at
    once (one short transaction): an editor's report, from any process or host, includes
    every search answered before it."""
    qlog: QueryLog | None = current_app.extensions.get(QLOG_KEY)
    if qlog is None:
        return
    try:
        key = session_key(request.remote_addr or "", request.user_agent.string or "")
        qlog.record(query, key, n_results)
    except Exception:  # statistics must never break a search
        log.exception("could not record a query in the statistics")
