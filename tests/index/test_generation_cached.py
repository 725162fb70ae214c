"""`Generation.cached`: what is derived from a generation is made once, whichever of many
threads asks first, and kept with the generation."""

from __future__ import annotations

import threading
from pathlib import Path

from indexer.index.store import IndexStore


def test_made_once_for_many_threads(sample_index: Path) -> None:
    store = IndexStore(sample_index)
    made: list[int] = []
    gate = threading.Barrier(8)

    def make() -> object:
        made.append(1)
        return object()

    try:
        with store.searcher() as s:
            got: list[object] = []

            def ask() -> None:
                gate.wait()
                got.append(s.gen.cached("derived", make))

            threads = [threading.Thread(target=ask) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert len(made) == 1
            assert len(got) == 8 and all(g is got[0] for g in got)
            assert s.gen.cache["derived"] is got[0]
    finally:
        store.close()
