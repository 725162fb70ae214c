"""The question index keeps its archived questions packed: an entry made again is the entry
`make_entry` gives (down to its frozensets' iteration order), the postings and IDFs are those
of a plain inverted index, candidates come in the same order with the same ties, and the
cache of made entries stays within its bytes."""

from __future__ import annotations

import math
from collections import defaultdict

from indexer.editors.similar import QuestionIndex, make_entry
from indexer.editors.similar.packed import EntryCache, _entry_bytes


def _reference_postings(entries):
    postings = defaultdict(list)
    for i, e in enumerate(entries):
        for t in e.keys:
            postings[t].append(i)
    return postings


def test_entries_made_again_equal_make_entry_in_iteration_order_too(sample_expected):
    recs = [r for r in sample_expected if r.question or r.title]
    qi = QuestionIndex.from_records(recs, lazy=True)
    assert len(qi) == len(recs)
    for i, r in enumerate(recs):
        want, got = make_entry(r), qi.entries[i]
        assert got == want
        # sums over these sets must add up in the same order
        assert list(got.terms) == list(want.terms)
        assert list(got.cond_terms) == list(want.cond_terms)
        assert list(got.core) == list(want.core)
        assert [list(f) for f, _k in got.focus] == [list(f) for f, _k in want.focus]
        assert list(got.types.items()) == list(want.types.items())
    assert [e.id for e in qi.entries] == [r.id for r in recs]
    assert qi.by_id[recs[-1].id] == len(recs) - 1


def test_postings_and_idf_are_those_of_a_plain_inverted_index(sample_expected):
    qi = QuestionIndex.from_records(sample_expected)
    ref = _reference_postings([make_entry(r) for r in sample_expected
                               if r.question or r.title])
    assert dict(qi.postings.items()) == dict(ref)
    n = len(qi)
    for t, p in ref.items():
        assert qi.weight(t) == math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5))
        assert qi.idf[t] == qi.weight(t)
    assert qi.weight("zzzunknownzzz") == qi.default_idf
    assert qi.postings.get("zzzunknownzzz") is None


def test_candidates_keep_the_plain_order_and_ties(sample_expected):
    qi = QuestionIndex.from_records(sample_expected)
    ref = _reference_postings(list(qi.entries))
    for text in ("how is diabetes treated in children", "glaucoma eye pressure test",
                 "what causes high blood pressure and headaches"):
        d = qi.draft(text)
        acc = defaultdict(float)
        for t in d.tset:
            for i in ref.get(t, ()):
                acc[i] += qi.weight(t) * (2.0 if t in d.subject else 1.0)
        assert qi.candidates(d) == list(acc)
        for limit in (1, 3, 10):
            want = sorted(acc, key=acc.__getitem__, reverse=True)[:limit]
            got = qi.candidates(d, limit=limit)
            assert got == (list(acc) if len(acc) <= limit else want)


def test_the_cache_of_made_entries_stays_within_its_bytes(sample_expected):
    qi = QuestionIndex.from_records(sample_expected)
    entries = [qi.packed.make(i) for i in range(len(qi))]
    budget = 3 * max(map(_entry_bytes, entries))
    cache = EntryCache(budget)
    for i, e in enumerate(entries):
        cache.put(i, e)
        assert cache.bytes <= budget
    last = len(entries) - 1
    assert cache.get(last) is entries[last]  # the most recent is kept
    assert cache.get(0) is None  # the oldest went first
    cache.put(last, entries[last])  # putting again does not count twice
    kept = [e for i, e in enumerate(entries) if cache.get(i) is not None]
    assert len(kept) == len(cache) and cache.bytes == sum(map(_entry_bytes, kept)) <= budget


def test_made_entries_are_cached_and_reused(sample_expected):
    qi = QuestionIndex.from_records(sample_expected, lazy=True)
    assert qi.entries[0] is qi.entries[0]
    assert qi.entries[-1].id == qi.ids[-1]


def test_lazy_and_full_indexes_answer_alike(sample_expected):
    lazy = QuestionIndex.from_records(sample_expected, lazy=True)
    full = QuestionIndex.from_records(sample_expected)
    assert isinstance(full.entries, list) and not isinstance(lazy.entries, list)
    assert list(lazy.entries) == full.entries == lazy.with_all_entries().entries
    for text in ("how is diabetes treated in children", "glaucoma eye pressure test",
                 "what causes high blood pressure and headaches", "fibromalgia pain help"):
        assert lazy.search(text, limit=10) == full.search(text, limit=10)
