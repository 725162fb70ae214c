"""The decoded-record cache counts a record's bytes with a cheap estimate that stays close to
what `caches.sizeof` finds by walking it."""

from __future__ import annotations

from indexer.index.caches import sizeof
from indexer.index.store import IndexStore
from indexer.search.hits import record_at, record_bytes


def test_record_bytes_is_close_to_a_full_walk(sample_index):
    with IndexStore(sample_index).searcher() as s:
        for row in range(s.data.n_rows):
            rec = record_at(s, row)
            assert 0.8 < record_bytes(rec) / sizeof(rec) < 1.25, rec.id
