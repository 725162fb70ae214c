"""The per-generation memo of where the looked-for stems' words are in the hits' texts
(`indexer.index.wordspans`): bounded in bytes, least recently used texts first, and the hits
of a search are the same whether their texts were met before, are new, or were dropped."""

from __future__ import annotations

import threading

import pytest

from indexer.index.caches import sizeof
from indexer.index.store import IndexStore
from indexer.index.wordspans import TEXT_BYTES, SpanCache, hits_bytes
from indexer.search import hits as hits_module
from indexer.search import search, snippets

QUERIES = ["back pain", "neck pain treatment", "sciatica", "pain in my knee when I run",
           "headache", "what helps a sore throat", "blood pressure", "back"]


def test_budget_and_order() -> None:
    hit = (("pain", 10, 14),)
    cache = SpanCache(TEXT_BYTES * 3 + hits_bytes(hit) * 2)
    first = cache.memo((1, "answer"))
    first.keep({"pain": hit}, 1)
    cache.memo((2, "answer")).keep({"pain": hit}, 1)
    assert cache.memo((1, "answer")) is first  # met again: now the most recent
    assert cache.bytes == 2 * TEXT_BYTES + 2 * hits_bytes(hit)
    cache.memo((3, "answer")).keep({"pain": ()}, 0)  # over budget: text 2 goes, not 1
    assert len(cache) == 2 and cache.bytes <= cache.max_bytes
    assert cache.memo((1, "answer")) is first and first["pain"] == hit
    assert cache.memo((2, "answer")) == {}  # dropped: found again from nothing
    assert cache.bytes <= cache.max_bytes


def test_a_dropped_memo_is_not_counted() -> None:
    cache = SpanCache(TEXT_BYTES * 2)
    old = cache.memo("a")
    cache.memo("b")
    cache.memo("c")  # "a" dropped
    before = cache.bytes
    old.keep({"pain": (("pain", 0, 4),)}, 1)  # a thread still holding it may fill it: not counted
    assert cache.bytes == before
    memo = cache.memo("c")
    memo.keep({"pain": (), "back": (("back", 0, 4),)}, 1)
    assert memo.bytes == TEXT_BYTES + hits_bytes(()) + hits_bytes((("back", 0, 4),))
    assert cache.bytes == sum(m.bytes for m in cache._items.values())
    with pytest.raises(ValueError):
        SpanCache(0)


def test_many_threads_keep_the_count_right() -> None:
    cache = SpanCache(200_000)

    def fill(k: int) -> None:
        for i in range(300):
            cache.memo((i % 50, "answer")).keep({f"s{(i + k) % 7}": (("x", i, i + 1),) * (i % 3)},
                                                i % 3)

    threads = [threading.Thread(target=fill, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.bytes == sum(m.bytes for m in cache._items.values()) <= cache.max_bytes


def test_estimate_is_close_to_a_full_walk(sample_index) -> None:
    """What the cache counts against `caches.sizeof` of its texts' keys and memos (the
    stems are the analyzer's shared strings: not counted), and the link of each in its
    ordered dict (~100 bytes: not seen by a walk)."""
    with IndexStore(sample_index).searcher() as s:
        s.gen.cache.pop("spans", None)
        for q in QUERIES:
            search(s, q)
        spans = s.gen.cache["spans"]
        assert len(spans)
        # (a hit's stem is the analyzer's string too)
        walked = sum(sizeof(k) + sizeof(dict(m)) - sum(map(sizeof, m))
                     - sum(sizeof(t) for h in m.values() for t, _, _ in h) + 100
                     for k, m in spans._items.items())
        assert 0.8 < spans.bytes / walked < 1.25


def test_results_are_the_same_met_again_new_or_dropped(sample_index, monkeypatch) -> None:
    store = IndexStore(sample_index)
    with store.searcher() as s:
        s.gen.cache.pop("spans", None)
        fresh = [search(s, q).to_dict() for q in QUERIES]
        kept = s.gen.cache["spans"]
        assert len(kept) > 0 and kept.bytes <= kept.max_bytes
        assert [search(s, q).to_dict() for q in QUERIES] == fresh  # all met before
        assert [search(s, q).to_dict() for q in reversed(QUERIES)] == fresh[::-1]
        # a budget of about one text: every search drops what the last one kept
        monkeypatch.setattr(hits_module, "SPAN_CACHE_BYTES", TEXT_BYTES + 1)
        s.gen.cache.pop("spans")
        assert [search(s, q).to_dict() for q in QUERIES] == fresh
        assert len(s.gen.cache["spans"]) <= 2
        s.gen.cache.pop("spans")


def test_the_memo_holds_each_answer_s_own_hits(sample_index) -> None:
    """Each hit's answer has a memo of its own (questions are scanned each time), holding
    that answer's hits of each stem looked for."""
    with IndexStore(sample_index).searcher() as s:
        s.gen.cache.pop("spans", None)
        result = search(s, "back pain")
        spans = s.gen.cache["spans"]
        assert {field for _, field in spans._items} == {"answer"}
        assert len(spans) == len({h.id for h in result.hits})
        for row, _ in list(spans._items):
            text = hits_module._cached_record(s, row).answer
            for stem, found in spans._items[(row, "answer")].items():
                assert list(found) == snippets._hits(text[:snippets.MAX_SCAN_CHARS], {stem})
        assert result.hits
