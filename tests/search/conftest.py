"""Fixtures shared by the search tests: an index of the test module's `RECORDS`, built once per
module, and a session of it per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from indexer.index.build import build_index
from indexer.index.store import IndexStore, Session


@pytest.fixture(scope="module")
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> IndexStore:
    """An index of the records in the test module's `RECORDS`."""
    idx = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "index"
    build_index(request.module.RECORDS, idx)
    return IndexStore(idx)


@pytest.fixture
def s(store: IndexStore) -> Iterator[Session]:
    with store.searcher() as session:
        yield session

