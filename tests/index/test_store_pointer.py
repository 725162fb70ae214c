"""The store reads CURRENT again only when the file changed: a request costs one `stat`, and a
build's swap (a rename: a new file) is still seen by the next session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from indexer.index import store as store_mod
from indexer.index.build import CURRENT, current_generation
from indexer.index.store import IndexStore


@pytest.fixture()
def index_copy(sample_index: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "index"
    shutil.copytree(sample_index, dest)
    return dest


def test_pointer_read_once_then_again_after_a_swap(index_copy: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str | None] = []

    def counted(index_dir: Path) -> str | None:
        reads.append(name := current_generation(index_dir))
        return name

    monkeypatch.setattr(store_mod, "current_generation", counted)
    store = IndexStore(index_copy)
    try:
        with store.searcher() as s:
            first = s.gen.name
        for _ in range(5):
            with store.searcher() as s:
                assert s.gen.name == first
        assert len(reads) == 1

        # a new generation swapped in the way a build does: written aside, then renamed
        second = first + "-next"
        shutil.copytree(index_copy / first, index_copy / second)
        tmp = index_copy / (CURRENT + ".tmp")
        tmp.write_text(f"{second}\n{first}\n", encoding="utf-8")
        os.replace(tmp, index_copy / CURRENT)
        with store.searcher() as s:
            assert s.gen.name == second
        assert reads[-1] == second
    finally:
        store.close()


def test_pointer_removed_keeps_serving(index_copy: Path) -> None:
    store = IndexStore(index_copy)
    try:
        with store.searcher() as s:
            first = s.gen.name
        (index_copy / CURRENT).unlink()
        with store.searcher() as s:
            assert s.gen.name == first
    finally:
        store.close()
