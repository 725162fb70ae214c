"""The per-generation term-score cache is bounded in bytes, and a cached term scores the same."""

from __future__ import annotations

import numpy as np

from indexer.index.store import IndexStore
from indexer.search.scoring import Scorer


def test_term_scores_are_cached_within_a_byte_budget(sample_index, monkeypatch):
    with IndexStore(sample_index).searcher() as s:
        data = s.data
        words = [w for w in data.vocab if w.isalpha()][:200]
        fresh = Scorer(data)
        expected = {t: fresh.term(t) for t in words}
        monkeypatch.setattr(Scorer, "CACHE_BYTES", 4096)
        small = Scorer(data)
        for t in words:
            rows, scores, df = small.term(t)
            assert df == expected[t][2]
            assert np.array_equal(rows, expected[t][0])
            assert np.array_equal(scores, expected[t][1])
        assert 0 < small._cache.bytes <= 4096
        assert len(small._cache) < len(words)  # the least recently used went
        again = small.term(words[-1])  # the last one is still kept: the same arrays
        assert again[0] is small.term(words[-1])[0]
