"""The per-process cache of search results is bounded in bytes as well as in entries, and
its size estimate (`result_bytes`) stays close to what a result really holds."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import pytest

from indexer.index.store import IndexStore
from indexer.search import search
from search_app.searching import ResultCache, result_bytes

QUERIES = ["back pain", "acupuncture for sciatica", "needles", "can acupuncture help with a "
           "bad back after pregnancy", "fertility", "pins and needles in my hands"]


def _deep(o: Any, seen: set[int]) -> int:
    """Every object reachable from `o`, counted once (the truth the estimate is held to)."""
    if id(o) in seen:
        return 0
    seen.add(id(o))
    n = sys.getsizeof(o)
    if dataclasses.is_dataclass(o):
        if hasattr(o, "__dict__"):
            n += sys.getsizeof(o.__dict__)
        n += sum(_deep(getattr(o, f.name), seen) for f in dataclasses.fields(o))
    elif isinstance(o, (list, tuple)):
        n += sum(_deep(x, seen) for x in o)
    elif isinstance(o, dict):
        n += sum(_deep(k, seen) + _deep(v, seen) for k, v in o.items())
    return n


@pytest.fixture(scope="module")
def results(sample_index: Path) -> list:
    store = IndexStore(sample_index)
    try:
        with store.searcher() as s:
            return [search(s, q, limit=10) for q in QUERIES]
    finally:
        store.close()


def test_the_estimate_is_within_a_factor_of_two_of_a_deep_walk(results) -> None:
    assert sum(bool(r.hits) for r in results) >= 4
    for r in results:
        ratio = result_bytes(r) / _deep(r, set())
        assert 0.5 < ratio < 2.0, (r.query, ratio)


def test_the_cache_holds_at_most_its_budget_in_bytes(results) -> None:
    budget = 3 * max(result_bytes(r) for r in results)
    cache = ResultCache(size=1000, max_bytes=budget)
    for i in range(40):
        cache.put(i, results[i % len(results)])
        assert cache.bytes <= budget
    assert 0 < len(cache) < 40
    assert cache.get(39) is results[39 % len(results)]  # the newest stays
    assert cache.get(0) is None  # the oldest went


def test_the_cache_holds_at_most_its_entries(results) -> None:
    cache = ResultCache(size=3, max_bytes=1 << 30)
    for i in range(10):
        cache.put(i, results[0])
    assert len(cache) == 3 and cache.get(9) is results[0] and cache.get(6) is None


def test_a_result_over_the_whole_budget_is_not_kept(results) -> None:
    cache = ResultCache(size=10, max_bytes=100)
    cache.put("q", results[0])
    assert cache.get("q") is None and cache.bytes == 0


def test_a_cache_needs_a_positive_budget() -> None:
    with pytest.raises(ValueError):
        ResultCache(size=10, max_bytes=0)
